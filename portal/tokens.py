"""Bearer tokens a browser or calendar app holds: stored only as a hash, so a copy of the
database signs nobody in (staff sessions, remembered devices, drafts, calendar feeds)."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    """What the database keeps of a token. A plain SHA-256 is enough: tokens are 32 random
    bytes, so there is nothing to guess that a slow hash would protect."""
    return hashlib.sha256(token.encode()).hexdigest()

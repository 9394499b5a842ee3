"""Where a ``next`` parameter may send the browser: back to a page of ours, never elsewhere.

Browsers clean a URL before following it (WHATWG URL parsing): they drop tabs and line breaks
anywhere, trim spaces and control characters at the ends, and read ``\\`` as ``/``. So
``/<TAB>/evil.example/`` is ``//evil.example/`` to them. The check is made on the address as the
browser will read it, and that cleaned address is the one we redirect to.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))


def local_target(value: str | None) -> str | None:
    """``value`` as the browser would read it, when that is a path on this site; else None."""
    if not value:
        return None
    cleaned = _TAB_OR_NEWLINE.sub("", value).strip(_C0_OR_SPACE).replace("\\", "/")
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return cleaned

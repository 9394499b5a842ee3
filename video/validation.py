"""Check signalling messages before they are relayed: type, size and the shape of SDP."""

from __future__ import annotations

import json
import re
from typing import Any

#: Anything bigger is not a real offer; a browser's offer for three tracks is a few kilobytes.
MAX_MESSAGE_BYTES = 64 * 1024
MAX_CANDIDATE_CHARS = 1024
SDP_LINE = re.compile(r"^[a-z]=[^\r\n]*$")
KINDS = {"offer", "answer", "candidate"}


class BadMessage(Exception):
    """The message is malformed; ``code`` tells the sender what was wrong."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _size(payload: Any) -> int:
    try:
        return len(json.dumps(payload, separators=(",", ":")).encode())
    except (TypeError, ValueError) as exc:
        raise BadMessage("not_json") from exc


def valid_sdp(sdp: object) -> bool:
    """Return whether ``sdp`` looks like a session description: v=0 first, known line types."""
    if not isinstance(sdp, str) or not sdp.startswith("v=0"):
        return False
    lines = sdp.replace("\r\n", "\n").rstrip("\n").split("\n")
    if not all(SDP_LINE.match(line) for line in lines):
        return False
    return any(line.startswith("m=") for line in lines) and any(
        line.startswith("o=") for line in lines
    )


def signal(payload: Any) -> dict[str, Any]:
    """Return a clean copy of a ``signal`` message, or raise ``BadMessage``."""
    if not isinstance(payload, dict):
        raise BadMessage("not_an_object")
    if _size(payload) > MAX_MESSAGE_BYTES:
        raise BadMessage("too_big")
    to, kind = payload.get("to"), payload.get("kind")
    if not isinstance(to, int) or isinstance(to, bool) or to <= 0:
        raise BadMessage("bad_recipient")
    if kind not in KINDS:
        raise BadMessage("bad_kind")
    clean: dict[str, Any] = {"to": to, "kind": kind}
    if kind in ("offer", "answer"):
        if not valid_sdp(payload.get("sdp")):
            raise BadMessage("bad_sdp")
        clean["sdp"] = payload["sdp"]
        clean["restart"] = bool(payload.get("restart", False))
    else:
        candidate = payload.get("candidate")
        if not isinstance(candidate, dict):
            raise BadMessage("bad_candidate")
        text = candidate.get("candidate", "")
        mid = candidate.get("sdpMid")
        index = candidate.get("sdpMLineIndex")
        if not isinstance(text, str) or len(text) > MAX_CANDIDATE_CHARS:
            raise BadMessage("bad_candidate")
        if text and not text.startswith("candidate:"):
            raise BadMessage("bad_candidate")
        if mid is not None and (not isinstance(mid, str) or len(mid) > 32):
            raise BadMessage("bad_candidate")
        if index is not None and (not isinstance(index, int) or not 0 <= index < 64):
            raise BadMessage("bad_candidate")
        clean["candidate"] = {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}
    return clean


def small_object(payload: Any, limit: int = 2048) -> dict[str, Any]:
    """Any other event: an object of modest size (``{}`` when nothing was sent)."""
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise BadMessage("not_an_object")
    if _size(payload) > limit:
        raise BadMessage("too_big")
    return payload

"""The camera-and-sound check: a server-side WebRTC peer that sends the client's tracks back.

aiortc runs in its own asyncio event loop on its own OS thread (a real one under gevent too:
``reminders.osthreads``). Flask hands it an offer and waits (with a timeout) for the answer;
nothing on the loop ever waits for Flask. Each check ends by
itself after ``MAX_SECONDS``; at most ``max_checks`` run at once so calls keep the CPU.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

from reminders.osthreads import OsThread

log = logging.getLogger(__name__)
MAX_SECONDS = 60.0
#: An audio frame whose loudest sample passes this (of 32767) counts as "we hear you".
HEARD_LEVEL = 300


class Busy(Exception):
    """Too many checks are running; try again in a moment."""


@dataclass
class CheckResult:
    video_frames: int = 0
    audio_frames: int = 0
    loud_audio_frames: int = 0
    width: int = 0
    height: int = 0
    state: str = "new"
    started: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        return {
            "video_frames": self.video_frames,
            "audio_frames": self.audio_frames,
            "heard": self.loud_audio_frames > 5,
            "seen": self.video_frames > 5 and self.width > 0,
            "width": self.width,
            "height": self.height,
            "state": self.state,
        }


def _loudest(frame: Any) -> int:
    """The loudest 16-bit sample in an audio frame (aiortc decodes Opus to s16)."""
    try:
        samples = array("h", bytes(frame.planes[0]))
    except (ValueError, TypeError, AttributeError):
        return 0
    step = max(1, len(samples) // 240)
    return max((abs(samples[i]) for i in range(0, len(samples), step)), default=0)


class EchoService:
    """Owns the loop thread and the running checks."""

    def __init__(self, max_checks: int = 4, max_seconds: float = MAX_SECONDS) -> None:
        self.max_checks = max_checks
        self.max_seconds = max_seconds
        self.results: dict[str, CheckResult] = {}
        self._pcs: dict[str, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: OsThread | None = None
        self._start_lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._loop is None:
                # Imported here, not first on the loop's thread: under gevent its import runs a
                # subprocess (ifaddr asks ldconfig), which only the main thread can wait for.
                import aiortc  # noqa: F401

                created: list[asyncio.AbstractEventLoop] = []
                ready = threading.Event()

                def run() -> None:
                    # Made inside its thread: under gevent its selector belongs to that thread.
                    loop = asyncio.new_event_loop()
                    created.append(loop)
                    ready.set()
                    loop.run_forever()

                self._thread = OsThread(run, "aiortc-echo")
                ready.wait()
                self._loop = created[0]
        return self._loop

    def answer(self, sdp: str, kind: str = "offer", timeout: float = 15.0) -> tuple[str, str]:
        """Answer a browser's offer; returns (check id, answer SDP). Waits at most ``timeout``."""
        if len(self._pcs) >= self.max_checks:
            raise Busy()
        future = asyncio.run_coroutine_threadsafe(self._answer(sdp, kind), self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def result(self, check_id: str) -> CheckResult | None:
        return self.results.get(check_id)

    def stop(self, check_id: str) -> None:
        if self._loop is not None and check_id in self._pcs:
            asyncio.run_coroutine_threadsafe(self._close(check_id), self._loop)

    def shutdown(self) -> None:
        loop = self._loop
        if loop is None:
            return
        for check_id in list(self._pcs):
            asyncio.run_coroutine_threadsafe(self._close(check_id), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop = None

    async def _answer(self, sdp: str, kind: str) -> tuple[str, str]:
        from aiortc import RTCPeerConnection, RTCSessionDescription

        check_id = secrets.token_urlsafe(12)
        result = CheckResult()
        pc = RTCPeerConnection()
        self._pcs[check_id] = pc
        self.results[check_id] = result

        @pc.on("track")
        def on_track(track: Any) -> None:
            pc.addTrack(_Echo(track, result))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            result.state = pc.connectionState
            if pc.connectionState in ("failed", "closed"):
                await self._close(check_id)

        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
        await pc.setLocalDescription(await pc.createAnswer())
        asyncio.get_running_loop().call_later(
            self.max_seconds, lambda: asyncio.ensure_future(self._close(check_id))
        )
        self._forget_old()
        return check_id, pc.localDescription.sdp

    async def _close(self, check_id: str) -> None:
        pc = self._pcs.pop(check_id, None)
        if pc is not None:
            await pc.close()
            result = self.results.get(check_id)
            if result is not None and result.state not in ("failed",):
                result.state = "closed"

    def _forget_old(self) -> None:
        horizon = time.monotonic() - 10 * self.max_seconds
        for key in [k for k, r in self.results.items() if r.started < horizon]:
            self.results.pop(key, None)


def _echo_track_class() -> type:
    from aiortc import MediaStreamTrack

    class Echo(MediaStreamTrack):
        """Pass each received frame straight back, counting what arrived."""

        def __init__(self, source: Any, result: CheckResult) -> None:
            super().__init__()
            self.kind = source.kind
            self.source = source
            self.result = result

        async def recv(self) -> Any:
            frame = await self.source.recv()
            if self.kind == "video":
                self.result.video_frames += 1
                self.result.width, self.result.height = frame.width, frame.height
            else:
                self.result.audio_frames += 1
                if _loudest(frame) > HEARD_LEVEL:
                    self.result.loud_audio_frames += 1
            return frame

    return Echo


def _Echo(source: Any, result: CheckResult) -> Any:  # noqa: N802 - reads like a class
    global _ECHO
    if _ECHO is None:
        _ECHO = _echo_track_class()
    return _ECHO(source, result)


_ECHO: type | None = None

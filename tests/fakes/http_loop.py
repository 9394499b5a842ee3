"""A small keep-alive HTTP/1.1 server on an asyncio loop in its own thread, for local fakes.

Hand-written (stdlib only): the stdlib's ``http.server`` parses headers with the email package
and runs a thread per connection, and in the burst benchmark the fake's own CPU time must not be
what is measured (real Twilio is not on our machine). ``tests.fakes.twilio_server`` speaks
Twilio's API on top of it.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus

#: (method, target, headers with lower-case names, body) -> the whole HTTP response.
Answer = Callable[[str, str, dict[str, str], str], bytes]


class LoopServer:
    """Serve ``answer`` on 127.0.0.1 (a port the OS chooses); each answer may wait ``latency``
    seconds (read at every request, like a network round trip)."""

    def __init__(self, answer: Answer, latency: Callable[[], float], name: str) -> None:
        self.answer = answer
        self.name = name
        self.latency = latency
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.connections: set[asyncio.Transport] = set()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.sockets[0].getsockname()[1])

    def start(self) -> None:
        """Serve on 127.0.0.1 (a port the OS chooses) from an event loop in its own thread."""
        loop = asyncio.new_event_loop()
        started: list[asyncio.Server] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            started.append(
                loop.run_until_complete(
                    loop.create_server(lambda: _Connection(self), "127.0.0.1", 0)
                )
            )
            ready.set()
            loop.run_forever()

        ready = threading.Event()
        self._loop = loop
        self._thread = threading.Thread(target=serve, name=self.name, daemon=True)
        self._thread.start()
        ready.wait()
        self._server = started[0]

    def stop(self) -> None:
        """Stop listening and drop open connections, as a provider that went away."""
        if self._server is None or self._loop is None:
            return
        server, loop = self._server, self._loop

        async def close() -> None:
            server.close()
            for transport in list(self.connections):
                transport.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        loop.close()
        self._server = None
        self._loop = None


class _Connection(asyncio.Protocol):
    """One client connection: requests one after another, kept alive as HTTP/1.1 does."""

    def __init__(self, server: LoopServer) -> None:
        self.server = server
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.waiting = False  # an answer is held back by ``latency``; requests queue behind it

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.connections.add(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:  # answers go out at once, not after the client's delayed ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.server.connections.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.next_request()

    def next_request(self) -> None:
        while not self.waiting and self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            method, target, version, headers = _parse_head(bytes(self.buffer[:end]))
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            raw = self.buffer[end + 4 : end + 4 + length].decode()
            del self.buffer[: end + 4 + length]
            if version == "HTTP/1.0":
                headers["connection"] = "close"
            latency = self.server.latency()
            if latency:
                self.waiting = True
                asyncio.get_running_loop().call_later(
                    latency, self.answer, method, target, headers, raw
                )
            else:
                self.answer(method, target, headers, raw)

    def answer(self, method: str, target: str, headers: dict[str, str], raw: str) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(self.server.answer(method, target, headers, raw))
        if closing(headers):
            self.transport.close()
            return
        if self.waiting:
            self.waiting = False
            self.next_request()


@functools.lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    return formatdate(second, usegmt=True)


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """Request line and headers (names in lower case) of one HTTP/1.1 request."""
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, target, version, headers


def closing(headers: dict[str, str]) -> bool:
    return headers.get("connection", "").lower() == "close"


def response(status: int, data: bytes, close: bool) -> bytes:
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        f"Date: {_http_date(int(time.time()))}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n" + ("Connection: close\r\n" if close else "") + "\r\n"
    )
    return head.encode("latin-1") + data

"""Helpers for the video tests: the app served as `boendestod serve` serves it, coturn, Redis.

Socket.IO needs the app's public URL to be the page's origin (its CORS check), so these servers
bind first and build the app for the address they got.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page
from werkzeug.serving import make_server

from models import Database
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


class ThreadServer:
    """The app in this process on a werkzeug server (WebSocket via simple-websocket)."""

    def __init__(self, make_app: Callable[[str], Flask]) -> None:
        self.server = make_server("127.0.0.1", 0, lambda e, s: [], threaded=True)
        self.url = f"http://localhost:{self.server.server_port}"
        self.app = make_app(self.url)
        self.server.app = self.app
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@contextmanager
def gunicorn_app(database_url: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run the app in its own process under gunicorn gthread, like `boendestod serve`."""
    sock = _listening_socket()
    url = f"http://localhost:{sock.getsockname()[1]}"
    environ = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_URL": url,
        "SCHEDULER": "0",
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.serve_app", str(sock.fileno())],
        cwd=ROOT,
        env=environ,
        pass_fds=[sock.fileno()],
    )
    sock.close()
    try:
        _wait_http(url + "/healthz", proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_http(url: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app process exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def coturn(secret: str, tmp: Path) -> Iterator[int]:
    """A real coturn on loopback with the REST-API shared secret (use-auth-secret)."""
    binary = shutil.which("turnserver")
    if binary is None:
        raise RuntimeError("coturn is not installed: apt-get install coturn")
    port = free_udp_port()
    low = 49152 + (port % 8000)
    proc = subprocess.Popen(
        [
            binary,
            "-n",  # no config file
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            f"--min-port={low}",
            f"--max-port={low + 200}",
            "--use-auth-secret",
            f"--static-auth-secret={secret}",
            "--realm=boendestod.test",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--allow-loopback-peers",
            "--fingerprint",
            f"--pidfile={tmp / 'turn.pid'}",
            f"--log-file={tmp / 'turn.log'}",
            "--simple-log",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)
        if proc.poll() is not None:
            raise RuntimeError("turnserver exited: " + (tmp / "turn.log").read_text()[-2000:])
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """A private redis-server on a free port, gone afterwards."""
    sock = _listening_socket()
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def staff_page(browser: Browser, url: str, db: Database, username: str) -> Page:
    """A desktop page signed in as a member of staff (password + TOTP, like a person)."""
    from sqlalchemy import select

    from models import Staff

    with db.transaction() as s:
        secret = s.scalar(select(Staff.totp_secret).where(Staff.username == username))
    context = browser.new_context(base_url=url, locale="sv-SE")
    page = context.new_page()
    page.goto("/personal/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill("correct horse battery")
    page.get_by_label("Kod från din autentiseringsapp").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/personal/"))
    return page


def phone_page(browser: Browser, url: str) -> Page:
    context: BrowserContext = browser.new_context(
        base_url=url,
        viewport={"width": 360, "height": 640},
        locale="sv-SE",
        has_touch=True,
        is_mobile=True,
    )
    return context.new_page()


#: Run in a page: wait until the page's remote video has a size and its frames advance.
FRAMES_ADVANCE = """async (selector) => {
  const el = document.querySelector(selector);
  const deadline = performance.now() + 15000;
  let first = null;
  while (performance.now() < deadline) {
    const n = el.getVideoPlaybackQuality().totalVideoFrames;
    if (el.videoWidth > 0) {
      if (first === null) first = n;
      else if (n > first + 5) return {width: el.videoWidth, frames: n};
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return {width: el.videoWidth, frames: el.getVideoPlaybackQuality().totalVideoFrames};
}"""

#: Run in a page: audio received from every peer, and the type of the selected candidate pair.
CALL_STATS = """async () => {
  const out = [];
  for (const [pid, peer] of window.videoCall.peers) {
    const stats = await peer.pc.getStats();
    let audio = 0, samples = 0, pair = null;
    const byId = new Map();
    stats.forEach(r => byId.set(r.id, r));
    stats.forEach(r => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        audio += r.bytesReceived || 0; samples += r.totalSamplesReceived || 0;
      }
      if (r.type === 'transport' && r.selectedCandidatePairId)
        pair = byId.get(r.selectedCandidatePairId);
    });
    const localCandidate = pair ? byId.get(pair.localCandidateId) : null;
    const remoteCandidate = pair ? byId.get(pair.remoteCandidateId) : null;
    out.push({pid, audio, samples,
              local: localCandidate && localCandidate.candidateType,
              remote: remoteCandidate && remoteCandidate.candidateType});
  }
  return out;
}"""

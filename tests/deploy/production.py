"""The production set-up on loopback: deploy/nginx in front of `boendestod serve` processes.

nginx runs the very file docs/install.md installs, with only its addresses, ports and paths
changed for a temporary directory, behind a self-signed certificate made with openssl.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "boendestod.conf"
BOENDESTOD = Path(sys.executable).with_name("boendestod")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed_certificate(directory: Path) -> None:
    """fullchain.pem and privkey.pem for localhost, as docs/install.md makes them to try."""
    directory.mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip


def render_site(tmp: Path, https: int, http: int, app_ports: list[int]) -> str:
    """deploy/nginx/boendestod.conf with this test's ports and paths; every change must apply."""
    text = SITE.read_text()
    upstreams = "".join(f"server 127.0.0.1:{port};\n    " for port in app_ports).rstrip()
    changes = [
        ("listen [::]:80;", ""),
        ("listen [::]:443 ssl http2;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("server_name boendestod.example.se;", "server_name localhost;"),
        ("server 127.0.0.1:8101;\n    server 127.0.0.1:8102;", upstreams),
        ("/etc/ssl/boendestod/", f"{tmp}/tls/"),
        ("/var/log/nginx/", f"{tmp}/log/"),
        ("/var/www/html", f"{tmp}/www"),
    ]
    for old, new in changes:
        assert old in text, f"deploy/nginx/boendestod.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


MAIN = """# What Debian's /etc/nginx/nginx.conf gives the site file, in a temporary directory.
{user}
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/log/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {tmp}/temp/body;
    proxy_temp_path {tmp}/temp/proxy;
    fastcgi_temp_path {tmp}/temp/fastcgi;
    uwsgi_temp_path {tmp}/temp/uwsgi;
    scgi_temp_path {tmp}/temp/scgi;
    access_log off;
    include {tmp}/boendestod.conf;
}}
"""


@dataclass
class Nginx:
    url: str
    http_url: str
    access_log: Path

    def mark(self) -> int:
        """Where the access log ends now: pass it as ``since`` to look at later requests only."""
        return self.access_log.stat().st_size

    def upstreams_of(self, method: str, prefix: str, since: int = 0) -> set[str]:
        """The app addresses ("127.0.0.1:PORT") that answered requests for paths so starting."""
        with self.access_log.open() as log:
            log.seek(since)
            lines = log.read()
        pattern = re.compile(rf'"{method} {re.escape(prefix)}\S*" \d+ \d+ \S+ (\S+) ')
        return set(pattern.findall(lines))


@contextmanager
def nginx(tmp: Path, https: int, http: int, app_ports: list[int]) -> Iterator[Nginx]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        raise RuntimeError("nginx is not installed: apt-get install nginx")
    for sub in ("log", "temp", "www"):
        (tmp / sub).mkdir()
    self_signed_certificate(tmp / "tls")
    (tmp / "boendestod.conf").write_text(render_site(tmp, https, http, app_ports))
    # As root nginx's workers would become "nobody", who may not enter pytest's directories.
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(MAIN.format(tmp=tmp, user=user))
    command = [
        binary,
        "-p",
        str(tmp),
        "-c",
        str(tmp / "nginx.conf"),
        "-e",
        str(tmp / "log/error.log"),
    ]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.PIPE, text=True)
    try:
        server = Nginx(
            f"https://localhost:{https}",
            f"http://localhost:{http}",
            tmp / "log" / "boendestod.access.log",
        )
        wait_until_answers(server.url + "/healthz", proc, seconds=30)
        yield server
    finally:
        proc.terminate()
        proc.wait(10)


INSECURE = ssl.create_default_context()
INSECURE.check_hostname = False
INSECURE.verify_mode = ssl.CERT_NONE


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET with a self-signed certificate accepted; no redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=INSECURE), NoRedirect()
    )
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_answers(url: str, proc: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            if get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


@contextmanager
def serve(port: int, env: dict[str, str]) -> Iterator[int]:
    """`boendestod serve` on 127.0.0.1:PORT, as the boendestod-web@PORT unit runs it."""
    proc = subprocess.Popen(
        [str(BOENDESTOD), "serve"],
        env={**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/healthz", proc, seconds=60)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cli(*args: str, env: dict[str, str]) -> str:
    """Run a `boendestod` command as docs/install.md does; its output."""
    done = subprocess.run(
        [str(BOENDESTOD), *args], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def route_keys(server: Nginx, upstreams: list[str]) -> dict[str, str]:
    """A routing cookie value that nginx sends to each app address (read from its access log)."""
    found: dict[str, str] = {}
    for i in range(200):
        key = f"{i:032x}"
        # A path of its own (the app answers 404) finds this request's line in the log, which
        # nginx may write a moment after the answer.
        get(f"{server.url}/route-probe-{key}", {"Cookie": f"boendestod_route={key}"})
        deadline = time.monotonic() + 5
        while not (answered := server.upstreams_of("GET", f"/route-probe-{key}")):
            assert time.monotonic() < deadline, f"no log line for probe {key}"
            time.sleep(0.05)
        found.setdefault(answered.pop(), key)
        if all(u in found for u in upstreams):
            return {u: found[u] for u in upstreams}
    raise AssertionError(f"nginx sent every browser to {list(found)}")

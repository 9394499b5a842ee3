"""Client pages on a cheap phone: compressed bytes, server time to first byte, and time until
usable in Chromium throttled to slow 3G (400 kbit/s, 400 ms round trip).

    .venv/bin/python benchmarks/client_pages.py [--ttfb-runs 50] [--browser-runs 5]

Runs on the demo data in a temporary SQLite database, signed in as Sandra. The server sits
behind a small gzip layer, as production sits behind a compressing proxy. The baselines, in
the same run: the targets (14 KB, 25 ms, 1.5 s) and the network floor on the same throttled
connection (a one-byte page: the time no page can beat).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from models import CheckIn, Client, Database, Mood, utcnow  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from portal.app import create_app  # noqa: E402
from portal.config import Settings  # noqa: E402
from portal.demo import seed  # noqa: E402
from tests.browser.easyread import gzip_size  # noqa: E402
from tests.chromium import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from tests.portal.helpers import device_token  # noqa: E402

TARGET_BYTES, TARGET_TTFB_MS, TARGET_USABLE_S = 14 * 1024, 25.0, 1.5
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml")


class Gzip:
    """Compress text responses when the browser accepts gzip (what nginx would do)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if "gzip" not in environ.get("HTTP_ACCEPT_ENCODING", ""):
            return self.app(environ, start_response)
        captured: dict[str, object] = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        headers = list(captured["headers"])
        kind = next((v for k, v in headers if k.lower() == "content-type"), "")
        if kind.startswith(COMPRESSIBLE) and len(body) > 200:
            body = gzip.compress(body, compresslevel=6)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))]
        start_response(captured["status"], headers)
        return [body]


def build(folder: Path):
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    settings = Settings(
        env="bench",
        database_url=url,
        secret_key="bench-" + "x" * 40,
        public_url="http://localhost",
        scheduler=False,
        cookie_secure=False,
    )
    with db.transaction() as s:
        seed(s, utcnow(), settings.zone)
    with db.transaction() as s:
        sandra = s.scalar(select(Client).where(Client.first_name == "Sandra"))
        check_in = CheckIn(client_id=sandra.id, mood=Mood.RED, created_at=utcnow())
        s.add(check_in)
        s.flush()
        sandra_id, check_in_id = sandra.id, check_in.id
    app = create_app(settings, db=db)
    app.wsgi_app = Gzip(app.wsgi_app)

    @app.get("/bench/floor")
    def floor():
        return "."

    pages = [
        "/min-dag",
        "/hur-mar-du",
        f"/hur-mar-du/{check_in_id}",
        "/mina-mal",
        "/mina-besok",
        "/skriv",
        "/tillganglighet",
    ]
    return app, db, device_token(db, client_id=sandra_id), pages


def ttfb_ms(port: int, path: str, cookie: str, runs: int) -> tuple[float, bytes]:
    """Median time from sending the request to the first byte of the answer."""
    times, body = [], b""
    for _ in range(runs + 2):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.connect()
        start = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": f"device={cookie}"})
        response = conn.getresponse()  # returns once the status line has arrived
        first = time.perf_counter()
        body = response.read()
        conn.close()
        assert response.status == 200, (path, response.status)
        times.append((first - start) * 1000)
    return statistics.median(times[2:]), body  # the first two warm the caches


def usable_s(browser, base: str, path: str, cookie: str, runs: int) -> float:
    """Median time until the page has loaded (HTML, CSS, images, script) on slow 3G, cold."""
    results = []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True)
        context.add_cookies([{"name": "device", "value": cookie, "url": base}])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        page.goto(base + path, wait_until="load")
        results.append(
            page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
        )
        context.close()
    return statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ttfb-runs", type=int, default=50)
    parser.add_argument("--browser-runs", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        app, db, cookie, pages = build(Path(tmp))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        port = server.server_port
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://localhost:{port}"
        css = gzip_size((ROOT / "portal/static/app.css").read_bytes())
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
                floor = usable_s(browser, base, "/bench/floor", cookie, args.browser_runs)
                print(f"slow 3G floor (one-byte page, cold connection): {floor:.2f} s")
                print(
                    f"{'page':<18}{'HTML+CSS gz':>12}{'×14KB':>7}{'TTFB ms':>9}{'×25ms':>7}"
                    f"{'usable s':>10}{'×1.5s':>7}{'×floor':>8}"
                )
                for path in pages:
                    ttfb, body = ttfb_ms(port, path, cookie, args.ttfb_runs)
                    size = gzip_size(body) + css
                    usable = usable_s(browser, base, path, cookie, args.browser_runs)
                    name = path if len(path) < 18 else path[:15] + "…"
                    print(
                        f"{name:<18}{size:>12}{size / TARGET_BYTES:>7.2f}{ttfb:>9.1f}"
                        f"{ttfb / TARGET_TTFB_MS:>7.2f}{usable:>10.2f}"
                        f"{usable / TARGET_USABLE_S:>7.2f}{usable / floor:>8.2f}"
                    )
                browser.close()
        finally:
            server.shutdown()
            db.dispose()


if __name__ == "__main__":
    main()

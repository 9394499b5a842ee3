"""Response headers that every page gets (a strict CSP and friends), and the proxy in front."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, url_for
from werkzeug.middleware.proxy_fix import ProxyFix


def content_security_policy(public_url: str) -> str:
    """A strict CSP: nothing from anywhere but here, and WebSockets only to our own address."""
    parts = urlsplit(public_url)
    websocket = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            f"connect-src 'self' {websocket}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


#: "same-origin": our own pages get the full Referer, which Flask-WTF's CSRF check demands on
#: https (WTF_CSRF_SSL_STRICT: a POST must come from a page of this site); any other site gets
#: none at all. "strict-origin-when-cross-origin" would also satisfy the check but would tell
#: every site a client follows a link to that they came from the municipality's support
#: service, which is itself a sensitive fact. "no-referrer" sends nothing, so every https POST
#: failed the CSRF check.
REFERRER_POLICY = "same-origin"


def headers(csp: str, response: Response) -> Response:
    """After each request: the security headers (``portal.wiring`` gives this app's CSP)."""
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    response.headers.setdefault(
        "Permissions-Policy", "camera=(self), microphone=(self), geolocation=()"
    )
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    # Pages, JSON, CSV and feeds carry personal data: never kept in any cache. Static files
    # and the vendored libraries set their own long cache and keep it.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def trust_proxies(app: Flask, hops: int) -> None:
    """Believe X-Forwarded-For/-Proto/-Host from exactly ``hops`` reverse proxies in front.

    With 0 the headers are ignored: anyone can send them, so without a proxy that overwrites
    them they would let a client choose the address the audit log records.
    """
    if hops > 0:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=0, x_prefix=0
        )


def origin_of(url: str) -> str:
    """``https://host[:port]`` of a URL: what a browser sends as ``Origin`` from its pages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def public_url_for(endpoint: str, **values: object) -> str:
    """An absolute link for SMS, feeds and callbacks, always on PUBLIC_URL.

    Never from the request's Host and scheme: behind a proxy those can be the proxy's own
    (``http://127.0.0.1:8101``), and a forged Host would put a stranger's address in a link.
    """
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)

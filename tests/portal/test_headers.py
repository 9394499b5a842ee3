"""What every response tells the browser: no caching of personal data, sockets only to us."""

import pytest

from models import utcnow
from portal.app import create_app
from tests.conftest import https_client
from tests.factories import make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


def test_json_csv_and_pages_are_never_cached_but_static_files_are(app, db) -> None:
    from models import Role

    with db.transaction() as s:
        make_staff(s, "maria", roles=[Role.MANAGER])
    web = staff_client(app, db, "maria")
    for url in ("/personal/rapport.csv", "/dev/outbox.json", "/personal/nyckeltal"):
        response = web.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    static = web.get("/static/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_a_calendar_feed_is_not_kept_in_any_cache(app, db) -> None:
    from portal.booking import ical
    from tests.factories import make_client

    with db.transaction() as s:
        anna = make_staff(s, "anna")
        token = ical.new_feed(s, utcnow(), client_id=make_client(s, workers=[anna]).id)
    response = https_client(app).get(f"/kalender/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_pages_may_open_websockets_only_to_our_own_public_address(db, settings) -> None:
    app = create_app(settings.with_(public_url="https://boendestod.example.se"), db=db)
    csp = https_client(app).get("/logga-in").headers["Content-Security-Policy"]
    connect = next(p for p in csp.split("; ") if p.startswith("connect-src"))
    assert connect == "connect-src 'self' wss://boendestod.example.se"
    app.extensions["boendestod.dispatcher"].shutdown()

"""Rate limits on everything that sends an SMS or checks a code or password, and the rule that
keeps a stranger from locking a client out of their own sign-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from models import Database
from portal.app import create_app
from portal.config import RateLimits
from tests.browser.video_support import redis_server
from tests.conftest import csrf_from, https_client, post_form, settings_for_tests, sms_to
from tests.factories import make_client

pytestmark = pytest.mark.db
SANDRA = "+46700000001"


@pytest.fixture
def sandra(db: Database) -> int:
    with db.transaction() as s:
        return make_client(s, first_name="Sandra", phone=SANDRA).id


def post_from(web: FlaskClient, address: str, url: str, data: dict[str, str]):
    """GET the form and POST it as a browser at ``address`` would."""
    web.environ_base["REMOTE_ADDR"] = address
    return post_form(web, url, data)


def code_in(sms: str) -> str:
    return re.search(r"\b(\d{6})\b", sms).group(1)


def first_contact(web: FlaskClient, phone: str, address: str = "198.51.100.7"):
    return post_from(web, address, "/fraga", {"name": "Eva", "phone": phone, "text": "Hej"})


def app_with(database_url: str, db: Database, **limits: str) -> Flask:
    settings = settings_for_tests(database_url, limits=RateLimits(**limits))
    app = create_app(settings, db=db)
    app.config["TESTING"] = True
    return app


def test_one_address_cannot_send_codes_to_ten_numbers_in_a_burst(app: Flask) -> None:
    web = https_client(app)
    statuses = [first_contact(web, f"070-123 45 6{n}").status_code for n in range(10)]
    assert statuses == [302] * 6 + [429] * 4  # the default: 6 per 10 minutes
    sent = [n for n in range(10) if sms_to(web, f"+4670123456{n}")]
    assert sent == list(range(6))


def test_a_refusal_is_an_easy_read_page_with_what_was_typed_and_when_to_try_again(
    app: Flask,
) -> None:
    web = https_client(app)
    for n in range(6):
        first_contact(web, f"070-123 45 6{n}")
    page = first_contact(web, "070-123 45 69")
    assert page.status_code == 429
    assert 0 < int(page.headers["Retry-After"]) <= 601  # the window's end, in whole seconds
    assert "Du har försökt många gånger. Vänta 10 minuter. Försök sedan igen." in page.text
    assert 'value="070-123 45 69"' in page.text and 'value="Eva"' in page.text
    web.set_cookie("lang", "ar", domain="localhost")
    page = first_contact(web, "070-123 45 69")
    assert page.status_code == 429 and "لقد حاولت مرات كثيرة" in page.text
    web.set_cookie("lang", "en", domain="localhost")
    assert "You have tried many times" in first_contact(web, "070-123 45 69").text


def test_one_number_asked_for_from_many_addresses_is_refused_after_its_limit(
    database_url: str, db: Database, sandra: int
) -> None:
    app = app_with(database_url, db, sms_per_number="2 per hour")
    web = https_client(app)
    for address in ("203.0.113.1", "203.0.113.2"):
        assert post_from(web, address, "/logga-in", {"phone": "070-000 00 01"}).status_code == 302
    page = post_from(web, "203.0.113.3", "/logga-in", {"phone": "070-000 00 01"})
    assert page.status_code == 429 and "Retry-After" in page.headers
    assert 'value="070-000 00 01"' in page.text
    assert len(sms_to(web, SANDRA)) == 2
    app.extensions["boendestod.dispatcher"].shutdown()


def test_codes_typed_from_one_address_are_limited(database_url: str, db: Database) -> None:
    app = app_with(database_url, db, code_checks_per_address="3 per 10 minutes")
    web = https_client(app)
    first_contact(web, "070-999 99 99")
    statuses = [
        post_from(web, "198.51.100.7", "/fraga/kod", {"code": "000000"}).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    app.extensions["boendestod.dispatcher"].shutdown()


def test_staff_passwords_from_one_address_are_limited_whatever_the_account(
    database_url: str, db: Database
) -> None:
    app = app_with(database_url, db, passwords_per_address="3 per 10 minutes")
    web = https_client(app)
    statuses = [
        post_from(
            web, "192.0.2.9", "/personal/logga-in", {"username": name, "password": "fel"}
        ).status_code
        for name in ("karin", "olle", "sara", "ali")
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:-1]
    other = post_from(web, "192.0.2.10", "/personal/logga-in", {"username": "ali", "password": "x"})
    assert other.status_code != 429  # another address is not held back


def test_a_strangers_posts_do_not_stop_the_clients_own_phone_from_signing_in(
    app: Flask, sandra: int
) -> None:
    phone = https_client(app)  # Sandra's own phone: signed in once, then signed out
    post_from(phone, "10.1.1.1", "/logga-in", {"phone": "070-000 00 01"})
    post_from(phone, "10.1.1.1", "/logga-in/kod", {"code": code_in(sms_to(phone, SANDRA)[0])})
    page = phone.get("/min-dag")
    phone.post("/logga-ut", data={"csrf_token": csrf_from(page.data)})
    assert phone.get("/min-dag").status_code == 302

    # A stranger: with her first sign-in, three codes to her number from elsewhere (the most
    # in 15 minutes), then five wrong ones (a lock for 15 minutes).
    stranger = https_client(app)
    first_contact(stranger, "070-000 00 01", address="198.51.100.1")
    post_from(stranger, "198.51.100.9", "/logga-in", {"phone": "070-000 00 01"})
    for _ in range(5):
        post_from(stranger, "198.51.100.9", "/logga-in/kod", {"code": "000000"})
    refused = post_from(stranger, "198.51.100.9", "/logga-in", {"phone": "070-000 00 01"})
    assert refused.status_code == 429  # elsewhere, the number is held back as before
    assert refused.headers["Retry-After"] == "900"

    asked = post_from(phone, "10.1.1.1", "/logga-in", {"phone": "070-000 00 01"})
    assert asked.status_code == 302
    code = code_in(sms_to(phone, SANDRA)[0])
    signed_in = post_from(phone, "10.1.1.1", "/logga-in/kod", {"code": code})
    assert signed_in.location.endswith("/min-dag")
    assert "Hej Sandra!" in phone.get("/min-dag").text


def test_a_code_from_elsewhere_does_not_sign_in_on_the_clients_own_phone_nor_the_reverse(
    app: Flask, sandra: int
) -> None:
    phone = https_client(app)
    post_from(phone, "10.1.1.1", "/logga-in", {"phone": "070-000 00 01"})
    post_from(phone, "10.1.1.1", "/logga-in/kod", {"code": code_in(sms_to(phone, SANDRA)[0])})
    phone.post("/logga-ut", data={"csrf_token": csrf_from(phone.get("/min-dag").data)})
    post_from(phone, "10.1.1.1", "/logga-in", {"phone": "070-000 00 01"})
    own_code = code_in(sms_to(phone, SANDRA)[0])
    stranger = https_client(app)
    post_from(stranger, "198.51.100.9", "/logga-in", {"phone": "070-000 00 01"})
    # The stranger cannot use the code sent for Sandra's phone: only codes asked from there.
    page = post_from(stranger, "198.51.100.9", "/logga-in/kod", {"code": own_code})
    assert page.status_code == 400 and stranger.get_cookie("device") is None


def test_a_code_typed_in_arabic_indic_digits_signs_in(app: Flask, sandra: int) -> None:
    web = https_client(app)
    post_from(web, "10.1.1.1", "/logga-in", {"phone": "070-000 00 01"})
    code = code_in(sms_to(web, SANDRA)[0])
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = post_from(web, "10.1.1.1", "/logga-in/kod", {"code": arabic})
    assert response.status_code == 302 and response.location.endswith("/min-dag")


def test_a_bad_limit_setting_refuses_the_start_naming_it() -> None:
    from portal.config import ConfigError, from_env

    with pytest.raises(ConfigError, match="LIMIT_SMS_PER_ADDRESS"):
        from_env("demo", {"LIMIT_SMS_PER_ADDRESS": "lots", "DATABASE_URL": "sqlite:///:memory:"})


def test_two_processes_count_together_in_redis(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    with redis_server(tmp_path) as redis_url:
        settings = settings_for_tests(
            database_url,
            ratelimit_storage_uri=redis_url,
            limits=RateLimits(sms_per_address="3 per 10 minutes"),
        )
        apps = [create_app(settings, db=db) for _ in range(2)]
        try:
            webs = [https_client(app) for app in apps]
            statuses = [
                first_contact(webs[n % 2], f"070-123 45 6{n}").status_code for n in range(4)
            ]
        finally:
            for app in apps:
                app.extensions["boendestod.dispatcher"].shutdown()
    assert statuses == [302, 302, 302, 429]


def test_with_redis_gone_the_pages_still_answer(database_url: str, db: Database) -> None:
    settings = settings_for_tests(database_url, ratelimit_storage_uri="redis://127.0.0.1:9/0")
    app = create_app(settings, db=db)
    try:
        assert first_contact(https_client(app), "070-123 45 60").status_code == 302
    finally:
        app.extensions["boendestod.dispatcher"].shutdown()


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_address_counted_is_the_real_one_forwarded_only_by_a_trusted_proxy(
    database_url: str, db: Database, proxies: int
) -> None:
    settings = settings_for_tests(
        database_url, trusted_proxies=proxies, limits=RateLimits(sms_per_address="2 per hour")
    )
    app = create_app(settings, db=db)
    try:
        web = https_client(app)
        web.environ_base["REMOTE_ADDR"] = "127.0.0.1"  # the proxy, or someone forging headers
        statuses = []
        for n in range(3):
            web.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}"
            data = {"name": "Eva", "phone": f"070-123 45 6{n}", "text": ""}
            statuses.append(post_form(web, "/fraga", data).status_code)
    finally:
        app.extensions["boendestod.dispatcher"].shutdown()
    # Behind a trusted proxy three people are three addresses; without one, a forged header
    # buys nothing.
    assert statuses == ([302, 302, 302] if proxies else [302, 302, 429])


def test_ring_mig_pressed_again_and_again_is_refused_in_easy_words(app: Flask, sandra: int) -> None:
    from tests.portal.helpers import client_client

    web = client_client(app, app.extensions["boendestod.db"], sandra)
    statuses = [post_form(web, "/ring/ring-mig", {}, page="/ring").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]  # the default: 5 an hour
    page = post_form(web, "/ring/ring-mig", {}, page="/ring")
    assert "Du har försökt många gånger. Vänta" in page.text and "Retry-After" in page.headers

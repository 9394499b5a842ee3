"""``next`` only ever leads back to a page of ours, as the browser reads the address."""

import pytest

from portal.redirects import local_target
from tests.conftest import post_form
from tests.factories import make_staff

pytestmark = pytest.mark.db

AWAY = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "\t//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "//evil.example",
    "https://evil.example/",
    " https://evil.example/",
    "javascript:alert(1)",
    "/o\x00k",
    "evil.example",
    "",
]


@pytest.mark.parametrize("value", AWAY)
def test_an_address_the_browser_would_read_as_another_site_is_refused(value: str) -> None:
    assert local_target(value) is None


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [("/min-dag", "/min-dag"), ("/boka?dag=2026-12-08", "/boka?dag=2026-12-08"),
     ("/min\t-dag", "/min-dag"), (" /min-dag ", "/min-dag")],
)  # fmt: skip
def test_our_own_pages_are_allowed_as_the_browser_will_read_them(value: str, cleaned: str) -> None:
    assert local_target(value) == cleaned


@pytest.mark.parametrize("value", ["/\t/evil.example/", "/\n/evil.example/", "/\\evil.example"])
def test_the_language_switch_never_leaves_the_site_nor_fails(web, value: str) -> None:
    response = web.get("/sprak/en", query_string={"next": value})
    assert response.status_code == 303
    assert response.location == "/"


@pytest.mark.parametrize("value", ["/\t/evil.example/", "/\n/x"])
def test_staff_sign_in_with_a_foreign_next_goes_to_the_start_page(app, db, web, value) -> None:
    import pyotp

    with db.transaction() as s:
        secret = make_staff(s, "anna").totp_secret
    response = post_form(
        web,
        "/personal/logga-in?" + __import__("urllib.parse").parse.urlencode({"next": value}),
        {"username": "anna", "password": "correct horse battery", "totp": pyotp.TOTP(secret).now()},
        page="/personal/logga-in",
    )
    assert response.status_code == 302
    assert response.location == "/personal/idag"


@pytest.mark.parametrize("value", ["/\t/evil.example/", "/\\evil.example/", "/\n/x"])
def test_taking_a_task_with_a_foreign_next_stays_on_the_site(app, db, value: str) -> None:
    from models import TaskKind, utcnow
    from portal.tasks import create_task
    from tests.portal.helpers import staff_client

    with db.transaction() as s:
        anna = make_staff(s, "anna")
        task = create_task(
            s, kind=TaskKind.RED_CHECK_IN, text="Ring", now=utcnow(), staff_id=anna.id
        )
        task_id = task.id
    web = staff_client(app, db, "anna")
    response = post_form(
        web, f"/personal/att-gora/{task_id}/ta", {"next": value}, page="/personal/idag"
    )
    assert response.status_code == 303
    assert response.location == "/personal/idag"

"""Junk from outside gets a clear answer, never a 500, and writes nothing (issue 14, item 6)."""

import pytest
from sqlalchemy import func, select

from models import ReminderRule, SupportRequest
from models.numbers import whole_number
from portal.lightsupport.catalogue import ensure_defaults
from tests.conftest import post_form
from tests.factories import make_client, make_staff
from tests.portal.helpers import client_web, staff_client

pytestmark = pytest.mark.db
OLLE = "+46700000002"


@pytest.fixture
def people(db) -> dict[str, int]:
    with db.transaction() as s:
        ensure_defaults(s)
        kim = make_staff(s, "kim")
        return {"olle": make_client(s, "Olle", phone=OLLE, workers=[kim]).id}


def count(db, model) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), ("١٢", 12), ("۱۲", 12), (" 7 ", 7), ("²", None), ("①", None), ("-1", None),
     ("1e3", None), ("9" * 40, None), (str(2**31), None), ("", None), (None, None)],
)  # fmt: skip
def test_only_ascii_and_arabic_indic_digits_make_a_number(text, number) -> None:
    assert whole_number(text) == number


def test_an_unknown_when_on_the_help_form_is_shown_again_and_nothing_is_asked(
    app, db, people
) -> None:
    web = client_web(app, OLLE)
    fields = {"vad": "talk", "nar": "i-morgon-bitti", "hur": "hem", "key": "k1", "text": "Hej"}
    response = post_form(web, "/hjalp", fields, page="/hjalp?vad=talk&nar=idag&hur=hem")
    assert response.status_code == 400 and "Hej" in response.text
    assert count(db, SupportRequest) == 0


def test_a_superscript_digit_as_a_preset_is_a_clear_refusal(app, db, people) -> None:
    web = client_web(app, OLLE)
    response = post_form(
        web, "/paminnelser/ny", {"vad": "²", "nar": "varje-dag", "klockan": "08:00", "hur": "sms"}
    )
    assert response.status_code == 400
    assert count(db, ReminderRule) == 0


def test_an_id_beyond_any_row_is_not_found(app, db, people) -> None:
    web = staff_client(app, db, "kim")
    assert web.get("/personal/klient/99999999999999999999999").status_code == 404
    assert web.get(f"/personal/klient/{2**31}").status_code == 404


def test_a_staff_reminder_with_weekdays_chosen_but_none_ticked_asks_for_a_day(
    app, db, people
) -> None:
    web = staff_client(app, db, "kim")
    url = f"/personal/klient/{people['olle']}/paminnelser"
    response = post_form(
        web,
        url,
        {"text": "Tvätta", "channel": "sms", "recurrence": "weekdays", "local_time": "09:00",
         "weekdays": ""},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Tvätta" in response.text
    assert count(db, ReminderRule) == 0


def test_a_signed_status_webhook_with_a_strange_error_code_is_kept(db, settings) -> None:
    from twilio.request_validator import RequestValidator

    from portal.app import create_app
    from reminders.providers import TwilioSettings
    from tests.conftest import https_client

    public = "https://boendestod.example.se"
    twilio = TwilioSettings(account_sid="AC" + "1" * 32, auth_token="tok", from_number="+4685",
                            public_url=public, api_base_url="http://127.0.0.1:9")  # fmt: skip
    app = create_app(settings.with_(public_url=public, twilio=twilio), db=db)
    params = {"MessageSid": "SMx", "MessageStatus": "undelivered", "ErrorCode": "²³"}
    signature = RequestValidator("tok").compute_signature(
        f"{public}/webhooks/twilio/status", params
    )
    response = https_client(app).post(
        "/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 204  # kept, as every status callback is
    app.extensions["boendestod.dispatcher"].shutdown()


def test_a_sign_in_code_typed_in_arabic_indic_digits_signs_in(app, db, people) -> None:
    import re

    from tests.conftest import https_client, sms_to

    web = https_client(app)
    post_form(web, "/logga-in", {"phone": OLLE})
    code = re.search(r"\b(\d{6})\b", sms_to(web, OLLE)[0]).group(1)
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = post_form(web, "/logga-in/kod", {"code": arabic})
    assert response.status_code == 302, response.text


@pytest.fixture
def office(db, people) -> dict[str, int]:
    from models import Role

    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        make_staff(s, "cecilia", roles=[Role.COORDINATOR])
        make_staff(s, "admin", roles=[Role.ADMIN])
        from models import Client, Staff

        s.get(Client, people["olle"]).caseworker_id = karin.id
        return {**people, "kim": s.scalar(select(Staff.id).where(Staff.username == "kim"))}


def test_zero_minutes_in_a_decision_says_how_much_is_allowed_not_that_it_is_empty(
    app, db, office
) -> None:
    web = staff_client(app, db, "karin")
    url = f"/personal/klient/{office['olle']}/beslut"
    response = post_form(
        web, url,
        {"starts_on": "2026-01-01", "ends_on": "2026-12-31", "granted_minutes": "0",
         "granted_per": "week"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "obligatoriskt" not in response.text
    assert "3600" in response.text


def test_an_absence_over_centuries_is_refused_with_a_reason(app, db, office) -> None:
    from models import Availability

    web = staff_client(app, db, "cecilia")
    url = f"/personal/planering/personal/{office['kim']}"
    response = post_form(
        web, url, {"kind": "absent", "first": "1900-01-01", "last": "2999-12-31", "reason": "x"}
    )
    assert response.status_code == 400 and "högst ett år" in response.text
    assert count(db, Availability) == 0


def test_a_refused_catalogue_entry_is_shown_again_as_typed(app, db, office) -> None:
    web = staff_client(app, db, "admin")
    response = post_form(
        web, "/personal/admin/katalog",
        {"key": "städa hemma!", "name_sv": "Städa tillsammans", "name_en": "Clean together"},
    )  # fmt: skip
    assert response.status_code == 400
    assert 'value="städa hemma!"' in response.text
    assert (
        'value="Städa tillsammans"' in response.text and 'value="Clean together"' in response.text
    )


@pytest.mark.parametrize(("typed", "minutes"), [("١٢٠", 120), ("1_000", None), ("+90", None)])
def test_a_number_field_takes_arabic_indic_digits_and_nothing_else_int_would(
    app, db, people, typed: str, minutes: int | None
) -> None:
    web = staff_client(app, db, "kim")
    response = post_form(
        web, f"/personal/klient/{people['olle']}/paminnelser",
        {"text": "Ta medicinen", "channel": "sms", "recurrence": "daily", "local_time": "09:00",
         "ask_reply": "y", "reply_within_minutes": typed},
    )  # fmt: skip
    with db.transaction() as s:
        saved = s.scalars(select(ReminderRule.reply_within_minutes)).all()
    if minutes is None:
        assert response.status_code == 400 and "Skriv ett heltal med siffror." in response.text
        assert saved == []
    else:
        assert response.status_code == 302 and saved == [minutes]


def test_a_nul_character_in_a_text_is_refused_with_a_message_on_every_database(
    app, db, office
) -> None:
    from models import Escalation

    web = staff_client(app, db, "kim")
    response = post_form(
        web, f"/personal/klient/{office['olle']}/oro", {"kind": "other", "text": "Hej\x00då"}
    )
    assert response.status_code == 400 and "tecken som inte går att spara" in response.text
    assert count(db, Escalation) == 0


def test_a_clients_own_reminder_too_long_is_refused_and_shown_again_whole(app, db, people) -> None:
    web = client_web(app, OLLE)
    typed = "Vattna blommorna i köket " * 6
    response = post_form(
        web, "/paminnelser/ny",
        {"vad": "egen", "egen_text": typed, "nar": "varje-dag", "klockan": "08:00", "hur": "sms"},
    )  # fmt: skip
    assert response.status_code == 400 and "högst 120 tecken" in response.text
    assert f'value="{typed}"' in response.text
    assert count(db, ReminderRule) == 0


@pytest.mark.parametrize("besok", ["9" * 25, "-3", "1_0"])
def test_a_booking_link_with_a_strange_visit_number_is_a_clear_refusal(
    app, db, people, besok: str
) -> None:
    web = client_web(app, OLLE)
    response = web.get("/boka/bekrafta", query_string={"besok": besok, "start": "1800000000"})
    assert response.status_code == 400
    assert "Det valet finns inte" in response.text

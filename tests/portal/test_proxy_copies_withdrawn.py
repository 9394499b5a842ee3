"""Reminder copies are queued up to two days ahead: when the client takes the copies away from a
proxy (withdraws everything, or records a consent without them), the copies already queued are
withdrawn with it, and the sender sends none of them to the proxy."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from models import (
    ConsentMethod,
    Database,
    Outbox,
    OutboxState,
    Proxy,
    ProxyRelation,
    Recurrence,
    ReminderChannel,
    ReminderRule,
    Role,
    Staff,
)
from portal.auth.proxy_rights import Feature
from portal.proxies import services as proxies
from reminders.dispatch import sweep
from reminders.expansion import Context, expand
from reminders.providers import TwilioSettings, make_telephony
from tests.factories import make_client, make_staff
from tests.fakes.twilio_server import FakeTwilio

pytestmark = pytest.mark.db
ZONE = ZoneInfo("Europe/Stockholm")
CTX = Context(zone=ZONE, public_url="https://boendestod.example.se")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday 13:00 in Stockholm
SIX_PM = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # 18:00 in Stockholm: the reminder's time
SANDRA, OLLE, LARS = "+46700000001", "+46700000002", "+46700000003"
COPIES = proxies.Agreement(
    frozenset({Feature.REMINDERS, Feature.SEE_VISITS}), ConsentMethod.IN_PERSON
)


def _medicine(client_id: int) -> ReminderRule:
    return ReminderRule(
        client_id=client_id, text="Ta din medicin", channel=ReminderChannel.SMS,
        recurrence=Recurrence.DAILY, local_time=time(18, 0), created_at=NOW,
    )  # fmt: skip


@pytest.fixture
def world(app: Flask, db: Database) -> dict[str, int]:
    """Lars is the proxy of Sandra and of Olle, with reminder copies from both."""
    with db.transaction() as s:
        kai = make_staff(s, "kai", roles=[Role.CASEWORKER])
        sandra = make_client(s, "Sandra", phone=SANDRA, caseworker=kai)
        olle = make_client(s, "Olle", phone=OLLE, caseworker=kai)
        found = {"kai": kai.id, "sandra": sandra.id, "olle": olle.id}
        for client in (sandra, olle):
            s.add(_medicine(client.id))
            proxy = proxies.add(
                s, kai, client, "Lars Nilsson", LARS, ProxyRelation.GOD_MAN, COPIES, NOW
            )
            found[f"lars_{client.first_name.lower()}"] = proxy.id
    expand(db, CTX, NOW)
    return found


def _queued_copies(db: Database, client_id: int) -> list[Outbox]:
    with db.transaction() as s:
        return list(
            s.scalars(
                select(Outbox).where(
                    Outbox.to_phone == LARS,
                    Outbox.client_id == client_id,
                    Outbox.state == OutboxState.QUEUED,
                )
            )
        )


def _change(db: Database, world: dict[str, int], agreement: proxies.Agreement | None) -> None:
    """Sandra's caseworker records a new consent for Lars, or (None) withdraws it."""
    with db.transaction() as s:
        kai = s.get(Staff, world["kai"])
        proxy = s.get(Proxy, world["lars_sandra"])
        if agreement is None:
            proxies.withdraw(s, kai, proxy.client, proxy, NOW + timedelta(minutes=5))
        else:
            proxies.record_consent(s, kai, proxy.client, proxy, agreement, NOW)


def _send_at_six(db: Database) -> list[tuple[str, str]]:
    """Run the sender at 18:00 against the local Twilio; what went to whom."""
    with FakeTwilio() as fake:
        telephony = make_telephony(
            db,
            TwilioSettings(
                account_sid=fake.account_sid, auth_token=fake.auth_token,
                from_number="+46850000000", public_url=CTX.public_url, api_base_url=fake.url,
            ),
        )  # fmt: skip
        sweep(db, telephony, "x", now=SIX_PM)
        return sorted((m.to, m.body) for m in fake.messages())


def test_before_any_change_lars_gets_copies_about_both(db: Database, world) -> None:
    """The control: without a change the copies are queued and sent."""
    assert len(_queued_copies(db, world["sandra"])) == 2  # today and tomorrow at 18:00
    sent = _send_at_six(db)
    assert sent.count((LARS, "Kopia för Sandra: Påminnelse: Ta din medicin")) == 1
    assert sent.count((LARS, "Kopia för Olle: Påminnelse: Ta din medicin")) == 1


def test_a_withdrawn_proxy_is_sent_no_copy_already_queued(db: Database, world) -> None:
    _change(db, world, None)
    assert _queued_copies(db, world["sandra"]) == []
    sent = _send_at_six(db)
    assert (SANDRA, "Påminnelse: Ta din medicin") in sent  # Sandra's own reminder still goes
    assert [body for to, body in sent if to == LARS] == [
        "Kopia för Olle: Påminnelse: Ta din medicin"  # Olle has not withdrawn anything
    ]
    with db.transaction() as s:
        withdrawn = s.scalars(
            select(Outbox).where(Outbox.to_phone == LARS, Outbox.client_id == world["sandra"])
        ).all()
        assert {(r.state, r.last_error, r.attempts) for r in withdrawn} == {
            (OutboxState.CANCELLED, "proxy consent withdrawn", 0)  # never claimed
        }
    expand(db, CTX, NOW + timedelta(hours=20))  # the next expansion queues none again
    assert _queued_copies(db, world["sandra"]) == []


def test_a_consent_without_reminder_copies_withdraws_the_queued_ones(db: Database, world) -> None:
    _change(db, world, proxies.Agreement(frozenset({Feature.SEE_VISITS}), ConsentMethod.IN_PERSON))
    assert _queued_copies(db, world["sandra"]) == []
    assert len(_queued_copies(db, world["olle"])) == 2
    sent = _send_at_six(db)
    assert [body for to, body in sent if to == LARS] == [
        "Kopia för Olle: Påminnelse: Ta din medicin"
    ]


def test_a_consent_that_keeps_the_copies_keeps_the_queued_ones(db: Database, world) -> None:
    _change(db, world, proxies.Agreement(frozenset({Feature.REMINDERS}), ConsentMethod.IN_WRITING))
    assert len(_queued_copies(db, world["sandra"])) == 2

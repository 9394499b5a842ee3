"""A list of clients is audited as one event naming each of them, and found among their reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event, select

from models import AuditEvent, AuditEventClient, Client, Database
from portal.access import reads_of
from tests.factories import make_client, make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        omar = make_staff(s, "omar")
        make_staff(s, "idle")
        sandra = make_client(s, "Sandra", workers=[anna])
        lars = make_client(s, "Lars", workers=[anna])
        mona = make_client(s, "Mona", workers=[anna])
        olle = make_client(s, "Olle", workers=[omar])
        return {"anna": anna.id, "sandra": sandra.id, "lars": lars.id, "mona": mona.id,
                "olle": olle.id}  # fmt: skip


@contextmanager
def audit_inserts(db: Database) -> Iterator[list[str]]:
    """The tables of the statements that write audit rows while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT"):
            seen.append(statement.split("(")[0].split()[-1])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_list_of_clients_is_one_event_naming_each_client_in_two_inserts(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "anna")
    with audit_inserts(db) as inserts:
        page = web.get("/personal/klienter")
    assert page.status_code == 200 and "Mona" in page.text and "Olle" not in page.text
    with db.transaction() as s:
        [listed] = s.scalars(select(AuditEvent)).all()
        named = set(
            s.scalars(
                select(AuditEventClient.client_id).where(
                    AuditEventClient.audit_event_id == listed.id
                )
            )
        )
    assert (listed.actor_staff_id, listed.action, listed.subject) == (
        world["anna"],
        "read",
        "clients.list",
    )
    assert listed.client_id is None
    assert named == {world["sandra"], world["lars"], world["mona"]}
    assert inserts == ["audit_events", "audit_event_clients"]


def test_a_list_that_shows_no_client_writes_no_event(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = staff_client(app, db, "idle")
    assert web.get("/personal/klienter").status_code == 200
    with db.transaction() as s:
        assert s.scalars(select(AuditEvent)).all() == []


def test_a_clients_reads_are_their_record_and_every_list_they_were_on_and_nothing_else(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    anna = staff_client(app, db, "anna")
    anna.get("/personal/klienter")
    anna.get(f"/personal/klient/{world['sandra']}")
    anna.get(f"/personal/klient/{world['olle']}")  # refused: not a read of Olle's data
    staff_client(app, db, "omar").get("/personal/klienter")
    with db.transaction() as s:
        sandra = [(e.actor_staff_id, e.subject) for e in reads_of(s, world["sandra"])]
        olle = [e.subject for e in reads_of(s, world["olle"])]
    assert sandra == [(world["anna"], "client.record"), (world["anna"], "clients.list")]
    assert olle == ["clients.list"]  # omar's list, not anna's refused attempt


def test_removing_a_client_keeps_the_lists_event_for_the_others(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    staff_client(app, db, "anna").get("/personal/klienter")
    with db.transaction() as s:
        s.delete(s.get(Client, world["mona"]))
    with db.transaction() as s:
        assert [e.subject for e in reads_of(s, world["sandra"])] == ["clients.list"]
        assert set(s.scalars(select(AuditEventClient.client_id))) == {
            world["sandra"],
            world["lars"],
        }

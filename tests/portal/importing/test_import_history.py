"""What an import leaves beside the rows: contact-worker history, audit events, areas."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import (
    Area,
    AuditEvent,
    Client,
    ContactWorkerSpell,
    Database,
    Role,
    Staff,
    VisitStatus,
)
from portal.importing.run import run_import
from portal.people.contacts import continuity
from tests.factories import make_staff, make_visit
from tests.portal.importing.conftest import ALL, AREAS, NOW, snapshot

pytestmark = pytest.mark.db
SANDRA, AMIRA = "198112289874", "197505052246"


def _client(s, number: str) -> Client:
    return s.scalar(select(Client).where(Client.personal_number == number))


def test_imported_contact_workers_have_a_history_that_the_continuity_figure_counts(
    db: Database, huddinge: int
) -> None:
    run_import(db, ALL, NOW, dry_run=False)
    with db.transaction() as s:
        sandra = _client(s, SANDRA)
        spells = s.scalars(
            select(ContactWorkerSpell).where(ContactWorkerSpell.client_id == sandra.id)
        ).all()
        assert sorted((s.get(Staff, sp.staff_id).username, sp.position) for sp in spells) == [
            ("anna", 0),
            ("omar", 1),
        ]
        assert all(sp.starts_at == NOW and sp.ends_at is None for sp in spells)
        assert all(sp.set_by_id is None for sp in spells)  # brought in, no coordinator
        # A visit made the day after the import by Anna, Sandra's contact worker.
        anna = s.scalar(select(Staff).where(Staff.username == "anna"))
        make_visit(s, sandra, anna, start=NOW + timedelta(days=1), status=VisitStatus.DONE)
        maja = make_staff(s, "maja", roles=[Role.MANAGER], unit_id=huddinge)
        figure = continuity(s, maja, NOW, NOW + timedelta(days=2))
        assert (figure.done, figure.by_contact_worker) == (1, 1)
    after = snapshot(db)
    assert run_import(db, ALL, NOW + timedelta(days=3), dry_run=False).count("unchanged") == 11
    assert snapshot(db) == after


def test_a_new_primary_closes_one_spell_and_opens_another(db: Database, tmp_path: Path) -> None:
    run_import(db, ALL, NOW, dry_run=False)
    later = NOW + timedelta(days=30)
    swap = tmp_path / "contact_workers.csv"
    swap.write_text("personal_number,username,primary\n19811228-9874,omar,ja\n")
    [line] = run_import(db, {"contact_workers": swap}, later, dry_run=False).lines()
    assert line.endswith("change: contact worker omar for 19811228-**** is now primary")
    with db.transaction() as s:
        sandra = _client(s, SANDRA)
        assert [w.staff.username for w in sandra.workers] == ["omar", "anna"]
        spells = s.scalars(
            select(ContactWorkerSpell)
            .where(ContactWorkerSpell.client_id == sandra.id)
            .order_by(ContactWorkerSpell.id)
        ).all()
        shown = [(s.get(Staff, sp.staff_id).username, sp.position, sp.ends_at) for sp in spells]
        assert shown == [
            ("anna", 0, later),
            ("omar", 1, later),
            ("omar", 0, None),
            ("anna", 1, None),
        ]


def test_two_primaries_for_one_client_refuse_the_second(db: Database, tmp_path: Path) -> None:
    run_import(db, {k: ALL[k] for k in ("staff", "clients")}, NOW, dry_run=False)
    both = tmp_path / "contact_workers.csv"
    both.write_text("personal_number,username,primary\n"
                    "19811228-9874,anna,ja\n19811228-9874,omar,ja\n")  # fmt: skip
    [refused] = run_import(db, {"contact_workers": both}, NOW, dry_run=True).refused
    assert refused.line == 3
    assert refused.text.startswith("line 2 names anna the client's primary contact worker")


def test_contact_workers_follow_the_consoles_rules(db: Database, tmp_path: Path) -> None:
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "username,first_name,last_name,roles,unit\nkarin,Karin,Lund,caseworker,\n"
        + "".join(f"w{n},W,{n},worker,Boendestöd Huddinge\n" for n in range(4))
        + "bo,Bo,Ek,worker,Boendestöd Botkyrka\n",
        encoding="utf-8",
    )
    workers = tmp_path / "contact_workers.csv"
    workers.write_text(
        "personal_number,username\n"
        + "".join(f"19811228-9874,w{n}\n" for n in range(4))
        + "19811228-9874,bo\n"
    )
    files = {"staff": staff, "clients": ALL["clients"], "contact_workers": workers}
    refused = {o.line: o.text for o in run_import(db, files, NOW, dry_run=True).refused}
    assert refused == {
        5: "En klient kan ha högst tre kontaktpersoner.",
        6: "bo is not an active worker of the client's unit",
    }


def test_every_created_or_changed_row_is_audited_as_done_by_the_system(
    db: Database, tmp_path: Path
) -> None:
    run_import(db, ALL, NOW, dry_run=False)
    with db.transaction() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "change")).all()
        assert all(e.actor_staff_id is None for e in events)
        by_subject: dict[str, list[AuditEvent]] = {}
        for e in events:
            by_subject.setdefault(e.subject, []).append(e)
        assert sorted(e.detail for e in by_subject["staff.import"]) == [
            "anna: created by import",
            "karin: created by import",
            "omar: created by import",
        ]
        assert len(by_subject["client.import"]) == 3
        sandra, amira = _client(s, SANDRA), _client(s, AMIRA)
        decisions = by_subject["client.decision"]
        assert sorted(e.client_id for e in decisions) == sorted(
            [sandra.id, _client(s, "199003151231").id]
        )
        assert all(e.detail.endswith("created by import") for e in decisions)
        # Sandra's two contact workers came one row at a time, Amira's one.
        workers = [e.client_id for e in by_subject["client.contact_workers"]]
        assert sorted(workers) == sorted([sandra.id, sandra.id, amira.id])
    changed = tmp_path / "staff.csv"
    changed.write_text(
        "username,first_name,last_name,roles,unit,phone\n"
        "karin,Karin,Lund,caseworker|manager,Boendestöd Botkyrka,070-111 00 09\n",
        encoding="utf-8",
    )
    assert run_import(db, {"staff": changed}, NOW, dry_run=False).written
    with db.transaction() as s:
        newest = s.scalars(
            select(AuditEvent).where(AuditEvent.at == NOW).order_by(AuditEvent.id.desc()).limit(2)
        ).all()
        assert [(e.subject, e.actor_staff_id) for e in newest] == [
            ("staff.import", None),
            ("unit", None),
        ]
        assert newest[0].detail == "karin: changed by import: phone, unit_id, role manager"
        assert newest[1].detail.endswith("created by import")


def test_a_client_is_placed_in_the_area_the_admin_keeps_for_the_unit(db: Database) -> None:
    report = run_import(db, ALL, NOW, dry_run=True)
    assert "clients.csv line 2: create: client 19811228-**** in Flemingsberg" in report.lines()
    run_import(db, ALL, NOW, dry_run=False)
    with db.transaction() as s:
        sandra, amira = _client(s, SANDRA), _client(s, AMIRA)
        assert sandra.area.name == "Flemingsberg"
        assert (sandra.lat, sandra.lon) == AREAS["Flemingsberg"]  # travel reads the area's place
        assert amira.area_id is None and amira.lat is None


def test_an_area_the_unit_does_not_have_refuses_the_row(db: Database, tmp_path: Path) -> None:
    run_import(db, {"staff": ALL["staff"]}, NOW, dry_run=False)
    bad = tmp_path / "clients.csv"
    bad.write_bytes(
        (
            "personal_number;first_name;last_name;phone;unit;area\r\n"
            "19811228-9874;Sandra;Nilsson;070-222 00 01;Boendestöd Huddinge;sjödalen\r\n"
            "19750505-2246;Amira;Haddad;070-222 00 03;Boendestöd Huddinge;Tumba\r\n"
            "19900315-1231;Åke;Öberg;070-222 00 02;;Flemingsberg\r\n"
        ).encode("cp1252")
    )
    before = snapshot(db)
    report = run_import(db, {"clients": bad}, NOW, dry_run=False)
    refused = {o.line: o.text for o in report.refused}
    assert sorted(refused) == [3, 4]  # the area's name in any case is the area
    assert refused[3] == (
        "Boendestöd Huddinge has no area 'Tumba' (its areas: Flemingsberg, Sjödalen); "
        "an admin adds areas to the unit in the console first"
    )
    assert refused[4] == "area 'Flemingsberg' needs the client's unit, and the unit is empty"
    assert snapshot(db) == before
    with db.transaction() as s:
        assert s.scalar(select(Area.id).where(Area.name == "Tumba")) is None

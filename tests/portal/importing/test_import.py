"""``boendestod import``: the sample files, a Windows-1252 file with ";", refused rows, twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from models import Client, ClientWorker, Database, Decision, Staff
from portal.cli import main
from portal.importing.files import ImportStopped
from portal.importing.run import run_import
from tests.portal.importing.conftest import ALL, NOW, snapshot

pytestmark = pytest.mark.db
CLIENTS_HEADER = "personal_number;first_name;last_name;phone;language;unit;caseworker\r\n"


def count(db: Database, model: type) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_dry_run_reports_each_row_and_writes_nothing(db: Database) -> None:
    before = snapshot(db)
    report = run_import(db, ALL, NOW, dry_run=True)
    assert report.count("create") == 11 and not report.refused and not report.written
    assert "clients.csv line 3: create: client 19900315-**** in Sjödalen" in report.lines()
    assert report.summary().startswith("dry run, nothing written")
    assert snapshot(db) == before


def test_the_sample_files_are_imported_and_a_second_run_changes_nothing(db: Database) -> None:
    report = run_import(db, ALL, NOW, dry_run=False)
    assert report.written and report.count("create") == 11
    with db.transaction() as s:
        # clients.csv is Windows-1252 with ";" (as Excel saves it in Sweden), and an address
        # holding a comma.
        ake = s.scalar(select(Client).where(Client.personal_number == "199003151231"))
        assert (ake.first_name, ake.last_name, ake.phone) == ("Åke", "Öberg", "+46702220002")
        assert ake.caseworker.username == "karin" and ake.has_children_under_18
        sandra = s.scalar(select(Client).where(Client.personal_number == "198112289874"))
        assert sandra.address == "Storvretsvägen 12, Flemingsberg"
        assert [(w.staff.username, w.position) for w in sandra.workers] == [
            ("anna", 0),
            ("omar", 1),
        ]
        [decision] = s.scalars(select(Decision).where(Decision.client_id == sandra.id)).all()
        assert decision.granted_minutes == 240 and decision.goals[0].text.startswith("Sandra")
        omar = s.scalar(select(Staff).where(Staff.username == "omar"))
        assert {r.value for r in omar.role_set} == {"worker", "coordinator"}
    after_first = snapshot(db)
    again = run_import(db, ALL, NOW, dry_run=False)
    assert again.count("unchanged") == 11 and again.count("create") == again.count("change") == 0
    assert snapshot(db) == after_first


def test_a_changed_row_is_reported_as_a_change(db: Database, tmp_path: Path) -> None:
    run_import(db, ALL, NOW, dry_run=False)
    moved = tmp_path / "clients.csv"
    moved.write_bytes(
        (CLIENTS_HEADER + "19811228-9874;Sandra;Nilsson;070-222 00 09;en;;karin\r\n").encode(
            "cp1252"
        )
    )
    report = run_import(db, {"clients": moved}, NOW, dry_run=False)
    [line] = report.lines()
    assert line.endswith("change: client 19811228-****: phone, language, address, unit_id")


def test_refused_rows_say_their_line_and_why_and_nothing_is_written(
    db: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "clients.csv"
    bad.write_bytes(
        (
            CLIENTS_HEADER
            + "19811228-9874;Sandra;Nilsson;070-222 00 01;sv;;\r\n"  # fine on its own
            + "19811228-9875;Per;Ek;070-222 00 04;sv;;\r\n"  # checksum
            + "19810231-1234;Eva;Lind;070-222 00 05;sv;;\r\n"  # 31 February
            + "19750505-2246;Amira;Haddad;08-123 456 78;sv;;\r\n"  # not a mobile
            + "19620925-3357;Bo;Sten;070-222 00 06;fi;;\r\n"  # no Finnish pages
            + "19881102-4465;Lo;Ahl;070-222 00 01;sv;;\r\n"  # Sandra's phone
            + "19881102-4465;Lo;Ahl;070-222 00 07;sv;;nobody\r\n"  # no such caseworker
        ).encode("cp1252")
    )
    before = snapshot(db)
    report = run_import(db, {"clients": bad}, NOW, dry_run=False)
    refused = {o.line: o.text for o in report.refused}
    assert sorted(refused) == [3, 4, 5, 6, 7, 8]
    assert "not a valid personnummer" in refused[3] and "not a valid personnummer" in refused[4]
    assert refused[5] == "phone '08-123 456 78' is not a mobile number"
    assert refused[6].startswith("language must be one of sv, en, ar")
    assert refused[7] == "phone '070-222 00 01' belongs to another client"
    assert refused[8] == "no staff member 'nobody'"
    assert not report.written and report.summary().startswith("nothing written: 6 row(s)")
    assert snapshot(db) == before


def test_an_overlapping_decision_is_refused_by_the_decision_rules(
    db: Database, tmp_path: Path
) -> None:
    run_import(db, ALL, NOW, dry_run=False)
    overlap = tmp_path / "decisions.csv"
    overlap.write_text(
        "personal_number,starts_on,ends_on,minutes,per,caseworker\n"
        "19811228-9874,2026-06-01,2027-05-31,120,vecka,karin\n",
        encoding="utf-8",
    )
    [refused] = run_import(db, {"decisions": overlap}, NOW, dry_run=False).refused
    assert refused.line == 2 and "Det finns redan ett beslut" in refused.text


def test_a_file_whose_encoding_or_delimiter_cannot_be_told_stops_the_run(
    db: Database, tmp_path: Path
) -> None:
    utf16 = tmp_path / "clients.csv"
    utf16.write_text(CLIENTS_HEADER, encoding="utf-16")
    with pytest.raises(ImportStopped, match="encoding cannot be told"):
        run_import(db, {"clients": utf16}, NOW, dry_run=True)
    piped = tmp_path / "staff.csv"
    piped.write_text("username|first_name|last_name|roles\nkarin|Karin|Lund|caseworker\n")
    with pytest.raises(ImportStopped, match="delimiter cannot be told"):
        run_import(db, {"staff": piped}, NOW, dry_run=True)
    assert count(db, Staff) == count(db, Client) == 0


def test_bytes_no_register_holds_stop_the_run_with_the_line_and_what_to_do(
    db: Database, tmp_path: Path
) -> None:
    # 0x81 is undefined in Windows-1252 (a DOS or Mac file's Å): not read as anything.
    undefined = tmp_path / "clients.csv"
    undefined.write_bytes(
        CLIENTS_HEADER.encode("cp1252")
        + b"19811228-9874;Sandra;Nilsson;070-222 00 01;sv;;\r\n"
        + b"19900315-1231;\x81ke;\x99berg;070-222 00 02;sv;;\r\n"
    )
    with pytest.raises(ImportStopped) as stopped:
        run_import(db, {"clients": undefined}, NOW, dry_run=False)
    assert str(stopped.value) == (
        "clients.csv: the encoding cannot be told: line 3 holds the byte 0x81, which is "
        "neither UTF-8 nor Windows-1252. Save it as CSV UTF-8 (in Excel: CSV UTF-8) and run "
        "the import again."
    )
    # A control character in a file that reads as Windows-1252: no name or address has one.
    control = tmp_path / "staff.csv"
    control.write_bytes("username;first_name;last_name;roles\r\nkarin;K\x0crin;Lund;caseworker\r\n"
                        .encode("cp1252"))  # fmt: skip
    with pytest.raises(ImportStopped, match="line 2 holds a control character .0x0C."):
        run_import(db, {"staff": control}, NOW, dry_run=False)
    assert count(db, Staff) == count(db, Client) == 0


def test_the_command_prints_the_report_and_fails_on_refused_rows(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db.url)
    args = ["import", "--staff", str(ALL["staff"]), "--clients", str(ALL["clients"])]
    result = CliRunner().invoke(main, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "staff.csv line 2: create: staff karin" in result.output
    assert count(db, Staff) == 0
    bad = tmp_path / "contact_workers.csv"
    bad.write_text("personal_number,username,primary\n19811228-9874,anna,kanske\n")
    result = CliRunner().invoke(main, [*args, "--contact-workers", str(bad)])
    assert result.exit_code == 1
    assert "contact_workers.csv line 2: refused: primary must be ja or nej" in result.output
    assert count(db, Staff) == count(db, ClientWorker) == 0
    stopped = CliRunner().invoke(main, ["import", "--staff", str(tmp_path / "none.csv")])
    assert stopped.exit_code == 1 and "none.csv: cannot be read" in stopped.output

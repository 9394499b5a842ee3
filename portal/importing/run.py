"""One import run: every file in one transaction, reported row by row.

A dry run does all the work and rolls it back, so what it reports is exactly what a real run
would do (a decision checked against a client created three lines earlier). A real run commits
only when no row was refused: all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from models import Database

from . import care, rows
from .files import read

#: The kinds in the order they are applied: each may name what the earlier ones brought in.
KINDS = (
    ("staff", rows.STAFF_COLUMNS, rows.STAFF_OPTIONAL, rows.staff_row),
    ("clients", rows.CLIENT_COLUMNS, rows.CLIENT_OPTIONAL, rows.client_row),
    ("decisions", care.DECISION_COLUMNS, care.DECISION_OPTIONAL, care.decision_row),
    ("contact_workers", care.CONTACT_COLUMNS, care.CONTACT_OPTIONAL, care.contact_worker_row),
)


@dataclass
class Report:
    outcomes: list[rows.Outcome]
    written: bool

    @property
    def refused(self) -> list[rows.Outcome]:
        return [o for o in self.outcomes if o.action == "refused"]

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    def lines(self) -> list[str]:
        return [f"{o.file} line {o.line}: {o.action}: {o.text}" for o in self.outcomes]

    def summary(self) -> str:
        counts = ", ".join(
            f"{self.count(a)} {a}" for a in ("create", "change", "unchanged", "refused")
        )
        if self.written:
            return f"imported: {counts}"
        if self.refused:
            return f"nothing written: {len(self.refused)} row(s) refused ({counts})"
        return f"dry run, nothing written: {counts}"


def run_import(db: Database, files: dict[str, Path], now: datetime, dry_run: bool) -> Report:
    """Import ``files`` (kind → path); raises ``files.ImportStopped`` before writing anything
    when a file cannot be read."""
    tables = {
        kind: read(files[kind], required, optional)
        for kind, required, optional, _ in KINDS
        if kind in files
    }
    session = db.session()
    try:
        ctx = rows.Context(session=session, now=now)
        for kind, _, _, apply in KINDS:
            if kind in tables:
                rows.each(ctx, files[kind].name, tables[kind], apply)
        report = Report(ctx.outcomes, written=False)
        if dry_run or report.refused:
            session.rollback()
        else:
            session.commit()
            report.written = True
        return report
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

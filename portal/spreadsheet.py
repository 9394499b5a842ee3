"""CSV files that staff open in a spreadsheet: every export writes its rows through here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

#: Spreadsheets run a cell that starts with one of these as a formula: a name typed into a
#: form ("=HYPERLINK(...)") must arrive as text, so such a cell gets a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV text (lines end in CRLF), no cell readable as a formula."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()

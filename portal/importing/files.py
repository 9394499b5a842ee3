"""Read one CSV file: UTF-8 or Windows-1252, ``;`` or ``,``, a header row naming the columns."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

#: A file bigger than this is not a municipality's export of people; refuse, don't read it.
MAX_BYTES = 50 * 1024 * 1024
#: Characters no text file of people holds: a UTF-16 file, a spreadsheet saved as binary.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


#: What to do about a file in another encoding, said by every message that stops for it.
_SAVE = "Save it as CSV UTF-8 (in Excel: CSV UTF-8) and run the import again."


class ImportStopped(Exception):
    """The file cannot be read as a whole; the run stops with this one message."""


@dataclass(frozen=True)
class Row:
    """One data row: its line in the file (as a spreadsheet numbers it) and its cells."""

    line: int
    cells: dict[str, str]


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without a byte-order mark) if it is that, else Windows-1252.

    Written out rather than left to a detector: there are only these two to tell apart, and
    UTF-8 is strict enough that Swedish text in Windows-1252 (å, ä, ö as single bytes) never
    passes as UTF-8, while a general detector may call a short Swedish file Latin-2 or Cyrillic.
    What is neither stops the run, with the line that shows it: a byte Windows-1252 leaves
    undefined, or a control character (a UTF-16 file, a spreadsheet saved as binary), cannot be
    in a register of people. A file in another encoding whose every byte is a Windows-1252
    character cannot be told from one (docs/import/README.md says to save it as UTF-8 first).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise ImportStopped(
                f"{name}: the encoding cannot be told: line {line} holds the byte "
                f"0x{data[exc.start]:02X}, which is neither UTF-8 nor Windows-1252. {_SAVE}"
            ) from None
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ImportStopped(
            f"{name}: the encoding cannot be told: line {line} holds a control character "
            f"(0x{ord(bad.group()):02X}), which no register of people holds. {_SAVE}"
        )
    return text


def read(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[Row]:
    """The rows of ``path``, with the header checked; ``ImportStopped`` if it cannot be read."""
    name = path.name
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportStopped(f"{name}: larger than {MAX_BYTES // 1024 // 1024} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise ImportStopped(f"{name}: cannot be read ({exc.strerror})") from None
    text = decode(data, name)
    if not text.strip():
        raise ImportStopped(f"{name}: the file is empty")
    header_line = text.splitlines()[0]
    try:
        # The header decides: every column name is a plain word, so only the delimiter splits it.
        dialect = csv.Sniffer().sniff(header_line, delimiters=";,")
    except csv.Error:
        raise ImportStopped(
            f"{name}: the delimiter cannot be told (separate the columns with ; or ,)"
        ) from None
    reader = csv.reader(text.splitlines(keepends=True), delimiter=dialect.delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportStopped(
            f"{name}: the header lacks {', '.join(missing)} "
            f"(found {', '.join(header)}; see docs/import/README.md)"
        )
    unknown = [h for h in header if h not in required + optional]
    if unknown:
        raise ImportStopped(f"{name}: unknown columns {', '.join(unknown)}")
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        extra = [c for c in cells[len(header) :] if c.strip()]
        if extra:
            values["__extra__"] = ";".join(extra)
        rows.append(Row(reader.line_num, values))
    return rows

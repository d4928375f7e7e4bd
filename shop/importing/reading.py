"""Reading an order file (.csv, .csv.gz or .xlsx) as chunks of text rows with line numbers.

``chunks(path)`` yields DataFrames whose columns are the file's header names (stripped), every
value text ("" when empty), plus two columns of its own:

- ``line``: where the row starts in the file, counting the header as line 1 (in .xlsx, the
  sheet's row number). A quoted field may span lines; blank lines are skipped but counted.
- ``problem``: why the row cannot be read ("" when it can): broken encoding, or a number of
  fields that differs from the header's.

A file with a header and no rows gives one empty chunk, so its columns can still be checked.

A file that cannot be read at all (missing, unknown extension, empty, no header, a broken
archive, .xlsx without the ``xlsx`` extra) raises ``ReadError`` with a sentence to show.
"""

import csv
import gzip
import re
import sys
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd

CHUNK_ROWS = 50_000
SUFFIXES = (".csv", ".csv.gz", ".xlsx")
# Bytes that are not UTF-8 come through as lone surrogates (errors="surrogateescape").
NOT_UTF8 = re.compile("[\udc80-\udcff]")
BROKEN_ENCODING = "broken encoding (not UTF-8)"

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class ReadError(Exception):
    """The file cannot be read at all; the message says why, for the person importing it."""


def suffix(path: Path) -> str:
    """ ".csv", ".csv.gz" or ".xlsx" (case-insensitive); ``ReadError`` for anything else."""
    name = path.name.lower()
    for known in SUFFIXES:
        if name.endswith(known):
            return known
    raise ReadError(f"{path.name}: unknown file type; give a .csv, .csv.gz or .xlsx file.")


def chunks(
    path: Path, *, limit: int | None = None, rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """The file's data rows, at most ``rows`` per chunk and ``limit`` in all (None: every row).

    Raises ``ReadError`` before the first chunk when the file cannot be read, and while
    reading when a compressed file turns out to be broken.
    """
    kind = suffix(path)
    if not path.is_file():
        raise ReadError(f"{path}: no such file.")
    if kind == ".xlsx":
        yield from _sheet_chunks(path, limit, rows)
        return
    try:
        yield from _csv_chunks(path, kind == ".csv.gz", limit, rows)
    except (OSError, EOFError, zlib.error) as error:
        raise ReadError(f"{path.name}: cannot be read ({error}).") from error


def _csv_chunks(path: Path, gzipped: bool, limit, rows) -> Iterator[pd.DataFrame]:
    opener = gzip.open if gzipped else open
    with opener(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
        reader = csv.reader(text)
        header = _header(next(reader, None), path)
        batch, start, read, yielded = [], reader.line_num + 1, 0, False
        while limit is None or read < limit:
            try:
                record = next(reader, None)
            except csv.Error as error:
                record = ["\0", str(error)]
            if record is None:
                break
            line, start = start, reader.line_num + 1
            if len(record) < 2 and not "".join(record).strip():
                continue
            batch.append((line, record))
            read += 1
            if len(batch) == rows:
                yield _frame(header, batch)
                batch, yielded = [], True
        if batch or not yielded:
            yield _frame(header, batch)


def _header(record, path: Path) -> list[str]:
    if not record or not any(name.strip() for name in record):
        raise ReadError(f"{path.name}: the file is empty; its first line must name the columns.")
    if NOT_UTF8.search("".join(record)):
        raise ReadError(f"{path.name}: the header is not UTF-8 text.")
    return [name.strip() for name in record]


def _frame(header: list[str], batch: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """One chunk: the records padded or cut to the header's width, each with its problem."""
    width = len(header)
    lines, problems, records = [], [], []
    for line, record in batch:
        lines.append(line)
        problems.append(_problem(record, width))
        records.append(record[:width] + [""] * (width - len(record)))
    frame = pd.DataFrame(records, columns=header, dtype="str")
    frame["line"] = pd.Series(lines, dtype="int64")
    frame["problem"] = pd.Series(problems, dtype="str")
    return frame


def _problem(record: list[str], width: int) -> str:
    if len(record) == width:
        joined = "".join(record)
        return BROKEN_ENCODING if not joined.isascii() and NOT_UTF8.search(joined) else ""
    if record and record[0] == "\0":
        return f"unreadable CSV ({record[1]})"
    if NOT_UTF8.search("".join(record)):
        return BROKEN_ENCODING
    return f"{len(record)} fields where the header has {width}"


def _sheet_chunks(path: Path, limit, rows) -> Iterator[pd.DataFrame]:
    """The first sheet, read with openpyxl through pandas (the ``xlsx`` extra)."""
    try:
        sheet = pd.read_excel(path, sheet_name=0, dtype=object, nrows=limit, engine="openpyxl")
    except ImportError as error:
        raise ReadError(
            "Reading .xlsx needs the xlsx extra (openpyxl): pip install -e '.[xlsx]'."
        ) from error
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ReadError(f"{path.name}: cannot be read as an .xlsx workbook ({error}).") from error
    if sheet.columns.empty:
        raise ReadError(f"{path.name}: the sheet is empty; its first row must name the columns.")
    sheet.columns = [str(name).strip() for name in sheet.columns]
    text = sheet.apply(_cell_text).astype("str")
    text["line"] = pd.RangeIndex(2, len(text) + 2).to_numpy()
    text["problem"] = ""
    cells = text.drop(columns=["line", "problem"])
    blank = (cells.apply(lambda column: column.str.strip()) == "").all(axis=1)
    text = text[~blank]
    for start in range(0, max(len(text), 1), rows):
        yield text.iloc[start : start + rows].reset_index(drop=True)


def _cell_text(column: pd.Series) -> pd.Series:
    """Cells as text: whole numbers without ".0", times as "YYYY-MM-DD HH:MM:SS", empty as ""."""

    def text(value) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return str(value)

    return column.map(text)

"""shop.importing.reading: text rows with their line numbers, from .csv, .csv.gz and .xlsx."""

import sys
from datetime import datetime

import pandas as pd
import pytest

from shop.importing.reading import BROKEN_ENCODING, ReadError, chunks
from tests.shop.importing.files import write_csv

HEADER = ["a", "b"]


def read(path, **options) -> pd.DataFrame:
    return pd.concat(list(chunks(path, **options)), ignore_index=True)


def test_rows_come_as_text_with_the_line_they_start_on(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text('a,b\n1,x\n\n2,"two\nlines"\n3, y \n')

    found = read(path)

    assert found.to_dict("list") == {
        "a": ["1", "2", "3"],
        "b": ["x", "two\nlines", " y "],
        "line": [2, 4, 6],
        "problem": ["", "", ""],
    }


def test_gzipped_csv_reads_like_plain_csv(tmp_path):
    rows = [["1", "x"], ["2", "y"]]
    plain = read(write_csv(tmp_path / "o.csv", rows, HEADER))
    gzipped = read(write_csv(tmp_path / "o.csv.gz", rows, HEADER))

    pd.testing.assert_frame_equal(plain, gzipped)


def test_header_names_are_stripped_and_a_byte_order_mark_ignored(tmp_path):
    path = tmp_path / "o.csv"
    path.write_bytes(b"\xef\xbb\xbf a ,b\n1,2\n")

    assert list(read(path).columns) == ["a", "b", "line", "problem"]


def test_rows_with_the_wrong_number_of_fields_say_so(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("a,b\n1,2,3\n4\n5,6\n")

    found = read(path)

    assert found["problem"].tolist() == [
        "3 fields where the header has 2",
        "1 fields where the header has 2",
        "",
    ]
    assert found["b"].tolist() == ["2", "", "6"]


def test_a_row_that_is_not_utf8_is_marked_and_the_others_read(tmp_path):
    path = tmp_path / "o.csv"
    path.write_bytes("a,b\n1,caf\u00e9\n2,caf".encode() + b"\xe9\n3,ok\n")

    found = read(path)

    assert found["problem"].tolist() == ["", BROKEN_ENCODING, ""]
    assert found.loc[0, "b"] == "caf\u00e9"


def test_chunks_hold_at_most_the_rows_asked_and_limit_stops_early(tmp_path):
    path = write_csv(tmp_path / "o.csv", [[str(n), "x"] for n in range(5)], HEADER)

    assert [len(chunk) for chunk in chunks(path, rows=2)] == [2, 2, 1]
    assert read(path, limit=3)["a"].tolist() == ["0", "1", "2"]


def test_a_header_without_rows_gives_one_empty_chunk(tmp_path):
    path = write_csv(tmp_path / "o.csv", [], HEADER)

    found = list(chunks(path))

    assert len(found) == 1 and found[0].empty
    assert list(found[0].columns) == ["a", "b", "line", "problem"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("orders.txt", b"a,b\n", "unknown file type"),
        ("orders.csv", b"", "the file is empty"),
        ("orders.csv", b"\n\n", "the file is empty"),
        ("orders.csv.gz", b"not gzip at all", "cannot be read"),
        ("orders.xlsx", b"not a workbook", "cannot be read as an .xlsx workbook"),
    ],
)
def test_files_that_cannot_be_read_raise_a_read_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(ReadError, match=message):
        read(path)


def test_a_missing_file_raises_a_read_error(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read(tmp_path / "nowhere.csv")


def write_workbook(path, rows):
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_xlsx_cells_come_as_text_with_their_row_numbers(tmp_path):
    path = write_workbook(
        tmp_path / "o.xlsx",
        [
            ["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"],
            [536365, 6, datetime(2010, 12, 1, 8, 26), 2.55, 17850.0],
            [None, None, None, None, None],
            ["C536379", -1, datetime(2010, 12, 1, 9, 41), 27.5, None],
        ],
    )

    found = read(path)

    assert found.to_dict("list") == {
        "InvoiceNo": ["536365", "C536379"],
        "Quantity": ["6", "-1"],
        "InvoiceDate": ["2010-12-01 08:26:00", "2010-12-01 09:41:00"],
        "UnitPrice": ["2.55", "27.5"],
        "CustomerID": ["17850", ""],
        "line": [2, 4],
        "problem": ["", ""],
    }


def test_xlsx_without_the_extra_names_the_extra(tmp_path, monkeypatch):
    path = write_workbook(tmp_path / "o.xlsx", [["a"], [1]])
    monkeypatch.setitem(sys.modules, "openpyxl", None)

    with pytest.raises(ReadError, match=r"xlsx extra .*pip install -e '\.\[xlsx\]'"):
        read(path)

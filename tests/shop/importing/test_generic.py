"""shop.importing.generic: the minimal documented columns as order lines."""

from datetime import UTC, datetime

from shop.importing import generic
from shop.importing.reading import chunks
from tests.shop.importing.files import GENERIC, write_csv

REQUIRED = GENERIC[:6]


def parsed(tmp_path, rows, header=GENERIC):
    return generic.lines(next(chunks(write_csv(tmp_path / "orders.csv", rows, header))))


def test_the_required_columns_are_enough(tmp_path):
    found = parsed(
        tmp_path, [["A-1", "sku-9", "Blue mug", "2", "7.50", "2024-03-01T10:00:00"]], REQUIRED
    )

    line = found.lines.iloc[0]
    assert (
        line["order_key"],
        line["sku"],
        line["description"],
        line["quantity"],
        line["unit_price"],
    ) == ("A-1", "sku-9", "Blue mug", 2, 7.5)
    assert line["ordered_at"] == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert (line["customer"], line["country"], line["colour"], line["category"]) == ("", "", "", "")


def test_optional_columns_are_read_and_offsets_respected(tmp_path):
    found = parsed(
        tmp_path,
        [
            [
                "A-1",
                "sku-9",
                "Mug",
                "1",
                "7.50",
                "2024-03-01T10:00:00+02:00",
                "c-7",
                "NL",
                "Teal",
                "ceramic",
                "Mugs",
            ]
        ],
    )

    line = found.lines.iloc[0]
    assert line["ordered_at"] == datetime(2024, 3, 1, 8, tzinfo=UTC)
    assert (
        line["customer"],
        line["country"],
        line["colour"],
        line["material"],
        line["category"],
    ) == ("c-7", "NL", "Teal", "ceramic", "Mugs")


def test_a_negative_quantity_is_a_return_and_bad_rows_name_the_generic_columns(tmp_path):
    found = parsed(
        tmp_path,
        [
            ["A-1", "sku-9", "Mug", "-1", "7.50", "2024-03-01"],
            ["A-2", "", "Mug", "1", "7.50", "2024-03-01"],
            ["", "sku-9", "Mug", "1", "7.50", "2024-03-01"],
            ["A-3", "sku-9", "Mug", "1", "7.50", "01/03/2024"],
        ],
        REQUIRED,
    )

    assert found.lines["is_return"].tolist() == [True]
    assert found.problems.to_dict("list") == {
        "line": [3, 4, 5],
        "reason": ["empty product id", "empty order id", "bad date: '01/03/2024'"],
    }

"""shop.importing.online_retail: the UCI Online Retail rows as order lines, row by row."""

from datetime import UTC, datetime

import pytest

from shop.importing import online_retail
from shop.importing.reading import BROKEN_ENCODING, chunks
from tests.shop.importing.files import sale, write_csv


def parsed(tmp_path, rows):
    chunk = next(chunks(write_csv(tmp_path / "orders.csv", rows)))
    return online_retail.lines(chunk)


def test_a_sale_becomes_an_order_line(tmp_path):
    found = parsed(
        tmp_path,
        [
            sale(
                "536365",
                "85123a",
                " WHITE HEART ",
                "6",
                "2010-12-01 08:26:00",
                "2.55",
                "17850.0",
                "EIRE",
            )
        ],
    )

    line = found.lines.iloc[0]
    assert (line["line"], line["order_key"], line["sku"], line["description"]) == (
        2,
        "536365",
        "85123A",
        "WHITE HEART",
    )
    assert (line["quantity"], line["unit_price"], line["customer"], line["country"]) == (
        6,
        2.55,
        "17850",
        "IE",
    )
    assert line["ordered_at"] == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)
    assert not line["is_return"]
    assert found.problems.empty and found.skipped == {}


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2011-06-01 10:00:00", datetime(2011, 6, 1, 9, 0, tzinfo=UTC)),  # British summer time
        ("2011-01-10 10:00:00", datetime(2011, 1, 10, 10, 0, tzinfo=UTC)),
        ("6/1/2011 10:00", datetime(2011, 6, 1, 9, 0, tzinfo=UTC)),  # the US style of some copies
    ],
)
def test_times_are_uk_time(tmp_path, written, utc):
    found = parsed(tmp_path, [sale("536365", "85123A", "HEART", 1, written, 1)])

    assert found.lines.loc[0, "ordered_at"] == utc


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("United Kingdom", "GB"),
        ("EIRE", "IE"),
        ("RSA", "ZA"),
        ("USA", "US"),
        ("Czech Republic", "CZ"),
        ("Channel Islands", ""),
        ("European Community", ""),
        ("Unspecified", ""),
    ],
)
def test_countries_become_iso_codes_where_one_is_known(tmp_path, country, code):
    found = parsed(
        tmp_path, [sale("536365", "85123A", "HEART", 1, "2011-01-10 10:00", 1, country=country)]
    )

    assert found.lines.loc[0, "country"] == code
    assert found.lines.loc[0, "country_text"] == country


def test_cancellations_and_negative_quantities_are_returns(tmp_path):
    found = parsed(
        tmp_path,
        [
            sale("C536379", "22633", "HAND WARMER", -12, "2011-01-10 10:00", 1.85),
            sale("536380", "22633", "HAND WARMER", -3, "2011-01-10 10:00", 0, customer=""),
            sale("536381", "22633", "HAND WARMER", 3, "2011-01-10 10:00", 1.85),
        ],
    )

    assert found.lines["is_return"].tolist() == [True, True, False]
    assert found.lines["quantity"].tolist() == [-12, -3, 3]


def test_rows_without_a_customer_are_a_guests(tmp_path):
    found = parsed(
        tmp_path, [sale("536365", "85123A", "HEART", 1, "2011-01-10 10:00", 1, customer="")]
    )

    assert found.lines.loc[0, "customer"] == ""


def test_non_product_codes_are_skipped_and_counted(tmp_path):
    codes = [
        "POST",
        "DOT",
        "M",
        "m",
        "C2",
        "D",
        "S",
        "B",
        "BANK CHARGES",
        "AMAZONFEE",
        "CRUK",
        "PADS",
        "gift_0001_20",
        "POST",
    ]
    found = parsed(
        tmp_path,
        [sale("536365", code, "X", 1, "2011-01-10 10:00", 1) for code in [*codes, "85123A"]],
    )

    assert found.lines["sku"].tolist() == ["85123A"]
    assert found.skipped == {
        "POST": 2,
        "M": 2,
        "DOT": 1,
        "C2": 1,
        "D": 1,
        "S": 1,
        "B": 1,
        "BANK CHARGES": 1,
        "AMAZONFEE": 1,
        "CRUK": 1,
        "PADS": 1,
        "GIFT_0001_20": 1,
    }
    assert found.problems.empty


def test_bad_rows_are_reported_with_their_line_and_reason(tmp_path):
    path = write_csv(
        tmp_path / "orders.csv",
        [
            sale("536365", "85123A", "HEART", 1, "2011-13-45 10:00", 1),
            sale("536365", "85123A", "HEART", "six", "2011-01-10 10:00", 1),
            sale("536365", "85123A", "HEART", "1.5", "2011-01-10 10:00", 1),
            sale("536365", "", "HEART", 1, "2011-01-10 10:00", 1),
            sale("", "85123A", "HEART", 1, "2011-01-10 10:00", 1),
            sale("536365", "85123A", "HEART", 0, "2011-01-10 10:00", 1),
            sale("536365", "85123A", "HEART", 1, "2011-01-10 10:00", "£1"),
            sale("536365", "85123A", "HEART", 1, "2011-01-10 10:00", -11062.06),
            sale("536365", "POST", "POSTAGE", 1, "yesterday", 18),
            sale("536365", "85123A", "HEART", 1, "2011-01-10 10:00", 1),
        ],
    )
    with path.open("ab") as out:
        out.write(b"536365,85124B,CAF\xc9,1,2011-01-10 10:00,1,17850,United Kingdom\n")

    found = online_retail.lines(next(chunks(path)))

    assert found.problems.to_dict("list") == {
        "line": [*range(2, 10), 12],
        "reason": [
            "bad date: '2011-13-45 10:00'",
            "quantity is not a whole number: 'six'",
            "quantity is not a whole number: '1.5'",
            "empty stock code",
            "empty invoice number",
            "quantity is zero",
            "price is not a number: '£1'",
            "negative price: -11062.06",
            BROKEN_ENCODING,
        ],
    }
    assert found.lines["line"].tolist() == [11]
    # Postage is skipped whatever its date says: only unreadable rows are problems.
    assert found.skipped == {"POST": 1}

"""shop.importing.history: returns netted, and the products, shoppers and orders of a file."""

import pandas as pd
import pytest

from shop.importing import online_retail
from shop.importing.history import history
from shop.importing.reading import chunks
from tests.shop.importing.files import WEEK, sale, write_csv

KNOWN = {
    "colour": {"white", "red", "other"},
    "material": {"metal", "other"},
    "category": {"candles", "lamps", "other"},
}


def history_of(tmp_path, rows):
    chunk = next(chunks(write_csv(tmp_path / "orders.csv", rows)))
    return history(online_retail.lines(chunk).lines, KNOWN)


@pytest.fixture
def week(tmp_path):
    return history_of(tmp_path, WEEK)


def test_products_take_the_most_common_description_and_price(week):
    products = week.products.set_index("sku")

    heart = products.loc["85123A"]
    assert heart["name"] == "White Hanging Heart T-Light Holder"
    assert heart["price"] == 2.55  # 2.55 twice, 2.95 once
    assert (heart["colour"], heart["material"], heart["category"]) == ("white", "other", "candles")
    lantern = products.loc["71053"]
    assert (lantern["colour"], lantern["material"], lantern["category"]) == (
        "white",
        "metal",
        "lamps",
    )
    assert products.loc["22633", "category"] == "other"
    assert "POST" not in products.index


def test_orders_are_invoices_in_time_order(week):
    orders = week.orders

    assert orders["order_key"].tolist() == ["536365", "536366", "536367", "536368", "536370"]
    assert orders["customer"].tolist() == ["17850", "12583", "", "17850", "12583"]
    assert orders["country"].tolist() == ["GB", "IE", "GB", "GB", "IE"]
    assert orders.loc[0, "total"] == round(6 * 2.55 + 6 * 3.39, 2)


def test_a_product_twice_in_an_invoice_is_one_line_with_the_units_summed(week):
    lines = week.lines[week.lines["order_key"] == "536367"]

    assert lines[["sku", "quantity", "unit_price"]].values.tolist() == [["71053", 2, 4.25]]


def test_a_return_of_a_whole_order_leaves_it_cancelled_with_its_lines(week):
    orders = week.orders.set_index("order_key")

    assert orders.loc["536368", "cancelled"]
    assert not orders.drop("536368")["cancelled"].any()
    lines = week.lines[week.lines["order_key"] == "536368"]
    assert lines[["sku", "quantity"]].values.tolist() == [["22633", 12]]
    assert (week.returns.rows, week.returns.units, week.returns.netted) == (1, 12, 12)


def test_a_partial_return_comes_off_the_latest_earlier_purchase(tmp_path):
    found = history_of(
        tmp_path,
        [
            sale("1", "22633", "HAND WARMER", 10, "2011-01-01 10:00", 2),
            sale("2", "22633", "HAND WARMER", 5, "2011-01-05 10:00", 2),
            sale("2", "71053", "LANTERN", 1, "2011-01-05 10:00", 4),
            sale("C3", "22633", "HAND WARMER", -7, "2011-01-06 10:00", 2),
            sale("4", "22633", "HAND WARMER", 8, "2011-01-07 10:00", 2),
        ],
    )

    quantities = found.lines.set_index("order_key")["quantity"].to_dict()
    # Order 2 loses its 5 warmers (the line goes, the lantern stays); order 1 loses the other 2.
    assert quantities == {"1": 8, "2": 1, "4": 8}
    assert not found.orders["cancelled"].any()
    assert found.orders.set_index("order_key").loc["2", "total"] == 4
    assert (found.returns.netted, found.returns.unmatched_rows) == (7, 0)


def test_returns_by_guests_or_before_any_purchase_match_nothing(tmp_path):
    found = history_of(
        tmp_path,
        [
            sale("C1", "22633", "HAND WARMER", -2, "2011-01-01 10:00", 2),
            sale("2", "22633", "HAND WARMER", 5, "2011-01-05 10:00", 2),
            sale("3", "22633", "HAND WARMER", -1, "2011-01-06 10:00", 0, customer=""),
        ],
    )

    assert found.lines["quantity"].tolist() == [5]
    assert (found.returns.rows, found.returns.netted, found.returns.unmatched_rows) == (2, 0, 2)


def test_shoppers_live_where_most_of_their_orders_went(tmp_path):
    found = history_of(
        tmp_path,
        [
            sale("1", "22633", "HAND WARMER", 1, "2011-01-01 10:00", 2, country="France"),
            sale("2", "22633", "HAND WARMER", 1, "2011-01-02 10:00", 2, country="Germany"),
            sale("3", "22633", "HAND WARMER", 1, "2011-01-03 10:00", 2, country="Germany"),
            sale(
                "4", "22633", "HAND WARMER", 1, "2011-01-04 10:00", 2, customer="", country="Spain"
            ),
        ],
    )

    assert found.shoppers[["customer", "country"]].values.tolist() == [["17850", "DE"]]
    assert found.shoppers.loc[0, "first_ordered_at"] == pd.Timestamp("2011-01-01 10:00", tz="UTC")


def test_the_same_lines_give_the_same_history(tmp_path, week):
    again = history_of(tmp_path, WEEK)

    for name in ("products", "shoppers", "orders", "lines"):
        pd.testing.assert_frame_equal(getattr(week, name), getattr(again, name))

import numpy as np
import pandas as pd
import pytest

from personalization.algorithms import RESULT_COLUMNS, empty_result
from personalization.algorithms.best_sellers import best_sellers

NOW = pd.Timestamp("2025-06-15 12:00", tz="UTC")
DAY = pd.Timedelta(days=1)
NAN = np.nan
# Products 1 and 2 in category 11, product 3 in category 12, both under department 10; product 4
# filed directly under department 20; product 5 has no category row.
CATEGORIES = pd.DataFrame(
    [(1, 11, 10), (2, 11, 10), (3, 12, 10), (4, 20, NAN)],
    columns=["product_id", "category_id", "department_id"],
)


def lines(*rows) -> pd.DataFrame:
    """Order lines from (order_id, product_id, quantity, age) tuples; age is a Timedelta before
    NOW."""
    frame = pd.DataFrame(list(rows), columns=["order_id", "product_id", "quantity", "age"])
    return pd.DataFrame(
        {
            "order_id": frame["order_id"].astype("int64"),
            "product_id": frame["product_id"].astype("int64"),
            "quantity": frame["quantity"].astype("int64"),
            "price": 10.0,
            "created_at": (NOW - pd.to_timedelta(frame["age"])).astype("datetime64[ns, UTC]"),
            "user_id": NAN,
            "session_key": "s",
            "country": "FR",
        }
    )


def rows(result: pd.DataFrame) -> list[tuple]:
    return list(result[["context", "product_id", "score"]].itertuples(index=False, name=None))


def sellers(frame, *, days=7, count_by="units", top_n=10, categories=CATEGORIES):
    return best_sellers(
        frame, now=NOW, days=days, count_by=count_by, product_categories=categories, top_n=top_n
    )


@pytest.mark.parametrize(
    ("age", "counted"),
    [
        (7 * DAY, True),  # exactly now - days: inside
        (7 * DAY - pd.Timedelta(seconds=1), True),
        (7 * DAY + pd.Timedelta(seconds=1), False),
        (pd.Timedelta(seconds=1), True),
        (pd.Timedelta(0), False),  # exactly now: outside
        (-DAY, False),  # in the future
    ],
)
def test_window_includes_its_start_and_excludes_now(age, counted):
    frame = lines((1, 1, 1, DAY), (2, 2, 3, age))

    result = sellers(frame, categories=CATEGORIES.iloc[:0])

    expected = [("", 2, 3.0), ("", 1, 1.0)] if counted else [("", 1, 1.0)]
    assert rows(result) == expected


ORDERS = lines(
    (1, 1, 5, DAY),
    (2, 1, 1, DAY),
    (2, 2, 1, DAY),
    (3, 2, 1, DAY),
    (4, 2, 1, DAY),
    (4, 2, 1, DAY),  # the same product on two lines of one order
)


@pytest.mark.parametrize(
    ("count_by", "expected"),
    [
        ("units", [("", 1, 6.0), ("", 2, 4.0)]),
        ("orders", [("", 2, 3.0), ("", 1, 2.0)]),
    ],
)
def test_scores_units_or_distinct_orders(count_by, expected):
    result = sellers(ORDERS, count_by=count_by, categories=CATEGORIES.iloc[:0])

    assert rows(result) == expected


def test_ranks_overall_and_per_category_and_department():
    frame = lines((1, 1, 2, DAY), (2, 2, 5, DAY), (3, 3, 3, DAY), (4, 4, 1, DAY), (5, 5, 4, DAY))

    result = sellers(frame)

    assert rows(result) == [
        ("", 2, 5.0),
        ("", 5, 4.0),
        ("", 3, 3.0),
        ("", 1, 2.0),
        ("", 4, 1.0),
        ("category:10", 2, 5.0),
        ("category:10", 3, 3.0),
        ("category:10", 1, 2.0),
        ("category:11", 2, 5.0),
        ("category:11", 1, 2.0),
        ("category:12", 3, 3.0),
        ("category:20", 4, 1.0),
    ]


def test_product_filed_under_its_department_is_listed_there_once():
    categories = pd.DataFrame([(4, 20, 20)], columns=["product_id", "category_id", "department_id"])

    result = sellers(lines((1, 4, 2, DAY)), categories=categories)

    assert rows(result) == [("", 4, 2.0), ("category:20", 4, 2.0)]


def test_top_n_per_context_with_ties_broken_by_product_id():
    frame = lines((1, 3, 2, DAY), (2, 1, 2, DAY), (3, 2, 2, DAY), (4, 5, 9, DAY))

    result = sellers(frame, top_n=2)

    assert rows(result) == [
        ("", 5, 9.0),
        ("", 1, 2.0),
        ("category:10", 1, 2.0),
        ("category:10", 2, 2.0),
        ("category:11", 1, 2.0),
        ("category:11", 2, 2.0),
        ("category:12", 3, 2.0),
    ]


@pytest.mark.parametrize(
    ("count_by", "days", "orders", "quantity", "reason"),
    [
        ("units", 30, 1, 124, "124 sold in the last 30 days"),
        ("units", 7, 1, 1, "1 sold this week"),
        ("units", 1, 2, 1, "2 sold today"),
        ("orders", 30, 57, 2, "In 57 orders in the last 30 days"),
        ("orders", 7, 1, 3, "In 1 order this week"),
        ("orders", 1, 2, 3, "In 2 orders today"),
    ],
)
def test_reason_says_how_many_and_when(count_by, days, orders, quantity, reason):
    frame = lines(*[(order, 1, quantity, pd.Timedelta(hours=1)) for order in range(orders)])

    result = sellers(frame, days=days, count_by=count_by)

    assert set(result["reason"]) == {reason}


@pytest.mark.parametrize(
    "frame",
    [
        lines(),
        lines((1, 1, 1, 8 * DAY), (2, 2, 1, pd.Timedelta(0))),  # nothing inside the window
    ],
    ids=["no lines", "none in window"],
)
def test_nothing_sold_gives_empty_result(frame):
    result = sellers(frame)

    pd.testing.assert_frame_equal(result, empty_result())
    assert list(result.columns) == RESULT_COLUMNS


def test_unknown_count_by_is_refused():
    with pytest.raises(ValueError, match="count_by"):
        sellers(lines((1, 1, 1, DAY)), count_by="revenue")

import numpy as np
import pandas as pd
import pytest

from personalization.algorithms import empty_result
from personalization.algorithms.near_you import popular_near_you

NOW = pd.Timestamp("2025-06-15 12:00", tz="UTC")
DAY = pd.Timedelta(days=1)
SECOND = pd.Timedelta(seconds=1)
NAMES = {"FR": "France", "DE": "Germany"}


def lines(*rows) -> pd.DataFrame:
    """Order lines from (order_id, product_id, country, age) tuples; age is a Timedelta before
    NOW."""
    frame = pd.DataFrame(list(rows), columns=["order_id", "product_id", "country", "age"])
    return pd.DataFrame(
        {
            "order_id": frame["order_id"].astype("int64"),
            "product_id": frame["product_id"].astype("int64"),
            "quantity": 1,
            "price": 10.0,
            "created_at": (NOW - pd.to_timedelta(frame["age"])).astype("datetime64[ns, UTC]"),
            "user_id": np.nan,
            "session_key": "s",
            "country": frame["country"].astype("str"),
        }
    )


def rows(result: pd.DataFrame) -> list[tuple]:
    return list(result.itertuples(index=False, name=None))


def near(frame, *, days=7, top_n=10):
    return popular_near_you(frame, now=NOW, days=days, top_n=top_n, country_names=NAMES)


ORDERS = lines(
    (1, 1, "FR", DAY),
    (1, 2, "FR", DAY),
    (2, 1, "FR", DAY),
    (3, 1, "FR", DAY),
    (3, 1, "FR", DAY),  # one order, two lines of the same product
    (4, 2, "DE", DAY),
    (5, 3, "DE", DAY),
    (6, 1, "", DAY),  # no country
    (7, 2, "XX", DAY),  # a code without a name
)


def test_counts_distinct_orders_per_country():
    assert rows(near(ORDERS)) == [
        ("country:DE", 2, 1.0, "Popular in Germany this week"),
        ("country:DE", 3, 1.0, "Popular in Germany this week"),
        ("country:FR", 1, 3.0, "Popular in France this week"),
        ("country:FR", 2, 1.0, "Popular in France this week"),
        ("country:XX", 2, 1.0, "Popular in XX this week"),
    ]


def test_top_n_per_country_with_ties_broken_by_product_id():
    assert [row[:2] for row in rows(near(ORDERS, top_n=1))] == [
        ("country:DE", 2),
        ("country:FR", 1),
        ("country:XX", 2),
    ]


@pytest.mark.parametrize(
    ("age", "counted"),
    [
        (7 * DAY, True),  # exactly now - days: inside
        (7 * DAY + SECOND, False),
        (SECOND, True),
        (pd.Timedelta(0), False),  # exactly now: outside
    ],
)
def test_window_includes_its_start_and_excludes_now(age, counted):
    frame = lines((1, 1, "FR", DAY), (2, 1, "FR", age))

    assert list(near(frame)["score"]) == [2.0 if counted else 1.0]


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        (1, "Popular in France today"),
        (7, "Popular in France this week"),
        (30, "Popular in France in the last 30 days"),
    ],
)
def test_reason_names_the_country_and_period(days, reason):
    frame = lines((1, 1, "FR", pd.Timedelta(hours=1)))

    assert list(near(frame, days=days)["reason"]) == [reason]


@pytest.mark.parametrize(
    "frame",
    [
        lines(),
        lines((1, 1, "", DAY), (2, 2, None, DAY)),  # no country at all
        lines((1, 1, "FR", 8 * DAY)),  # nothing in the window
    ],
    ids=["no lines", "no countries", "none in window"],
)
def test_nothing_to_count_gives_empty_result(frame):
    pd.testing.assert_frame_equal(near(frame), empty_result())

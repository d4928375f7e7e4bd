import numpy as np
import pandas as pd
import pytest

from personalization.algorithms import empty_result
from personalization.algorithms.trending import trending

NOW = pd.Timestamp("2025-06-15 12:00", tz="UTC")
DAY = pd.Timedelta(days=1)
SECOND = pd.Timedelta(seconds=1)
RECENT, PREVIOUS = DAY, 10 * DAY  # ages inside the recent and the previous week


def lines(*rows) -> pd.DataFrame:
    """Order lines from (product_id, quantity, age) tuples, one order each; age is a Timedelta
    before NOW."""
    frame = pd.DataFrame(list(rows), columns=["product_id", "quantity", "age"])
    return pd.DataFrame(
        {
            "order_id": np.arange(len(frame), dtype="int64"),
            "product_id": frame["product_id"].astype("int64"),
            "quantity": frame["quantity"].astype("int64"),
            "price": 10.0,
            "created_at": (NOW - pd.to_timedelta(frame["age"])).astype("datetime64[ns, UTC]"),
            "user_id": np.nan,
            "session_key": "s",
            "country": "FR",
        }
    )


def sales(product_id: int, recent: int, previous: int, days: int = 7) -> list[tuple]:
    """Lines selling ``recent`` units in the recent window and ``previous`` in the one before."""
    recent_line = (product_id, recent, days * DAY / 7)
    return [recent_line, (product_id, previous, days * DAY * 10 / 7)] if previous else [recent_line]


def rows(result: pd.DataFrame) -> list[tuple]:
    return [
        (pid, round(score, 4), reason)
        for pid, score, reason in result[["product_id", "score", "reason"]].itertuples(
            index=False, name=None
        )
    ]


def trend(frame, *, days=7, min_volume=3, top_n=10):
    return trending(frame, now=NOW, days=days, min_volume=min_volume, top_n=top_n)


def test_keeps_rising_products_with_volume_ranked_by_smoothed_ratio():
    frame = lines(
        *sales(1, 34, 10),  # (34 + 1) / (10 + 1)
        (2, 12, RECENT),  # new: (12 + 1) / 1
        *sales(3, 5, 5),  # flat
        (4, 2, RECENT),  # new, but below min_volume
        (5, 9, PREVIOUS),  # sold only before
        *sales(6, 3, 2),  # exactly min_volume: (3 + 1) / (2 + 1)
    )

    result = trend(frame)

    assert list(result["context"]) == ["", "", ""]
    assert rows(result) == [
        (2, 13.0, "New this week: 12 sold"),
        (1, 3.1818, "Sales up 240% on the week before"),
        (6, 1.3333, "Sales up 50% on the week before"),
    ]


@pytest.mark.parametrize(
    ("age", "score"),
    [
        (SECOND, 3.0),  # recent: (4 + 1 + 1) / (1 + 1)
        (7 * DAY, 3.0),  # exactly now - days: recent
        (7 * DAY + SECOND, 1.6667),  # previous: (4 + 1) / (1 + 1 + 1)
        (14 * DAY, 1.6667),  # exactly now - 2 days: previous
        (14 * DAY + SECOND, 2.5),  # before both windows: (4 + 1) / (1 + 1)
        (pd.Timedelta(0), 2.5),  # exactly now: outside
    ],
)
def test_window_boundaries(age, score):
    frame = lines((1, 4, RECENT), (1, 1, PREVIOUS), (1, 1, age))

    assert rows(trend(frame))[0][:2] == (1, score)


def test_smoothing_ranks_a_big_doubling_above_a_small_one():
    frame = lines(*sales(1, 6, 3), *sales(2, 60, 30))

    assert rows(trend(frame)) == [
        (2, 1.9677, "Sales up 100% on the week before"),
        (1, 1.75, "Sales up 100% on the week before"),
    ]


@pytest.mark.parametrize(("min_volume", "listed"), [(2, [1, 2]), (3, [1]), (4, [])])
def test_min_volume_applies_to_the_recent_window(min_volume, listed):
    frame = lines(*sales(1, 3, 1), *sales(2, 2, 1), (3, 9, PREVIOUS))

    assert list(trend(frame, min_volume=min_volume)["product_id"]) == listed


@pytest.mark.parametrize(
    ("days", "recent", "previous", "reason"),
    [
        (7, 34, 10, "Sales up 240% on the week before"),
        (7, 7, 3, "Sales up 133% on the week before"),
        (7, 1001, 1000, "Sales up 1% on the week before"),  # 0.1%: never "up 0%"
        (1, 3, 2, "Sales up 50% on the day before"),
        (30, 4, 2, "Sales up 100% on the previous 30 days"),
        (7, 12, 0, "New this week: 12 sold"),
        (1, 3, 0, "New today: 3 sold"),
        (30, 1, 0, "New in the last 30 days: 1 sold"),
    ],
)
def test_reason_states_the_rise_or_newness(days, recent, previous, reason):
    frame = lines(*sales(1, recent, previous, days=days))

    assert list(trend(frame, days=days, min_volume=1)["reason"]) == [reason]


def test_top_n_cut_with_ties_broken_by_product_id():
    frame = lines(*sales(5, 4, 1), *sales(3, 4, 1), *sales(4, 4, 1))

    assert list(trend(frame, top_n=2)["product_id"]) == [3, 4]


@pytest.mark.parametrize(
    "frame",
    [
        lines(),
        lines(*sales(1, 5, 5), *sales(2, 3, 9)),  # nothing rises
    ],
    ids=["no lines", "nothing rising"],
)
def test_nothing_trending_gives_empty_result(frame):
    pd.testing.assert_frame_equal(trend(frame), empty_result())

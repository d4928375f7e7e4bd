import itertools
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from personalization.algorithms import empty_result
from personalization.algorithms.also_viewed import also_viewed


def events(*rows) -> pd.DataFrame:
    """Tracked events from (session_key, product_id, kind) tuples."""
    frame = pd.DataFrame(list(rows), columns=["session_key", "product_id", "kind"])
    return pd.DataFrame(
        {
            "session_key": frame["session_key"].astype("str"),
            "user_id": np.nan,
            "product_id": frame["product_id"].astype("int64"),
            "kind": frame["kind"].astype("str"),
            "created_at": pd.Timestamp("2025-06-15", tz="UTC"),
        }
    )


def views(session_key: str, *product_ids: int) -> list[tuple]:
    return [(session_key, product_id, "view") for product_id in product_ids]


def rows(result: pd.DataFrame) -> list[tuple]:
    return list(result[["context", "product_id", "score"]].itertuples(index=False, name=None))


# Co-views: {1, 2} in s1 and s2, {1, 3} in s2 and s3, {2, 3} in s2, {2, 4} in s4.
SESSIONS = events(
    *views("s1", 1, 2, 2),  # product 2 viewed twice: one session
    ("s1", 3, "cart_add"),  # not a view
    *views("s2", 1, 2, 3),
    *views("s3", 1, 3),
    *views("s4", 2, 4),
    *views("", 1, 4),  # no session key: not one shopper
)


def test_ranks_co_viewed_products_by_sessions():
    assert rows(also_viewed(SESSIONS, min_support=1, top_n=5)) == [
        ("product:1", 2, 2.0),
        ("product:1", 3, 2.0),
        ("product:2", 1, 2.0),
        ("product:2", 3, 1.0),
        ("product:2", 4, 1.0),
        ("product:3", 1, 2.0),
        ("product:3", 2, 1.0),
        ("product:4", 2, 1.0),
    ]


@pytest.mark.parametrize(
    ("min_support", "top_n", "expected"),
    [
        (2, 5, [("product:1", 2), ("product:1", 3), ("product:2", 1), ("product:3", 1)]),
        (3, 5, []),
        (1, 1, [("product:1", 2), ("product:2", 1), ("product:3", 1), ("product:4", 2)]),
    ],
)
def test_min_support_and_top_n(min_support, top_n, expected):
    result = also_viewed(SESSIONS, min_support=min_support, top_n=top_n)

    assert [row[:2] for row in rows(result)] == expected


def test_ties_at_the_cut_go_to_the_lower_product_id():
    frame = events(*views("a", 1, 9), *views("b", 1, 5, 7), *views("c", 1, 6), *views("d", 1, 8))

    result = also_viewed(frame, min_support=1, top_n=2)

    assert result.loc[result["context"] == "product:1", "product_id"].tolist() == [5, 6]


def test_reason_counts_sessions_with_plural():
    result = also_viewed(SESSIONS, min_support=1, top_n=5)
    reasons = result.set_index(["context", "product_id"])["reason"]

    assert reasons["product:1", 2] == "Viewed together in 2 sessions"
    assert reasons["product:2", 4] == "Viewed together in 1 session"


def test_supports_match_plain_python_counting():
    rng = np.random.default_rng(11)
    sessions = [(f"s{i}", rng.integers(1, 30, size=rng.integers(1, 6))) for i in range(300)]
    expected = Counter()
    for _, products in sessions:
        for a, b in itertools.permutations(sorted(set(products.tolist())), 2):
            expected[f"product:{a}", b] += 1
    frame = events(*[row for key, products in sessions for row in views(key, *products)])

    result = also_viewed(frame, min_support=2, top_n=100)

    assert {(ctx, pid): int(score) for ctx, pid, score in rows(result)} == {
        pair: n for pair, n in expected.items() if n >= 2
    }


@pytest.mark.parametrize(
    "frame",
    [
        events(),
        events(("s1", 1, "cart_add"), ("s1", 2, "purchase")),  # no views
        events(*views("s1", 1, 1), *views("s2", 2)),  # no session viewed two products
    ],
    ids=["no events", "no views", "no pairs"],
)
def test_no_co_views_gives_empty_result(frame):
    pd.testing.assert_frame_equal(also_viewed(frame, min_support=1, top_n=5), empty_result())

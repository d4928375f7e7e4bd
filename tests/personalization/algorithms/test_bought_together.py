import itertools
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from mlxtend.frequent_patterns import association_rules, fpgrowth

from personalization.algorithms import empty_result
from personalization.algorithms.bought_together import (
    _best_first,
    _contexts_then_product,
    basket_matrix,
    best_per_product,
    co_purchases,
    pair_supports,
)


def lines(*baskets) -> pd.DataFrame:
    """Order lines from baskets of product ids: basket i is order i + 1, one line per id."""
    pairs = [(order, product) for order, basket in enumerate(baskets, 1) for product in basket]
    frame = pd.DataFrame(pairs, columns=["order_id", "product_id"], dtype="int64")
    return frame.assign(
        quantity=1,
        price=10.0,
        created_at=pd.Timestamp("2025-06-15", tz="UTC"),
        user_id=np.nan,
        session_key="s",
        country="FR",
    )


def rows(result: pd.DataFrame) -> list[tuple]:
    return [
        (ctx, pid, round(score, 4))
        for ctx, pid, score in result[["context", "product_id", "score"]].itertuples(
            index=False, name=None
        )
    ]


# 8 orders. Supports: 1 → 3, 2 → 5, 3 → 1, 4 → 2; {1, 2} → 2, {1, 3} → 1.
# confidence(1 → 2) = 2/3, confidence(1 → 3) = 1/3, confidence(2 → 1) = 2/5, confidence(3 → 1) = 1;
# lift(1 → 2) = (2/3) / (5/8) = 16/15, lift(1 → 3) = (1/3) / (1/8) = 8/3,
# lift(2 → 1) = (2/5) / (3/8) = 16/15, lift(3 → 1) = 1 / (3/8) = 8/3.
SHOP = lines([1, 2], [1, 2], [1, 3], [2], [2], [2], [4], [4])


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (
            "confidence",
            [
                ("product:1", 2, 0.6667),
                ("product:1", 3, 0.3333),
                ("product:2", 1, 0.4),
                ("product:3", 1, 1.0),
            ],
        ),
        (
            "lift",
            [
                ("product:1", 3, 2.6667),
                ("product:1", 2, 1.0667),
                ("product:2", 1, 1.0667),
                ("product:3", 1, 2.6667),
            ],
        ),
    ],
)
def test_lift_favours_the_rare_partner_confidence_the_common_one(metric, expected):
    result = co_purchases(SHOP, min_support=1, metric=metric, top_n=5)

    assert rows(result) == expected


def test_reason_counts_the_orders_with_both():
    result = co_purchases(SHOP, min_support=1, top_n=5)

    assert list(result["reason"]) == [
        "Bought together in 1 order",
        "Bought together in 2 orders",
        "Bought together in 2 orders",
        "Bought together in 1 order",
    ]


@pytest.mark.parametrize(
    ("min_support", "expected"),
    [
        (1, [("product:1", 3), ("product:1", 2), ("product:2", 1), ("product:3", 1)]),
        (2, [("product:1", 2), ("product:2", 1)]),
        (3, []),
    ],
)
def test_min_support_drops_rarer_pairs(min_support, expected):
    result = co_purchases(SHOP, min_support=min_support, top_n=5)

    assert [row[:2] for row in rows(result)] == expected


def test_top_n_keeps_the_best_per_product():
    result = co_purchases(SHOP, min_support=1, metric="confidence", top_n=1)

    assert [row[:2] for row in rows(result)] == [
        ("product:1", 2),
        ("product:2", 1),
        ("product:3", 1),
    ]


# lift(1 → 3) = 2·6 / (3·4) = 1 = lift(1 → 2) = 1·6 / (3·2), but {1, 3} has support 2, {1, 2} 1.
LIFT_TIE = lines([1, 3], [1, 3], [3], [3], [1, 2], [2])


@pytest.mark.parametrize(("metric", "kept"), [("lift", 3), ("confidence", 3)])
def test_equal_scores_go_to_the_higher_support(metric, kept):
    result = co_purchases(LIFT_TIE, min_support=1, metric=metric, top_n=1)

    assert result.loc[result["context"] == "product:1", "product_id"].tolist() == [kept]


@pytest.mark.parametrize("metric", ["lift", "confidence"])
def test_equal_score_and_support_go_to_the_lower_product_id(metric):
    frame = lines([1, 9], [1, 5], [1, 7], [1, 6])

    result = co_purchases(frame, min_support=1, metric=metric, top_n=2)

    assert result.loc[result["context"] == "product:1", "product_id"].tolist() == [5, 6]


def test_repeated_product_in_an_order_counts_once_and_never_pairs_with_itself():
    frame = lines([1, 1, 2], [1])

    result = co_purchases(frame, min_support=1, metric="confidence", top_n=5)

    # support(1) = 2 orders, not 3 lines; {1, 2} is in one order.
    assert rows(result) == [("product:1", 2, 0.5), ("product:2", 1, 1.0)]
    assert list(result["reason"]) == ["Bought together in 1 order"] * 2


@pytest.mark.parametrize(
    "frame",
    [
        lines(),
        lines([1], [2], [3, 3]),  # no order with two different products
    ],
    ids=["no lines", "no pairs"],
)
def test_no_pairs_gives_empty_result(frame):
    pd.testing.assert_frame_equal(co_purchases(frame, min_support=1, top_n=5), empty_result())


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="metric"):
        co_purchases(SHOP, min_support=1, metric="jaccard", top_n=5)


# Random baskets checked against references: plain Python counting and mlxtend.


def random_baskets(seed: int = 7, orders: int = 400, products: int = 25) -> list[list[int]]:
    """Baskets of 1–5 draws from a skewed catalogue, repeats allowed (ids 101, 102, ...)."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, products + 1)
    return [
        list(rng.choice(products, size=rng.integers(1, 6), p=weights / weights.sum()) + 101)
        for _ in range(orders)
    ]


def oracle_supports(baskets) -> tuple[Counter, Counter]:
    """Orders per product and per ordered pair (both ways round), counted in plain Python."""
    alone: Counter[int] = Counter()
    together: Counter[tuple[int, int]] = Counter()
    for basket in baskets:
        distinct = sorted(set(basket))
        alone.update(distinct)
        for a, b in itertools.combinations(distinct, 2):
            together[a, b] += 1
            together[b, a] += 1
    return alone, together


BASKETS = random_baskets()
ALONE, TOGETHER = oracle_supports(BASKETS)


@pytest.mark.parametrize("min_support", [1, 3, 10])
def test_pair_supports_match_plain_python_counting(min_support):
    matrix, products = basket_matrix(lines(*BASKETS)["order_id"], lines(*BASKETS)["product_id"])

    a, b, support = pair_supports(matrix, min_support)

    counted = {
        (int(products[i]), int(products[j])): int(s) for i, j, s in zip(a, b, support, strict=True)
    }
    assert counted == {pair: n for pair, n in TOGETHER.items() if n >= min_support}
    assert len(counted) > 20  # the baskets are not trivially small


def oracle_scores(metric: str, min_support: int) -> dict[tuple[int, int], tuple[float, int]]:
    n = len(BASKETS)
    return {
        (a, b): ((s / ALONE[a]) if metric == "confidence" else (s * n) / (ALONE[a] * ALONE[b]), s)
        for (a, b), s in TOGETHER.items()
        if s >= min_support
    }


@pytest.mark.parametrize("metric", ["lift", "confidence"])
@pytest.mark.parametrize(("min_support", "top_n"), [(1, 3), (2, 1), (3, 5), (1, 100)])
def test_top_n_matches_a_plain_python_ranking(metric, min_support, top_n):
    by_product = {}
    for (a, b), (score, support) in oracle_scores(metric, min_support).items():
        by_product.setdefault(a, []).append((-score, -support, b))
    expected = sorted(
        (f"product:{a}", b, -negative_score)
        for a, candidates in by_product.items()
        for negative_score, _, b in sorted(candidates)[:top_n]
    )

    result = co_purchases(lines(*BASKETS), min_support=min_support, metric=metric, top_n=top_n)

    got = list(result[["context", "product_id", "score"]].itertuples(index=False, name=None))
    assert sorted(got) == expected


@pytest.mark.parametrize("min_support", [2, 5])
def test_confidence_and_lift_match_mlxtend(min_support):
    n_orders = len(BASKETS)
    one_hot = pd.DataFrame([dict.fromkeys(basket, True) for basket in BASKETS]).notna()
    itemsets = fpgrowth(one_hot, min_support=min_support / n_orders, use_colnames=True)
    rules = association_rules(itemsets, num_itemsets=n_orders, metric="confidence", min_threshold=0)
    single = rules[(rules["antecedents"].map(len) == 1) & (rules["consequents"].map(len) == 1)]
    reference = {
        (f"product:{next(iter(ante))}", next(iter(cons))): (conf, lift)
        for ante, cons, conf, lift in single[
            ["antecedents", "consequents", "confidence", "lift"]
        ].itertuples(index=False)
    }
    everything = len(ALONE)

    confidence = co_purchases(
        lines(*BASKETS), min_support=min_support, metric="confidence", top_n=everything
    )
    lift = co_purchases(lines(*BASKETS), min_support=min_support, metric="lift", top_n=everything)

    assert len(reference) > 20
    for result, column in ((confidence, 0), (lift, 1)):
        ours = {
            (ctx, pid): score
            for ctx, pid, score in result[["context", "product_id", "score"]].itertuples(
                index=False, name=None
            )
        }
        assert ours.keys() == reference.keys()
        assert all(np.isclose(ours[key], reference[key][column]) for key in reference)


@pytest.mark.parametrize("seed", range(5))
def test_the_integer_sorts_give_lexsorts_order_with_many_ties(seed):
    """``_best_first`` and ``_contexts_then_product`` stand in for ``np.lexsort`` (for speed):
    on scores with many ties they must give exactly its order."""
    rng = np.random.default_rng(seed)
    n = 2_000
    a = np.sort(rng.integers(0, 60, n))
    score = rng.integers(1, 6, n) / rng.integers(1, 4, n)  # few distinct values: ties
    support, b = rng.integers(1, 5, n), rng.integers(0, 300, n)

    assert np.array_equal(
        _best_first(a, score, [b, -support]), np.lexsort((b, -support, -score, a))
    )

    best = best_per_product(a, score, (b, -support), 7)
    label_rank = rng.permutation(60)  # the context strings' order is not the ids'
    a, b, score = a[best], b[best], score[best]
    expected = np.lexsort((b, -score, label_rank[a]))
    assert np.array_equal(_contexts_then_product(a, b, score, label_rank), expected)
    shuffled = rng.permutation(len(a))  # not in best_per_product's order: the plain lexsort
    got = _contexts_then_product(a[shuffled], b[shuffled], score[shuffled], label_rank)
    assert np.array_equal(
        shuffled[got],
        shuffled[np.lexsort((b[shuffled], -score[shuffled], label_rank[a[shuffled]]))],
    )

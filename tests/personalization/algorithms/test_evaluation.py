"""Offline evaluation metrics and protocols: literal inputs, hand-worked answers."""

import pandas as pd
import pytest

from personalization.algorithms.evaluation import (
    Scores,
    baseline_list,
    hidden_items,
    judge_hidden,
    judge_orders,
    orders,
    partners,
    scores,
    time_split,
)


def order_lines(*rows):
    """(order, product, quantity, user or None, session, country, day of March 2026)."""
    return pd.DataFrame(
        [
            {
                "order_id": o,
                "product_id": p,
                "quantity": q,
                "price": 1.0,
                "created_at": pd.Timestamp(f"2026-03-{day:02d}", tz="UTC"),
                "user_id": u,
                "session_key": s,
                "country": c,
            }
            for o, p, q, u, s, c, day in rows
        ]
    )


def test_hit_precision_and_recall_on_a_hand_worked_case():
    # Case 1: 2 of the first 3 are relevant (of 4 relevant). Case 2: nothing. Case 3: empty.
    found = scores([[1, 2, 3, 9], [5, 6, 7], []], [{1, 3, 10, 11}, {8}, {1}], k=3)

    assert found == Scores(
        cases=3,
        covered=2,
        hit_rate=pytest.approx(1 / 3),
        precision=pytest.approx((2 / 3) / 3),
        recall=pytest.approx((2 / 4) / 3),
    )


def test_only_the_first_k_items_count():
    assert scores([[9, 1]], [{1}], k=1).hit_rate == 0.0
    assert scores([[9, 1]], [{1}], k=2).hit_rate == 1.0
    # A short list is still judged out of K.
    assert scores([[1]], [{1}], k=4).precision == 0.25


def test_no_cases_give_zeros_and_a_bad_k_is_refused():
    assert scores([], [], k=5) == Scores(0, 0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        scores([[1]], [{1}], k=0)


def test_time_split_puts_the_cutoff_moment_after():
    lines = order_lines((1, 5, 1, None, "a", "NL", 1), (2, 5, 1, None, "b", "NL", 2))

    before, after = time_split(lines, pd.Timestamp("2026-03-02", tz="UTC"))

    assert before["order_id"].tolist() == [1]
    assert after["order_id"].tolist() == [2]


def test_baseline_is_most_units_first_ties_by_product_id():
    lines = order_lines(
        (1, 5, 2, None, "a", "NL", 1),
        (2, 3, 1, None, "b", "NL", 1),
        (3, 4, 1, None, "c", "NL", 1),
        (3, 3, 1, None, "c", "NL", 1),
    )

    assert baseline_list(lines) == [3, 5, 4]


def test_orders_are_keyed_by_shopper_or_visit_with_distinct_products():
    lines = order_lines(
        (1, 5, 1, 7.0, "a", "NL", 1), (1, 2, 1, 7.0, "a", "NL", 1), (2, 5, 1, None, "b", "FR", 1)
    )

    found = orders(lines)

    assert found["visitor"].tolist() == ["u7", "sb"]
    assert found["products"].tolist() == [(2, 5), (5,)]
    assert found["country"].tolist() == ["NL", "FR"]


def test_judge_orders_scores_the_band_and_the_baseline_on_the_same_orders():
    cases = orders(order_lines((1, 5, 1, None, "a", "NL", 1), (2, 6, 1, None, "b", "FR", 1)))
    lists = {"country:NL": [(5, 3.0), (1, 2.0)], "country:FR": [(1, 1.0)]}

    band, plain = judge_orders(cases, ["country:NL", "country:FR"], lists, [6, 9], k=2)

    assert (band.hit_rate, band.precision, band.recall) == (0.5, 0.25, 0.5)
    assert (plain.hit_rate, plain.precision, plain.recall) == (0.5, 0.25, 0.5)


def test_hidden_items_skip_single_item_orders_and_depend_only_on_the_seed():
    cases = orders(
        order_lines(
            (1, 5, 1, None, "a", "NL", 1),
            (1, 6, 1, None, "a", "NL", 1),
            (1, 7, 1, None, "a", "NL", 1),
            (2, 8, 1, None, "b", "NL", 1),
        )
    )

    found = hidden_items(cases, seed=0)

    assert len(found) == 1
    visible, hidden = found[0]
    assert sorted((*visible, hidden)) == [5, 6, 7]
    assert hidden_items(cases, seed=0) == found


def test_partners_merge_the_visible_products_lists_best_score_first():
    lists = {"product:1": [(3, 0.9), (2, 0.5), (4, 0.4)], "product:2": [(4, 0.95), (1, 0.8)]}

    found = partners(lists, (1, 2), lambda pid: f"product:{pid}", k=2)

    # 1 and 2 are on the page; 4 keeps its better score (0.95).
    assert found == [4, 3]


def test_judge_hidden_counts_a_hit_when_the_hidden_item_is_among_the_partners():
    lists = {"product:1": [(3, 0.9), (2, 0.5)], "product:5": [(6, 1.0)]}
    cases = [((1,), 3), ((1,), 2), ((5,), 9)]

    band, plain = judge_hidden(cases, lists, lambda pid: f"product:{pid}", [1, 9, 3], k=1)

    # Band: top partner of 1 is 3 (hit), of 1 is 3 (miss: 2 hidden), of 5 is 6 (miss).
    assert band.hit_rate == pytest.approx(1 / 3)
    assert band.precision == pytest.approx(1 / 3)
    # Baseline without the visible product: [9] for product 1, [1] for product 5.
    assert plain.hit_rate == 0.0

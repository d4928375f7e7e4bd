import numpy as np
import pandas as pd
import pytest

from personalization.algorithms import RESULT_COLUMNS, for_you
from personalization.algorithms.for_you import interactions, recommended_for_you

NAN = np.nan
NOW = pd.Timestamp("2025-06-01 12:00", tz="UTC")


def events(*rows) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["session_key", "user_id", "product_id", "kind"])
    return frame.assign(created_at=NOW)


def lines(*rows) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["order_id", "product_id", "user_id", "session_key"])
    return frame.assign(quantity=2, price=10.0, created_at=NOW, country="FR")


EVENTS = events(
    ("a", NAN, 1, "view"),
    ("a", NAN, 1, "view"),
    ("a", NAN, 2, "cart_add"),
    ("a", NAN, 2, "view"),
    ("b", 7.0, 1, "view"),
    ("b", 7.0, 3, "purchase"),  # also an order line below: counted once, from the line
    ("c", NAN, NAN, "view"),
    ("c", NAN, 4, "impression"),
)
LINES = lines((1, 3, 7.0, "b"), (2, 1, NAN, "a"))


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        (
            None,
            [
                ("sa", 1, 7.0, "bought"),
                ("sa", 2, 4.0, "added to your cart"),
                ("u7", 1, 1.0, "viewed"),
                ("u7", 3, 5.0, "bought"),
            ],
        ),
        (
            {"view": 2.0},
            [
                ("sa", 1, 9.0, "bought"),
                ("sa", 2, 5.0, "added to your cart"),
                ("u7", 1, 2.0, "viewed"),
                ("u7", 3, 5.0, "bought"),
            ],
        ),
        (
            {"purchase": 10.0, "cart_add": 0.5},
            [
                ("sa", 1, 12.0, "bought"),
                ("sa", 2, 1.5, "added to your cart"),
                ("u7", 1, 1.0, "viewed"),
                ("u7", 3, 10.0, "bought"),
            ],
        ),
    ],
)
def test_interactions_sum_weights_and_keep_the_strongest_verb(weights, expected):
    found = interactions(EVENTS, LINES, weights=weights)

    assert list(found.itertuples(index=False, name=None)) == expected


def test_purchases_count_once_per_order_line_not_per_event_or_unit():
    found = interactions(events(("b", 7.0, 3, "purchase")), lines((1, 3, 7.0, "b")))

    assert found["weight"].tolist() == [5.0]


def test_a_purchase_event_alone_counts_for_nothing():
    assert interactions(events(("b", 7.0, 3, "purchase")), LINES.iloc[:0]).empty


@pytest.mark.parametrize(
    ("user_id", "session_key", "key"),
    [
        (7.0, "abc", "u7"),
        (NAN, "abc", "sabc"),
        (12.0, "", "u12"),
        (12.0, NAN, "u12"),
    ],
)
def test_visitor_keys(user_id, session_key, key):
    found = interactions(events((session_key, user_id, 1, "view")), LINES.iloc[:0])

    assert found["visitor"].tolist() == [key]


@pytest.mark.parametrize("session_key", ["", NAN])
def test_a_touch_with_neither_user_nor_session_is_ignored(session_key):
    assert interactions(events((session_key, NAN, 1, "view")), LINES.iloc[:0]).empty


def test_visitors_are_ordered_by_key_then_product():
    found = interactions(
        events(
            ("zz", NAN, 2, "view"),
            ("b", 10.0, 5, "view"),
            ("b", 9.0, 3, "view"),
            ("b", 9.0, 1, "view"),
        ),
        LINES.iloc[:0],
    )

    assert list(found[["visitor", "product_id"]].itertuples(index=False, name=None)) == [
        ("szz", 2),
        ("u10", 5),
        ("u9", 1),
        ("u9", 3),
    ]


def test_no_input_gives_no_interactions():
    found = interactions(EVENTS.iloc[:0], LINES.iloc[:0])

    assert found.empty
    assert list(found.columns) == ["visitor", "product_id", "weight", "verb"]


NAMES = {
    1: "Trail Tent 2",
    2: "Camp Stove",
    3: "Down Sleeping Bag",
    4: "Lantern",
    11: "Mirrorless Camera",
    12: "Zoom Lens",
    13: "Tripod",
    14: "Camera Bag",
}
CAMPING, PHOTO = {1, 2, 3, 4}, {11, 12, 13, 14}
# Campers always take the tent and the stove; photographers the camera and the lens.
HISTORIES = {
    "u1": [1, 2, 3],
    "u2": [1, 2, 4],
    "u3": [1, 2, 3, 4],
    "u4": [1, 2],
    "u5": [1, 2, 3],
    "u6": [1, 2, 4],
    "u11": [11, 12, 13],
    "u12": [11, 12, 14],
    "u13": [11, 12, 13, 14],
    "u14": [11, 12],
    "u15": [11, 12, 13],
    "u16": [11, 12, 14],
    "snew": [1],  # has seen only the tent
}
VERB_OF = {1: "viewed", 2: "added to your cart", 3: "bought"}


def history_frame(histories=HISTORIES) -> pd.DataFrame:
    rows = [
        (visitor, product, float(1 + product % 3), VERB_OF[1 + product % 3])
        for visitor, products in histories.items()
        for product in products
    ]
    return pd.DataFrame(rows, columns=["visitor", "product_id", "weight", "verb"])


def recommend(frame=None, **options):
    options = {"product_names": NAMES, "factors": 8, "top_n": 4, "min_interactions": 1, **options}
    return recommended_for_you(history_frame() if frame is None else frame, **options)


def test_a_camper_who_saw_only_a_tent_gets_the_stove_before_any_camera_item():
    results = recommend().results
    mine = results[results["context"] == "visitor:snew"]["product_id"].tolist()

    assert mine.index(2) < min(mine.index(product) for product in PHOTO & set(mine))


@pytest.mark.parametrize("visitor", ["u4", "u14"])
def test_the_top_pick_comes_from_the_visitors_own_group(visitor):
    results = recommend().results

    top = results[results["context"] == f"visitor:{visitor}"]["product_id"].iloc[0]
    group = CAMPING if HISTORIES[visitor][0] in CAMPING else PHOTO
    assert top in group


def test_products_a_visitor_already_interacted_with_are_never_recommended():
    results = recommend(top_n=8).results

    for visitor, products in HISTORIES.items():
        recommended = set(results[results["context"] == f"visitor:{visitor}"]["product_id"])
        assert recommended, visitor
        assert not recommended & set(products), visitor


def test_reasons_name_an_item_from_the_visitors_own_history_with_its_verb():
    results = recommend().results

    for visitor, products in HISTORIES.items():
        own = {f"Because you viewed {NAMES[p]}" for p in products if 1 + p % 3 == 1}
        own |= {f"Because you added {NAMES[p]} to your cart" for p in products if 1 + p % 3 == 2}
        own |= {f"Because you bought {NAMES[p]}" for p in products if 1 + p % 3 == 3}
        reasons = set(results[results["context"] == f"visitor:{visitor}"]["reason"])
        assert reasons and reasons <= own, visitor


def test_the_reason_for_a_single_item_history_is_that_item():
    results = recommend().results

    assert set(results[results["context"] == "visitor:snew"]["reason"]) == {
        "Because you added Trail Tent 2 to your cart"
    }


def test_with_a_mixed_history_each_reason_names_the_item_from_the_same_group():
    results = recommend(history_frame({**HISTORIES, "umix": [1, 11]}), top_n=6).results

    mine = results[results["context"] == "visitor:umix"]
    expected = [
        "Because you added Trail Tent 2 to your cart"
        if product in CAMPING
        else "Because you bought Mirrorless Camera"
        for product in mine["product_id"]
    ]
    assert mine["reason"].tolist() == expected
    assert set(mine["product_id"]) == (CAMPING | PHOTO) - {1, 11}


def test_a_product_without_a_name_gives_a_generic_reason():
    results = recommend(product_names={}).results

    assert set(results[results["context"] == "visitor:snew"]["reason"]) == {
        "Based on what you added to your cart"
    }


def test_the_same_random_state_gives_identical_output():
    first, second = recommend(random_state=3), recommend(random_state=3)

    pd.testing.assert_frame_equal(first.results, second.results)
    np.testing.assert_array_equal(first.item_factors, second.item_factors)


def test_a_different_random_state_gives_different_factors():
    first, second = recommend(random_state=3), recommend(random_state=4)

    assert not np.array_equal(first.item_factors, second.item_factors)


@pytest.mark.parametrize(
    ("min_interactions", "served"),
    [
        (1, set(HISTORIES)),
        (2, set(HISTORIES) - {"snew"}),
        (3, set(HISTORIES) - {"snew", "u4", "u14"}),
        (5, set()),
    ],
)
def test_visitors_below_min_interactions_get_nothing(min_interactions, served):
    results = recommend(min_interactions=min_interactions).results

    assert set(results["context"]) == {f"visitor:{visitor}" for visitor in served}


def test_only_the_given_visitors_get_rows_and_theirs_are_unchanged():
    everyone = recommend().results
    chosen = {"u4", "snew", "unknown"}

    some = recommend(only_visitors=chosen).results

    assert set(some["context"]) == {"visitor:u4", "visitor:snew"}
    kept = everyone[everyone["context"].isin(set(some["context"]))].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, kept)


def test_results_are_a_ranked_result_frame_with_top_n_per_visitor():
    found = recommend(top_n=3)

    assert list(found.results.columns) == RESULT_COLUMNS
    assert found.results.groupby("context").size().max() == 3
    for _, rows in found.results.groupby("context"):
        assert rows["score"].is_monotonic_decreasing


def test_item_factors_line_up_with_ascending_product_ids():
    found = recommend()

    assert found.product_ids.tolist() == sorted(CAMPING | PHOTO)
    assert found.item_factors.shape == (8, 8)


def test_chunked_calls_give_the_same_answer_as_one_call(monkeypatch):
    whole = recommend().results
    monkeypatch.setattr(for_you, "USERS_PER_CALL", 2)
    monkeypatch.setattr(for_you, "PAIRS_PER_CHUNK", 20)
    monkeypatch.setattr(for_you, "PAIRS_PER_EINSUM", 3)

    # BLAS rounds a batch of users a little differently from a smaller batch.
    pd.testing.assert_frame_equal(recommend().results, whole, rtol=1e-3, atol=1e-6)


def test_a_visitor_who_has_seen_everything_gets_nothing():
    results = recommend(history_frame({"u1": [1, 2], "u2": [1]})).results

    assert list(results[["context", "product_id"]].itertuples(index=False, name=None)) == [
        ("visitor:u2", 2),
    ]


@pytest.mark.parametrize("histories", [{}, {"u1": [1], "u2": [1]}])
def test_fewer_than_two_products_give_an_empty_result_and_no_factors(histories):
    found = recommend(history_frame(histories))

    assert found.results.empty
    assert list(found.results.columns) == RESULT_COLUMNS
    assert found.item_factors.shape == (0, 8)
    assert found.product_ids.tolist() == []

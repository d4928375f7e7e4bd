import numpy as np
import pandas as pd
import pytest

from personalization.algorithms import RESULT_COLUMNS, deals
from personalization.algorithms.deals import affinities, best_deals

NAN = np.nan
COLUMNS = [
    "product_id",
    "name",
    "category_id",
    "department_id",
    "colour_id",
    "material_id",
    "price",
    "compare_at_price",
    "stock",
]
NAMES = {
    ("category", 10): "Tents",
    ("category", 11): "Stoves",
    ("department", 1): "Camping",
    ("colour", 5): "Red",
    ("colour", 6): "Blue",
    ("material", 7): "Nylon",
    ("material", 8): "Steel",
}


def products(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


def liking(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["visitor", "attribute", "value_id", "share"])


TENT = (1, "Tent", 10, 1, 5, 7, 80.0, 100.0, 3)  # 20% off, red nylon
STOVE = (2, "Stove", 11, 1, 6, 8, 78.0, 100.0, 2)  # 22% off, blue steel
CATALOGUE = products(
    TENT,
    STOVE,
    (3, "Camera", 20, 2, 6, 8, 70.0, 100.0, 0),  # 30% off, out of stock
    (4, "Lens", 21, 2, 6, 8, 96.0, 100.0, 5),  # 4% off
    (5, "Bag", 21, 2, 5, 9, 50.0, NAN, 5),  # not on sale
    (6, "Tripod", 21, 2, 6, 9, 120.0, 100.0, 5),  # dearer than before
)
NO_LIKES = liking()


def rows_for(result: pd.DataFrame, key: str) -> list[tuple]:
    mine = result[result["context"] == key]
    return [
        (pid, round(score, 6), reason)
        for pid, score, reason in mine[["product_id", "score", "reason"]].itertuples(
            index=False, name=None
        )
    ]


def test_everyone_gets_deals_in_stock_by_discount():
    result = best_deals(CATALOGUE, NO_LIKES, top_n=10, names=NAMES)

    assert rows_for(result, "") == [(2, 0.22, "22% off"), (1, 0.2, "20% off")]


@pytest.mark.parametrize(
    ("price", "compare_at_price", "stock", "min_discount", "listed"),
    [
        (95.0, 100.0, 1, 0.05, True),  # exactly 5% off
        (96.0, 100.0, 1, 0.05, False),
        (80.0, 100.0, 0, 0.05, False),  # out of stock
        (80.0, NAN, 1, 0.05, False),
        (100.0, 100.0, 1, 0.0, False),  # no cheaper than before
        (120.0, 100.0, 1, 0.0, False),
        (50.0, 100.0, 1, 0.5, True),
        (51.0, 100.0, 1, 0.5, False),
    ],
)
def test_discount_threshold_and_stock(price, compare_at_price, stock, min_discount, listed):
    catalogue = products((1, "Tent", 10, 1, 5, 7, price, compare_at_price, stock))

    result = best_deals(catalogue, NO_LIKES, top_n=10, names=NAMES, min_discount=min_discount)

    assert (not result.empty) is listed


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        (67.1, "32% off"),  # 32.9% is not rounded up
        (68.0, "32% off"),
        (50.0, "50% off"),
        (95.0, "5% off"),
    ],
)
def test_the_percentage_off_is_rounded_down(price, reason):
    result = best_deals(
        products((1, "Tent", 10, 1, 5, 7, price, 100.0, 3)), NO_LIKES, top_n=10, names=NAMES
    )

    assert result["reason"].tolist() == [reason]


def test_equal_discounts_are_ordered_by_product_id():
    catalogue = products((9, *TENT[1:]), (4, *TENT[1:]), (7, *TENT[1:]))

    result = best_deals(catalogue, NO_LIKES, top_n=2, names=NAMES)

    assert result["product_id"].tolist() == [4, 7]


def test_a_liked_colour_lifts_a_smaller_discount_above_a_bigger_one():
    likes = liking(("sred", "colour", 5, 1.0))

    result = best_deals(CATALOGUE, likes, top_n=10, names=NAMES)

    # 0.20 × (1 + 0.5 × 1.0) = 0.30 beats the stove's plain 0.22.
    assert rows_for(result, "visitor:sred") == [
        (1, 0.3, "20% off — in Red, a colour you like"),
        (2, 0.22, "22% off"),
    ]
    assert rows_for(result, "")[0][0] == 2


@pytest.mark.parametrize(
    ("attribute", "value_id", "score", "reason"),
    [
        ("category", 10, 0.4, "20% off — you often look at Tents"),
        ("department", 1, 0.3, "20% off — you often look at Camping"),
        ("colour", 5, 0.3, "20% off — in Red, a colour you like"),
        ("material", 7, 0.3, "20% off — made of Nylon, a material you like"),
    ],
)
def test_the_reason_names_what_the_visitor_likes(attribute, value_id, score, reason):
    likes = liking(("u1", attribute, value_id, 1.0))

    result = best_deals(products(TENT), likes, top_n=10, names=NAMES)

    assert rows_for(result, "visitor:u1") == [(1, score, reason)]


@pytest.mark.parametrize(
    ("category_share", "score", "reason"),
    [
        # Category 0.4 × 1.0 = 0.4 against colour 1.0 × 0.5 = 0.5: the colour wins.
        (0.4, 0.38, "20% off — in Red, a colour you like"),
        # Category 0.8 × 1.0 = 0.8 against 0.5: the category wins, though its share is smaller.
        (0.8, 0.46, "20% off — you often look at Tents"),
    ],
)
def test_the_reason_names_the_value_that_lifted_the_deal_most(category_share, score, reason):
    likes = liking(("u1", "category", 10, category_share), ("u1", "colour", 5, 1.0))

    result = best_deals(products(TENT), likes, top_n=10, names=NAMES)

    assert rows_for(result, "visitor:u1") == [(1, score, reason)]


def test_lifts_add_up_over_the_liked_values_a_deal_has():
    likes = liking(("u1", "department", 1, 1.0), ("u1", "colour", 6, 0.6))

    result = best_deals(CATALOGUE, likes, top_n=10, names=NAMES)

    # Stove: 0.22 × (1 + 0.5 + 0.3); tent: 0.20 × (1 + 0.5).
    assert rows_for(result, "visitor:u1") == [
        (2, 0.396, "22% off — you often look at Camping"),
        (1, 0.3, "20% off — you often look at Camping"),
    ]


@pytest.mark.parametrize(
    ("share", "min_share", "served"),
    [
        (0.25, 0.2, True),
        (0.2, 0.2, True),
        (0.1, 0.2, False),
        (0.1, 0.05, True),
    ],
)
def test_only_values_with_min_share_count_as_liked(share, min_share, served):
    likes = liking(("u1", "colour", 5, share))

    result = best_deals(CATALOGUE, likes, top_n=10, names=NAMES, min_share=min_share)

    assert ("visitor:u1" in set(result["context"])) is served


def test_visitors_who_like_nothing_on_sale_get_no_context():
    likes = liking(("u1", "colour", 99, 1.0), ("u2", "category", 20, 1.0))  # 20: camera only

    result = best_deals(CATALOGUE, likes, top_n=10, names=NAMES)

    assert set(result["context"]) == {""}


def test_a_value_without_a_name_gives_the_plain_reason():
    likes = liking(("u1", "colour", 5, 1.0))

    result = best_deals(products(TENT), likes, top_n=10, names={})

    assert rows_for(result, "visitor:u1") == [(1, 0.3, "20% off")]


def test_top_n_cuts_every_context():
    likes = liking(("u1", "colour", 5, 1.0), ("u2", "colour", 6, 1.0))

    result = best_deals(CATALOGUE, likes, top_n=1, names=NAMES)

    assert list(result[["context", "product_id"]].itertuples(index=False, name=None)) == [
        ("", 2),
        ("visitor:u1", 1),
        ("visitor:u2", 2),
    ]


def test_blocks_of_visitors_give_the_same_answer_as_one_pass(monkeypatch):
    likes = liking(
        ("u1", "colour", 5, 1.0),
        ("u2", "colour", 6, 0.5),
        ("u3", "category", 11, 1.0),
        ("u4", "material", 7, 0.3),
        ("u5", "department", 1, 1.0),
    )
    whole = best_deals(CATALOGUE, likes, top_n=2, names=NAMES)
    monkeypatch.setattr(deals, "CELLS_PER_BLOCK", 3)

    pd.testing.assert_frame_equal(best_deals(CATALOGUE, likes, top_n=2, names=NAMES), whole)
    assert whole["context"].nunique() == 6


def test_no_deals_give_an_empty_result():
    result = best_deals(CATALOGUE.iloc[2:], liking(("u1", "colour", 6, 1.0)), top_n=10, names=NAMES)

    assert result.empty
    assert list(result.columns) == RESULT_COLUMNS


INTERACTIONS = pd.DataFrame(
    {
        "visitor": ["sa", "sa", "u7", "u7"],
        "product_id": [1, 2, 1, 99],  # 99 is not in the catalogue
        "weight": [1.0, 3.0, 2.0, 5.0],
        "verb": ["viewed", "bought", "viewed", "viewed"],
    }
)


def test_affinities_are_weight_shares_per_attribute():
    found = affinities(INTERACTIONS, CATALOGUE)

    assert list(found.itertuples(index=False, name=None)) == [
        ("sa", "category", 10, 0.25),
        ("sa", "category", 11, 0.75),
        ("sa", "colour", 5, 0.25),
        ("sa", "colour", 6, 0.75),
        ("sa", "department", 1, 1.0),
        ("sa", "material", 7, 0.25),
        ("sa", "material", 8, 0.75),
        ("u7", "category", 10, 1.0),
        ("u7", "colour", 5, 1.0),
        ("u7", "department", 1, 1.0),
        ("u7", "material", 7, 1.0),
    ]


def test_a_product_filed_under_its_department_counts_for_that_department():
    catalogue = products((1, "Tent", 1, NAN, 5, 7, 80.0, 100.0, 3))

    found = affinities(INTERACTIONS.iloc[:1], catalogue)

    assert ("sa", "department", 1, 1.0) in set(found.itertuples(index=False, name=None))


def test_no_interactions_give_no_affinities():
    found = affinities(INTERACTIONS.iloc[:0], CATALOGUE)

    assert found.empty
    assert list(found.columns) == ["visitor", "attribute", "value_id", "share"]

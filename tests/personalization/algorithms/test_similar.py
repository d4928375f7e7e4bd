import numpy as np
import pandas as pd
import pytest

from personalization.algorithms import RESULT_COLUMNS, similar
from personalization.algorithms.similar import (
    similar_by_attributes,
    similar_by_factors,
    top_columns,
)

NAMES = {("department", 1): "Camping", ("department", 2): "Photo"}
COLUMNS = ["product_id", "category_id", "department_id", "colour_id", "material_id", "price"]
# Department 1 (Camping): categories 10 and 11; product 6 is alone in department 2.
CATALOGUE = pd.DataFrame(
    [
        (1, 10, 1, 5, 7, 100.0),
        (2, 10, 1, 5, 8, 120.0),
        (3, 11, 1, 6, 7, 90.0),
        (4, 11, 1, 5, 7, 200.0),
        (5, 10, 1, 6, 7, 126.0),
        (6, 20, 2, 5, 7, 100.0),
    ],
    columns=COLUMNS,
)


def products(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


def rows_for(result: pd.DataFrame, key: str) -> list[tuple]:
    mine = result[result["context"] == key]
    return list(mine[["product_id", "score", "reason"]].itertuples(index=False, name=None))


# Points: department 1, category 4, colour 1, material 1, price within 25% 1.
@pytest.mark.parametrize(
    ("product", "expected"),
    [
        (
            1,
            [
                (2, 7.0, "Same category and colour, similar price"),
                (5, 6.0, "Same category and material"),
                (3, 3.0, "Also Camping, same material, similar price"),
                (4, 3.0, "Also Camping, same colour and material"),
            ],
        ),
        (
            2,
            [
                (1, 7.0, "Same category and colour, similar price"),
                (5, 6.0, "Same category, similar price"),
                (4, 2.0, "Also Camping, same colour"),
                (3, 1.0, "Also Camping"),
            ],
        ),
        (
            3,
            [
                (4, 6.0, "Same category and material"),
                (1, 3.0, "Also Camping, same material, similar price"),
                (5, 3.0, "Also Camping, same colour and material"),
                (2, 1.0, "Also Camping"),
            ],
        ),
        (
            4,
            [
                (3, 6.0, "Same category and material"),
                (1, 3.0, "Also Camping, same colour and material"),
                (2, 2.0, "Also Camping, same colour"),
                (5, 2.0, "Also Camping, same material"),
            ],
        ),
        (
            5,
            [
                (1, 6.0, "Same category and material"),
                (2, 6.0, "Same category, similar price"),
                (3, 3.0, "Also Camping, same colour and material"),
                (4, 2.0, "Also Camping, same material"),
            ],
        ),
    ],
)
def test_attribute_scores_and_reasons_are_hand_worked(product, expected):
    result = similar_by_attributes(CATALOGUE, top_n=10, names=NAMES)

    assert rows_for(result, f"product:{product}") == expected


def test_other_departments_never_appear():
    result = similar_by_attributes(CATALOGUE, top_n=10, names=NAMES)

    assert "product:6" not in set(result["context"])
    assert 6 not in set(result["product_id"])


def test_a_product_is_never_similar_to_itself():
    result = similar_by_attributes(CATALOGUE, top_n=10, names=NAMES)

    assert not (result["context"] == "product:" + result["product_id"].astype(str)).any()


@pytest.mark.parametrize(
    ("top_n", "expected"),
    [
        (1, [2]),
        (2, [2, 5]),
        (3, [2, 5, 3]),  # 3 and 4 tie at 3 points: the lower id wins the last place
    ],
)
def test_top_n_cuts_each_product_with_ties_to_the_lower_id(top_n, expected):
    result = similar_by_attributes(CATALOGUE, top_n=top_n, names=NAMES)

    assert [row[0] for row in rows_for(result, "product:1")] == expected
    assert result.groupby("context").size().max() == top_n


A = (1, 10, 1, 5, 7, 100.0)


@pytest.mark.parametrize(
    ("other", "score", "reason"),
    [
        ((2, 10, 1, 5, 7, 100.0), 8.0, "Same category, colour and material, similar price"),
        ((2, 10, 1, 6, 8, 300.0), 5.0, "Same category"),
        ((2, 10, 1, 6, 7, 300.0), 6.0, "Same category and material"),
        ((2, 11, 1, 6, 8, 300.0), 1.0, "Also Camping"),
        ((2, 11, 1, 5, 7, 125.0), 4.0, "Also Camping, same colour and material, similar price"),
        ((2, 11, 1, 6, 8, 80.0), 2.0, "Also Camping, similar price"),  # 100 = 1.25 × 80
        ((2, 11, 1, 6, 8, 79.0), 1.0, "Also Camping"),
        ((2, 11, 1, 6, 8, np.nan), 1.0, "Also Camping"),
        ((2, 11, 1, np.nan, 8, 300.0), 1.0, "Also Camping"),
    ],
)
def test_one_pair(other, score, reason):
    result = similar_by_attributes(products(A, other), top_n=5, names=NAMES)

    assert rows_for(result, "product:1") == [(2, score, reason)]
    assert rows_for(result, "product:2") == [(1, score, reason)]


def test_without_a_department_name_the_reason_says_same_department():
    result = similar_by_attributes(products(A, (2, 11, 1, 5, 8, 300.0)), top_n=5)

    assert rows_for(result, "product:1") == [(2, 2.0, "Same department, same colour")]


def test_a_product_filed_under_its_department_counts_in_that_department():
    filed = products(A, (2, 1, np.nan, 6, 8, 300.0), (3, 2, np.nan, 6, 8, 300.0))

    result = similar_by_attributes(filed, top_n=5, names=NAMES)

    assert rows_for(result, "product:2") == [(1, 1.0, "Also Camping")]
    assert rows_for(result, "product:3") == []


def test_blocks_give_the_same_answer_as_one_pass(monkeypatch):
    whole = similar_by_attributes(CATALOGUE, top_n=3, names=NAMES)
    monkeypatch.setattr(similar, "CELLS_PER_BLOCK", 5)

    pd.testing.assert_frame_equal(similar_by_attributes(CATALOGUE, top_n=3, names=NAMES), whole)


@pytest.mark.parametrize(
    "catalogue",
    [
        CATALOGUE.iloc[:0],
        CATALOGUE.iloc[[0]],
        CATALOGUE.iloc[[0, 5]],
    ],
)
def test_nothing_to_compare_gives_an_empty_result(catalogue):
    result = similar_by_attributes(catalogue, top_n=3)

    assert result.empty
    assert list(result.columns) == RESULT_COLUMNS


@pytest.mark.parametrize(
    ("scores", "k", "expected"),
    [
        ([[3, 1, 2]], 1, [[0]]),
        ([[3, 1, 2]], 2, [[0, 2]]),
        ([[1, 2, 2, 2]], 2, [[1, 2]]),
        ([[2, 2, 2, 5]], 2, [[0, 3]]),
        ([[0.5, -np.inf, 0.5], [-np.inf, 1, -np.inf]], 2, [[0, 2], [0, 1]]),
    ],
)
def test_top_columns_keeps_the_highest_and_breaks_ties_by_column(scores, k, expected):
    assert top_columns(np.array(scores), k).tolist() == expected


# Unit rows at 0°, 45°, 90° and 180°; ids deliberately out of order.
FACTOR_IDS = [40, 20, 10, 30]
FACTORS = np.array([[-2.0, 0.0], [3.0, 3.0], [1.0, 0.0], [0.0, 0.5]])
R = float(np.sqrt(0.5))


@pytest.mark.parametrize(
    ("product", "expected"),
    [
        (10, [(20, R), (30, 0.0)]),
        (20, [(10, R), (30, R)]),
        (30, [(20, R), (10, 0.0)]),  # 10 and 40 both score 0: the lower id wins
        (40, [(30, 0.0), (20, -R)]),
    ],
)
def test_factor_neighbours_by_cosine(product, expected):
    result = similar_by_factors(FACTORS, FACTOR_IDS, top_n=2)

    mine = result[result["context"] == f"product:{product}"]
    assert mine["product_id"].tolist() == [pid for pid, _ in expected]
    assert mine["score"].tolist() == pytest.approx([score for _, score in expected], abs=1e-6)
    assert set(mine["reason"]) == {"Liked by the same shoppers"}


def test_factor_neighbours_never_include_the_product_itself():
    result = similar_by_factors(FACTORS, FACTOR_IDS, top_n=5)

    assert result.groupby("context").size().tolist() == [3, 3, 3, 3]
    assert not (result["context"] == "product:" + result["product_id"].astype(str)).any()


def test_factor_blocks_give_the_same_answer_as_one_pass(monkeypatch):
    whole = similar_by_factors(FACTORS, FACTOR_IDS, top_n=2)
    monkeypatch.setattr(similar, "CELLS_PER_BLOCK", 3)

    pd.testing.assert_frame_equal(similar_by_factors(FACTORS, FACTOR_IDS, top_n=2), whole)


def test_a_zero_factor_row_scores_zero():
    result = similar_by_factors(np.array([[0.0, 0.0], [1.0, 0.0]]), [1, 2], top_n=1)

    assert result["score"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(("factors", "ids"), [(np.zeros((0, 4)), []), (np.ones((1, 4)), [7])])
def test_fewer_than_two_products_give_an_empty_result(factors, ids):
    assert similar_by_factors(factors, ids, top_n=3).empty


def test_factor_rows_must_match_the_ids():
    with pytest.raises(ValueError, match="3 factor rows for 2 product ids"):
        similar_by_factors(np.ones((3, 2)), [1, 2], top_n=1)

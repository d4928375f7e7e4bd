"""Best deals: discounted products in stock, lifted by what each visitor tends to look at."""

from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import context, empty_result, ranked
from .similar import department_of, top_columns

ATTRIBUTES = {
    "category": "category_id",
    "department": "department_id",
    "colour": "colour_id",
    "material": "material_id",
}
# How much a visitor's share of an attribute value lifts a deal with that value: a liked
# category says more about taste than a liked department, colour or material.
LIFT = {"category": 1.0, "department": 0.5, "colour": 0.5, "material": 0.5}
LIKES = {
    "category": "you often look at {}",
    "department": "you often look at {}",
    "colour": "in {}, a colour you like",
    "material": "made of {}, a material you like",
}
# Visitor × deal cells scored at once (a few float64 temporaries: tens of MB).
CELLS_PER_BLOCK = 2**21


def affinities(interactions: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Per visitor, the share of their interaction weight that went to each attribute value.

    ``interactions`` has ``visitor``, ``product_id`` and ``weight`` (as ``for_you.interactions``
    returns it); ``products`` is the products frame. For each visitor and attribute ("category",
    "department", "colour", "material") the shares of the values add up to 1, less what went to
    products missing that attribute; products unknown to ``products`` are ignored. A product
    filed directly under a department (``department_id`` NaN) counts for its category as
    department too.

    Returns columns ``visitor``, ``attribute``, ``value_id`` (int) and ``share`` (float),
    ordered by visitor, attribute and value. Empty input gives an empty frame.
    """
    products = products.assign(department_id=department_of(products))
    touched = interactions[["visitor", "product_id", "weight"]].merge(
        products[["product_id", *ATTRIBUTES.values()]], on="product_id"
    )
    visitor, visitors = pd.factorize(touched["visitor"], sort=True)
    weight = touched["weight"].to_numpy(float)
    total = np.bincount(visitor, weights=weight)[visitor]
    share = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
    found = pd.concat(
        [_no_affinities()]
        + [
            _value_shares(visitor, touched[ATTRIBUTES[attribute]].to_numpy(float), share).assign(
                attribute=attribute
            )
            for attribute in sorted(ATTRIBUTES)
        ],
        ignore_index=True,
    ).sort_values("visitor", kind="stable")
    return pd.DataFrame(
        {
            "visitor": pd.array(
                np.asarray(visitors, dtype=object)[found["visitor"].to_numpy(int)], dtype="str"
            ),
            "attribute": found["attribute"].astype("str").to_numpy(),
            "value_id": found["value_id"].to_numpy(np.int64),
            "share": found["share"].to_numpy(float),
        }
    )


def _no_affinities() -> pd.DataFrame:
    columns = {"visitor": "int64", "attribute": "str", "value_id": "int64", "share": "float64"}
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def _value_shares(visitor: np.ndarray, values: np.ndarray, share: np.ndarray) -> pd.DataFrame:
    """Summed ``share`` per (visitor code, value), ordered by both; NaN values left out.

    One integer per pair and ``np.unique``: grouping a million rows by two columns is slower.
    """
    known = ~np.isnan(values)
    codes, value_ids = pd.factorize(values[known], sort=True)
    size = max(len(value_ids), 1)
    pairs, pair = np.unique(visitor[known] * size + codes, return_inverse=True)
    return pd.DataFrame(
        {
            "visitor": pairs // size,
            "value_id": np.asarray(value_ids, dtype=np.int64)[pairs % size],
            "share": np.bincount(pair, weights=share[known], minlength=len(pairs)),
        }
    )


def best_deals(
    products: pd.DataFrame,
    affinities: pd.DataFrame,
    *,
    top_n: int,
    names: Mapping[tuple[str, int], str],
    min_discount: float = 0.05,
    min_share: float = 0.2,
) -> pd.DataFrame:
    """The best deals for everyone (context ``""``) and for each visitor (``visitor:<key>``).

    A deal is a product in stock whose ``compare_at_price`` exceeds its ``price`` by a discount
    (``1 - price / compare_at_price``) of at least ``min_discount``. For everyone the score is
    the discount, reason "32% off" (rounded down). A visitor *likes* an attribute value that
    has at least ``min_share`` of their weight (see ``affinities``); their score for a deal is
    ``discount × (1 + Σ LIFT[attribute] × share)`` over the liked values the deal has, the same
    scale as the ``""`` scores, so a deal they like beats a slightly bigger one they don't.
    Visitors who like no value of any deal get no context: ``""`` is their list. The reason
    names the liked value that lifted the deal most ("32% off — in Red, a colour you like"),
    from ``names`` (``(attribute, id)`` → name); a deal with nothing they like, or whose value
    has no name, says "32% off". Visitors are scored in blocks over a dense visitor × deal matrix.

    Returns a ranked result frame; no deals gives ``empty_result()``.
    """
    deals = _deals(products, min_discount)
    if deals.empty:
        return empty_result()
    off = _percent_off(deals["discount"].to_numpy())
    everyone = pd.DataFrame(
        {
            "context": "",
            "product_id": deals["product_id"],
            "score": deals["discount"],
            "reason": [f"{p}% off" for p in off],
        }
    )
    liked = affinities[affinities["share"] >= min_share]
    return ranked(
        pd.concat([everyone, _visitor_deals(deals, liked, top_n, names)], ignore_index=True), top_n
    )


def _deals(products: pd.DataFrame, min_discount: float) -> pd.DataFrame:
    """Products in stock with at least ``min_discount`` off, by product id, with ``discount``."""
    discount = 1 - products["price"] / products["compare_at_price"]
    # The epsilon keeps 5% off (1 - 95 / 100 = 0.04999…) at a 5% threshold.
    keep = (
        (products["stock"] > 0)
        & (products["compare_at_price"] > products["price"])
        & (discount >= min_discount - 1e-9)
    )
    deals = products[keep].assign(
        discount=discount[keep].astype(float), department_id=department_of(products[keep])
    )
    return deals.sort_values("product_id").reset_index(drop=True)


def _percent_off(discount: np.ndarray) -> list[int]:
    return [int(percent) for percent in np.floor(discount * 100 + 1e-9)]


def _visitor_deals(deals, liked, top_n, names) -> pd.DataFrame:
    """Each liking visitor's ``top_n`` deals by lifted discount, a block of visitors at a time."""
    values, columns = _deal_values(deals)
    liked = liked.merge(values, on=["attribute", "value_id"])
    if liked.empty:
        return empty_result()
    visitor, visitors = pd.factorize(liked["visitor"], sort=True)
    shares = sp.csr_matrix(
        (liked["share"].to_numpy(float), (visitor, liked["column"])),
        shape=(len(visitors), len(values) + 1),
    )
    lifts, step = _lifts(columns, len(values)), max(1, CELLS_PER_BLOCK // len(deals))
    found = pd.concat(
        [
            _block_deals(
                shares[start : start + step], start, lifts, deals, columns, min(top_n, len(deals))
            )
            for start in range(0, len(visitors), step)
        ],
        ignore_index=True,
    )
    return _label(found, np.asarray(visitors), deals, values, names)


def _lifts(columns: np.ndarray, size: int) -> np.ndarray:
    """(values + 1) × deals: ``LIFT[attribute]`` where the deal has that value."""
    lifts = np.zeros((size + 1, len(columns)))
    for attribute, lift in enumerate(LIFT.values()):
        lifts[columns[:, attribute], np.arange(len(columns))] = lift
    lifts[size] = 0
    return lifts


def _deal_values(deals: pd.DataFrame):
    """The (attribute, value_id) pairs deals have, numbered, and each deal's column per attribute.

    A missing attribute points at the extra last column, which nobody likes.
    """
    pairs = (
        pd.concat(
            [
                pd.DataFrame({"attribute": attribute, "value_id": deals[column]})
                for attribute, column in ATTRIBUTES.items()
            ],
            ignore_index=True,
        )
        .dropna()
        .drop_duplicates()
    )
    values = pairs.astype({"value_id": "int64"}).reset_index(drop=True)
    values["column"] = np.arange(len(values))
    columns = np.column_stack(
        [
            deals[[column]]
            .rename(columns={column: "value_id"})
            .assign(attribute=attribute)
            .merge(values, on=["attribute", "value_id"], how="left")["column"]
            .fillna(len(values))
            .to_numpy(np.int64)
            for attribute, column in ATTRIBUTES.items()
        ]
    )
    return values, columns


def _block_deals(shares: sp.csr_matrix, first: int, lifts, deals, columns, k: int):
    """Top ``k`` deals of the visitors ``first`` onwards, with the value that lifted each most.

    Every visitor here likes a value of some deal, so every score is finite.
    """
    scores = deals["discount"].to_numpy(float) * (1 + shares @ lifts)
    row = np.repeat(np.arange(shares.shape[0]), k)
    deal = top_columns(scores, k).ravel()
    share = shares.toarray()[row[:, None], columns[deal]]
    strongest = np.argmax(share * np.array(list(LIFT.values())), axis=1)
    return pd.DataFrame(
        {
            "visitor": row + first,
            "deal": deal,
            "score": scores[row, deal],
            "column": np.where(share.max(axis=1) > 0, columns[deal, strongest], -1),
        }
    )


def _label(rows, visitors, deals, values, names) -> pd.DataFrame:
    """Visitor contexts, product ids and reasons for the rows ``_block_deals`` found."""
    off = _percent_off(deals["discount"].to_numpy())
    value_names = [
        names.get((attribute, int(value_id)))
        for attribute, value_id in values[["attribute", "value_id"]].itertuples(index=False)
    ]
    likes = [
        LIKES[attribute].format(name) if name else None
        for attribute, name in zip(values["attribute"], value_names, strict=True)
    ]
    reasons = [
        f"{off[deal]}% off — {likes[column]}"
        if column >= 0 and likes[column]
        else f"{off[deal]}% off"
        for deal, column in zip(rows["deal"], rows["column"], strict=True)
    ]
    return pd.DataFrame(
        {
            "context": [context("visitor", key) for key in visitors[rows["visitor"].to_numpy()]],
            "product_id": deals["product_id"].to_numpy(np.int64)[rows["deal"].to_numpy()],
            "score": rows["score"].astype(float),
            "reason": reasons,
        }
    )

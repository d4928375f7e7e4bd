"""Similar products: by shared attributes within a department, or by learned item factors."""

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import context, empty_result, ranked

# Points for each thing two products share. A shared category outweighs every other match put
# together; every candidate shares the department, so that point only sets the floor.
POINTS = {"department": 1, "category": 4, "colour": 1, "material": 1, "price": 1}
# "Similar price": the dearer of the two costs at most 25% more than the cheaper one.
PRICE_BAND = 1.25
# Pairs scored at once. A few int64 temporaries of this many cells: tens of MB at most.
CELLS_PER_BLOCK = 2**21
SHOPPERS_REASON = "Liked by the same shoppers"


def top_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` highest scores in each row of a 2-D array.

    Ties go to the lower column, so with columns sorted by product id the cut at ``k`` matches
    ``ranked``'s tie-break. Needs ``1 <= k <= scores.shape[1]`` and no NaN. Returns an int array
    of shape (rows, k); each row lists its columns in ascending column order, not score order.
    """
    kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1 : k]
    above = scores > kth
    tied = scores == kth
    room = k - above.sum(axis=1, keepdims=True)
    chosen = above | (tied & (np.cumsum(tied, axis=1, dtype=np.int32) <= room))
    return np.nonzero(chosen)[1].reshape(-1, k)


def department_of(products: pd.DataFrame) -> pd.Series:
    """``department_id``, or ``category_id`` for a product filed directly under a department."""
    return products["department_id"].fillna(products["category_id"])


def similar_by_attributes(
    products: pd.DataFrame, *, top_n: int, names: Mapping[tuple[str, int], str] | None = None
) -> pd.DataFrame:
    """For each product, the ``top_n`` other products of its department that share the most.

    ``products`` is the products frame (``product_id``, ``category_id``, ``department_id``,
    ``colour_id``, ``material_id``, ``price``). A candidate earns ``POINTS``: 1 for the shared
    department, 4 for the same category, 1 each for the same colour, the same material and a
    similar price (within ``PRICE_BAND``). Products of other departments are never candidates,
    nor is a product itself. A product filed directly under a department (``department_id``
    NaN) has its category as department. A missing attribute or price never matches.
    ``names`` maps ``("department", id)`` to the name used in reasons ("Also Camping, similar
    price"); without it the reason says "Same department".

    Returns a result frame with context ``product:<id>``, ranked. Empty input, or departments of
    a single product only, give ``empty_result()``.
    """
    products = (
        products.assign(department_id=department_of(products))
        .dropna(subset=["department_id"])
        .sort_values("product_id")
    )
    matches = [
        _department_matches(department, top_n)
        for _, department in products.groupby("department_id", sort=True)
        if len(department) > 1
    ]
    if not matches:
        return empty_result()
    rows = pd.concat(matches, ignore_index=True)
    rows["reason"] = _attribute_reasons(rows, names or {})
    return ranked(rows, top_n)


def _department_matches(department: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The best ``top_n`` candidates of each product in one department, scored block by block."""
    values = {
        "category": department["category_id"].to_numpy(dtype=float),
        "colour": department["colour_id"].to_numpy(dtype=float),
        "material": department["material_id"].to_numpy(dtype=float),
        "price": department["price"].to_numpy(dtype=float),
    }
    size, k = len(department), min(top_n, len(department) - 1)
    step = max(1, CELLS_PER_BLOCK // size)
    sources, targets = [], []
    for start in range(0, size, step):
        left = np.arange(start, min(start + step, size))
        scores = _points(_shared(values, left[:, None], np.arange(size)[None, :]))
        scores[np.arange(len(left)), left] = -1
        sources.append(np.repeat(left, k))
        targets.append(top_columns(scores, k).ravel())
    source, target = np.concatenate(sources), np.concatenate(targets)
    shared = _shared(values, source, target)
    ids = department["product_id"].to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "context": [context("product", int(product_id)) for product_id in ids[source]],
            "product_id": ids[target],
            "score": _points(shared).astype(float),
            "department_id": int(department["department_id"].iloc[0]),
            **shared,
        }
    )


def _shared(values: dict[str, np.ndarray], left, right) -> dict[str, np.ndarray]:
    """What the products at positions ``left`` share with those at ``right`` (broadcast)."""
    shared = {
        name: values[name][left] == values[name][right]
        for name in ("category", "colour", "material")
    }
    low = np.minimum(values["price"][left], values["price"][right])
    high = np.maximum(values["price"][left], values["price"][right])
    shared["price"] = high <= PRICE_BAND * low
    return shared


def _points(shared: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(
        POINTS["department"]
        + sum(POINTS[name] * hit.astype(np.int64) for name, hit in shared.items())
    )


def _attribute_reasons(rows: pd.DataFrame, names: Mapping[tuple[str, int], str]) -> list[str]:
    """One reason per row, written once per distinct combination of matches and department."""
    keys = ["category", "colour", "material", "price", "department_id"]
    combos = rows[keys].drop_duplicates()
    combos["reason"] = [
        _attribute_reason(category, colour, material, price, names.get(("department", int(dept))))
        for category, colour, material, price, dept in combos.itertuples(index=False)
    ]
    return rows[keys].merge(combos, on=keys, how="left")["reason"].tolist()


def _attribute_reason(category, colour, material, price, department: str | None) -> str:
    """ "Same category, colour and material" / "Also Camping, same colour, similar price"."""
    same = [name for name, hit in (("colour", colour), ("material", material)) if hit]
    if category:
        parts = ["Same " + _and(["category", *same])]
    else:
        parts = [f"Also {department}" if department else "Same department"]
        if same:
            parts.append("same " + _and(same))
    if price:
        parts.append("similar price")
    return ", ".join(parts)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def similar_by_factors(item_factors: np.ndarray, product_ids, *, top_n: int) -> pd.DataFrame:
    """For each product, the ``top_n`` others whose factor rows are closest by cosine similarity.

    ``item_factors`` has one row per entry of ``product_ids`` (as ``recommended_for_you``
    returns them). The score is the cosine similarity; a product is never its own neighbour; an
    all-zero row scores 0 against everything. The matrix product runs in blocks of rows, so
    memory stays bounded. Returns a result frame with context ``product:<id>`` and reason
    "Liked by the same shoppers", ranked; fewer than two products give ``empty_result()``.
    """
    ids = np.asarray(product_ids, dtype=np.int64)
    factors = np.asarray(item_factors, dtype=np.float32)
    if factors.shape[0] != len(ids):
        raise ValueError(f"{factors.shape[0]} factor rows for {len(ids)} product ids")
    if len(ids) < 2:
        return empty_result()
    order = np.argsort(ids, kind="stable")
    ids, factors = ids[order], factors[order]
    norms = np.linalg.norm(factors, axis=1, keepdims=True)
    unit = factors / np.where(norms == 0, 1, norms)
    frames = [
        _factor_neighbours(unit, ids, block, top_n)
        for block in _blocks(len(ids), max(1, CELLS_PER_BLOCK // len(ids)))
    ]
    return ranked(pd.concat(frames, ignore_index=True), top_n)


def _blocks(size: int, step: int):
    return (np.arange(start, min(start + step, size)) for start in range(0, size, step))


def _factor_neighbours(unit: np.ndarray, ids: np.ndarray, block: np.ndarray, top_n: int):
    k = min(top_n, len(ids) - 1)
    similarity = unit[block] @ unit.T
    similarity[np.arange(len(block)), block] = -np.inf
    target = top_columns(similarity, k).ravel()
    source = np.repeat(np.arange(len(block)), k)
    return pd.DataFrame(
        {
            "context": [context("product", int(product_id)) for product_id in ids[block[source]]],
            "product_id": ids[target],
            "score": similarity[source, target].astype(float),
            "reason": SHOPPERS_REASON,
        }
    )

"""Offline evaluation: how well a band's ranked lists predict what shoppers bought next.

Pure: frames and lists in, numbers out. The shop's history is split in time: the band is
computed from what happened before the cut-off, then judged on the orders placed after it,
beside the plain best-seller baseline (the most units sold before the cut-off) on the very same
cases. Two protocols:

- **orders**: each later order is a case; its relevant items are its distinct products, and the
  list is the one the band would show that order's shopper (everyone's list, their country's,
  their own);
- **hidden item** (for bands shown beside a product, like "Frequently bought together"): each
  later order with two or more distinct products is a case; one of them, chosen at random with a
  fixed seed, is hidden, and the list is the best partners of the others (merged as the cart page
  merges them: a product keeps its best score), without the others.

For K, per case: hit@K = 1 when the list's first K hold a relevant item; precision@K = relevant
items in the first K / K; recall@K = relevant items in the first K / relevant items. A case
without a list is a miss (zero on all three). Each figure is the mean over cases.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scores:
    cases: int
    covered: int
    hit_rate: float
    precision: float
    recall: float


def time_split(frame: pd.DataFrame, cutoff) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows with ``created_at`` before ``cutoff``, and those at or after it."""
    before = frame["created_at"] < cutoff
    return frame[before], frame[~before]


def scores(lists: list[list[int]], relevant: list[set[int]], k: int) -> Scores:
    """Mean hit@K, precision@K and recall@K of ``lists[i]`` against ``relevant[i]``.

    ``lists`` are ranked product ids (only the first ``k`` count; an empty list is a miss);
    every ``relevant`` set is non-empty. No cases gives zeros.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    if not lists:
        return Scores(0, 0, 0.0, 0.0, 0.0)
    hits = np.array(
        [len(set(ranked[:k]) & wanted) for ranked, wanted in zip(lists, relevant, strict=True)],
        dtype=float,
    )
    sizes = np.array([len(wanted) for wanted in relevant], dtype=float)
    covered = sum(1 for ranked in lists if ranked)
    return Scores(
        len(lists),
        covered,
        float((hits > 0).mean()),
        float((hits / k).mean()),
        float((hits / sizes).mean()),
    )


def baseline_list(lines: pd.DataFrame) -> list[int]:
    """Every product sold in ``lines``, most units first, ties by product id."""
    if lines.empty:
        return []
    units = lines.groupby("product_id")["quantity"].sum()
    ordered = sorted(
        zip(units.to_numpy().tolist(), units.index.astype("int64").tolist(), strict=True),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return [pid for _, pid in ordered]


def orders(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per order of ``lines`` (order-lines frame), by order id: ``order_id``,
    ``visitor`` (``u<user id>``, else ``s<session key>``), ``country`` and ``products`` (the
    sorted tuple of its distinct product ids)."""
    if lines.empty:
        return pd.DataFrame(columns=["order_id", "visitor", "country", "products"])
    first = lines.groupby("order_id", sort=True).first()
    visitor = [
        f"u{int(user)}" if pd.notna(user) else f"s{key}"
        for user, key in zip(first["user_id"], first["session_key"], strict=True)
    ]
    products = lines.groupby("order_id", sort=True)["product_id"].agg(
        lambda ids: tuple(sorted({int(pid) for pid in ids}))
    )
    return pd.DataFrame(
        {
            "order_id": first.index,
            "visitor": visitor,
            "country": first["country"].fillna("").to_numpy(),
            "products": products.to_numpy(),
        }
    )


def ranked_lists(results: pd.DataFrame) -> dict[str, list[tuple[int, float]]]:
    """A result frame as ``{context: [(product id, score), …]}`` in the frame's (rank) order."""
    found: dict[str, list[tuple[int, float]]] = {}
    for ctx, pid, score in zip(
        results["context"], results["product_id"].astype("int64"), results["score"], strict=True
    ):
        found.setdefault(ctx, []).append((int(pid), float(score)))
    return found


def judge_orders(
    cases: pd.DataFrame, contexts: list[str], lists: dict, baseline: list[int], k: int
) -> tuple[Scores, Scores]:
    """The band's and the baseline's scores on the orders protocol.

    ``contexts[i]`` is the context whose list case ``i`` (a row of ``orders()``) is shown; a
    context without a list leaves the case a miss for the band.
    """
    relevant = [set(products) for products in cases["products"]]
    band = [[pid for pid, _ in lists.get(ctx, [])[:k]] for ctx in contexts]
    return scores(band, relevant, k), scores([baseline[:k]] * len(relevant), relevant, k)


def hidden_items(cases: pd.DataFrame, seed: int) -> list[tuple[tuple[int, ...], int]]:
    """``(visible products, hidden product)`` for each order with two or more products, in the
    order of ``cases``; which product is hidden depends only on ``seed`` and the orders."""
    rng = np.random.default_rng(seed)
    found = []
    for products in cases["products"]:
        if len(products) >= 2:
            hidden = int(rng.integers(len(products)))
            found.append((products[:hidden] + products[hidden + 1 :], products[hidden]))
    return found


def partners(lists: dict, visible: tuple[int, ...], context_of, k: int) -> list[int]:
    """The ``k`` best partners of the ``visible`` products (``lists[context_of(pid)]``), a
    product keeping its best score, best first (ties by product id), visible ones left out."""
    best: dict[int, float] = {}
    for pid in visible:
        for partner, score in lists.get(context_of(pid), []):
            if partner not in visible and score > best.get(partner, -np.inf):
                best[partner] = score
    return [pid for pid, _ in sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]]


def judge_hidden(
    cases: list[tuple[tuple[int, ...], int]], lists: dict, context_of, baseline: list[int], k: int
) -> tuple[Scores, Scores]:
    """The band's and the baseline's scores on the hidden-item protocol; the baseline's list
    is the best sellers without the visible products."""
    relevant = [{hidden} for _, hidden in cases]
    band = [partners(lists, visible, context_of, k) for visible, _ in cases]
    plain = [
        [pid for pid in baseline[: k + len(visible)] if pid not in visible][:k]
        for visible, _ in cases
    ]
    return scores(band, relevant, k), scores(plain, relevant, k)

"""Frequently bought together: co-purchases in the same order, from a sparse co-occurrence matrix.

The basket helpers here (``basket_matrix``, ``pair_supports``, ``best_per_product``,
``product_rows``) are shared with ``also_viewed``, where a basket is a session.
"""

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import sparse

from . import context, empty_result

METRICS = ("lift", "confidence")


def co_purchases(
    lines: pd.DataFrame, *, min_support: int, metric: str = "lift", top_n: int
) -> pd.DataFrame:
    """For each product A, the products B most often bought in the same order as A.

    ``lines`` is the order-lines frame (README.md); only ``order_id`` and ``product_id`` are read,
    and a product twice in one order counts once. With ``n`` orders: support(A, B) = orders with
    both, confidence(A → B) = support(A, B) / support(A), lift(A → B) = confidence(A → B) /
    (support(B) / n). Pairs with support below ``min_support`` and A == B are dropped. ``metric``
    ("lift" or "confidence", else ``ValueError``) is the score.

    Returns a ranked result frame: context ``"product:<A>"``, product_id B. The ``top_n`` kept per
    A are chosen by score, then support, then product id; ``ranked`` then orders them by score
    and product id. No pair qualifies (or no lines) → ``empty_result()``.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    if lines.empty:
        return empty_result()
    matrix, products = basket_matrix(lines["order_id"], lines["product_id"])
    a, b, support = pair_supports(matrix, min_support)
    alone = matrix.sum(axis=0, dtype=np.int64)
    # One division of exact integers, so pairs with equal ratios get bit-equal scores and the
    # support and product id tie-breaks apply.
    if metric == "confidence":
        score = support / alone[a]
    else:
        score = (support * matrix.shape[0]) / (alone[a] * alone[b])
    best = best_per_product(a, score, (b, -support), top_n)
    return product_rows(products, a[best], b[best], score[best], reasons(support[best], _reason))


def basket_matrix(baskets: pd.Series, items: pd.Series) -> tuple[sparse.csr_array, np.ndarray]:
    """The binary baskets × items matrix and the item ids of its columns, ascending.

    Columns follow the item ids' order, so comparing column numbers compares item ids.
    """
    rows, _ = pd.factorize(baskets.to_numpy())
    columns, products = pd.factorize(items.to_numpy(), sort=True)
    # int32 counts halve the memory BᵀB moves; supports are cast to int64 before multiplying.
    ones = np.ones(len(rows), dtype=np.int32)
    matrix = sparse.csr_array((ones, (rows, columns)), shape=(rows.max() + 1, len(products)))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix, products


def pair_supports(matrix: sparse.csr_array, min_support: int):
    """Column pairs (a, b), a != b, in at least ``min_support`` baskets: arrays a, b, support.

    Each pair appears both ways round, as (a, b) and (b, a); ``a`` is ascending. Supports are
    int64.
    """
    # CSR times CSR gives a CSR product directly (``matrix.T @ matrix`` builds CSC, then converts).
    together = matrix.T.tocsr() @ matrix
    a = np.repeat(np.arange(together.shape[0]), np.diff(together.indptr))
    b, support = together.indices, together.data
    keep = (a != b) & (support >= min_support)
    return a[keep], b[keep], support[keep].astype(np.int64)


def best_per_product(a: np.ndarray, score: np.ndarray, tiebreaks: tuple, top_n: int) -> np.ndarray:
    """Positions of the ``top_n`` best entries for each value of ``a`` (ascending, as from
    ``pair_supports``): highest score first, then by ``tiebreaks``, ``np.lexsort`` keys listed
    least significant first (negate a key to prefer high values).

    The positions come in that order: ``a`` ascending, then best first.
    """
    if len(a) == 0:
        return np.empty(0, dtype=np.intp)
    starts, sizes = _groups(a)
    # Sorting every pair costs ~0.4 s at 1.4M pairs; only entries that might make the top_n
    # (fewer than top_n strictly higher scores in their group) are sorted.
    contenders = np.flatnonzero(score >= np.repeat(_cutoffs(score, starts, sizes, top_n), sizes))
    keys = [key[contenders] for key in tiebreaks]
    order = contenders[_best_first(a[contenders], score[contenders], keys)]
    starts, sizes = _groups(a[order])
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    return order[rank < top_n]


def _best_first(a: np.ndarray, score: np.ndarray, tiebreaks: list) -> np.ndarray:
    """The order of ``np.lexsort((*tiebreaks, -score, a))`` for ``a`` ascending, in two integer
    sorts instead of one sort per key.

    Scores become dense ranks (one float sort), ``a`` and the rank one int64 key; only runs of
    equal (a, score) — rare — are then sorted by the tiebreaks.
    """
    by_score = np.argsort(-score, kind="stable")
    ordered = score[by_score]
    dense = np.empty(len(score), dtype=np.int64)
    dense[by_score] = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1
    order = np.argsort(a.astype(np.int64) * (int(dense.max()) + 1) + dense, kind="stable")
    same = np.r_[False, (a[order][1:] == a[order][:-1]) & (dense[order][1:] == dense[order][:-1])]
    if same.any():
        tied = same | np.r_[same[1:], False]  # both ends of every run of ties
        run = np.cumsum(~same)[tied]
        slots = np.flatnonzero(tied)
        within = np.lexsort((*[key[order[slots]] for key in tiebreaks], run))
        order[slots] = order[slots][within]
    return order


def _groups(grouped: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start positions and sizes of the runs of equal values in ``grouped``."""
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    return starts, np.diff(np.r_[starts, len(grouped)])


def _cutoffs(score: np.ndarray, starts: np.ndarray, sizes: np.ndarray, top_n: int) -> np.ndarray:
    """Per group, the lowest score with fewer than ``top_n`` strictly higher scores in the group.

    ``top_n`` passes, each taking away the group's highest remaining scores (ties together).
    Scores are positive, so ``-inf`` marks a taken or missing score.
    """
    remaining = score.astype(np.float64)
    higher = np.zeros(len(starts), dtype=np.int64)
    cutoff = np.full(len(starts), -np.inf)
    for _ in range(top_n):
        peak = np.maximum.reduceat(remaining, starts)
        cutoff = np.where(higher < top_n, peak, cutoff)
        at_peak = remaining == np.repeat(peak, sizes)
        higher += np.add.reduceat(at_peak, starts, dtype=np.int64)
        remaining[at_peak] = -np.inf
    return cutoff


def reasons(counts: np.ndarray, reason: Callable[[int], str]) -> np.ndarray:
    """``reason(count)`` for each count, formatted once per distinct count."""
    distinct, inverse = np.unique(counts, return_inverse=True)
    return np.array([reason(int(count)) for count in distinct], dtype=object)[inverse]


def product_rows(
    products: np.ndarray, a: np.ndarray, b: np.ndarray, score: np.ndarray, reason: np.ndarray
) -> pd.DataFrame:
    """Ranked result rows for column pairs: context ``"product:<products[a]>"``, ``products[b]``.

    The pairs must already be at most ``top_n`` per ``a`` (``best_per_product``). The rows come
    out in ``ranked``'s order — context, score descending, product id — sorted on numbers (each
    column's rank among the context strings) rather than on the strings themselves.
    """
    if len(a) == 0:
        return empty_result()
    labels = np.array([context("product", int(product)) for product in products], dtype=object)
    label_rank = np.empty(len(labels), dtype=np.int64)
    label_rank[np.argsort(labels, kind="stable")] = np.arange(len(labels))
    score = score.astype(np.float64)
    order = _contexts_then_product(a, b, score, label_rank)
    return pd.DataFrame(
        {
            "context": labels[a[order]],
            "product_id": products[b[order]].astype(np.int64),
            "score": score[order],
            "reason": reason[order],
        }
    )


def _contexts_then_product(a, b, score, label_rank) -> np.ndarray:
    """The order of ``np.lexsort((b, -score, label_rank[a]))``.

    Pairs from ``best_per_product`` already run by ``a``, best score first: then only ties need
    ordering by ``b`` (columns are in product id order) and whole groups by their context string,
    two near-sorted integer sorts. Pairs in any other order take the plain lexsort.
    """
    same_a = a[1:] == a[:-1]
    if not (np.all(a[1:] >= a[:-1]) and np.all(~same_a | (score[1:] <= score[:-1]))):
        return np.lexsort((b, -score, label_rank[a]))
    run = np.cumsum(np.r_[True, ~same_a | (score[1:] != score[:-1])])
    within = np.argsort(run * (int(b.max()) + 1) + b, kind="stable")
    return within[np.argsort(label_rank[a[within]], kind="stable")]


def _reason(orders: int) -> str:
    return f"Bought together in {orders} {'order' if orders == 1 else 'orders'}"

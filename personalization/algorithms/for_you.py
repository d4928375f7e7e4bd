"""Recommended for you: implicit's ALS over what each visitor viewed, carted and bought."""

from collections.abc import Collection, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares
from pandas.api.types import union_categoricals
from threadpoolctl import threadpool_limits

from . import context, empty_result, ranked

DEFAULT_WEIGHTS = {"view": 1.0, "cart_add": 3.0, "purchase": 5.0}
# Kinds of touch, weakest first: a product a visitor viewed and bought is one they "bought".
VERBS = {"view": "viewed", "cart_add": "added to your cart", "purchase": "bought"}
BECAUSE = {
    "viewed": "Because you viewed {}",
    "added to your cart": "Because you added {} to your cart",
    "bought": "Because you bought {}",
}
# Defaults of 32 factors and 10 iterations: at the benchmark's scale they hit as often as 64 and
# 15 in half the time (BENCHMARKS.md, "ALS settings").
# Users per recommend() call; (own item, recommended item) pairs compared per chunk of users
# and per einsum: they bound a chunk's memory to a few tens of MB whatever the history lengths.
USERS_PER_CALL = 2048
PAIRS_PER_CHUNK = 2**20
PAIRS_PER_EINSUM = 2**16


class Recommendations(NamedTuple):
    """``results``: a result frame; ``item_factors[i]`` is the ALS factor row of
    ``product_ids[i]`` (ascending ids), ready for ``similar_by_factors``."""

    results: pd.DataFrame
    item_factors: np.ndarray
    product_ids: np.ndarray


def interactions(
    events: pd.DataFrame, lines: pd.DataFrame, *, weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """One row per (visitor, product) a visitor viewed, added to their cart or bought.

    ``events`` and ``lines`` are the tracked-events and order-lines frames. Views and cart adds
    come from the events; purchases come from the order lines only, one purchase per line
    whatever its quantity: checkout also tracks a ``purchase`` event for every line, so counting
    both would count each purchase twice. Other event kinds and rows without a product or a
    visitor are ignored. ``weights`` overrides ``DEFAULT_WEIGHTS`` (view 1, cart_add 3,
    purchase 5) per kind.

    Returns columns ``visitor`` (categorical: ``u<user id>`` where ``user_id`` is set, else
    ``s<session key>``), ``product_id`` (int), ``weight`` (float, the summed weights) and
    ``verb`` (categorical: the strongest interaction, "viewed", "added to your cart" or
    "bought"), ordered by visitor key and product. Empty input gives an empty frame.
    """
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    touches = _touches(events, lines)
    if touches.empty:
        return _no_interactions()
    visitor, keys = _visitor_codes(touches)
    product, product_ids = pd.factorize(touches["product_id"].to_numpy(np.int64), sort=True)
    kind = touches["kind"].cat.codes.to_numpy()
    del touches
    # One integer per (visitor, product), numbered in sorted order: far faster than grouping
    # by two columns, and lighter than np.unique on millions of rows.
    pair, pairs = pd.factorize(visitor * len(product_ids) + product, sort=True)
    del visitor, product
    strength = np.zeros(len(pairs), np.int64)
    np.maximum.at(strength, pair, kind)
    weight = np.array([weights[name] for name in VERBS], dtype=float)[kind]
    return pd.DataFrame(
        {
            # Categoricals: millions of rows share a few hundred thousand visitor keys.
            "visitor": pd.Categorical.from_codes(
                pairs // len(product_ids), categories=pd.Index(keys, dtype="str")
            ),
            "product_id": np.asarray(product_ids, dtype=np.int64)[pairs % len(product_ids)],
            "weight": np.bincount(pair, weights=weight, minlength=len(pairs)),
            "verb": pd.Categorical.from_codes(strength, categories=list(VERBS.values())),
        }
    )


def _touches(events: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Views and cart adds from ``events``, purchases from ``lines``: rows with a product and a
    visitor, columns ``session_key`` (categorical), ``user_id``, ``product_id`` and ``kind``."""
    columns = ["session_key", "user_id", "product_id"]
    kept = _where(events, events["kind"].isin(["view", "cart_add"]))
    parts = [
        kept[columns].assign(kind=pd.Categorical(kept["kind"], categories=list(VERBS))),
        lines[columns].assign(
            kind=pd.Categorical.from_codes(
                np.full(len(lines), list(VERBS).index("purchase")), categories=list(VERBS)
            )
        ),
    ]
    # Millions of visit keys: joined as one categorical, never as separate strings.
    sessions = union_categoricals([_categorical(part["session_key"]) for part in parts])
    parts = [
        part.assign(session_key=pd.Categorical(part["session_key"], categories=sessions.categories))
        for part in parts
    ]
    touches = pd.concat(parts, ignore_index=True)
    return _where(
        touches,
        touches["product_id"].notna()
        & (touches["user_id"].notna() | has_session(touches["session_key"])),
    )


def _where(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """``frame[keep]``, without a copy when every row is kept (frames of millions of rows)."""
    return frame if keep.all() else frame[keep]


def _categorical(keys: pd.Series) -> pd.Series:
    if isinstance(keys.dtype, pd.CategoricalDtype):
        return keys
    return keys.astype("str").astype("category")


def has_session(keys: pd.Series) -> pd.Series:
    """Rows with a visit key: neither missing nor empty (an empty key would lump visitors)."""
    return keys.notna() & (keys != "")


def _visitor_codes(touches: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A visitor code per row, numbered in the order of the visitor keys, and those keys."""
    is_user = touches["user_id"].notna().to_numpy()
    user_code, user_ids = pd.factorize(touches["user_id"].to_numpy()[is_user])
    session_code, sessions = pd.factorize(touches["session_key"].to_numpy()[~is_user])
    keys = np.array(
        [f"u{int(user_id)}" for user_id in user_ids] + [f"s{session}" for session in sessions],
        dtype=object,
    )
    code = np.empty(len(touches), np.int64)
    code[is_user] = user_code
    code[~is_user] = session_code + len(user_ids)
    order = np.argsort(keys)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[code], keys[order]


def _no_interactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visitor": pd.Series(dtype="str"),
            "product_id": pd.Series(dtype="int64"),
            "weight": pd.Series(dtype="float64"),
            "verb": pd.Series(dtype="str"),
        }
    )


class Trained(NamedTuple):
    """An ALS model and the matrix it learned from: rows are ``visitors`` (keys, sorted),
    columns ``product_ids`` (ascending), entries the weights; ``verbs`` per stored entry."""

    model: AlternatingLeastSquares
    user_items: sp.csr_matrix
    visitors: np.ndarray
    product_ids: np.ndarray
    verbs: np.ndarray


def trained(
    interactions: pd.DataFrame,
    *,
    factors: int = 32,
    iterations: int = 10,
    regularization: float = 0.05,
    alpha: float = 1.0,
    random_state: int = 0,
) -> Trained | None:
    """ALS trained on every visitor of ``interactions`` (the frame ``interactions()``
    returns; its weights are the confidences, scaled by ``alpha``). None with fewer than two
    products. The same input and ``random_state`` give the same model."""
    if interactions["product_id"].nunique() < 2:
        return None
    user_items, visitors, product_ids, verbs = _user_items(interactions)
    # One BLAS thread: implicit's own threads do the parallel work, which is fastest, and the
    # scores then never depend on how BLAS split a product.
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            iterations=iterations,
            regularization=regularization,
            alpha=alpha,
            random_state=random_state,
            use_gpu=False,
            calculate_training_loss=False,
        )
        model.fit(user_items, show_progress=False)
    return Trained(model, user_items, visitors, product_ids, verbs)


def recommended_for_you(
    interactions: pd.DataFrame,
    *,
    product_names: Mapping[int, str],
    top_n: int = 10,
    min_interactions: int = 2,
    only_visitors: Collection[str] | None = None,
    model: Trained | None = None,
    **options,
) -> Recommendations:
    """ALS recommendations for every visitor with at least ``min_interactions`` products.

    ``model`` is what ``trained(interactions, **options)`` returns (trained here when not
    given, with ``options``: ``factors``, ``iterations``, ``regularization``, ``alpha``,
    ``random_state``). Every visitor helps train the model; visitors with fewer distinct
    products than ``min_interactions`` get no rows, and ``only_visitors`` (visitor keys), when
    given, limits who gets rows. A product the visitor already interacted with is never
    recommended. The reason names the visitor's own product whose factors are most like the
    recommended one's (cosine; ties to the lower product id), with its verb: "Because you
    viewed Trail Tent 2" (``product_names``; "Based on what you viewed" without a name).
    Scores are ALS scores (floats), context ``visitor:<key>``, ranked, ``top_n`` per visitor.

    The same input and ``random_state`` give the same output. Fewer than two products give
    ``empty_result()`` and no factors (shape ``(0, factors)``).
    """
    model = model or trained(interactions, **options)
    if model is None:
        return Recommendations(
            empty_result(),
            np.zeros((0, options.get("factors", 32)), np.float32),
            np.zeros(0, np.int64),
        )
    visitors, product_ids = model.visitors, model.product_ids
    with threadpool_limits(1, "blas"):
        wanted = None if only_visitors is None else pd.Index(visitors).isin(list(only_visitors))
        found = _all_recommendations(model.model, model.user_items, top_n, min_interactions, wanted)
    results = ranked(
        pd.DataFrame(
            {
                "context": [
                    context("visitor", key) for key in visitors[found["visitor"].to_numpy()]
                ],
                "product_id": product_ids[found["product_id"].to_numpy()],
                "score": found["score"],
                "reason": _reasons(
                    found["because"].to_numpy(),
                    model.user_items.indices,
                    model.verbs,
                    product_ids,
                    product_names,
                ),
            }
        ),
        top_n,
    )
    return Recommendations(results, np.asarray(model.model.item_factors), product_ids)


def _all_recommendations(
    model, user_items: sp.csr_matrix, top_n: int, min_interactions: int, wanted: np.ndarray | None
):
    """Recommendations for every (``wanted``) visitor with enough history, in memory-bounded
    chunks."""
    unit = _unit(model.item_factors)
    history = np.diff(user_items.indptr)
    enough = history >= max(min_interactions, 1)
    eligible = np.flatnonzero(enough if wanted is None else enough & wanted)
    n = min(top_n, user_items.shape[1])
    return pd.concat(
        [_no_recommendations()]
        + [
            _recommend(model, unit, user_items, users, n)
            for users in _chunks(eligible, history[eligible] * n)
        ],
        ignore_index=True,
    )


def _user_items(interactions: pd.DataFrame):
    """The visitors × products CSR of weights, its row keys, column ids and per-entry verbs."""
    visitor, visitors = pd.factorize(interactions["visitor"], sort=True)
    product, product_ids = pd.factorize(interactions["product_id"], sort=True)
    order = np.lexsort((product, visitor))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(visitor, minlength=len(visitors)))])
    user_items = sp.csr_matrix(
        (
            interactions["weight"].to_numpy(np.float32)[order],
            product[order].astype(np.int32),
            indptr,
        ),
        shape=(len(visitors), len(product_ids)),
    )
    verbs = interactions["verb"].to_numpy(dtype=object)[order]
    return user_items, np.asarray(visitors), np.asarray(product_ids, dtype=np.int64), verbs


def _chunks(users: np.ndarray, cost: np.ndarray):
    """Consecutive runs of ``users``: at most ``USERS_PER_CALL``, about ``PAIRS_PER_CHUNK`` cost."""
    total = np.cumsum(cost)
    start = 0
    while start < len(users):
        spent = total[start - 1] if start else 0
        stop = int(np.searchsorted(total, spent + PAIRS_PER_CHUNK, side="right"))
        stop = min(max(stop, start + 1), start + USERS_PER_CALL)
        yield users[start:stop]
        start = stop


def _no_recommendations() -> pd.DataFrame:
    columns = {"visitor": "int64", "product_id": "int64", "score": "float64", "because": "int64"}
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def _recommend(model, unit, user_items: sp.csr_matrix, users: np.ndarray, n: int) -> pd.DataFrame:
    """Rows (visitor, product_id, score, because): CSR row, column and entry positions."""
    ids, scores = model.recommend(users, user_items[users], N=n, filter_already_liked_items=True)
    # Filtered-out items come back with the lowest float32 score when too few are left.
    kept = scores > np.finfo(scores.dtype).min
    user = np.broadcast_to(users[:, None], ids.shape)[kept]
    item = ids[kept].astype(np.int64)
    return pd.DataFrame(
        {
            "visitor": user,
            "product_id": item,
            "score": scores[kept].astype(float),
            "because": _because(unit, user_items, user, item),
        }
    )


def _unit(factors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(factors, axis=1, keepdims=True)
    return factors / np.where(norms == 0, 1, norms)


def _because(unit: np.ndarray, user_items: sp.csr_matrix, user: np.ndarray, item: np.ndarray):
    """For each (user, recommended item), the CSR position of the user's own most similar item.

    Ties go to the lower product id: a CSR row lists its products in ascending order.
    """
    starts = user_items.indptr[user]
    lengths = user_items.indptr[user + 1] - starts
    first = np.cumsum(lengths) - lengths
    position = np.arange(lengths.sum()) + np.repeat(starts - first, lengths)
    recommended = np.repeat(item, lengths)
    own = user_items.indices[position]
    likeness = np.concatenate(
        [np.zeros(0, unit.dtype)]
        + [
            np.einsum("ij,ij->i", unit[recommended[part]], unit[own[part]])
            for part in _parts(len(own), PAIRS_PER_EINSUM)
        ]
    )
    best = np.repeat(np.maximum.reduceat(likeness, first), lengths)
    at = np.where(likeness == best, np.arange(len(likeness)), len(likeness))
    return position[np.minimum.reduceat(at, first)]


def _parts(size: int, step: int):
    return (slice(start, start + step) for start in range(0, size, step))


def _reasons(because, columns, verbs, product_ids, product_names) -> list[str]:
    """Reason sentences for CSR positions, each distinct one written once."""
    distinct, inverse = np.unique(because, return_inverse=True)
    texts = np.array(
        [
            _because_text(verbs[at], product_names.get(int(product_ids[columns[at]])))
            for at in distinct
        ],
        dtype=object,
    )
    return texts[inverse].tolist() if len(distinct) else []


def _because_text(verb: str, name: str | None) -> str:
    return BECAUSE[verb].format(name) if name else f"Based on what you {verb}"

"""Customers who viewed this also viewed: co-views within a session."""

import pandas as pd

from . import empty_result
from .bought_together import (
    basket_matrix,
    best_per_product,
    pair_supports,
    product_rows,
    reasons,
)
from .for_you import has_session


def also_viewed(events: pd.DataFrame, *, min_support: int, top_n: int) -> pd.DataFrame:
    """For each product A, the products B viewed in the most sessions that also viewed A.

    ``events`` is the tracked-events frame (README.md); only ``kind == "view"`` rows with a
    non-empty ``session_key`` are read (an empty key would lump unrelated visitors into one
    session), and a product viewed twice in one session counts once. Support(A, B) = sessions
    that viewed both; pairs below ``min_support`` and A == B are dropped. The score is the support.

    Returns a ranked result frame: context ``"product:<A>"``, product_id B, best score first,
    ties by product id, ``top_n`` per A. No pair qualifies (or no views) → ``empty_result()``.
    """
    views = events[(events["kind"] == "view") & has_session(events["session_key"])]
    if views.empty:
        return empty_result()
    matrix, products = basket_matrix(views["session_key"], views["product_id"])
    a, b, support = pair_supports(matrix, min_support)
    best = best_per_product(a, support, (b,), top_n)
    return product_rows(products, a[best], b[best], support[best], reasons(support[best], _reason))


def _reason(sessions: int) -> str:
    return f"Viewed together in {sessions} {'session' if sessions == 1 else 'sessions'}"

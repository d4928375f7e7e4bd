"""Best sellers: the products sold most in a recent window, overall and per category."""

import pandas as pd

from . import context, empty_result, ranked

COUNT_BY = ("units", "orders")


def in_window(lines: pd.DataFrame, start, end) -> pd.DataFrame:
    """The lines with ``start <= created_at < end``: a line at ``start`` counts, at ``end`` not."""
    created_at = lines["created_at"]
    return lines[(created_at >= start) & (created_at < end)]


def period(days: int) -> str:
    """The window as a shopper reads it: "today", "this week" or "in the last N days"."""
    if days == 1:
        return "today"
    if days == 7:
        return "this week"
    return f"in the last {days} days"


def best_sellers(
    lines: pd.DataFrame,
    *,
    now,
    days: int,
    count_by: str = "units",
    product_categories: pd.DataFrame,
    top_n: int,
) -> pd.DataFrame:
    """The products sold most in ``[now - days, now)``, overall and per category and department.

    ``lines`` is the order-lines frame (README.md). ``count_by="units"`` scores a product by the
    quantity sold, ``"orders"`` by the number of distinct orders it is in; anything else raises
    ``ValueError``. ``product_categories`` has ``product_id``, ``category_id`` and
    ``department_id`` (NaN allowed for a product filed directly under its department).

    Returns a ranked result frame (best score first, ties by product id, ``top_n`` per context)
    with context ``""`` for everyone and ``"category:<id>"`` for each product's category and for
    its department; a product whose category is its department appears there once. Products
    missing from ``product_categories`` appear only in ``""``. No lines in the window →
    ``empty_result()``.
    """
    if count_by not in COUNT_BY:
        raise ValueError(f"count_by must be one of {COUNT_BY}, not {count_by!r}")
    scores = _scores(in_window(lines, now - pd.Timedelta(days=days), now), count_by)
    if scores.empty:
        return empty_result()
    overall = pd.DataFrame({"context": "", "product_id": scores.index, "score": scores.to_numpy()})
    rows = pd.concat([overall, _per_category(scores, product_categories)], ignore_index=True)
    rows["reason"] = [_reason(int(n), count_by, days) for n in rows["score"]]
    return ranked(rows, top_n)


def _scores(lines: pd.DataFrame, count_by: str) -> pd.Series:
    by_product = lines.groupby("product_id")
    if count_by == "units":
        return by_product["quantity"].sum()
    return by_product["order_id"].nunique()


def _per_category(scores: pd.Series, product_categories: pd.DataFrame) -> pd.DataFrame:
    placed = product_categories.merge(
        scores.rename("score"), left_on="product_id", right_index=True
    )
    filed = placed.melt(
        id_vars=["product_id", "score"],
        value_vars=["category_id", "department_id"],
        value_name="category",
    )
    filed = filed.dropna(subset=["category"]).drop_duplicates(["product_id", "category"])
    # A NaN department makes the column float: cast so the context reads "category:3", not "3.0".
    contexts = [context("category", int(category)) for category in filed["category"]]
    return pd.DataFrame(
        {
            "context": contexts,
            "product_id": filed["product_id"].to_numpy(),
            "score": filed["score"].to_numpy(),
        }
    )


def _reason(count: int, count_by: str, days: int) -> str:
    if count_by == "units":
        return f"{count} sold {period(days)}"
    return f"In {count} {'order' if count == 1 else 'orders'} {period(days)}"

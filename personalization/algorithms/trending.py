"""Trending: products whose sales rose in the recent window against the window before it."""

import pandas as pd

from . import empty_result, ranked
from .best_sellers import in_window, period


def trending(lines: pd.DataFrame, *, now, days: int, min_volume: int, top_n: int) -> pd.DataFrame:
    """Products selling faster in ``[now - days, now)`` than in ``[now - 2·days, now - days)``.

    ``lines`` is the order-lines frame (README.md); volumes are units (sum of ``quantity``). A
    product is kept when it sold at least ``min_volume`` units in the recent window and more than
    in the previous one (a product sold only in the previous window is not trending).

    The score is the smoothed rise ratio ``(recent + 1) / (previous + 1)``: the added one keeps
    a product that did not sell before finite (the plain ratio divides by zero) and damps small
    counts, so 3 → 6 units (1.75) ranks below 30 → 60 (≈1.97) although both doubled.

    Returns a ranked result frame with context ``""`` (best score first, ties by product id, at
    most ``top_n``). No product qualifies (or no lines) → ``empty_result()``.
    """
    span = pd.Timedelta(days=days)
    recent = _units(in_window(lines, now - span, now))
    previous = _units(in_window(lines, now - 2 * span, now - span))
    previous = previous.reindex(recent.index, fill_value=0)
    rising = (recent >= min_volume) & (recent > previous)
    recent, previous = recent[rising], previous[rising]
    if recent.empty:
        return empty_result()
    rows = pd.DataFrame(
        {
            "context": "",
            "product_id": recent.index,
            "score": ((recent + 1) / (previous + 1)).to_numpy(),
            "reason": [
                _reason(int(r), int(p), days) for r, p in zip(recent, previous, strict=True)
            ],
        }
    )
    return ranked(rows, top_n)


def _units(lines: pd.DataFrame) -> pd.Series:
    return lines.groupby("product_id")["quantity"].sum()


def _reason(recent: int, previous: int, days: int) -> str:
    if previous == 0:
        return f"New {period(days)}: {recent} sold"
    # Never "up 0%": a rise below half a percent still reads as a rise.
    rise = max(1, round(100 * (recent - previous) / previous))
    return f"Sales up {rise}% on {_previous_period(days)}"


def _previous_period(days: int) -> str:
    if days == 1:
        return "the day before"
    if days == 7:
        return "the week before"
    return f"the previous {days} days"

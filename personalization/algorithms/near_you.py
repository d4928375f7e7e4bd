"""Popular near you: the products in the most orders per shipping country."""

from collections.abc import Mapping

import pandas as pd

from . import context, empty_result, ranked
from .best_sellers import in_window, period


def popular_near_you(
    lines: pd.DataFrame, *, now, days: int, top_n: int, country_names: Mapping[str, str]
) -> pd.DataFrame:
    """The products in the most distinct orders per country in ``[now - days, now)``.

    ``lines`` is the order-lines frame (README.md); lines with an empty or missing ``country``
    are skipped. ``country_names`` maps an ISO code to the name shown in the reason
    ("Popular in France this week"); a code it lacks is shown as is.

    Returns a ranked result frame with context ``"country:<code>"`` (best score first, ties by
    product id, ``top_n`` per country). No lines with a country in the window →
    ``empty_result()``.
    """
    recent = in_window(lines, now - pd.Timedelta(days=days), now)
    recent = recent[recent["country"].fillna("") != ""]
    orders = recent.groupby(["country", "product_id"])["order_id"].nunique()
    if orders.empty:
        return empty_result()
    countries = orders.index.get_level_values("country")
    rows = pd.DataFrame(
        {
            "context": [context("country", code) for code in countries],
            "product_id": orders.index.get_level_values("product_id"),
            "score": orders.to_numpy(),
            "reason": [
                f"Popular in {country_names.get(code, code)} {period(days)}" for code in countries
            ],
        }
    )
    return ranked(rows, top_n)

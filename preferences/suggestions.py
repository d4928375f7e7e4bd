"""What the shop noticed about a shopper's taste, offered as preferences they check and save.

The shop's own affinity measure (``personalization.algorithms.deals.affinities`` over
``for_you.interactions``) read from the shopper's own latest events: one query, nothing stored.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from personalization.algorithms.deals import affinities
from personalization.algorithms.for_you import interactions
from personalization.models import Event

LATEST_EVENTS = 500
TOP_COLOURS = 3
TOP_MATERIALS = 2
# A colour seen once among fifty views is noise, not a taste.
MIN_SHARE = 0.1
KINDS = (Event.Kind.VIEW, Event.Kind.CART_ADD, Event.Kind.PURCHASE)
COLUMNS = ["kind", "product_id", "colour_id", "material_id", "category_id", "department_id"]


@dataclass(frozen=True)
class Noticed:
    colour_ids: tuple[int, ...] = ()
    material_ids: tuple[int, ...] = ()

    def __bool__(self):
        return bool(self.colour_ids or self.material_ids)


def noticed_tastes(visitor) -> Noticed:
    """The colours and materials the visitor's own latest events lean to; empty if none.

    Reads at most ``LATEST_EVENTS`` of their views, cart adds and purchases (by user when
    logged in, else by visit key) in one query; a visitor with neither key costs no query.
    """
    if visitor.user_id:
        own = Event.objects.filter(user_id=visitor.user_id)
    elif visitor.session_key:
        own = Event.objects.filter(session_key=visitor.session_key)
    else:
        return Noticed()
    rows = (
        own.filter(kind__in=KINDS, product__isnull=False)
        .order_by("-created_at")
        .values_list(
            "kind",
            "product_id",
            "product__colour_id",
            "product__material_id",
            "product__category_id",
            "product__category__parent_id",
        )[:LATEST_EVENTS]
    )
    return tastes(list(rows))


def tastes(rows) -> Noticed:
    """``Noticed`` from event rows ``(kind, product_id, colour_id, material_id, category_id,
    department_id)``: up to ``TOP_COLOURS`` colours and ``TOP_MATERIALS`` materials with at
    least ``MIN_SHARE`` of the weight (view 1, cart add 3, purchase 5), strongest first, ties
    to the lower id."""
    if not rows:
        return Noticed()
    events = (
        pd.DataFrame.from_records(rows, columns=COLUMNS)
        .astype(
            {
                "product_id": "int64",
                "colour_id": "float64",
                "material_id": "float64",
                "category_id": "float64",
                "department_id": "float64",
            }
        )
        .assign(session_key="me", user_id=np.nan)
    )
    # Purchases count once, as order lines do in the shop's own bands.
    lines = events[events["kind"] == Event.Kind.PURCHASE]
    products = events.drop_duplicates("product_id")[COLUMNS[1:]]
    shares = affinities(interactions(events, lines), products)
    return Noticed(
        colour_ids=_top(shares, "colour", TOP_COLOURS),
        material_ids=_top(shares, "material", TOP_MATERIALS),
    )


def _top(shares: pd.DataFrame, attribute: str, count: int) -> tuple[int, ...]:
    found = shares[(shares["attribute"] == attribute) & (shares["share"] >= MIN_SHARE)]
    found = found.sort_values(["share", "value_id"], ascending=[False, True], kind="mergesort")
    return tuple(int(value_id) for value_id in found["value_id"].head(count))

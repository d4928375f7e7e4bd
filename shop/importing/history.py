"""The order history a whole file describes: returns netted, then products, shoppers, orders.

Pure functions over the lines frame of every chunk (``rows.COLUMNS``); no database. The same
lines always give the same history, which is what makes a re-run store nothing new.
"""

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import attributes


@dataclass(frozen=True)
class Returns:
    rows: int  # return rows read (cancellations and negative quantities)
    units: int  # units they returned
    netted: int  # units taken off the same customer's earlier purchases
    unmatched_rows: int  # guests' returns, and returns with nothing earlier to take off


@dataclass
class History:
    """What to store. ``products``: sku, name, price, colour, material, category,
    first_sold_at. ``shoppers``: customer, country, first_ordered_at. ``orders``: order_key,
    ordered_at, customer, country, cancelled, total — by time. ``lines``: order_key, sku,
    product_name, unit_price, quantity — one per order and product."""

    products: pd.DataFrame
    shoppers: pd.DataFrame
    orders: pd.DataFrame
    lines: pd.DataFrame
    returns: Returns


def history(lines: pd.DataFrame, known: dict[str, set[str]]) -> History:
    """The history of ``lines``; ``known`` holds the shop's colour, material and category
    slugs (keys "colour", "material", "category"), which values given in the file must match.

    Returns are not purchases: each return's units come off the same customer's latest
    purchases of the product made before it. An order left with no units is kept whole as a
    cancelled order; an order left with some keeps only what was not returned.
    """
    purchases = lines[~lines["is_return"]].reset_index(drop=True)
    kept, returns = netted(purchases, lines[lines["is_return"]])
    purchases = purchases.assign(kept=kept)
    products = products_of(purchases, known)
    orders = orders_of(purchases)
    stored = order_lines_of(purchases, orders, products)
    totals = (stored["unit_price"] * stored["quantity"]).groupby(stored["order_key"]).sum()
    orders["total"] = orders["order_key"].map(totals).round(2)
    return History(products, shoppers_of(orders), orders, stored, returns)


def netted(purchases: pd.DataFrame, returns: pd.DataFrame) -> tuple[np.ndarray, Returns]:
    """Each purchase line's quantity once returns are taken off, and what the returns did.

    A return (customer, sku, units, time) takes units off that customer's purchase lines of
    the sku made at or before its time, latest first, never below zero; returns are applied
    in time order. Guests' returns match nothing.
    """
    kept = purchases["quantity"].to_numpy(np.int64).copy()
    mine = returns[returns["customer"] != ""].sort_values(["ordered_at", "line"])
    keys = mine["customer"] + "\x1f" + mine["sku"]
    bought = purchases["customer"] + "\x1f" + purchases["sku"]
    candidates = purchases[bought.isin(set(keys))].sort_values(["ordered_at", "line"])
    slots: dict[str, tuple[list[int], list[int]]] = {}
    for key, at, index in zip(
        bought[candidates.index], _nanos(candidates["ordered_at"]), candidates.index, strict=True
    ):
        times, rows = slots.setdefault(key, ([], []))
        times.append(at)
        rows.append(index)
    netted_units, unmatched = 0, len(returns) - len(mine)
    for key, at, quantity in zip(keys, _nanos(mine["ordered_at"]), mine["quantity"], strict=True):
        times, rows = slots.get(key, ([], []))
        left = abs(int(quantity))
        for index in reversed(rows[: bisect_right(times, at)]):
            taken = min(left, int(kept[index]))
            kept[index] -= taken
            left -= taken
            if not left:
                break
        netted_units += abs(int(quantity)) - left
        unmatched += left == abs(int(quantity))
    units = int(returns["quantity"].abs().sum())
    return kept, Returns(len(returns), units, netted_units, int(unmatched))


def _nanos(moments: pd.Series) -> list[int]:
    return moments.to_numpy("datetime64[ns]").astype(np.int64).tolist()


def products_of(purchases: pd.DataFrame, known: dict[str, set[str]]) -> pd.DataFrame:
    """One row per sku: the most common description (ties: the later) tidied to a title, the
    most common price above zero (ties: the later; 0 when none), the colour, material and
    category given in the file or else recognised from the description, and the first sale."""
    skus = purchases.groupby("sku", sort=True)
    described = _most_common(purchases[purchases["description"] != ""], "description")
    priced = _most_common(purchases[purchases["unit_price"] > 0], "unit_price")
    found = pd.DataFrame({"first_sold_at": skus["ordered_at"].min()})
    found["description"] = described.reindex(found.index).fillna(
        pd.Series(found.index, found.index)
    )
    found["name"] = found["description"].map(attributes.title)
    found["price"] = priced.reindex(found.index).fillna(0.0)
    for attribute, recognise in (
        ("colour", attributes.colour),
        ("material", attributes.material),
        ("category", attributes.category),
    ):
        given = _first_given(purchases, attribute, known[attribute]).reindex(found.index)
        found[attribute] = given.fillna(found["description"].map(recognise))
    return found.rename_axis("sku").reset_index()[
        ["sku", "name", "price", "colour", "material", "category", "first_sold_at"]
    ]


def _most_common(rows: pd.DataFrame, column: str) -> pd.Series:
    counts = (
        rows.groupby(["sku", column], sort=False)
        .agg(n=("line", "size"), last=("line", "max"))
        .reset_index()
    )
    best = counts.sort_values(["sku", "n", "last"], ascending=[True, False, False])
    return best.drop_duplicates("sku").set_index("sku")[column]


def _first_given(purchases: pd.DataFrame, attribute: str, known: set[str]) -> pd.Series:
    """Per sku, the first value of ``attribute`` in the file that names a known slug."""
    named = purchases[purchases[attribute] != ""]
    slugs = named[attribute].map(lambda value: attributes.given(value, known))
    named = named.assign(slug=slugs)[slugs != ""]
    return named.drop_duplicates("sku").set_index("sku")["slug"]


def orders_of(purchases: pd.DataFrame) -> pd.DataFrame:
    """One row per order key, by time then key: its earliest time, the customer and country of
    its first line, and whether returns took every unit of it."""
    grouped = purchases.groupby("order_key", sort=False)
    orders = (
        pd.DataFrame(
            {
                "ordered_at": grouped["ordered_at"].min(),
                "customer": grouped["customer"].first(),
                "country": grouped["country"].first(),
                "cancelled": grouped["kept"].sum() == 0,
            }
        )
        .rename_axis("order_key")
        .reset_index()
    )
    return orders.sort_values(["ordered_at", "order_key"], kind="stable").reset_index(drop=True)


def order_lines_of(purchases, orders, products) -> pd.DataFrame:
    """One line per order and product: units summed, the unit price their mean (by units).

    A cancelled order keeps its lines as bought; any other keeps the units not returned.
    """
    cancelled = purchases["order_key"].isin(set(orders.loc[orders["cancelled"], "order_key"]))
    quantity = purchases["quantity"].where(cancelled, purchases["kept"])
    rows = purchases.assign(quantity=quantity, amount=quantity * purchases["unit_price"])
    rows = rows[rows["quantity"] > 0]
    grouped = rows.groupby(["order_key", "sku"], sort=False)
    lines = grouped.agg(
        quantity=("quantity", "sum"), amount=("amount", "sum"), description=("description", "first")
    ).reset_index()
    lines["unit_price"] = (lines["amount"] / lines["quantity"]).round(2)
    names = products.set_index("sku")["name"]
    own = lines["description"].map(_titles(lines["description"]))
    lines["product_name"] = own.where(lines["description"] != "", lines["sku"].map(names))
    return lines[["order_key", "sku", "product_name", "unit_price", "quantity"]]


def _titles(descriptions: pd.Series) -> dict[str, str]:
    return {text: attributes.title(text) for text in descriptions.unique()}


def shoppers_of(orders: pd.DataFrame) -> pd.DataFrame:
    """One row per customer: the country of most of their orders (ties: the later; "" only
    when none is known) and their first order's time."""
    theirs = orders[orders["customer"] != ""]
    first = theirs.groupby("customer")["ordered_at"].min()
    counts = (
        theirs[theirs["country"] != ""]
        .groupby(["customer", "country"])
        .agg(n=("ordered_at", "size"), last=("ordered_at", "max"))
        .reset_index()
    )
    best = counts.sort_values(["customer", "n", "last"], ascending=[True, False, False])
    country = best.drop_duplicates("customer").set_index("customer")["country"]
    return pd.DataFrame(
        {
            "customer": first.index,
            "country": country.reindex(first.index).fillna("").to_numpy(),
            "first_ordered_at": first.to_numpy(),
        }
    )

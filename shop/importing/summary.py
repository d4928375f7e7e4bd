"""What an import read, skipped, found and stored, and the few lines that tell a person so."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.utils import timezone

from .attributes import OTHER
from .history import History, Returns

LISTED_PROBLEMS = 20
LISTED_CODES = 8
# Orders older than this at their end: bands must be computed as of the history's end.
STALE_AFTER = timedelta(days=7)


@dataclass
class Summary:
    path: Path
    format: str
    dry_run: bool = False
    seconds: float = 0.0
    rows_read: int = 0
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: dict[str, int] = field(default_factory=dict)
    unknown_countries: dict[str, int] = field(default_factory=dict)
    returns: Returns = Returns(0, 0, 0, 0)
    orders: int = 0
    guest_orders: int = 0
    cancelled_orders: int = 0
    first_order: datetime | None = None
    last_order: datetime | None = None
    products: int = 0
    recognised: dict[str, int] = field(default_factory=dict)
    shoppers: int = 0
    orders_before: int = 0
    products_before: int = 0
    shoppers_before: int = 0
    orders_new: int = 0
    lines_new: int = 0
    products_new: int = 0
    shoppers_new: int = 0

    def describe(self, found: History) -> None:
        """Take the counts of what the file holds from its history."""
        orders = found.orders
        self.returns, self.orders = found.returns, len(orders)
        self.guest_orders = int((orders["customer"] == "").sum())
        self.cancelled_orders = int(orders["cancelled"].sum())
        if len(orders):
            self.first_order = orders["ordered_at"].min()
            self.last_order = orders["ordered_at"].max()
        self.products, self.shoppers = len(found.products), len(found.shoppers)
        self.recognised = {
            name: int((found.products[name] != OTHER).sum())
            for name in ("colour", "material", "category")
        }

    def count_stored(self, found: History, stored) -> None:
        """Take the counts of what the database held already, before this import."""
        self.orders_before = int(found.orders["order_key"].isin(stored.order_keys).sum())
        self.products_before = int(found.products["sku"].isin(set(stored.product_ids)).sum())
        self.shoppers_before = int(found.shoppers["customer"].isin(set(stored.user_ids)).sum())


def report(summary: Summary) -> list[str]:
    """The summary as lines of text: totals first, then what was left out and why."""
    s = summary
    rate = s.rows_read / s.seconds if s.seconds else 0
    verb = "Checked (dry run, nothing written)" if s.dry_run else "Imported"
    lines = [
        f"{verb} {s.path.name} ({s.format}): {s.rows_read:,} rows in {s.seconds:.1f} s "
        f"({rate:,.0f} rows/s)."
    ]
    new_orders = s.orders - s.orders_before
    span = f"; {s.first_order:%Y-%m-%d} to {s.last_order:%Y-%m-%d}" if s.orders else ""
    lines.append(
        f"  Orders: {s.orders:,} in the file ({s.guest_orders:,} by guests, "
        f"{s.cancelled_orders:,} returned in full and stored as cancelled){span}; "
        f"{_new(s, new_orders, s.orders_new)} new, {s.orders_before:,} imported before"
        + (f"; {s.lines_new:,} order lines written." if not s.dry_run else ".")
    )
    lines.append(
        f"  Products: {s.products:,} ({_new(s, s.products - s.products_before, s.products_new)} "
        f"new); from their names: colour for {s.recognised.get('colour', 0):,}, material for "
        f"{s.recognised.get('material', 0):,}, category for {s.recognised.get('category', 0):,}"
        " (the rest: Other)."
    )
    lines.append(
        f"  Shoppers: {s.shoppers:,} "
        f"({_new(s, s.shoppers - s.shoppers_before, s.shoppers_new)} new)."
    )
    r = s.returns
    lines.append(
        f"  Returns: {r.rows:,} rows, {r.units:,} units; {r.netted:,} units taken off "
        f"earlier purchases; {r.unmatched_rows:,} rows matched no earlier purchase."
    )
    lines += _left_out(s)
    return lines + _next_step(s)


def _new(summary: Summary, expected: int, done: int) -> str:
    return f"{expected:,} would be" if summary.dry_run else f"{done:,}"


def _left_out(s: Summary) -> list[str]:
    lines = []
    if s.skipped:
        codes = sorted(s.skipped.items(), key=lambda item: (-item[1], item[0]))
        named = ", ".join(f"{code} {count:,}" for code, count in codes[:LISTED_CODES])
        more = ", …" if len(codes) > LISTED_CODES else ""
        lines.append(
            f"  Skipped: {sum(s.skipped.values()):,} rows with non-product codes ({named}{more})."
        )
    if s.unknown_countries:
        names = sorted(s.unknown_countries.items(), key=lambda item: (-item[1], item[0]))
        lines.append(
            "  Countries not recognised (left blank): "
            + ", ".join(f"{name} ({count:,} rows)" for name, count in names)
            + "."
        )
    count = len(s.problems)
    lines.append(f"  Bad rows: {count:,}" + (", skipped:" if count else "."))
    for line, reason in s.problems.head(LISTED_PROBLEMS).itertuples(index=False):
        lines.append(f"    line {line}: {reason}")
    if count > LISTED_PROBLEMS:
        lines.append(f"    … and {count - LISTED_PROBLEMS:,} more.")
    return lines


def _next_step(s: Summary) -> list[str]:
    if s.dry_run or not s.orders:
        return []
    if settings.TAILOR_AS_OF:
        return [
            f"Next: `python manage.py recompute_bands` computes the bands as of "
            f"TAILOR_AS_OF={settings.TAILOR_AS_OF}."
        ]
    if s.last_order is not None and timezone.now() - s.last_order > STALE_AFTER:
        return [
            f"The orders end on {s.last_order:%Y-%m-%d}: compute the bands as of then with "
            "`TAILOR_AS_OF=latest-order python manage.py recompute_bands` (set TAILOR_AS_OF "
            "for the web server and worker too)."
        ]
    return ["Next: `python manage.py recompute_bands` computes the bands."]

"""One import, start to end: read and check the file, work out its history, store what is new.

``import_orders(path, ...)`` is what ``manage.py import_orders`` runs. The whole file is read
and checked before anything is written, so ``--strict`` can refuse a file without a trace
and ``--dry-run`` can say what an import would add.
"""

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from django.core.management import call_command

from shop.tasks import refresh_sales_counts

from . import generic, loading, online_retail, reading
from .history import history
from .rows import no_problems
from .summary import Summary

FORMATS = {online_retail.SOURCE: online_retail, generic.SOURCE: generic}


class StrictStop(reading.ReadError):
    """``strict`` met a row that cannot be imported."""


def import_orders(
    path: Path,
    *,
    format: str = online_retail.SOURCE,
    limit: int | None = None,
    strict: bool = False,
    dry_run: bool = False,
    batch: int = loading.ORDER_BATCH,
    on_rows: Callable[[int], None] = lambda n: None,
    on_orders: Callable[[int], None] = lambda n: None,
) -> Summary:
    """Import the orders in ``path`` (see the format modules for the columns and rules).

    Raises ``reading.ReadError`` for a file that cannot be read or has the wrong columns,
    and ``StrictStop`` when ``strict`` and a row is bad; both before anything is written.
    Importing the same file again stores nothing new; a longer version of it adds its new
    orders. ``on_rows`` hears of rows read, ``on_orders`` of orders stored.
    """
    started = time.monotonic()
    kind = FORMATS[format]
    summary = Summary(path=path, format=format, dry_run=dry_run)
    lines = _read(path, kind, summary, limit=limit, strict=strict, on_rows=on_rows)
    if not dry_run:
        loading.load_reference_data()
    found = history(lines, loading.known_slugs())
    summary.describe(found)
    before = loading.stored(found, kind.SOURCE)
    summary.count_stored(found, before)
    if not dry_run and not found.orders.empty:
        summary.products_new = loading.create_products(found.products, before, kind.BRAND)
        summary.shoppers_new = loading.create_shoppers(found.shoppers, before, kind.SOURCE)
        summary.orders_new, summary.lines_new = loading.create_orders(
            found, before, kind.SOURCE, batch=batch, progress=on_orders
        )
        loading.analyse_tables()
        refresh_sales_counts()
        call_command("setup_bands", verbosity=0, stdout=_Discard())
    summary.seconds = time.monotonic() - started
    return summary


def _read(path, kind, summary: Summary, *, limit, strict, on_rows) -> pd.DataFrame:
    """Every chunk's good lines; bad rows, skipped rows and unknown countries go to
    ``summary`` (``strict``: the first bad row raises ``StrictStop``)."""
    parts, problems = [], [no_problems()]
    skipped: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    for chunk in reading.chunks(path, limit=limit):
        _check_columns(path, chunk, kind)
        parsed = kind.lines(chunk)
        if strict and not parsed.problems.empty:
            first = parsed.problems.iloc[0]
            raise StrictStop(
                f"Line {first['line']}: {first['reason']}. Nothing was imported "
                "(--strict stops at the first bad row)."
            )
        parts.append(parsed.lines)
        problems.append(parsed.problems)
        skipped.update(parsed.skipped)
        lost = parsed.lines[(parsed.lines["country"] == "") & (parsed.lines["country_text"] != "")]
        unknown.update(lost["country_text"].str.strip().value_counts().to_dict())
        summary.rows_read += len(chunk)
        on_rows(len(chunk))
    if not summary.rows_read:
        raise reading.ReadError(f"{path.name}: no rows after the header.")
    summary.problems = pd.concat(problems, ignore_index=True)
    summary.skipped, summary.unknown_countries = dict(skipped), dict(unknown)
    return pd.concat(parts, ignore_index=True)


def _check_columns(path: Path, chunk: pd.DataFrame, kind) -> None:
    missing = [name for name in kind.COLUMNS if name not in chunk.columns]
    if missing:
        given = ", ".join(c for c in chunk.columns if c not in ("line", "problem"))
        raise reading.ReadError(
            f"{path.name}: the {kind.SOURCE} format needs the columns "
            f"{', '.join(kind.COLUMNS)}; missing: {', '.join(missing)} (the file has: {given})."
        )


class _Discard:
    def write(self, text):
        pass

    def flush(self):
        pass

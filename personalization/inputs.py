"""Loading the algorithms' input frames from the database, one query each.

On PostgreSQL the query's rows come through ``COPY … TO STDOUT`` as CSV straight into pandas
(2.3× faster than fetching millions of Python tuples, measured in BENCHMARKS.md); elsewhere they
are fetched in chunks. Either way no model instance is built.
"""

import io

import pandas as pd
from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce
from pandas.api.types import union_categoricals

from shop.models import Category, Colour, Material, OrderLine, Product

from .models import Event

CHUNK_ROWS = 500_000


def frame(queryset, columns: dict[str, str], *, datetimes=(), floats=(),
          categories=()) -> pd.DataFrame:
    """Run ``queryset.values_list(*columns.values())`` and return its rows as a DataFrame.

    ``columns`` maps frame column names to field paths. Datetime columns become UTC
    ``datetime64``; float columns become ``float64`` (decimals included, NULL as NaN);
    ``categories`` columns become categoricals (a visit key repeated on millions of events is
    stored once: a fifth of the memory). Rows are read in chunks of ``CHUNK_ROWS``, each made
    compact before the next is parsed, so the peak stays near the frame's own size.
    """
    sql, params = queryset.values_list(*columns.values()).query.sql_with_params()
    names = list(columns)
    chunks = (_copied(sql, params, names, floats) if connection.vendor == "postgresql"
              else _fetched(sql, params, names))
    return _joined([_compact(chunk, datetimes, floats, categories) for chunk in chunks], names,
                   categories)


def _compact(chunk, datetimes, floats, categories) -> pd.DataFrame:
    for name in datetimes:
        chunk[name] = pd.to_datetime(chunk[name], utc=True, format="ISO8601")
    for name in floats:
        chunk[name] = pd.to_numeric(chunk[name], errors="coerce").astype("float64")
    for name in categories:
        chunk[name] = chunk[name].astype("category")
    return chunk


def _joined(chunks, names, categories) -> pd.DataFrame:
    if not chunks:
        return pd.DataFrame(columns=names)
    if len(chunks) > 1:
        # Concatenating categoricals with different categories would give plain strings.
        for name in categories:
            joined = union_categoricals([chunk[name] for chunk in chunks])
            for chunk in chunks:
                chunk[name] = pd.Categorical(chunk[name], categories=joined.categories)
    return pd.concat(chunks, ignore_index=True)


def _fetched(sql, params, names):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield pd.DataFrame.from_records(rows, columns=names)


def _copied(sql, params, names, floats):
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    query = psycopg.ClientCursor(raw).mogrify(sql, params)
    with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        stream = io.BufferedReader(_CopyStream(copy), buffer_size=1 << 20)
        if not stream.peek(1):
            return
        # Only numeric columns read an empty field as NULL; an empty text stays "".
        yield from pd.read_csv(stream, names=names, header=None, keep_default_na=False,
                               na_values={name: [""] for name in floats},
                               chunksize=CHUNK_ROWS)


class _CopyStream(io.RawIOBase):
    """COPY's output as a file, read as pandas parses it: the CSV (hundreds of MB for millions
    of events) is never held whole in memory."""

    def __init__(self, copy):
        self._blocks = iter(copy)
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._left = memoryview(block)
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


def order_lines(*, since=None) -> pd.DataFrame:
    """Order lines of placed (not cancelled) orders, optionally since a time."""
    lines = OrderLine.objects.exclude(order__status="cancelled")
    if since is not None:
        lines = lines.filter(order__created_at__gte=since)
    return frame(lines, {
        "order_id": "order_id", "product_id": "product_id", "quantity": "quantity",
        "price": "unit_price", "created_at": "order__created_at", "user_id": "order__user_id",
        "session_key": "order__session_key", "country": "order__country",
    }, datetimes=["created_at"], floats=["price", "user_id"])


def events(kinds, *, since=None) -> pd.DataFrame:
    """Tracked product events of the given kinds, optionally since a time."""
    found = Event.objects.filter(kind__in=kinds, product__isnull=False)
    if since is not None:
        found = found.filter(created_at__gte=since)
    return frame(found, {
        "session_key": "session_key", "user_id": "user_id", "product_id": "product_id",
        "kind": "kind", "created_at": "created_at",
    }, datetimes=["created_at"], floats=["user_id"], categories=["session_key", "kind"])


def products(*, active_only=True) -> pd.DataFrame:
    """The catalog's attributes; ``department_id`` is the category's parent (or itself)."""
    found = Product.objects.active() if active_only else Product.objects.all()
    found = found.annotate(department=Coalesce(F("category__parent_id"), F("category_id")))
    return frame(found, {
        "product_id": "id", "name": "name", "category_id": "category_id",
        "department_id": "department", "colour_id": "colour_id", "material_id": "material_id",
        "price": "price", "compare_at_price": "compare_at_price", "stock": "stock",
    }, floats=["price", "compare_at_price"])


def attribute_names() -> dict[tuple[str, int], str]:
    """Display names for reasons: ("category"|"department"|"colour"|"material", id) → name."""
    names = {}
    for category_id, name, parent_id in Category.objects.values_list("id", "name", "parent_id"):
        names[("category", category_id)] = name
        if parent_id is None:
            names[("department", category_id)] = name
    names.update({("colour", pk): name for pk, name in Colour.objects.values_list("id", "name")})
    names.update({("material", pk): name
                  for pk, name in Material.objects.values_list("id", "name")})
    return names

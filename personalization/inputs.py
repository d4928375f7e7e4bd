"""Loading the algorithms' input frames from the database, one query each.

On PostgreSQL the query's rows come through ``COPY … TO STDOUT`` as CSV straight into pandas
(2.3× faster than fetching millions of Python tuples, measured in BENCHMARKS.md); elsewhere they
are fetched in chunks. Either way no model instance is built.
"""

import tempfile

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import BigIntegerField, Case, F, IntegerField, Value, When
from django.db.models.functions import Cast, Coalesce, Extract, Floor

from shop.models import Category, Colour, Material, OrderLine, Product

from .models import Event

CHUNK_ROWS = 500_000
# Input rows beyond this many bytes of CSV wait on disk, not in memory, until parsed.
SPOOL_BYTES = 64 * 2**20


def frame(
    queryset, columns: dict[str, str], *, datetimes=(), floats=(), categories=()
) -> pd.DataFrame:
    """Run ``queryset.values_list(*columns.values())`` and return its rows as a DataFrame.

    ``columns`` maps frame column names to field paths. Datetime columns become UTC
    ``datetime64``; float columns become ``float64`` (decimals included, NULL as NaN);
    ``categories`` columns become categoricals (a visit key repeated on millions of events is
    stored once: a fifth of the memory). Rows are read in chunks of ``CHUNK_ROWS``, each made
    compact before the next is parsed, so the peak stays near the frame's own size.
    """
    sql, params = queryset.values_list(*columns.values()).query.sql_with_params()
    names = list(columns)
    chunks = (
        _copied(sql, params, names, floats)
        if connection.vendor == "postgresql"
        else _fetched(sql, params, names)
    )
    coders = {name: _Coder() for name in categories}
    parts = [_compact(chunk, datetimes, floats, coders) for chunk in chunks]
    if not parts:
        return pd.DataFrame(columns=names)
    found = pd.concat(parts, ignore_index=True)
    for name, coder in coders.items():
        found[name] = coder.categorical(found[name].to_numpy())
    return found


def _compact(chunk, datetimes, floats, coders) -> pd.DataFrame:
    for name in datetimes:
        chunk[name] = pd.to_datetime(chunk[name], utc=True, format="ISO8601")
    for name in floats:
        chunk[name] = pd.to_numeric(chunk[name], errors="coerce").astype("float64")
    for name, coder in coders.items():
        chunk[name] = coder.codes(chunk[name])
    return chunk


class _Coder:
    """Numbers the distinct values of a column across chunks, for one categorical at the end
    (pandas' own union of categoricals hashes every category again at each step)."""

    def __init__(self):
        self.numbers: dict = {}

    def codes(self, values: pd.Series) -> np.ndarray:
        """Each value's number (-1 for a missing one)."""
        found, distinct = pd.factorize(values)
        numbers = np.array(
            [self.numbers.setdefault(value, len(self.numbers)) for value in distinct],
            dtype=np.int32,
        )
        return np.where(found >= 0, numbers[np.maximum(found, 0)] if len(numbers) else -1, -1)

    def categorical(self, codes: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=pd.Index(list(self.numbers)))


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
    # COPY sends one message per row, so the loop below runs millions of times: it only
    # appends to a spooled file, which pandas then parses in C, a chunk at a time.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
            write = spool.write
            for block in copy:
                write(block)
        if not spool.tell():
            return
        spool.seek(0)
        # Only numeric columns read an empty field as NULL; an empty text stays "".
        yield from pd.read_csv(
            spool,
            names=names,
            header=None,
            keep_default_na=False,
            na_values={name: [""] for name in floats},
            chunksize=CHUNK_ROWS,
        )


def order_lines(*, since=None) -> pd.DataFrame:
    """Order lines of placed (not cancelled) orders, optionally since a time."""
    lines = OrderLine.objects.exclude(order__status="cancelled")
    if since is not None:
        lines = lines.filter(order__created_at__gte=since)
    return frame(
        lines,
        {
            "order_id": "order_id",
            "product_id": "product_id",
            "quantity": "quantity",
            "price": "unit_price",
            "created_at": "order__created_at",
            "user_id": "order__user_id",
            "session_key": "order__session_key",
            "country": "order__country",
        },
        datetimes=["created_at"],
        floats=["price", "user_id"],
    )


def events(kinds, *, since=None) -> pd.DataFrame:
    """Tracked product events of the given kinds, optionally since a time.

    Millions of rows: the kind travels as its number in ``kinds`` and, on PostgreSQL, the time
    as whole seconds since 1970, which the database writes and pandas reads far faster than
    text (BENCHMARKS.md, input frames); the frame has the usual columns either way.
    """
    found = Event.objects.filter(kind__in=kinds, product__isnull=False).annotate(
        kind_code=Case(
            *(When(kind=kind, then=Value(code)) for code, kind in enumerate(kinds)),
            output_field=IntegerField(),
        )
    )
    if since is not None:
        found = found.filter(created_at__gte=since)
    columns = {
        "session_key": "session_key",
        "user_id": "user_id",
        "product_id": "product_id",
        "kind": "kind_code",
        "created_at": "created_at",
    }
    epochs = connection.vendor == "postgresql"
    if epochs:
        found = found.annotate(epoch=Cast(Floor(Extract("created_at", "epoch")), BigIntegerField()))
        columns["created_at"] = "epoch"
    loaded = frame(
        found,
        columns,
        datetimes=[] if epochs else ["created_at"],
        floats=["user_id"],
        categories=["session_key"],
    )
    if epochs:
        loaded["created_at"] = pd.to_datetime(
            loaded["created_at"].astype("int64"), unit="s", utc=True
        )
    loaded["kind"] = pd.Categorical.from_codes(
        loaded["kind"].astype("int64"), categories=list(kinds)
    )
    return loaded


def products(*, active_only=True) -> pd.DataFrame:
    """The catalog's attributes; ``department_id`` is the category's parent (or itself)."""
    found = Product.objects.active() if active_only else Product.objects.all()
    found = found.annotate(department=Coalesce(F("category__parent_id"), F("category_id")))
    return frame(
        found,
        {
            "product_id": "id",
            "name": "name",
            "category_id": "category_id",
            "department_id": "department",
            "colour_id": "colour_id",
            "material_id": "material_id",
            "price": "price",
            "compare_at_price": "compare_at_price",
            "stock": "stock",
        },
        floats=["price", "compare_at_price"],
    )


def attribute_names() -> dict[tuple[str, int], str]:
    """Display names for reasons: ("category"|"department"|"colour"|"material", id) → name."""
    names = {}
    for category_id, name, parent_id in Category.objects.values_list("id", "name", "parent_id"):
        names[("category", category_id)] = name
        if parent_id is None:
            names[("department", category_id)] = name
    names.update({("colour", pk): name for pk, name in Colour.objects.values_list("id", "name")})
    names.update(
        {("material", pk): name for pk, name in Material.objects.values_list("id", "name")}
    )
    return names

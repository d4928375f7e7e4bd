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

from shop.models import Category, Colour, Material, OrderLine, Product

from .models import Event

CHUNK_ROWS = 100_000


def frame(queryset, columns: dict[str, str], *, datetimes=(), floats=()) -> pd.DataFrame:
    """Run ``queryset.values_list(*columns.values())`` and return its rows as a DataFrame.

    ``columns`` maps frame column names to field paths. Datetime columns become UTC
    ``datetime64``; float columns become ``float64`` (decimals included, NULL as NaN).
    """
    sql, params = queryset.values_list(*columns.values()).query.sql_with_params()
    names = list(columns)
    if connection.vendor == "postgresql":
        data = _copied(sql, params, names, floats)
    else:
        data = _fetched(sql, params, names)
    for name in datetimes:
        data[name] = pd.to_datetime(data[name], utc=True, format="ISO8601")
    for name in floats:
        data[name] = pd.to_numeric(data[name], errors="coerce").astype("float64")
    return data


def _fetched(sql, params, names) -> pd.DataFrame:
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            chunks.append(pd.DataFrame.from_records(rows, columns=names))
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=names)


def _copied(sql, params, names, floats) -> pd.DataFrame:
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    query = psycopg.ClientCursor(raw).mogrify(sql, params)
    buffer = io.BytesIO()
    with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame(columns=names)
    # Only numeric columns read an empty field as NULL; an empty text stays "".
    return pd.read_csv(buffer, names=names, header=None, keep_default_na=False,
                       na_values={name: [""] for name in floats})


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
    }, datetimes=["created_at"], floats=["user_id"])


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

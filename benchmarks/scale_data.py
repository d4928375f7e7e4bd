"""The large data set of the recompute benchmark: the demo generators' rows, loaded with COPY.

``personalization.demo.simulate`` (the pure generator ``seed_demo`` uses) makes the catalog,
shoppers and sessions; this module streams them into PostgreSQL with ``COPY`` on three
connections at once (orders, order lines, events), with foreign-key triggers off
(``session_replication_role = replica``) and the secondary indexes dropped during the load and
rebuilt after it. Rows are what ``seed_demo`` would store for the same arguments.
"""

import time
from collections import Counter
from datetime import timedelta

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from psycopg import sql

from personalization import demo as behaviour_demo
from personalization.models import Event
from shop import demo as catalog_demo
from shop.models import Brand, Category, Colour, Material, Order, OrderLine, Product, Shopper

STREAMED = (Order, OrderLine, Event)


class CopyWriter:
    """COPY rows into a model's table: the given columns, then every other column that has a
    Python default, filled with that default. A required column without one is an error."""

    def __init__(self, cursor, model, given: list[str]):
        self.model = model
        extra, missing = [], []
        for field in model._meta.concrete_fields:
            if field.attname in given or field.primary_key:
                continue
            if field.has_default():
                extra.append(field)
            elif not field.null:
                missing.append(field.attname)
        if missing:
            raise RuntimeError(
                f"{model.__name__} needs values for {missing}: teach "
                "benchmarks/scale_data.py to generate them."
            )
        self.defaults = tuple(
            field.get_db_prep_save(field.get_default(), connection) for field in extra
        )
        columns = [*given, *(field.column for field in extra)]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(model._meta.db_table),
            sql.SQL(", ").join(sql.Identifier(column) for column in columns),
        )
        self.context = cursor.copy(statement)
        self.copy: psycopg.Copy | None = None
        self.rows = 0

    def __enter__(self):
        self.copy = self.context.__enter__()
        return self

    def __exit__(self, *exc):
        return self.context.__exit__(*exc)

    def write(self, values: tuple) -> None:
        assert self.copy is not None, "write() inside the with block"
        self.copy.write_row(values + self.defaults)
        self.rows += 1


def raw_connection() -> psycopg.Connection:
    """A psycopg connection of our own to the configured database, FK triggers off."""
    db = settings.DATABASES["default"]
    conn = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET synchronous_commit = off")
    return conn


def secondary_indexes(models) -> list[tuple[str, str]]:
    """(name, definition) of the indexes that no constraint owns, on the models' tables."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [tables],
        )
        return cursor.fetchall()


def load(seed: int, products: int, shoppers: int, until, params) -> dict:
    """Generate and load everything; return counts and timings. The database must be migrated,
    with the reference fixtures loaded, and hold no catalog, shoppers or behaviour yet."""
    started = time.monotonic()
    demo = behaviour_demo.simulate(seed, products, shoppers, until, params)
    brand_ids = _write_brands(demo.brands)
    _write_catalog(demo.products, brand_ids)
    _write_shoppers(demo.shoppers)
    indexes = secondary_indexes(STREAMED)
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    counts = _stream_sessions(demo)
    loaded = time.monotonic()
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        catalog_demo.reset_sequences(Product, get_user_model(), Order, Brand, Shopper)
        cursor.execute("ANALYZE")
    return {
        "counts": dict(counts),
        "generate_and_copy_seconds": round(loaded - started, 1),
        "index_seconds": round(time.monotonic() - loaded, 1),
    }


def _write_brands(demo_brands) -> dict[str, int]:
    Brand.objects.bulk_create([Brand(name=b.name, slug=b.slug) for b in demo_brands])
    return dict(Brand.objects.values_list("slug", "pk"))


# The product columns a demo catalog item fills (``product_row``), in COPY order.
PRODUCT_COLUMNS = [
    "id",
    "sku",
    "slug",
    "name",
    "description",
    "brand_id",
    "category_id",
    "colour_id",
    "material_id",
    "audience",
    "price",
    "compare_at_price",
    "stock",
    "is_active",
    "created_at",
]


def reference_ids() -> dict:
    """Category, colour and material ids by slug, per model."""
    return {
        model: dict(model.objects.values_list("slug", "pk"))
        for model in (Category, Colour, Material)
    }


def product_row(item, brand_ids: dict[str, int], ids: dict) -> tuple:
    """A demo catalog item as a row of ``PRODUCT_COLUMNS`` (active)."""
    return (
        item.index + 1,
        item.sku,
        item.slug,
        item.name,
        item.description,
        brand_ids[item.brand],
        ids[Category][item.category],
        ids[Colour][item.colour],
        ids[Material][item.material],
        item.audience,
        item.price,
        item.compare_at_price,
        item.stock,
        True,
        item.created_at,
    )


def _write_catalog(items, brand_ids) -> None:
    ids = reference_ids()
    with (
        raw_connection() as conn,
        conn.cursor() as cursor,
        CopyWriter(cursor, Product, PRODUCT_COLUMNS) as rows,
    ):
        for item in items:
            rows.write(product_row(item, brand_ids, ids))


def _write_shoppers(people) -> None:
    password = make_password(behaviour_demo.DEMO_PASSWORD)
    users = [
        "id",
        "password",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    with raw_connection() as conn, conn.cursor() as cursor:
        with CopyWriter(cursor, get_user_model(), users) as rows:
            for s in people:
                rows.write(
                    (
                        s.index + 1,
                        password,
                        False,
                        s.username,
                        s.first_name,
                        s.last_name,
                        s.email,
                        False,
                        True,
                        s.joined_at,
                    )
                )
        with CopyWriter(cursor, Shopper, ["user_id", "country", "is_demo"]) as rows:
            for s in people:
                rows.write((s.index + 1, s.country, True))


def _stream_sessions(demo) -> Counter:
    """Orders, lines and events of every session, each table on its own connection."""
    counts: Counter[str] = Counter()
    names = {product.index: (product.name, product.price) for product in demo.products}
    connections = [raw_connection() for _ in STREAMED]
    try:
        cursors = [conn.cursor() for conn in connections]
        with (
            CopyWriter(
                cursors[0],
                Order,
                [
                    "id",
                    "user_id",
                    "session_key",
                    "full_name",
                    "email",
                    "address",
                    "country",
                    "status",
                    "total",
                    "created_at",
                    "confirmation_sent_at",
                ],
            ) as orders,
            CopyWriter(
                cursors[1],
                OrderLine,
                ["order_id", "product_id", "product_name", "unit_price", "quantity"],
            ) as lines,
            CopyWriter(
                cursors[2],
                Event,
                [
                    "kind",
                    "session_key",
                    "user_id",
                    "product_id",
                    "country",
                    "page",
                    "quantity",
                    "created_at",
                ],
            ) as events,
        ):
            for session in demo.sessions:
                user_id = None if session.shopper is None else session.shopper + 1
                for event in session.events:
                    events.write(
                        (
                            event.kind,
                            session.key,
                            user_id,
                            event.product + 1,
                            session.country,
                            behaviour_demo.PAGES[event.kind],
                            event.quantity,
                            event.at,
                        )
                    )
                    counts[str(event.kind)] += 1
                order = session.order
                if order is None:
                    continue
                order_id = orders.rows + 1
                total = 0
                for index, quantity in order.lines:
                    name, price = names[index]
                    lines.write((order_id, index + 1, name, price, quantity))
                    total += price * quantity
                orders.write(
                    (
                        order_id,
                        user_id,
                        session.key,
                        order.full_name,
                        order.email,
                        order.address,
                        session.country,
                        order.status,
                        total,
                        order.at,
                        order.at + timedelta(minutes=1),
                    )
                )
                counts[f"orders {order.status}"] += 1
            counts["orders"], counts["order lines"] = orders.rows, lines.rows
            counts["events"] = events.rows
        for conn in connections:
            conn.commit()
    finally:
        for conn in connections:
            conn.close()
    counts["sessions"] = len(demo.plan.starts)
    return counts

"""Writing an import's history to the database: reference data, products, shoppers, orders.

Orders go in batches, each in a transaction of its own with all of its lines, so an import
killed midway leaves only complete orders, and a re-run (which skips the orders already stored,
by external key) completes it. Products and shoppers are created on first sight and never
changed by a later import: the shop may have edited them since. Order lines go through COPY on
PostgreSQL and bulk_create elsewhere.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.text import slugify

from shop.models import Brand, Category, Colour, Material, Order, OrderLine, Product, Shopper

ORDER_BATCH = 2_000
LOOKUP_BATCH = 5_000
# The files say nothing about stock; imported products start in stock so bands and the
# listing (which leave out sold-out products) show them.
IMPORTED_STOCK = 100
REFERENCE_FIXTURES = ("colours", "materials", "categories", "imported")
LINE_COLUMNS = ["order_id", "product_id", "product_name", "unit_price", "quantity"]


@dataclass
class Stored:
    """What the database already holds of an import: product pks by sku, user pks by
    customer id, and the order keys already imported from this source."""

    product_ids: dict[str, int]
    user_ids: dict[str, int]
    order_keys: set[str]


def load_reference_data() -> None:
    """Load the reference fixtures (the shop's colours, materials and categories, and the
    import's "Other" entries) that have a slug the database lacks. Fixtures it has in full are
    left alone, so a re-run keeps what admins changed in them."""
    for name in REFERENCE_FIXTURES:
        entries = json.loads((Path(settings.FIXTURE_DIRS[0]) / f"{name}.json").read_text())
        slugs: dict[str, set[str]] = {}
        for entry in entries:
            slugs.setdefault(entry["model"], set()).add(entry["fields"]["slug"])
        if any(
            apps.get_model(model).objects.filter(slug__in=wanted).count() < len(wanted)
            for model, wanted in slugs.items()
        ):
            call_command("loaddata", name, verbosity=0)


def known_slugs() -> dict[str, set[str]]:
    return {
        name: set(model.objects.values_list("slug", flat=True))
        for name, model in (("colour", Colour), ("material", Material), ("category", Category))
    }


def username(source: str, customer: str) -> str:
    return f"{source}-{customer}"[:150]


def external_key(source: str, order_key: str) -> str:
    return f"{source}:{order_key}"


def stored(history, source: str) -> Stored:
    """Look up, in a few queries, which of the history's rows the database already has."""
    user_model = get_user_model()
    products = _in_batches(Product.objects, "sku", history.products["sku"], ("sku", "pk"))
    names = {username(source, c): c for c in history.shoppers["customer"]}
    users = _in_batches(user_model.objects, "username", names, ("username", "pk"))
    prefix = external_key(source, "")
    keys = Order.objects.filter(external_key__startswith=prefix).values_list(
        "external_key", flat=True
    )
    return Stored(
        products,
        {names[name]: pk for name, pk in users.items()},
        {key[len(prefix) :] for key in keys if key},
    )


def _in_batches(manager, field: str, values: Iterable[str], columns) -> dict:
    values, found = list(values), {}
    for start in range(0, len(values), LOOKUP_BATCH):
        chosen = values[start : start + LOOKUP_BATCH]
        found.update(manager.filter(**{f"{field}__in": chosen}).values_list(*columns))
    return found


def create_products(products: pd.DataFrame, stored_rows: Stored, brand_name: str) -> int:
    """Create the products not stored yet (in one transaction); return how many."""
    new = products[~products["sku"].isin(set(stored_rows.product_ids))]
    if new.empty:
        return 0
    ids = {
        model: dict(model.objects.values_list("slug", "pk"))
        for model in (Category, Colour, Material)
    }
    wanted = [
        f"{slugify(name)[:100]}-{slugify(sku)}".strip("-")[:120]
        for name, sku in zip(new["name"], new["sku"], strict=True)
    ]
    with transaction.atomic():
        brand, _ = Brand.objects.get_or_create(
            slug=slugify(brand_name), defaults={"name": brand_name}
        )
        rows = [
            Product(
                sku=sku,
                slug=slug,
                name=name[:120],
                brand=brand,
                price=_cents(price),
                category_id=ids[Category][category],
                colour_id=ids[Colour][colour],
                material_id=ids[Material][material],
                stock=IMPORTED_STOCK,
            )
            for sku, slug, name, price, category, colour, material in zip(
                new["sku"],
                unique_slugs(wanted),
                new["name"],
                new["price"],
                new["category"],
                new["colour"],
                new["material"],
                strict=True,
            )
        ]
        Product.objects.bulk_create(rows, batch_size=1000)
        _date_products([row.pk for row in rows], new["first_sold_at"])
    stored_rows.product_ids.update((row.sku, row.pk) for row in rows)
    return len(rows)


def _date_products(pks: list[int], first_sales: pd.Series) -> None:
    """A product is as new as its first sale (``auto_now_add`` set the insert's time).

    One UPDATE per product, sent together: bulk_update's CASE expression took seconds here.
    """
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Product._meta.db_table} SET created_at = %s WHERE id = %s",
            [
                (adapt(first.to_pydatetime()), pk)
                for pk, first in zip(pks, first_sales, strict=True)
            ],
        )


def unique_slugs(wanted: list[str]) -> list[str]:
    """``wanted`` with "-2", "-3", … added where a slug is taken (stored, or earlier here)."""
    taken = set(_in_batches(Product.objects, "slug", set(wanted), ("slug", "pk")))
    found = []
    for slug in wanted:
        slug, candidate, n = slug or "product", slug or "product", 1
        while candidate in taken:
            n += 1
            candidate = f"{slug[:114]}-{n}"
        taken.add(candidate)
        found.append(candidate)
    return found


def create_shoppers(shoppers: pd.DataFrame, stored_rows: Stored, source: str) -> int:
    """Create a user (unusable password) and a ``Shopper`` for each new customer; how many."""
    new = shoppers[~shoppers["customer"].isin(set(stored_rows.user_ids))]
    if new.empty:
        return 0
    user_model = get_user_model()
    with transaction.atomic():
        users = [
            user_model(
                username=username(source, customer),
                password=make_password(None),
                date_joined=joined.to_pydatetime(),
            )
            for customer, joined in zip(new["customer"], new["first_ordered_at"], strict=True)
        ]
        user_model.objects.bulk_create(users, batch_size=1000)
        Shopper.objects.bulk_create(
            [
                Shopper(user=user, country=country)
                for user, country in zip(users, new["country"], strict=True)
            ],
            batch_size=1000,
        )
    stored_rows.user_ids.update(zip(new["customer"], (user.pk for user in users), strict=True))
    return len(users)


def create_orders(
    history,
    stored_rows: Stored,
    source: str,
    *,
    batch: int = ORDER_BATCH,
    progress: Callable[[int], None] = lambda n: None,
) -> tuple[int, int]:
    """Store the orders not imported yet, ``batch`` orders per transaction, in time order;
    return how many orders and lines were stored. ``progress`` hears of each batch."""
    orders = history.orders[~history.orders["order_key"].isin(stored_rows.order_keys)]
    orders = orders.reset_index(drop=True)
    position = pd.Series(orders.index, index=orders["order_key"])
    lines = history.lines.assign(position=history.lines["order_key"].map(position))
    lines = lines.dropna(subset=["position"]).sort_values("position", kind="stable")
    starts = lines["position"].searchsorted(range(0, len(orders) + batch, batch))
    written = 0
    for number, start in enumerate(range(0, len(orders), batch)):
        chunk = orders.iloc[start : start + batch]
        with transaction.atomic():
            ids = _insert_orders(chunk, stored_rows.user_ids, source)
            written += _insert_lines(
                lines.iloc[starts[number] : starts[number + 1]], ids, stored_rows.product_ids
            )
        stored_rows.order_keys.update(chunk["order_key"])
        progress(len(chunk))
    return len(orders), written


def analyse_tables() -> None:
    """Refresh PostgreSQL's statistics of the tables an import fills. Without them the planner
    takes the freshly loaded tables for nearly empty: the sales-count refresh that follows an
    import took 21 s instead of 4 on 500,000 rows (other databases: nothing to do)."""
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table for model in (Order, OrderLine, Product, Shopper, get_user_model())
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def _insert_orders(orders: pd.DataFrame, user_ids: dict[str, int], source: str) -> dict:
    rows = [
        Order(
            user_id=user_ids.get(customer),
            full_name=f"Customer {customer}" if customer else "Guest",
            email="",
            address="",
            country=country,
            status=Order.Status.CANCELLED if cancelled else Order.Status.SHIPPED,
            total=_cents(total),
            created_at=at.to_pydatetime(),
            external_key=external_key(source, key),
        )
        for key, at, customer, country, cancelled, total in zip(
            orders["order_key"],
            orders["ordered_at"],
            orders["customer"],
            orders["country"],
            orders["cancelled"],
            orders["total"],
            strict=True,
        )
    ]
    Order.objects.bulk_create(rows, batch_size=1000)
    return {key: row.pk for key, row in zip(orders["order_key"], rows, strict=True)}


def _insert_lines(lines: pd.DataFrame, order_ids: dict, product_ids: dict[str, int]) -> int:
    # Plain lists: iterating pandas' text columns value by value costs seconds at this size.
    values = list(
        zip(
            lines["order_key"].map(order_ids).astype("int64").tolist(),
            lines["sku"].map(product_ids).astype("int64").tolist(),
            lines["product_name"].str.slice(0, 120).tolist(),
            [f"{price:.2f}" for price in lines["unit_price"].tolist()],
            lines["quantity"].astype("int64").tolist(),
            strict=True,
        )
    )
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {OrderLine._meta.db_table} ({', '.join(LINE_COLUMNS)}) FROM STDIN"
            ) as copy,
        ):
            for row in values:
                copy.write_row(row)
    else:
        OrderLine.objects.bulk_create(
            (
                OrderLine(
                    order_id=o, product_id=p, product_name=n, unit_price=Decimal(u), quantity=q
                )
                for o, p, n, u, q in values
            ),
            batch_size=1000,
        )
    return len(values)


def _cents(amount: float) -> Decimal:
    return Decimal(f"{amount:.2f}")

"""Listing: latency of /products/ with filters and facets over 100,000 products on PostgreSQL.

Builds ``tailor_listing_bench`` once (the demo catalog generator's products, COPY'd in; reused
while it still holds them), then requests each page in-process with Django's test client under
production settings and reports p50/p99 latency, SQL queries and the SQL share of the time.

    .venv/bin/python -m benchmarks.listing [--quick] [--fresh]

``run(args)`` returns the Markdown section; ``main`` writes it into BENCHMARKS.md and prints it.
"""

import argparse
import random
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from benchmarks import report
from benchmarks.services import (
    POSTGRES,
    database_exists,
    environment,
    flush_redis,
    manage,
    recreate_database,
    setup_django,
    stop_on_sigterm,
)

DATABASE = "tailor_listing_bench"
REDIS_DB = 12
PRODUCTS = 100_000
SEED = 42
TARGET_P50_MS = 50
SQL_SAMPLES = 10
FOUND = re.compile(r'listing-status"[^>]*>(\d+) product')
HEADERS: dict[str, Any] = {"HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@dataclass
class Scenario:
    name: str
    path: str
    htmx: bool = False
    cold: bool = False  # the whole-catalog facet counts are dropped from the cache first
    products: int = 0
    queries: int = 0
    timings_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)


# --- Data -----------------------------------------------------------------------------------


def database_ready() -> bool:
    if not database_exists(DATABASE):
        return False
    found = subprocess.run(
        ["psql", *POSTGRES, "-d", DATABASE, "-tAc", "SELECT count(*) FROM shop_product"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return found.stdout.strip() == str(PRODUCTS)


def build_database(env) -> None:
    """A fresh database: migrations, reference data, then the products (see ``copy_products``)."""
    recreate_database(DATABASE)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "loaddata", "colours", "materials", "categories", "-v0")


def copy_products() -> None:
    """``PRODUCTS`` demo products with skewed sales, written with one COPY, then analysed."""
    from django.db import connection

    from benchmarks.scale_data import PRODUCT_COLUMNS, product_row, reference_ids
    from shop import demo
    from shop.models import Product

    rng = random.Random(SEED)
    brands, products = demo.catalog(rng, PRODUCTS, datetime(2025, 6, 1, tzinfo=UTC))
    brand_ids = demo.ensure_brands(brands)
    ids = reference_ids()
    columns = [*PRODUCT_COLUMNS, "units_sold"]
    connection.ensure_connection()
    with (
        connection.connection.cursor() as raw,
        raw.copy(f"COPY shop_product ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for item in products:
            copy.write_row((*product_row(item, brand_ids, ids), int(rng.paretovariate(1.2)) - 1))
    demo.reset_sequences(Product)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE shop_product")


# --- Measuring ------------------------------------------------------------------------------


def scenarios() -> list[Scenario]:
    """Pages to measure; the filters are common values of the demo catalog."""
    from shop.models import Category

    department = Category.objects.filter(parent=None).order_by("position", "pk").first()
    if department is None:
        raise RuntimeError("The catalog has no department: seed it first.")
    three = "price_max=100&colour=black&material=cotton"
    return [
        Scenario("All products, no filters", "/products/"),
        Scenario("… with its facet counts not cached", "/products/", cold=True),
        Scenario("All products, three filters + facets", f"/products/?{three}"),
        Scenario("… the same as an htmx swap", f"/products/?{three}", htmx=True),
        Scenario("… sorted by price", f"/products/?{three}&sort=price"),
        Scenario(
            "Department, in stock, by best selling",
            f"{department.get_absolute_url()}?in_stock=true&sort=best_selling",
        ),
        Scenario("One broad filter (95 % in stock)", "/products/?in_stock=true"),
    ]


def measure(scenario: Scenario, requests: int, warmup: int) -> None:
    """Time ``requests`` requests after ``warmup``, then a few more with their SQL recorded."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(**HEADERS)
    headers: dict[str, Any] = {"HTTP_HX_REQUEST": "true"} if scenario.htmx else {}
    for _ in range(warmup):
        client.get(scenario.path, **headers)
    for _ in range(requests):
        if scenario.cold:
            cache.delete_pattern("*listing:base-counts:*")  # type: ignore[attr-defined]  # django-redis
        started = time.perf_counter()
        response = client.get(scenario.path, **headers)
        scenario.timings_ms.append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        raise RuntimeError(f"{scenario.path} answered {response.status_code}")
    for _ in range(SQL_SAMPLES):
        if scenario.cold:
            cache.delete_pattern("*listing:base-counts:*")  # type: ignore[attr-defined]  # django-redis
        with CaptureQueriesContext(connection) as captured:
            client.get(scenario.path, **headers)
        scenario.sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    scenario.queries = len(captured)
    found = FOUND.search(response.content.decode())
    if found is None:
        raise RuntimeError(f"{scenario.path}: no product count on the page")
    scenario.products = int(found.group(1))


def section(header: list[str], measured: list[Scenario]) -> str:
    rows = [
        [
            s.name,
            f"`{s.path}`" + (" (htmx)" if s.htmx else ""),
            f"{s.products:,}",
            s.queries,
            f"{report.median(s.timings_ms):.1f}",
            f"{report.percentile(s.timings_ms, 0.99):.1f}",
            f"{report.median(s.sql_ms):.1f}",
        ]
        for s in measured
    ]
    filtered = report.median(measured[2].timings_ms)
    lines = header + report.table(
        ["page", "path", "products found", "SQL queries", "p50 ms", "p99 ms", "SQL p50 ms"], rows
    )
    lines += [
        f"Target: p50 under {TARGET_P50_MS} ms for the page with three filters and "
        f"facets: {filtered:.1f} ms — {report.verdict(filtered < TARGET_P50_MS)}.",
        "",
    ]
    return "\n".join(lines)


def run(args) -> str:
    """Build (or reuse) the database, measure every scenario; the Markdown section."""
    env = environment(DATABASE, REDIS_DB)
    started = time.monotonic()
    fresh = args.fresh or not database_ready()
    if fresh:
        build_database(env)
    else:
        manage(env, "migrate", "--noinput", "-v0")  # new indexes, say
    manage(env, "collectstatic", "--noinput", "-v0")
    flush_redis(REDIS_DB)
    setup_django(env)
    if fresh:
        copy_products()
    built = (
        f"built in {time.monotonic() - started:.0f} s" if fresh else "reused from an earlier run"
    )
    requests, warmup = (40, 5) if args.quick else (200, 20)
    header = report.header(  # before measuring: its load average is the one at the start
        "Listing",
        "python -m benchmarks.listing" + (" --quick" if args.quick else ""),
        f"{PRODUCTS:,} active products (demo catalog generator, seed {SEED}) in "
        f"`{DATABASE}`, {built}; anonymous visitor, in-process Django test client with "
        f"production settings, {requests} requests per page after {warmup} to warm up",
        args.quick,
    )
    measured = scenarios()
    for scenario in measured:
        measure(scenario, requests, warmup)
    return section(header, measured)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Fewer requests per page.")
    parser.add_argument(
        "--fresh", action="store_true", help="Rebuild the database even if it holds the products."
    )
    args = parser.parse_args(argv)
    stop_on_sigterm()
    section = run(args)
    report.write_section("listing", section.splitlines())
    print(section)


if __name__ == "__main__":
    main()

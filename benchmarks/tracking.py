"""Tracking overhead: what recording views and band impressions adds to a page view.

In-process on PostgreSQL (the seeded ``tailor_bench``): each tracking call timed alone, on and
off, then whole requests through Django's test client with tracking on and off, interleaved so
drift hits both alike.

    .venv/bin/python benchmarks/run.py --only tracking [--quick]
"""

import argparse
from typing import Any

from benchmarks import report
from benchmarks.pages import (
    DATABASE,
    HEADERS,
    REDIS_DB,
    demo_database_ready,
    prepare_demo_database,
)
from benchmarks.services import environment, setup_django, stop_on_sigterm
from benchmarks.timing import BLOCK, interleaved, time_calls

TARGET_MS = 1.0
PAGE_BLOCK = 10
FLOOR_KEY = "bench-floor"
FLOOR_SQL = (
    "INSERT INTO personalization_event (kind, session_key, product_id, country, page, "
    "quantity, created_at) VALUES ('view', %s, %s, 'GB', 'product', 1, now())"
)


def tracked_request(path: str, *, off: bool):
    """A request as the middleware leaves it: a saved session, a user and a visitor."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    from personalization.visitors import (
        CONSENT_COOKIE,
        PERSONALIZATION_OFF_KEY,
        consent_cookie,
        visitor_for,
    )

    request = RequestFactory().get(path, HTTP_ACCEPT_LANGUAGE=HEADERS["Accept-Language"])
    request.COOKIES[CONSENT_COOKIE] = consent_cookie()  # a visitor who accepted tracking
    SessionMiddleware(lambda _: HttpResponse()).process_request(request)
    request.user = AnonymousUser()
    if off:
        request.session[PERSONALIZATION_OFF_KEY] = True
    request.session.save()
    request.visitor = visitor_for(request)  # type: ignore[attr-defined]  # VisitorMiddleware's
    return request


def call_benchmarks(iterations: int):
    from personalization.bands import enabled_bands
    from personalization.models import Placement
    from personalization.tracking import TrackingMiddleware, record_impressions, record_view
    from shop.models import Product

    product = Product.objects.active().order_by("pk").first()
    bands = [band for band in enabled_bands().values() if band.placement == Placement.HOME][:4]
    on, off = tracked_request("/p/x/", off=False), tracked_request("/p/x/", off=True)
    for request in (on, off):  # the first call stores the visit key in the session
        record_view(request, product)

    def product_page(request):
        """What a product page's view tracks, written as the middleware writes it."""

        def view(request):
            record_view(request, product)
            record_impressions(request, bands, page="product")

        return lambda: TrackingMiddleware(view)(request)

    times = interleaved(
        {
            "record_view on": lambda: record_view(on, product),
            "record_view off": lambda: record_view(off, product),
            f"record_impressions ({len(bands)} bands) on": lambda: record_impressions(
                on, bands, page="home"
            ),
            f"record_impressions ({len(bands)} bands) off": lambda: record_impressions(
                off, bands, page="home"
            ),
            f"a product page: 1 view + {len(bands)} impressions in one write on": product_page(on),
            f"a product page: 1 view + {len(bands)} impressions in one write off": product_page(
                off
            ),
        },
        iterations,
    )
    return times, floors(product, iterations)


def floors(product, iterations: int) -> dict[str, list[float]]:
    """What one INSERT of one event costs on this PostgreSQL without the ORM: a raw cursor in
    autocommit (one round trip, one commit), with and without waiting for the WAL flush."""
    from django.db import connection

    with connection.cursor() as cursor:
        insert = lambda: cursor.execute(FLOOR_SQL, [FLOOR_KEY, product.pk])  # noqa: E731
        times = {"raw INSERT, autocommit": time_calls(insert, iterations)}
        cursor.execute("SET synchronous_commit TO off")
        times["raw INSERT, autocommit, synchronous_commit off"] = time_calls(insert, iterations)
        cursor.execute("SET synchronous_commit TO on")
        cursor.execute("DELETE FROM personalization_event WHERE session_key = %s", [FLOOR_KEY])
    return times


def page_benchmarks(iterations: int, product_path: str):
    """Whole requests, tracking on and off; and the SQL statements each sends."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from personalization.visitors import CONSENT_COOKIE, PERSONALIZATION_OFF_KEY, consent_cookie

    headers: dict[str, Any] = {
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_LANGUAGE": HEADERS["Accept-Language"],
    }
    # One visitor per row: the product page's views would otherwise add a "Recently viewed"
    # band to the home page of the same visitor. Each accepted tracking.
    clients = {name: Client(**headers) for name in ("product", "product off", "home", "gpc")}
    for client in clients.values():
        client.cookies[CONSENT_COOKIE] = consent_cookie()
        client.get("/")
    session = clients["product off"].session
    session[PERSONALIZATION_OFF_KEY] = True
    session.save()
    calls = {
        "product page, tracking on": lambda: clients["product"].get(product_path),
        "product page, personalization off": lambda: clients["product off"].get(product_path),
        "home page, tracking on": lambda: clients["home"].get("/"),
        "home page, tracking refused (Sec-GPC: 1)": lambda: clients["gpc"].get(
            "/", HTTP_SEC_GPC="1"
        ),
    }
    queries = {}
    for name, call in calls.items():
        call()
        with CaptureQueriesContext(connection) as captured:
            response = call()
        assert response.status_code == 200, (name, response.status_code)
        queries[name] = len(captured)
    # Short blocks: a request takes ~25 ms, so on and off alternate every quarter second.
    return interleaved(calls, iterations, block=PAGE_BLOCK), queries


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Use tailor_bench as the pages benchmark left it, if seeded.",
    )
    args = parser.parse_args(argv)
    stop_on_sigterm()
    calls_n, pages_n = (1000, 100) if args.quick else (4000, 600)
    env = environment(DATABASE, REDIS_DB)
    if args.reuse and demo_database_ready(env):
        data = "the `tailor_bench` database the pages benchmark seeded (`seed_demo` defaults)"
    else:
        data = prepare_demo_database(env)
    setup_django(env)
    from shop.models import Product

    product = Product.objects.active().filter(stock__gt=0).order_by("pk").first()
    calls, floor = call_benchmarks(calls_n)
    pages, queries = page_benchmarks(pages_n, product.get_absolute_url())
    write(args, data, calls, floor, pages, queries, calls_n, pages_n)


def write(args, data, calls, floor, pages, queries, calls_n, pages_n) -> None:
    everything = {**calls, **floor, **pages}
    med = {name: report.median(times) for name, times in everything.items()}
    p99 = {name: report.percentile(times, 0.99) for name, times in everything.items()}
    call_rows = []
    names = list(calls)
    for on_name, off_name in zip(names[::2], names[1::2], strict=True):
        call_rows.append(
            [
                on_name.removesuffix(" on"),
                f"{med[off_name]:.3f}",
                f"{p99[off_name]:.3f}",
                f"{med[on_name]:.3f}",
                f"{p99[on_name]:.3f}",
                f"{med[on_name] - med[off_name]:.3f}",
            ]
        )
    impressions = med[names[2]] - med[names[3]]
    per_product_view = med[names[4]] - med[names[5]]
    page_names = list(pages)
    page_rows = []
    for on_name, off_name in zip(page_names[::2], page_names[1::2], strict=True):
        page_rows.append(
            [
                on_name.split(",")[0],
                off_name.split(", ", 1)[1],
                f"{med[off_name]:.2f}",
                f"{p99[off_name]:.2f}",
                queries[off_name],
                f"{med[on_name]:.2f}",
                f"{p99[on_name]:.2f}",
                queries[on_name],
                f"{med[on_name] - med[off_name]:+.2f}",
                f"{med[on_name] / med[off_name]:.3f}×",
            ]
        )
    product_delta = med[page_names[0]] - med[page_names[1]]
    command = ".venv/bin/python benchmarks/run.py --only tracking" + (
        " --quick" if args.quick else ""
    )
    lines = report.header("Tracking overhead", command, data, args.quick)
    lines += [
        f"Each tracking call timed alone, {calls_n:,} times per row, in alternating blocks of "
        f"{BLOCK} (on, off, on, …). *Off* is the same call for a visitor whose session has "
        "`personalization_off` set, so it returns before touching the database — the "
        "baseline. Times in milliseconds.",
        "",
    ]
    lines += report.table(
        ["call", "off: median", "off: p99", "on: median", "on: p99", "cost (median on − off)"],
        call_rows,
    )
    lines += [
        "For scale, the floor of one write on this PostgreSQL (a raw cursor, no ORM, "
        "one-row INSERT in autocommit: one round trip and one commit): "
        + "; ".join(f"{name}: median {med[name]:.3f} ms, p99 {p99[name]:.3f} ms" for name in floor)
        + ". A tracking write is one round trip too: "
        "`BEGIN; SET LOCAL synchronous_commit TO OFF; INSERT …; COMMIT` sent as one string "
        "(`Event.objects.record`). During a request the page's events wait for the response "
        "and go in one write (`TrackingMiddleware`): the last row is a product page's.",
        "",
    ]
    lines += [
        f"Whole requests through Django's test client (in-process, no HTTP), {pages_n:,} "
        f"each, interleaved in blocks of {PAGE_BLOCK}. The product page's baseline is the "
        "same visitor with `personalization_off` (its bands are not personal, so it shows the "
        "same bands). The home page's baseline refuses tracking with `Sec-GPC: 1` instead, "
        "because switching personalization off also swaps its personal bands for others; "
        "with GPC the bands stay "
        "the same and only tracking stops. SQL statements include `BEGIN`/`COMMIT`.",
        "",
    ]
    lines += report.table(
        [
            "page",
            "baseline",
            "baseline median ms",
            "baseline p99 ms",
            "baseline SQL",
            "tracking on median ms",
            "on p99 ms",
            "on SQL",
            "difference ms",
            "on / baseline",
        ],
        page_rows,
    )
    lines += [
        f"Target: tracking adds < {TARGET_MS:g} ms per page view. A product page view records "
        f"{names[4].removesuffix(' on').removeprefix('a product page: ')}: "
        f"{per_product_view:.3f} ms by the call timings — "
        f"{report.verdict(per_product_view < TARGET_MS)}; the whole-request difference is "
        f"{product_delta:+.2f} ms (noisier: it is the gap between two medians of "
        f"~{med[page_names[1]]:.0f} ms, and it swings with how long the disk takes to flush "
        "PostgreSQL's WAL, which other work on the machine changes from run to run; the raw "
        "INSERT's p99 above shows the same). A home page view records its impressions: "
        f"{impressions:.3f} ms — {report.verdict(impressions < TARGET_MS)}.",
        "",
    ]
    report.write_section("tracking", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()

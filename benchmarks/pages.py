"""Pages: throughput and latency of the storefront under gunicorn, against the ceiling page.

Seeds PostgreSQL with ``seed_demo``'s defaults, computes the bands, starts gunicorn (2 sync
workers, production settings) and measures each page with wrk, the ceiling page first and last.
SQL query counts come from Django's test client on the same database.

    .venv/bin/python benchmarks/run.py --only pages [--quick]
"""

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from benchmarks import report
from benchmarks.services import (
    BIN,
    REPO,
    WORK_DIR,
    environment,
    flush_redis,
    kill_group,
    manage,
    recreate_database,
    setup_django,
    stop_on_sigterm,
)
from benchmarks.timing import interleaved

DATABASE = "tailor_bench"
REDIS_DB = 13
WORKERS = 2
CONNECTIONS = 16
THREADS = 2
# Each page is measured ROUNDS times for SECONDS, each time right after the ceiling page.
ROUNDS = 3
SECONDS = 5
WARMUP = 1
# A browser's language: it gives the visitor a country, so "Popular near you" has a context.
HEADERS = {"Accept-Language": "en-GB,en;q=0.9"}
# The demo's published password is refused with DEBUG off (shop.backends), as here: the
# benchmark gives its shopper a password of its own.
BENCH_PASSWORD = "tailor-bench-login"
TARGET_RATIO = 0.6
CARD = '<article class="card">'


@dataclass
class Scenario:
    """One page measured: how to reach it and what was found."""

    name: str
    path: str
    cookie: str = ""  # "" (no cookie), "anonymous" or "shopper"
    note: str = ""
    bands: list[str] = field(default_factory=list)
    cards: int = 0
    html_bytes: int = 0
    queries: int | None = None
    runs: list[dict] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)  # to the ceiling run just before


# --- Data -----------------------------------------------------------------------------------


def prepare_demo_database(env: dict[str, str]) -> str:
    """A fresh ``tailor_bench``: migrate, seed_demo defaults, setup_bands, recompute_bands."""
    recreate_database(DATABASE)
    flush_redis(REDIS_DB)
    shutil.rmtree(WORK_DIR / DATABASE, ignore_errors=True)
    manage(env, "migrate", "--noinput", "-v0")
    seeded = manage(env, "seed_demo", "-v1", timeout=900)
    manage(env, "setup_bands")
    manage(env, "recompute_bands", timeout=900)
    manage(env, "collectstatic", "--noinput", "-v0")
    found = re.search(r"Seeded .*", seeded)
    return found.group(0) if found else "seed_demo defaults"


def demo_database_ready(env: dict[str, str]) -> bool:
    """Whether ``tailor_bench`` holds seeded data with computed bands and static files."""
    from benchmarks.services import database_exists

    if not database_exists(DATABASE):
        return False
    probe = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            DATABASE,
            "-tAc",
            "SELECT (SELECT count(*) FROM shop_product) > 0 AND "
            "(SELECT count(*) FROM personalization_bandresult) > 0",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    manifest = WORK_DIR / DATABASE / "staticfiles" / "staticfiles.json"
    return probe.stdout.strip() == "t" and manifest.exists()


def choose_pages() -> tuple[dict, str]:
    """The shopper, product and category to measure, chosen from the data; and a description."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q
    from django.utils import timezone

    from personalization.algorithms import context
    from personalization.models import Algorithm, Band, BandResult, Event, Placement
    from shop.models import Category, Product

    for_you = Band.objects.get(algorithm=Algorithm.FOR_YOU, placement=Placement.HOME)
    recommended = set(
        BandResult.objects.filter(
            band=for_you,
            version=for_you.current_version,
            context__startswith="visitor:u",
        )
        .values_list("context", flat=True)
        .distinct()
    )
    viewers = (
        Event.objects.filter(
            kind=Event.Kind.VIEW,
            user__isnull=False,
            created_at__gte=timezone.now() - timedelta(days=30),
        )
        .values("user_id")
        .annotate(views=Count("id"))
        .order_by("-views", "user_id")
    )
    user_id = next(
        row["user_id"] for row in viewers if context("visitor", f"u{row['user_id']}") in recommended
    )
    shopper = get_user_model().objects.get(pk=user_id)

    together = Band.objects.get(algorithm=Algorithm.BOUGHT_TOGETHER, placement=Placement.PRODUCT)
    contexts = (
        BandResult.objects.filter(band=together, version=together.current_version)
        .values("context")
        .annotate(rows=Count("id"))
        .order_by("-rows", "context")
    )
    products = Product.objects.active().filter(stock__gt=0)
    product = next(
        found
        for found in (
            products.filter(pk=int(row["context"].split(":")[1])).first() for row in contexts[:50]
        )
        if found is not None
    )

    department = (
        Category.objects.filter(parent=None)
        .annotate(
            size=Count("products", filter=Q(products__is_active=True))
            + Count("children__products", filter=Q(children__products__is_active=True))
        )
        .order_by("-size", "pk")
        .first()
    )
    if department is None:
        raise RuntimeError("The catalog has no department: seed it first.")
    return (
        {"shopper": shopper, "product": product, "category": department},
        f"shopper `{shopper.username}` (most product views in 30 days among shoppers with "
        f"recommendations), product `{product.slug}` (most stored bought-together rows), "
        f"department `{department.slug}` (most products)",
    )


# --- Test client: layout and query counts ---------------------------------------------------


def layout(html: str) -> tuple[list[str], list[int], int]:
    """The band slugs on a page, the cards in each band, and the cards outside bands."""
    starts = [(m.start(), m.group(1)) for m in re.finditer(r'data-band="([^"]+)"', html)]
    bounds = [position for position, _ in starts] + [len(html)]
    sizes = [html.count(CARD, bounds[i], bounds[i + 1]) for i in range(len(starts))]
    # Cards after the last band's own list (new arrivals) are not the band's.
    if starts:
        last_band_end = html.find("</section>", starts[-1][0])
        sizes[-1] = html.count(CARD, starts[-1][0], last_band_end)
    outside = html.count(CARD) - sum(sizes)
    return [slug for _, slug in starts], sizes, outside


def count_queries(scenarios: list[Scenario], shopper) -> None:
    """Each page's SQL queries in a warm steady state (its caches filled, cookie kept)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from personalization.visitors import CONSENT_COOKIE, consent_cookie

    headers: dict[str, Any] = {
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_LANGUAGE": HEADERS["Accept-Language"],
    }
    for scenario in scenarios:
        for _ in range(2):  # warm the caches (bands, departments, results)
            Client(**headers).get(scenario.path)
        client = Client(**headers)
        if scenario.cookie:
            client.cookies[CONSENT_COOKIE] = consent_cookie()
        if scenario.cookie == "shopper":
            client.force_login(shopper)
        if scenario.cookie:
            client.get(scenario.path)
            client.get(scenario.path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(scenario.path)
        if response.status_code != 200:
            raise RuntimeError(f"{scenario.path} answered {response.status_code}")
        scenario.queries = len(captured)


def ceiling_layout(home_html: str) -> dict[str, str]:
    """Environment for the ceiling page: the anonymous home page's bands and cards."""
    _, sizes, outside = layout(home_html)
    return {
        "CEILING_BAND_SIZES": ",".join(str(size) for size in sizes),
        "CEILING_GRID_ITEMS": str(outside),
    }


def anonymous_home_html() -> str:
    from django.test import Client

    from personalization.visitors import CONSENT_COOKIE, consent_cookie

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE=HEADERS["Accept-Language"])
    client.cookies[CONSENT_COOKIE] = consent_cookie()
    client.get("/")
    return client.get("/").content.decode()


def home_breakdown(iterations: int) -> dict:
    """Where an anonymous returning visitor's home page spends its time, in-process.

    Ceiling and home requests through the test client, interleaved. During the home requests
    the functions the home view calls (``bands_for``, ``record_impressions``, ``render``, as
    ``shop.views`` names them) and ``QuerySet.in_bulk`` (the band reader's product fetch) are
    timed from outside; during the ceiling requests, its ``render``. A name the view no longer
    uses is simply not timed.
    """
    from django.db.models.query import QuerySet
    from django.test import Client

    import benchmarks.ceiling as ceiling_view
    import shop.views as views
    from personalization.visitors import CONSENT_COOKIE, consent_cookie

    headers: dict[str, Any] = {
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_LANGUAGE": HEADERS["Accept-Language"],
    }
    clients = {"ceiling": Client(**headers), "home": Client(**headers)}
    clients["home"].cookies[CONSENT_COOKIE] = consent_cookie()
    clients["home"].get("/")
    parts: dict[str, float] = {}
    fetched: list[int] = []
    patched = [
        (views, name)
        for name in ("bands_for", "record_impressions", "render")
        if hasattr(views, name)
    ] + [(ceiling_view, "render"), (QuerySet, "in_bulk")]
    originals = {(module, name): getattr(module, name) for module, name in patched}

    def timed(module, name, original):
        label = "ceiling render" if module is ceiling_view else name

        def call(*args, **kwargs):
            started = time.perf_counter_ns()
            try:
                found = original(*args, **kwargs)
                if name == "in_bulk":
                    fetched.append(len(found))
                return found
            finally:
                parts[label] = parts.get(label, 0.0) + (time.perf_counter_ns() - started) / 1e6

        return call

    records: dict[str, list] = {"ceiling": [], "home": []}

    def request(page: str) -> None:
        parts.clear()
        fetched.clear()
        started = time.perf_counter_ns()
        clients[page].get("/" if page == "home" else CEILING)
        records[page].append(
            {
                "whole": (time.perf_counter_ns() - started) / 1e6,
                "products": sum(fetched),
                "fetches": len(fetched),
                **parts,
            }
        )

    for (module, name), original in originals.items():
        setattr(module, name, timed(module, name, original))
    try:
        interleaved(
            {"ceiling": lambda: request("ceiling"), "home": lambda: request("home")},
            iterations,
            block=10,
        )
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)
    return {"records": records, "iterations": iterations}


# --- HTTP -----------------------------------------------------------------------------------


def fetch(port: int, path: str, cookies: dict[str, str], *, data: dict | None = None):
    """One request without redirects; Set-Cookie updates ``cookies``. (status, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = dict(HEADERS)
    if cookies:
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
    body = None
    if data is not None:
        body = urlencode(data)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request("POST" if data is not None else "GET", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key.strip()] = rest.split(";")[0]
        return response.status, text
    finally:
        connection.close()


def anonymous_cookie(port: int) -> str:
    """A new anonymous visitor's cookies, made by visiting the home page once after accepting
    tracking (as a returning visitor who said yes would)."""
    from personalization.visitors import CONSENT_COOKIE, consent_cookie

    cookies: dict[str, str] = {CONSENT_COOKIE: consent_cookie()}
    fetch(port, "/", cookies)
    return cookie_header(cookies)


def matched(pattern: str, text: str) -> str:
    """The first group of ``pattern`` in ``text``; an error naming the pattern when absent."""
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"No {pattern!r} in: {text[:500]}")
    return found.group(1)


def shopper_cookie(port: int, username: str) -> str:
    """Log in through the site with the demo password; the session cookie it sets."""
    cookies: dict[str, str] = {}
    _, page = fetch(port, "/account/login/", cookies)
    token = matched(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    status, _ = fetch(
        port,
        "/account/login/",
        cookies,
        data={
            "username": username,
            "password": BENCH_PASSWORD,
            "csrfmiddlewaretoken": token,
        },
    )
    if status != 302:
        raise RuntimeError(f"Logging in as {username} answered {status}, not a redirect")
    return cookie_header(cookies)


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{key}={value}" for key, value in cookies.items())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], port: int):
    """gunicorn on the loopback port, killed with its workers on the way out."""
    log = open(WORK_DIR / "gunicorn.log", "w")  # noqa: SIM115 (closed in finally)
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(REPO),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if fetch(port, "/bench/ceiling/", {})[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "gunicorn did not start: " + (WORK_DIR / "gunicorn.log").read_text()[-2000:]
                )
            time.sleep(0.3)
        yield
    finally:
        kill_group(server)
        log.close()


WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(port: int, path: str, cookie: str, seconds: int) -> dict:
    """One wrk run: requests/s, p50 and p99 latency (ms), errors."""
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    latency = {pct: float(value) * UNITS[unit] for pct, value, unit in WRK_LATENCY.findall(out)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(matched(r"Requests/sec:\s+([\d.]+)", out)),
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "requests": int(matched(r"(\d+) requests in", out)),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": sockets.group(1) if sockets else "",
    }


# --- The benchmark --------------------------------------------------------------------------


CEILING = "/bench/ceiling/"


def scenarios_for(pages: dict) -> list[Scenario]:
    """The ceiling first, then the pages compared with it."""
    product, category = pages["product"], pages["category"]
    return [
        Scenario("Ceiling page", CEILING, note="no database, no tracking"),
        Scenario(
            "Home, anonymous, first visit",
            "/",
            note="no cookie: not asked yet, so nothing tracked or stored",
        ),
        Scenario(
            "Home, anonymous, returning",
            "/",
            cookie="anonymous",
            note="accepted tracking; session cookie kept",
        ),
        Scenario("Home, logged-in shopper", "/", cookie="shopper", note="has history"),
        Scenario("Category (department)", category.get_absolute_url(), cookie="anonymous"),
        Scenario(
            "Product with bought-together",
            product.get_absolute_url(),
            cookie="anonymous",
            note="records a view",
        ),
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep tailor_bench if it is already seeded (faster reruns).",
    )
    args = parser.parse_args(argv)
    stop_on_sigterm()
    rounds, seconds, warmup = (1, 3, 1) if args.quick else (ROUNDS, SECONDS, WARMUP)
    env = environment(DATABASE, REDIS_DB)
    started = time.monotonic()
    if args.reuse and demo_database_ready(env):
        seeded = "reused the seeded `tailor_bench` (`--reuse`)"
    else:
        seeded = prepare_demo_database(env)
    prepared = time.monotonic() - started
    setup_django(env)

    pages, chosen = choose_pages()
    shopper = pages["shopper"]
    shopper.set_password(BENCH_PASSWORD)
    shopper.save(update_fields=["password"])
    scenarios = scenarios_for(pages)
    count_queries(scenarios, shopper)
    ceiling_env = ceiling_layout(anonymous_home_html())
    os.environ.update(ceiling_env)
    from benchmarks import ceiling

    ceiling.configure()
    breakdown = home_breakdown(100 if args.quick else 400)
    port = free_port()
    with gunicorn({**env, **ceiling_env}, port):
        cookies = {
            "": lambda: "",
            "anonymous": lambda: anonymous_cookie(port),
            "shopper": lambda: shopper_cookie(port, shopper.username),
        }
        cookie_of = {}
        for scenario in scenarios:
            cookie = cookie_of[scenario.name] = cookies[scenario.cookie]()
            status, html = fetch(port, scenario.path, _parse_cookie(cookie))
            if status != 200:
                raise RuntimeError(f"{scenario.path} answered {status}")
            scenario.bands, _, _ = layout(html)
            scenario.cards, scenario.html_bytes = html.count(CARD), len(html.encode())
            if scenario.cookie == "shopper" and f"Log out {shopper.username}" not in html:
                raise RuntimeError("The shopper's cookie does not log them in")
        ceiling_page, measured = scenarios[0], scenarios[1:]
        # The ceiling runs just before each page, round after round: drift hits both alike.
        for _ in range(rounds):
            for scenario in measured:
                wrk(port, CEILING, "", warmup)
                ceiling_page.runs.append(wrk(port, CEILING, "", seconds))
                wrk(port, scenario.path, cookie_of[scenario.name], warmup)
                scenario.runs.append(wrk(port, scenario.path, cookie_of[scenario.name], seconds))
                scenario.ratios.append(scenario.runs[-1]["rps"] / ceiling_page.runs[-1]["rps"])
    write(scenarios, args, seeded, chosen, prepared, (rounds, seconds), ceiling_env, breakdown)


def breakdown_lines(found: dict) -> list[str]:
    records = found["records"]

    def med(page, key):
        return report.median([record.get(key, 0.0) for record in records[page]])

    home = records["home"]
    timed = ("bands_for", "record_impressions", "render")
    rest = report.median([r["whole"] - sum(r.get(key, 0.0) for key in timed) for r in home])
    ceiling_rest = report.median(
        [r["whole"] - r.get("ceiling render", 0.0) for r in records["ceiling"]]
    )
    whole = med("home", "whole")
    return [
        "### Where the home page's time goes",
        "",
        f"In-process through Django's test client, {found['iterations']} ceiling and "
        f"{found['iterations']} home requests interleaved (anonymous returning visitor); the "
        "functions the home view calls are timed from outside during those requests. Medians "
        "in milliseconds.",
        "",
        *report.table(
            ["step", "home page", "ceiling page", "note"],
            [
                [
                    "whole request",
                    f"{whole:.2f}",
                    f"{med('ceiling', 'whole'):.2f}",
                    f"home = {whole / med('ceiling', 'whole'):.1f}× the ceiling",
                ],
                [
                    "`bands_for` (read the bands)",
                    f"{med('home', 'bands_for'):.2f}",
                    "—",
                    f"includes {med('home', 'in_bulk'):.2f} ms in {med('home', 'fetches'):.0f} "
                    f"product queries (`in_bulk`) loading {med('home', 'products'):.0f} products",
                ],
                [
                    "`record_impressions` (tracking)",
                    f"{med('home', 'record_impressions'):.2f}",
                    "—",
                    "one bulk INSERT in its own transaction",
                ],
                [
                    "`render` (template; the new-arrivals query runs in it)",
                    f"{med('home', 'render'):.2f}",
                    f"{med('ceiling', 'ceiling render'):.2f}",
                    "same templates and card count",
                ],
                [
                    "everything else (middleware, session, view code)",
                    f"{rest:.2f}",
                    f"{ceiling_rest:.2f}",
                    "whole request minus the rows above",
                ],
            ],
        ),
    ]


def _parse_cookie(header: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in header.split("; ") if "=" in part)


def write(scenarios, args, seeded, chosen, prepared, timing, ceiling_env, breakdown) -> None:
    rounds, seconds = timing
    rows = []
    for scenario in scenarios:
        runs = scenario.runs
        errors = sum(run["errors"] for run in runs)
        sockets = "; ".join(sorted({run["socket_errors"] for run in runs if run["socket_errors"]}))
        shown = (
            f"{report.median(scenario.ratios):.2f}× "
            f"({min(scenario.ratios):.2f}–{max(scenario.ratios):.2f})"
            if scenario.ratios
            else "1 (baseline)"
        )
        rows.append(
            [
                scenario.name + (f" — {scenario.note}" if scenario.note else ""),
                f"`{scenario.path}`",
                len(scenario.bands),
                scenario.cards,
                f"{scenario.html_bytes:,}",
                scenario.queries,
                f"{report.median([run['rps'] for run in runs]):.0f}",
                f"{report.median([run['p50'] for run in runs]):.1f}",
                f"{report.median([run['p99'] for run in runs]):.1f}",
                shown,
                f"{errors} {sockets}".strip(),
            ]
        )
    ratio = {s.name: report.median(s.ratios) for s in scenarios if s.ratios}
    returning, first = ratio["Home, anonymous, returning"], ratio["Home, anonymous, first visit"]
    four = next(s for s in scenarios if s.name == "Home, anonymous, returning")
    ceiling_rps = [run["rps"] for run in scenarios[0].runs]
    command = ".venv/bin/python benchmarks/run.py --only pages" + (" --quick" if args.quick else "")
    lines = report.header("Pages", command, f"{seeded} Pages measured: {chosen}.", args.quick)
    lines += [
        f"gunicorn {WORKERS} sync workers (`DEBUG=0`, `CONN_MAX_AGE=60`, Redis cache and "
        f"sessions `cached_db`) on a loopback port; `wrk -t{THREADS} -c{CONNECTIONS} "
        f"-d{seconds}s --latency` with `Accept-Language: en-GB` (a browser's header, which "
        "gives the visitor a country). Each page is measured in "
        f"{rounds} round{'s' if rounds > 1 else ''}, each time right after a run of the "
        "ceiling page (both after a 1 s warm-up): the ratio is taken per round against that "
        "ceiling run, and the table shows medians (ratio range in brackets). wrk, gunicorn, "
        "PostgreSQL and Redis share the 2 cores with whatever else the machine runs. SQL "
        "queries: Django's test client with `CaptureQueriesContext` on the same database, "
        "caches warm, cookie kept. Set-up (create, migrate, seed, bands, collectstatic) took "
        f"{prepared:.0f} s.",
        "",
        "Tracking is part of what is measured: for a visitor who accepted tracking (the "
        "returning visitor, the shopper and the category and product pages' visitor send the "
        "consent cookie), every home, category and product view writes one impression per band "
        "shown (one bulk INSERT), and a product view also writes a view event. A first visit "
        "has no cookie: until the visitor answers the consent notice nothing is tracked and no "
        "session is stored, so it reads the same bands without writing anything.",
        "",
        f"The ceiling page (`{CEILING}`) renders {ceiling_env['CEILING_BAND_SIZES']} "
        f"band cards and {ceiling_env['CEILING_GRID_ITEMS']} new-arrival cards, as the "
        "anonymous home page showed at the start of this run, with the same templates and no "
        f"data access. Its {len(ceiling_rps)} runs ranged from {min(ceiling_rps):.0f} to "
        f"{max(ceiling_rps):.0f} req/s: that spread is the machine's noise, which is why only "
        "the ratios are compared.",
        "",
    ]
    lines += report.table(
        [
            "page",
            "path",
            "bands",
            "cards",
            "HTML bytes",
            "SQL queries",
            "req/s",
            "p50 ms",
            "p99 ms",
            "× ceiling",
            "errors",
        ],
        rows,
    )
    lines += [
        f"Target: a home page with four bands at ≥ {TARGET_RATIO}× the ceiling page's "
        f"throughput. Anonymous returning visitor ({len(four.bands)} bands): "
        f"{returning:.2f}× — {report.verdict(returning >= TARGET_RATIO)}. Anonymous first "
        f"visit (no cookie, not tracked): {first:.2f}× — "
        f"{report.verdict(first >= TARGET_RATIO)}.",
        "",
    ]
    lines += breakdown_lines(breakdown)
    report.write_section("pages", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()

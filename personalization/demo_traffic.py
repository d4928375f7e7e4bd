"""Demo band traffic: the impressions and clicks the demo's visits would have made.

The demo's sessions (``demo_sessions``) only view, cart and buy; bands exist once they are
seeded. This step walks the stored visits afterwards: each visit saw the home page's bands
before its first product, and each product page's bands; some of the products it viewed next
were reached by clicking one of the bands just shown (a click a moment before the view), so the
carts and orders that followed are credited to that band like real ones.

``band_traffic`` is pure (rows in, event dicts out); ``write_band_traffic`` reads the visits and
bands and stores the events.
"""

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.db import connection

from shop.demo import SKU_PREFIX
from shop.models import Product

from .models import Algorithm, Band, Event, Placement

# Made-up chances that one impression of a band is clicked, so the demo's bands differ
# believably: what sits beside a product is clicked more than a generic home-page row.
APPEAL: dict[str, float] = {
    Algorithm.RECENTLY_VIEWED: 0.05,
    Algorithm.FOR_YOU: 0.045,
    Algorithm.DEALS: 0.03,
    Algorithm.BEST_SELLERS: 0.03,
    Algorithm.TRENDING: 0.02,
    Algorithm.NEAR_YOU: 0.02,
    Algorithm.BOUGHT_TOGETHER: 0.08,
    Algorithm.ALSO_VIEWED: 0.06,
    Algorithm.SIMILAR: 0.04,
    Algorithm.SIMILAR_FACTORS: 0.04,
}
# Bands shown only to a shopper the shop knows (personal ones need history or an account).
KNOWN_ONLY = {Algorithm.RECENTLY_VIEWED, Algorithm.FOR_YOU, Algorithm.DEALS}
# Bands for a moment of a shopper's life (first visit, coming back): left out of made-up traffic.
LIFECYCLE_ONLY = {Algorithm.PICK_UP, Algorithm.ONBOARDING}
HOME_BEFORE = timedelta(seconds=20)
CLICK_BEFORE = timedelta(seconds=2)
BATCH_SIZE = 5000
COLUMNS = [
    "kind",
    "session_key",
    "user_id",
    "product_id",
    "band_id",
    "country",
    "page",
    "quantity",
    "created_at",
]


@dataclass(frozen=True)
class ShownBand:
    pk: int
    placement: str
    algorithm: str


@dataclass(frozen=True)
class Visit:
    key: str
    user_id: int | None
    country: str
    views: tuple[tuple[int, datetime], ...]  # (product id, when), in time order


def band_traffic(
    rng: random.Random, visits: Iterable[Visit], bands: list[ShownBand]
) -> Iterator[dict]:
    """Impression and click event dicts for ``visits``, visit by visit.

    Home bands (known shoppers' own only for visitors with an account) are shown once before
    the first view; product bands at every view. Each viewed product may have been reached by a
    click on one band of the page before (tried in the admin's order, each with its
    ``APPEAL``). Depends only on ``rng``'s state and the arguments.
    """
    home = [b for b in bands if b.placement == Placement.HOME]
    product = [b for b in bands if b.placement == Placement.PRODUCT]
    for visit in visits:
        shown = [
            b
            for b in home
            if (visit.user_id or b.algorithm not in KNOWN_ONLY)
            and b.algorithm not in LIFECYCLE_ONLY
        ]
        page, at = "home", visit.views[0][1] - HOME_BEFORE
        yield from (_event(visit, Event.Kind.IMPRESSION, b, None, page, at) for b in shown)
        for product_id, when in visit.views:
            clicked = next((b for b in shown if rng.random() < APPEAL.get(b.algorithm, 0)), None)
            if clicked is not None:
                yield _event(
                    visit, Event.Kind.CLICK, clicked, product_id, page, when - CLICK_BEFORE
                )
            shown, page = product, "product"
            yield from (_event(visit, Event.Kind.IMPRESSION, b, None, page, when) for b in shown)


def _event(visit: Visit, kind: str, band: ShownBand, product_id, page: str, at) -> dict:
    return {
        "kind": kind,
        "session_key": visit.key,
        "user_id": visit.user_id,
        "product_id": product_id,
        "band_id": band.pk,
        "country": visit.country,
        "page": page,
        "quantity": 1,
        "created_at": at,
    }


def stored_visits() -> list[Visit]:
    """Every visit that viewed demo products, from those view events, in visit-key order."""
    demo = set(Product.objects.filter(sku__startswith=SKU_PREFIX).values_list("pk", flat=True))
    # Filtered and sorted here: right after seeding, the tables have no statistics yet and the
    # planner's join of events and products takes seconds.
    views = sorted(
        (
            row
            for row in Event.objects.filter(kind=Event.Kind.VIEW).values_list(
                "session_key", "created_at", "pk", "user_id", "country", "product_id"
            )
            if row[5] in demo
        ),
        key=lambda row: row[:3],
    )
    return [
        Visit(key, rows[0][3], rows[0][4], tuple((row[5], row[1]) for row in rows))
        for key, rows in ((key, list(rows)) for key, rows in groupby(views, key=lambda row: row[0]))
    ]


def write_band_traffic(seed: int) -> int:
    """Store the band traffic of the demo's visits for the enabled bands (variants aside);
    return how many events were written. Run once after seeding: ``delete_demo_behaviour``
    removes these events with the visits. On PostgreSQL through COPY: 125,000 rows take about
    a second, against twenty through ``bulk_create`` on the demo's machine."""
    bands = [
        ShownBand(b.pk, b.placement, b.algorithm)
        for b in Band.objects.filter(is_enabled=True, variant_test__isnull=True).order_by(
            "position", "pk"
        )
    ]
    rows = band_traffic(random.Random(f"{seed}:band-traffic"), stored_visits(), bands)
    if connection.vendor != "postgresql":
        return len(Event.objects.bulk_create((Event(**row) for row in rows), batch_size=BATCH_SIZE))
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {Event._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row([row[name] for name in COLUMNS])
            written += 1
    return written

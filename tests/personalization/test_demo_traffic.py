"""The demo's band impressions and clicks: pure generation, and what seed_demo stores."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from personalization.demo_traffic import ShownBand, Visit, band_traffic
from personalization.models import BandDay, Event

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
BANDS = [
    ShownBand(1, "home", "best_sellers"),
    ShownBand(2, "home", "for_you"),
    ShownBand(3, "product", "bought_together"),
    ShownBand(4, "product", "similar"),
    ShownBand(5, "cart", "bought_together"),
]


def visit(key, views, user_id=None):
    return Visit(
        key,
        user_id,
        "NL",
        tuple((product, START + timedelta(minutes=n)) for n, product in enumerate(views)),
    )


def traffic(visits, seed=1):
    return list(band_traffic(random.Random(seed), visits, BANDS))


def test_home_bands_once_then_product_bands_at_every_view():
    rows = traffic([visit("a", [10, 11, 12])])

    impressions = [(row["band_id"], row["page"]) for row in rows if row["kind"] == "impression"]
    # An anonymous visitor is not shown the known shoppers' own bands (for_you).
    assert impressions == [(1, "home")] + [(3, "product"), (4, "product")] * 3


def test_a_known_shopper_sees_their_own_home_bands():
    rows = traffic([visit("a", [10], user_id=7)])

    assert {row["band_id"] for row in rows if row["page"] == "home"} == {1, 2}
    assert {row["user_id"] for row in rows} == {7}


def test_each_click_comes_just_before_the_view_of_its_product_from_the_page_before():
    views = [visit(f"v{n}", [10 + n, 20 + n, 30 + n, 40 + n]) for n in range(3000)]

    rows = traffic(views)

    clicks = [row for row in rows if row["kind"] == "click"]
    assert clicks
    by_key = {v.key: dict(v.views) for v in views}
    for click in clicks:
        assert by_key[click["session_key"]][click["product_id"]] - click["created_at"] == (
            timedelta(seconds=2)
        )
        expected_page = "home" if click["band_id"] in (1, 2) else "product"
        assert click["page"] == expected_page
    # Product bands are clicked more than the home page's, as their appeal says.
    ctr = {band: Counter(row["kind"] for row in rows if row["band_id"] == band) for band in (1, 3)}
    assert ctr[3]["click"] / ctr[3]["impression"] > ctr[1]["click"] / ctr[1]["impression"]


def test_the_same_seed_gives_the_same_traffic():
    views = [visit(f"v{n}", [10, 20, 30]) for n in range(50)]

    assert traffic(views, seed=4) == traffic(views, seed=4)
    assert traffic(views, seed=4) != traffic(views, seed=5)


@pytest.mark.django_db
def test_seed_demo_stores_band_traffic_and_its_daily_figures_and_replaces_them_on_rerun(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    options = [
        "--products",
        "120",
        "--shoppers",
        "30",
        "--days",
        "14",
        "--until",
        "2025-06-01",
        "--no-bands",
    ]
    call_command("seed_demo", *options, stdout=StringIO(), stderr=StringIO())
    first = Counter(Event.objects.values_list("kind", flat=True))
    figures = sorted(
        BandDay.objects.values_list("band__slug", "day", "impressions", "clicks", "orders")
    )

    call_command("seed_demo", *options, stdout=StringIO(), stderr=StringIO())

    assert first["impression"] > first["view"] > 0 and first["click"] > 0
    assert Counter(Event.objects.values_list("kind", flat=True)) == first
    assert sum(row[2] for row in figures) == first["impression"]
    assert (
        sorted(BandDay.objects.values_list("band__slug", "day", "impressions", "clicks", "orders"))
        == figures
    )

"""Demo follows: deterministic, each follow once, and seed_demo stores them for demo shoppers."""

import random
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from preferences import demo
from preferences.models import Subscription
from shop import demo as catalog_demo

Kind = Subscription.Kind
UNTIL = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def products():
    _, items = catalog_demo.catalog(random.Random(1), 300, UNTIL)
    return items


def test_the_same_seed_gives_the_same_follows_and_none_twice(products):
    first = demo.follows(random.Random(5), 200, products)

    assert first == demo.follows(random.Random(5), 200, products)
    assert first != demo.follows(random.Random(6), 200, products)
    assert len(first) == len(set(first))
    followers = {row.shopper for row in first}
    assert 0.1 < len(followers) / 200 < 0.35


def test_the_first_shopper_follows_every_kind_of_thing(products):
    rows = [row for row in demo.follows(random.Random(5), 10, products) if row.shopper == 0]

    assert {row.kind for row in rows} == set(Kind.values) - {Kind.SEARCH}
    below = next(row for row in rows if row.kind == Kind.PRICE_BELOW)
    assert 0 < below.price_below < products[below.product].price
    stock = next(row for row in rows if row.kind == Kind.BACK_IN_STOCK)
    assert products[stock.product].stock == 0


@pytest.mark.django_db
def test_seed_demo_stores_the_follows_of_demo_shoppers(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    small = [
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
    out = StringIO()

    call_command("seed_demo", *small, stdout=out, stderr=StringIO())
    first = sorted(
        Subscription.objects.values_list(
            "user__username", "kind", "product__sku", "brand__slug", "category__slug", "price_below"
        ),
        key=str,
    )
    call_command("seed_demo", *small, stdout=StringIO(), stderr=StringIO())

    assert first == sorted(
        Subscription.objects.values_list(
            "user__username", "kind", "product__sku", "brand__slug", "category__slug", "price_below"
        ),
        key=str,
    )
    assert {row[0] for row in first if row[0] == "shopper0001"}
    assert f"demo shoppers follow {len(first)} products, brands and categories" in out.getvalue()

"""Bands end to end on the real services: PostgreSQL, Redis (broker and cache), a Celery worker."""

import io
import json
import os
import socket
from contextlib import contextmanager

import psycopg
import pytest
import redis
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from personalization.models import Band, BandResult
from personalization.tasks import recompute_band
from shop.models import Colour, Material, Order, Product
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    DepartmentFactory,
    ProductFactory,
    accept_tracking,
)
from tests.integration.helpers import CHECKOUT, wait_for
from tests.personalization.factories import store

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def default_bands():
    call_command("setup_bands", stdout=io.StringIO())
    return {band.slug: band for band in Band.objects.all()}


def band_items(response, slug):
    """(product name, reason) of the band shown on the page under ``slug``, or None."""
    for shown in response.context["bands"]:
        if shown.band.slug == slug:
            return [(item.card.name, item.reason) for item in shown.items]
    return None


def buy(products):
    client = Client()
    for product in products:
        client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})
    response = client.post(reverse("shop:checkout"), CHECKOUT)
    assert response.status_code == 302


def test_worker_recompute_shows_bought_together_on_the_product_page(celery_worker, default_bands):
    tent = ProductFactory(name="Ridge tent", stock=10)
    bag = ProductFactory(name="Down sleeping bag", stock=10)
    buy([tent, bag])
    buy([tent, bag])
    assert Order.objects.count() == 2
    band = default_bands["bought-together"]

    recompute_band.delay(band.pk)

    computed = wait_for(lambda: Band.objects.filter(pk=band.pk, current_version=1).exists())
    assert computed, f"no recompute after 30 s; worker log:\n{celery_worker.log()}"
    visitor = Client()

    def shown():
        response = visitor.get(tent.get_absolute_url())
        assert response.status_code == 200
        return band_items(response, "bought-together")

    assert wait_for(shown, timeout=10) == [("Down sleeping bag", "Bought together in 2 orders")]
    page = visitor.get(tent.get_absolute_url()).content.decode()
    assert "Frequently bought together" in page
    assert "Bought together in 2 orders" in page


# --- A worker killed in the middle of a recompute ----------------------------------------------


SIMILAR_ITEMS = 12
CATALOG = 40


def camping_catalog():
    """A page product alone in its category, and CATALOG products in another category of the
    same department: every item of its similar band reads "Also <department>, …"."""
    camping = DepartmentFactory(name="Camping")
    page_product = ProductFactory(name="Lone tent", category=CategoryFactory(parent=camping))
    many = CategoryFactory(parent=camping)
    brand, colour, material = (
        BrandFactory(),
        Colour.objects.get(pk=page_product.colour_id),
        Material.objects.get(pk=page_product.material_id),
    )
    Product.objects.bulk_create(
        Product(
            sku=f"BULK-{n:05d}",
            slug=f"bulk-{n}",
            name=f"Camping thing {n:03d}",
            brand=brand,
            category=many,
            colour=colour,
            material=material,
            price=page_product.price,
            stock=5,
        )
        for n in range(CATALOG)
    )
    return page_product


def forget_unacked(queue):
    """Drop the killed worker's unacknowledged message, which Redis would otherwise hand back
    to this session's (by then unconsumed) queue an hour from now."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for tag, payload in client.hgetall("unacked").items():
        if json.loads(payload)[-1] == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@contextmanager
def results_table_locked():
    """Hold a lock that lets pages read band results but makes any writer wait; yield a check
    that says whether another session is waiting on it."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=False) as holder:
        holder.execute(f"LOCK TABLE {BandResult._meta.db_table} IN SHARE MODE")

        def blocked():
            return holder.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
                [BandResult._meta.db_table],
            ).fetchone()[0]

        yield blocked
        holder.rollback()


def test_worker_killed_mid_recompute_leaves_the_old_results_served(celery_worker, default_bands):
    page_product = camping_catalog()
    band = default_bands["similar-products"]
    Band.objects.exclude(pk=band.pk).update(is_enabled=False)
    Band.objects.filter(pk=band.pk).update(item_count=SIMILAR_ITEMS)
    # The served version, written by hand: every item says so.
    catalog = list(Product.objects.exclude(pk=page_product.pk).order_by("-pk"))
    store(band, [(f"product:{page_product.pk}", p, "Version one") for p in catalog])
    visitor = Client()

    def items():
        response = visitor.get(page_product.get_absolute_url())
        assert response.status_code == 200
        return band_items(response, "similar-products")

    before = items()
    assert before == [(p.name, "Version one") for p in catalog[:SIMILAR_ITEMS]]

    try:
        with results_table_locked() as blocked:
            # The worker numbers its version, then waits on the lock to write its rows: killed
            # there, it has started but can never switch.
            recompute_band.delay(band.pk)
            writing = wait_for(blocked, timeout=30, interval=0.01)
            assert writing, f"the recompute never started; worker log:\n{celery_worker.log()}"
            assert Band.objects.filter(pk=band.pk, last_version=2).exists()
            during = items()
            celery_worker.kill()
        band.refresh_from_db()
        assert band.current_version == 1
        assert during == before
        assert items() == before

        celery_worker.restart()
        assert items() == before
        recompute_band.delay(band.pk)
        switched = wait_for(lambda: Band.objects.filter(pk=band.pk, current_version=3).exists())
        assert switched, f"no recompute after the restart; worker log:\n{celery_worker.log()}"
    finally:
        forget_unacked(celery_worker.queue)

    after = items()
    assert len(after) == SIMILAR_ITEMS
    assert {reason for _, reason in after} == {
        "Also Camping, same colour and material, similar price"
    }
    # The killed run's rows (if it wrote any) are gone; the previous version stays one switch.
    assert set(BandResult.objects.filter(band=band).values_list("version", flat=True)) == {1, 3}


# --- Visitors at the same time ----------------------------------------------------------------


def test_two_visitors_browsing_at_once_never_see_each_others_recently_viewed(default_bands):
    products = ProductFactory.create_batch(6)
    ada, bob = accept_tracking(Client()), accept_tracking(Client())
    ada_views, bob_views = products[0::2], products[1::2]
    for mine, theirs in zip(ada_views, bob_views, strict=True):
        assert ada.get(mine.get_absolute_url()).status_code == 200
        assert bob.get(theirs.get_absolute_url()).status_code == 200

    for client, views in ((ada, ada_views), (bob, bob_views)):
        response = client.get(reverse("shop:home"))
        names = [name for name, _ in band_items(response, "recently-viewed")]
        assert names == [p.name for p in reversed(views)]
        assert all(
            reason.startswith("You viewed this ")
            for _, reason in band_items(response, "recently-viewed")
        )


# --- Redis down ---------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_bands_render_from_the_database_when_redis_is_down(default_bands):
    tent, bag = ProductFactory(name="Ridge tent"), ProductFactory(name="Down sleeping bag")
    store(
        default_bands["best-sellers"],
        [("", tent, "30 sold in the last 30 days"), ("", bag, "12 sold in the last 30 days")],
    )
    dead = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }

    with override_settings(CACHES=dead):
        visitor = Client()
        response = visitor.get(reverse("shop:home"))
        second = visitor.get(reverse("shop:home"))

    assert response.status_code == second.status_code == 200
    assert band_items(response, "best-sellers") == [
        ("Ridge tent", "30 sold in the last 30 days"),
        ("Down sleeping bag", "12 sold in the last 30 days"),
    ]
    assert band_items(second, "best-sellers") == band_items(response, "best-sellers")

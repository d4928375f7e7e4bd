"""refresh_sales_counts: units sold in the last 30 days, for sorting by best selling."""

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from config.celery import app
from shop.models import Order, Product
from shop.tasks import refresh_sales_counts
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def sell(product, quantity, *, days_ago=1, status=Order.Status.PLACED):
    order = OrderFactory(status=status, created_at=timezone.now() - timedelta(days=days_ago))
    OrderLineFactory(order=order, product=product, quantity=quantity)


def units_sold() -> dict[str, int]:
    return dict(Product.objects.values_list("name", "units_sold"))


@pytest.fixture
def sales():
    kettle, lamp, tent, mug = (
        ProductFactory(name=name) for name in ("kettle", "lamp", "tent", "mug")
    )
    sell(kettle, 2)
    sell(kettle, 3, status=Order.Status.SHIPPED, days_ago=29)
    sell(kettle, 7, status=Order.Status.CANCELLED)
    sell(lamp, 1, days_ago=31)
    sell(tent, 4, days_ago=10)
    Product.objects.filter(pk=mug.pk).update(units_sold=50)  # stale: it sold nothing lately
    return kettle


def test_counts_units_of_orders_not_cancelled_in_the_last_30_days(sales):
    refresh_sales_counts()
    assert units_sold() == {"kettle": 5, "lamp": 0, "tent": 4, "mug": 0}


def test_running_twice_gives_the_same_counts_and_rewrites_nothing(sales):
    assert refresh_sales_counts() == 3  # kettle, tent, mug
    first = units_sold()

    assert refresh_sales_counts() == 0
    assert units_sold() == first


def test_a_new_sale_shows_on_the_next_run(sales):
    refresh_sales_counts()
    sell(sales, 1)
    refresh_sales_counts()
    assert units_sold()["kettle"] == 6


def test_beat_refreshes_the_counts_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-sales-counts"]
    assert entry["task"] == "shop.tasks.refresh_sales_counts"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(minute=7)


def test_counts_end_at_the_shops_clock(sales, settings):
    settings.TAILOR_AS_OF = (timezone.now() - timedelta(days=20)).isoformat()

    refresh_sales_counts()

    # The window is 50 to 20 days ago: the kettle's sale 29 days ago and the lamp's 31 days ago.
    assert units_sold() == {"kettle": 3, "lamp": 1, "tent": 0, "mug": 0}

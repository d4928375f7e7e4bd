"""Saving a product records a change when followers may care, and enqueues its fan-out only once
the save commits; writes that bypass save(), and a broker outage, never break anything."""

from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from preferences import changes
from preferences.models import ProductChange, SavedSearch, Subscription
from shop.models import Product
from tests.factories import BrandFactory, CategoryFactory, ProductFactory, UserFactory
from tests.preferences.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db
Kind = Subscription.Kind
FAN_OUT = "preferences.tasks.fan_out"


@pytest.fixture
def followed():
    """A 50 € product with 3 in stock that somebody follows for price drops."""
    return SubscriptionFactory(product=ProductFactory(price=D("50.00"), stock=3)).product


def save(product, **values):
    for name, value in values.items():
        setattr(product, name, value)
    with transaction.atomic():
        product.save()


def test_a_price_drop_is_recorded_and_fanned_out_after_the_commit(
    followed, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        save(followed, price=D("45.00"))
        assert published == []

    change = ProductChange.objects.get()
    assert (
        change.product,
        change.is_new,
        change.old_price,
        change.new_price,
        change.old_stock,
        change.new_stock,
    ) == (followed, False, D("50.00"), D("45.00"), 3, 3)
    assert change.fanned_out_at is None
    for callback in callbacks:
        callback()
    assert published == [(FAN_OUT, [change.pk])]


def test_coming_back_in_stock_is_recorded(django_capture_on_commit_callbacks):
    product = SubscriptionFactory(kind=Kind.BACK_IN_STOCK, product=ProductFactory(stock=0)).product

    save(product, stock=4)

    change = ProductChange.objects.get()
    assert (change.old_stock, change.new_stock) == (0, 4)


@pytest.mark.parametrize(
    "values",
    [
        {"price": D("55.00")},  # dearer
        {"name": "Renamed", "description": "New text"},  # not price or stock
        {"stock": 9},  # restocked, never sold out
        {"stock": 0},  # sold out
        {"price": D("40.00"), "is_active": False},  # cheaper but withdrawn
    ],
)
def test_changes_nobody_hears_about_are_not_recorded(followed, values):
    save(followed, **values)

    assert not ProductChange.objects.exists()


def test_a_price_drop_of_a_product_nobody_follows_is_not_recorded(
    published, django_capture_on_commit_callbacks
):
    product = ProductFactory(price=D("50.00"))
    SubscriptionFactory(kind=Kind.PRICE_DROP, is_active=False, product=product)

    with django_capture_on_commit_callbacks(execute=True):
        save(product, price=D("10.00"))

    assert not ProductChange.objects.exists()
    assert published == []


def test_a_price_given_as_text_is_compared_as_a_number(followed):
    save(followed, price="9.50")

    assert ProductChange.objects.get().new_price == D("9.50")


def test_updates_that_bypass_save_are_not_recorded(followed):
    Product.objects.filter(pk=followed.pk).update(price=D("1.00"))

    assert not ProductChange.objects.exists()


def test_a_save_of_other_fields_only_costs_no_lookup(followed, django_assert_num_queries):
    followed.name = "Renamed"
    with django_assert_num_queries(1):
        followed.save(update_fields=["name"])


def test_a_followed_price_drop_costs_a_locked_lookup_the_check_and_the_insert(followed):
    with CaptureQueriesContext(connection) as queries:
        save(followed, price=D("45.00"))

    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert [sql.split()[0] for sql in statements] == ["SELECT", "UPDATE", "SELECT", "INSERT"]
    if connection.vendor == "postgresql":
        assert statements[0].endswith("FOR UPDATE")


@pytest.mark.parametrize("follow", ["brand", "category", "department", "search"])
def test_a_new_product_is_a_new_arrival_for_brand_category_and_search_followers(follow):
    brand, category = BrandFactory(), CategoryFactory()
    user = UserFactory()
    target = {
        "brand": {"kind": Kind.BRAND, "brand": brand},
        "category": {"kind": Kind.CATEGORY, "category": category},
        "department": {"kind": Kind.CATEGORY, "category": category.parent},
        "search": {
            "kind": Kind.SEARCH,
            "search": SavedSearch.objects.create(user=user, name="Anything", query=""),
        },
    }[follow]
    SubscriptionFactory(user=user, product=None, **target)

    product = ProductFactory(brand=brand, category=category)

    change = ProductChange.objects.get()
    assert (change.product, change.is_new, change.old_price, change.new_price) == (
        product,
        True,
        None,
        product.price,
    )


def test_a_new_product_nobody_could_hear_about_is_not_recorded():
    SubscriptionFactory(kind=Kind.BRAND, product=None, brand=BrandFactory())

    ProductFactory()
    ProductFactory(is_active=False)

    assert not ProductChange.objects.exists()


def test_an_admin_lowering_a_price_in_the_product_list_records_the_change(
    admin_client, followed, published, django_capture_on_commit_callbacks
):
    url = reverse("admin:shop_product_changelist")
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(followed.pk),
        "form-0-price": "39.90",
        "form-0-compare_at_price": "",
        "form-0-stock": "3",
        "form-0-is_active": "on",
        "_save": "Save",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)

    assert response.status_code == 302
    change = ProductChange.objects.get()
    assert (change.old_price, change.new_price) == (D("50.00"), D("39.90"))
    assert published == [(FAN_OUT, [change.pk])]


class BrokerDown:
    def delay(self, *args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_price_drop_saved_while_the_broker_is_down_still_commits(
    transactional_db, monkeypatch, followed
):
    monkeypatch.setattr(changes, "fan_out", BrokerDown())

    save(followed, price=D("45.00"))

    followed.refresh_from_db()
    assert followed.price == D("45.00")
    assert ProductChange.objects.get().fanned_out_at is None  # resume_fan_outs will send it

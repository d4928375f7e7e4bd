import threading
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.db import connections
from kombu.exceptions import OperationalError

from shop import checkout
from shop.cart import Cart
from shop.checkout import CheckoutError, place_order
from shop.models import Order, OrderLine, Product
from tests.factories import ProductFactory, UserFactory

DETAILS = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "address": "12 St James's Square\nLondon",
    "country": "GB",
}


def cart_with(*items):
    """A cart in a fresh session holding (product, quantity) pairs."""
    cart = Cart(SessionBase())
    for product, quantity in items:
        cart.add(product.pk, quantity)
    return cart


class EnqueuedTasks:
    """Stands in for ``send_order_confirmation``: records ``.delay()`` calls."""

    def __init__(self):
        self.calls = []

    def delay(self, *args):
        self.calls.append(args)


@pytest.fixture
def enqueued(monkeypatch):
    tasks = EnqueuedTasks()
    monkeypatch.setattr(checkout, "send_order_confirmation", tasks)
    return tasks


@pytest.mark.django_db
def test_order_freezes_prices_at_purchase_time():
    mug = ProductFactory(name="Mug", price=Decimal("12.50"))
    lamp = ProductFactory(name="Lamp", price=Decimal("40.00"))
    order = place_order(cart_with((mug, 2), (lamp, 1)), details=DETAILS)

    Product.objects.filter(pk__in=[mug.pk, lamp.pk]).update(price=Decimal("99.00"))

    order.refresh_from_db()
    assert order.total == Decimal("65.00")
    assert sorted(
        (line.product_name, line.unit_price, line.quantity) for line in order.lines.all()
    ) == [
        ("Lamp", Decimal("40.00"), 1),
        ("Mug", Decimal("12.50"), 2),
    ]


@pytest.mark.django_db
def test_order_keeps_details_user_and_session():
    user = UserFactory()
    order = place_order(
        cart_with((ProductFactory(), 1)), details=DETAILS, user=user, session_key="abc123"
    )
    order.refresh_from_db()
    assert (order.user, order.session_key, order.full_name, order.email, order.country.code) == (
        user,
        "abc123",
        "Ada Lovelace",
        "ada@example.com",
        "GB",
    )


@pytest.mark.django_db
def test_order_takes_stock_and_empties_the_cart():
    mug = ProductFactory(stock=5)
    cart = cart_with((mug, 2))
    place_order(cart, details=DETAILS)
    mug.refresh_from_db()
    assert mug.stock == 3
    assert not cart
    assert not Cart(cart.session)


@pytest.mark.django_db
def test_confirmation_is_enqueued_only_when_the_order_commits(
    django_capture_on_commit_callbacks, enqueued
):
    cart = cart_with((ProductFactory(), 1))
    with django_capture_on_commit_callbacks() as callbacks:
        order = place_order(cart, details=DETAILS)
        assert enqueued.calls == []
    assert callbacks

    for callback in callbacks:
        callback()

    assert enqueued.calls == [(order.pk,)]


@pytest.mark.django_db
def test_not_enough_stock_raises_and_changes_nothing(django_capture_on_commit_callbacks):
    plenty = ProductFactory(stock=10)
    scarce = ProductFactory(stock=1, name="Last lamp")
    cart = cart_with((plenty, 2), (scarce, 2))

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(CheckoutError, match="Last lamp"),
    ):
        place_order(cart, details=DETAILS)

    assert callbacks == []
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == [10, 1]
    assert Cart(cart.session).items == {str(plenty.pk): 2, str(scarce.pk): 2}


@pytest.mark.django_db
def test_product_withdrawn_since_it_was_carted_is_not_sold():
    product = ProductFactory(stock=3)
    cart = cart_with((product, 1))
    Product.objects.filter(pk=product.pk).update(is_active=False)

    with pytest.raises(CheckoutError, match="empty"):
        place_order(cart, details=DETAILS)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_empty_cart_raises_checkout_error():
    with pytest.raises(CheckoutError, match="Your cart is empty"):
        place_order(cart_with(), details=DETAILS)
    assert not Order.objects.exists()


class BrokerDown:
    def delay(self, *args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_order_placed_while_the_broker_is_down_still_completes(transactional_db, monkeypatch):
    monkeypatch.setattr(checkout, "send_order_confirmation", BrokerDown())
    cart = cart_with((ProductFactory(), 1))

    order = place_order(cart, details=DETAILS)

    assert Order.objects.get() == order
    assert not Cart(cart.session)


def test_two_shoppers_racing_for_the_last_item_get_one_order(
    require_postgres, transactional_db, enqueued
):
    last = ProductFactory(stock=1)
    carts = [cart_with((last, 1)), cart_with((last, 1))]
    barrier = threading.Barrier(len(carts), timeout=10)
    outcomes = [None] * len(carts)

    def check_out(index):
        try:
            barrier.wait()
            outcomes[index] = place_order(carts[index], details=DETAILS)
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=check_out, args=(i,)) for i in range(len(carts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    orders = [outcome for outcome in outcomes if isinstance(outcome, Order)]
    errors = [outcome for outcome in outcomes if isinstance(outcome, CheckoutError)]
    assert (len(orders), len(errors)) == (1, 1), outcomes
    assert Order.objects.count() == 1
    assert OrderLine.objects.get().quantity == 1
    last.refresh_from_db()
    assert last.stock == 0
    assert len(enqueued.calls) == 1

from decimal import Decimal

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.urls import reverse

from shop.cart import SESSION_KEY, Cart
from tests.factories import PASSWORD, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SessionBase()


def test_add_accumulates_quantities(session):
    cart = Cart(session)
    cart.add(7, 2)
    cart.add(7, 3)
    assert cart.quantity_of(7) == 5
    assert len(cart) == 5


def test_set_replaces_the_quantity(session):
    cart = Cart(session)
    cart.add(7, 2)
    cart.set(7, 4)
    assert cart.quantity_of(7) == 4


@pytest.mark.parametrize("quantity", [0, -1])
def test_set_to_zero_or_less_removes_the_line(session, quantity):
    cart = Cart(session)
    cart.add(7, 2)
    cart.set(7, quantity)
    assert cart.quantity_of(7) == 0
    assert not cart


def test_remove_drops_only_that_product(session):
    cart = Cart(session)
    cart.add(7, 1)
    cart.add(8, 2)
    cart.remove(7)
    assert cart.items == {"8": 2}


def test_cart_is_kept_in_the_session_and_marks_it_modified(session):
    Cart(session).add(7, 2)
    assert session[SESSION_KEY] == {"7": 2}
    assert session.modified
    assert Cart(session).quantity_of(7) == 2


def test_clear_empties_the_session_cart(session):
    cart = Cart(session)
    cart.add(7, 2)
    cart.clear()
    assert session[SESSION_KEY] == {}
    assert Cart(session).items == {}


def test_lines_keep_the_order_products_were_added_in(session):
    first, second = ProductFactory(name="Zebra mug"), ProductFactory(name="Apple mug")
    cart = Cart(session)
    cart.add(first.pk, 1)
    cart.add(second.pk, 2)
    assert [(line.product, line.quantity) for line in cart.lines()] == [(first, 1), (second, 2)]


def test_lines_skip_inactive_and_deleted_products(session):
    sold = ProductFactory()
    withdrawn = ProductFactory(is_active=False)
    cart = Cart(session)
    cart.add(sold.pk, 1)
    cart.add(withdrawn.pk, 1)
    cart.add(999_999, 1)
    assert [line.product for line in cart.lines()] == [sold]


def test_total_sums_price_times_quantity_from_current_prices(session):
    mug = ProductFactory(price=Decimal("12.50"))
    lamp = ProductFactory(price=Decimal("0.99"))
    cart = Cart(session)
    cart.add(mug.pk, 2)
    cart.add(lamp.pk, 3)
    assert Cart.total(cart.lines()) == Decimal("27.97")


def test_total_of_no_lines_is_zero():
    assert Cart.total([]) == Decimal("0")


def test_cart_survives_logging_in(client):
    product = ProductFactory(stock=5)
    UserFactory(username="ada")
    client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 2})

    response = client.post(reverse("shop:login"), {"username": "ada", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"]
    assert Cart(client.session).quantity_of(product.pk) == 2

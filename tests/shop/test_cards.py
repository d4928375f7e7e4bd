from decimal import Decimal

import pytest
from django.contrib.sessions.backends.base import SessionBase

from shop.cards import ProductCard, cards, new_arrivals
from shop.cart import Cart
from shop.checkout import place_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

DETAILS = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "address": "1 Lane",
    "country": "GB",
}


def test_card_carries_what_a_card_shows_with_the_products_own_figures():
    product = ProductFactory(price=Decimal("75.00"), compare_at_price=Decimal("100.00"), stock=0)

    card = ProductCard.of(product)

    assert (card.pk, card.name, card.url, card.image_url) == (
        product.pk,
        product.name,
        product.get_absolute_url(),
        product.image_url,
    )
    assert (card.brand_name, card.colour_name) == (product.brand.name, product.colour.name)
    assert (card.on_sale, card.discount_percent, card.in_stock) == (True, 25, False)


def test_cards_come_from_the_cache_once_read(django_assert_num_queries):
    products = ProductFactory.create_batch(3)
    ids = [p.pk for p in products]
    with django_assert_num_queries(1):
        first = cards(ids)

    with django_assert_num_queries(0):
        again = cards(ids)

    assert again == first
    assert sorted(again) == sorted(ids)


def test_inactive_and_unknown_products_have_no_card():
    shown, hidden = ProductFactory(), ProductFactory(is_active=False)

    assert list(cards([shown.pk, hidden.pk, 999_999])) == [shown.pk]


def test_saving_a_product_forgets_its_card_when_the_change_commits(
    django_capture_on_commit_callbacks,
):
    product = ProductFactory(price=Decimal("20.00"))
    cards([product.pk])

    with django_capture_on_commit_callbacks(execute=True):
        product.price = Decimal("15.00")
        product.save()

    assert cards([product.pk])[product.pk].price == Decimal("15.00")


def test_deactivating_a_product_removes_its_card(django_capture_on_commit_callbacks):
    product = ProductFactory()
    cards([product.pk])

    with django_capture_on_commit_callbacks(execute=True):
        product.is_active = False
        product.save()

    assert cards([product.pk]) == {}


def test_checkout_forgets_the_cards_of_what_it_sold(django_capture_on_commit_callbacks):
    product = ProductFactory(stock=1)
    assert cards([product.pk])[product.pk].in_stock
    cart = Cart(SessionBase())
    cart.add(product.pk, 1)

    with django_capture_on_commit_callbacks(execute=True):
        place_order(cart, details=DETAILS)

    assert not cards([product.pk])[product.pk].in_stock


def test_new_arrivals_are_the_newest_active_products_first():
    older, newer = ProductFactory(), ProductFactory()
    ProductFactory(is_active=False)

    assert [card.pk for card in new_arrivals(8)] == [newer.pk, older.pk]
    assert [card.pk for card in new_arrivals(1)] == [newer.pk]

"""Factories for subscriptions and the product changes they hear about."""

from decimal import Decimal

import factory

from preferences.models import ProductChange, Subscription
from tests.factories import ProductFactory, UserFactory


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A price-drop subscription; give ``kind`` and its target for another."""

    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    kind = Subscription.Kind.PRICE_DROP
    product = factory.SubFactory(ProductFactory)


class ProductChangeFactory(factory.django.DjangoModelFactory):
    """A price drop of 10 € on a product priced 20 €, stored directly (no signal involved)."""

    class Meta:
        model = ProductChange

    product = factory.SubFactory(ProductFactory)
    old_price = Decimal("30.00")
    new_price = factory.LazyAttribute(lambda change: change.product.price)
    old_stock = factory.LazyAttribute(lambda change: change.product.stock)
    new_stock = factory.LazyAttribute(lambda change: change.product.stock)

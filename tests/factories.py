"""factory_boy factories for Tailor's models, with readable, predictable names, slugs and SKUs."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from personalization.models import Event
from shop.models import (
    Brand,
    Category,
    Colour,
    Material,
    Order,
    OrderLine,
    Product,
    Shopper,
)

PASSWORD = "a-long-test-passphrase-42"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")
    parent: factory.SubFactory | None = None
    icon = Category.Icon.TENT


class CategoryFactory(DepartmentFactory):
    """A category inside a department (its own, unless one is given)."""

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    parent = factory.SubFactory(DepartmentFactory)


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class ColourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Colour

    name = factory.Sequence(lambda n: f"Colour {n}")
    slug = factory.Sequence(lambda n: f"colour-{n}")
    hex = factory.Sequence(lambda n: f"#{(n * 2654435761) % 0xFFFFFF:06x}")


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    name = factory.Sequence(lambda n: f"Material {n}")
    slug = factory.Sequence(lambda n: f"material-{n}")


# Parametrized, so ``.create()`` is typed as returning the model (calling the class is not).
class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    description = "A sturdy thing for everyday use."
    brand = factory.SubFactory(BrandFactory)
    category = factory.SubFactory(CategoryFactory)
    colour = factory.SubFactory(ColourFactory)
    material = factory.SubFactory(MaterialFactory)
    price = Decimal("20.00")
    compare_at_price = None
    stock = 10
    is_active = True


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A user whose password is ``PASSWORD``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"shopper{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.django.Password(PASSWORD)


class ShopperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shopper

    user = factory.SubFactory(UserFactory)
    country = "NL"


class OrderFactory(factory.django.DjangoModelFactory):
    """A guest order with no lines; give ``user`` for a shopper's order."""

    class Meta:
        model = Order

    user = None
    session_key = ""
    full_name = "Sam Tester"
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    address = "1 Test Street\n1000 AA Testville"
    country = "NL"
    total = Decimal("0.00")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    product_name = factory.LazyAttribute(lambda line: line.product.name)
    unit_price = factory.LazyAttribute(lambda line: line.product.price)
    quantity = 1


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    kind = Event.Kind.VIEW
    session_key = factory.Sequence(lambda n: f"session{n:034d}")
    user = None
    product = factory.SubFactory(ProductFactory)
    page = "product"


def accept_tracking(client, consent="accepted"):
    """The visitor answered the first-visit notice: the signed cookie the notice sets.

    Tracking waits for this (``personalization.visitors``); tests of what is recorded start
    here, as a shopper who said yes would.
    """
    from personalization.visitors import CONSENT_COOKIE, consent_cookie

    client.cookies[CONSENT_COOKIE] = consent_cookie(consent)
    return client

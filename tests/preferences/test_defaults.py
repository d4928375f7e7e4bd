"""A saved preference stands for listing parameters; only what the shopper set appears."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from preferences.defaults import listing_params, saved_preference
from preferences.models import Preference
from preferences.owners import OWNER_KEY
from tests.factories import ColourFactory, MaterialFactory, UserFactory

pytestmark = pytest.mark.django_db


def request_for(user=None, **session):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request.session.update(session)
    return request


def test_no_preference_means_no_parameters():
    assert listing_params(None) == {}


def test_a_preference_with_nothing_set_means_no_parameters():
    assert listing_params(Preference.objects.create(owner_key="a" * 32)) == {}


@pytest.mark.parametrize(
    ("fields", "params"),
    [
        ({"sort": "-price"}, {"sort": ["-price"]}),
        ({"sort": "recommended"}, {"sort": ["recommended"]}),
        ({"page_size": 48}, {"page_size": ["48"]}),
        ({"audience": "kids"}, {"audience": ["kids"]}),
        ({"price_max": Decimal("49.90")}, {"price_max": ["49.90"]}),
        ({"price_max": Decimal("100")}, {"price_max": ["100.00"]}),
        ({"price_max": Decimal("0.50")}, {"price_max": ["0.50"]}),
        ({"in_stock_only": True}, {"in_stock": ["true"]}),
        ({"in_stock_only": False}, {}),
    ],
)
def test_each_plain_field_becomes_its_listing_parameter(fields, params):
    preference = Preference.objects.create(owner_key="a" * 32, **fields)
    preference.refresh_from_db()

    assert listing_params(preference) == params


def test_colours_and_materials_become_their_slugs_in_order():
    preference = Preference.objects.create(owner_key="a" * 32)
    preference.colours.add(ColourFactory(slug="red"), ColourFactory(slug="navy"))
    preference.materials.add(MaterialFactory(slug="wool"))

    assert listing_params(preference) == {"colour": ["navy", "red"], "material": ["wool"]}


def test_every_field_at_once():
    preference = Preference.objects.create(
        owner_key="a" * 32,
        sort="newest",
        page_size=96,
        audience="women",
        price_max=Decimal("80"),
        in_stock_only=True,
    )
    preference.colours.add(ColourFactory(slug="black"))
    preference.materials.add(MaterialFactory(slug="linen"), MaterialFactory(slug="cotton"))
    preference.refresh_from_db()

    assert listing_params(preference) == {
        "colour": ["black"],
        "material": ["cotton", "linen"],
        "audience": ["women"],
        "price_max": ["80.00"],
        "in_stock": ["true"],
        "sort": ["newest"],
        "page_size": ["96"],
    }


def test_saved_preference_is_the_browsers_own_with_colours_and_materials_in_three_queries(
    django_assert_num_queries,
):
    mine = Preference.objects.create(owner_key="a" * 32, sort="name")
    mine.colours.add(ColourFactory(slug="red"))
    Preference.objects.create(owner_key="b" * 32, sort="newest")

    with django_assert_num_queries(3):
        found = saved_preference(request_for(**{OWNER_KEY: "a" * 32}))
        params = listing_params(found)

    assert found == mine
    assert params == {"colour": ["red"], "sort": ["name"]}


def test_saved_preference_of_a_logged_in_shopper_is_their_accounts():
    user = UserFactory()
    Preference.objects.create(owner_key="a" * 32, sort="name")
    own = Preference.objects.create(user=user, sort="newest")

    assert saved_preference(request_for(user, **{OWNER_KEY: "a" * 32})) == own


def test_a_browser_without_an_owner_key_has_no_preference_and_costs_no_query(
    django_assert_num_queries,
):
    Preference.objects.create(owner_key="a" * 32, sort="name")

    with django_assert_num_queries(0):
        assert saved_preference(request_for()) is None

"""The colours and materials a shopper's own events lean to, weighted as the shop's bands weigh
them: a view 1, a cart add 3, a purchase 5."""

from datetime import timedelta

import pytest
from django.utils import timezone

from personalization.models import Event
from preferences import suggestions
from preferences.suggestions import Noticed, noticed_tastes, tastes
from tests.factories import ColourFactory, EventFactory, ProductFactory, UserFactory
from tests.personalization.factories import visitor

VIEW, CART, BUY = "view", "cart_add", "purchase"


def row(kind, product, colour, material=100, category=7, department=1):
    return (kind, product, colour, material, category, department)


def test_nothing_browsed_notices_nothing():
    assert tastes([]) == Noticed()
    assert not Noticed()
    assert Noticed(colour_ids=(1,))


@pytest.mark.parametrize(
    ("rows", "colours"),
    [
        ([row(VIEW, 1, colour=10)], (10,)),
        ([row(VIEW, 1, 10), row(VIEW, 2, 10), row(VIEW, 3, 20)], (10, 20)),
        # One cart add (3) outweighs two views (2).
        ([row(VIEW, 1, 10), row(VIEW, 2, 10), row(CART, 3, 20)], (20, 10)),
        # A purchase (5) outweighs four views.
        ([*(row(VIEW, n, 10) for n in range(1, 5)), row(BUY, 9, 20)], (20, 10)),
        # Ties go to the lower id.
        ([row(VIEW, 1, 30), row(VIEW, 2, 20)], (20, 30)),
        # At most three colours.
        ([row(VIEW, n, 10 * n) for n in (1, 2, 3, 4)][::-1] + [row(VIEW, 5, 40)], (40, 10, 20)),
        # One view among eleven (under a tenth of the weight) is noise.
        ([*(row(VIEW, n, 10) for n in range(1, 11)), row(VIEW, 11, 20)], (10,)),
    ],
)
def test_colours_are_the_strongest_first(rows, colours):
    assert tastes(rows).colour_ids == colours


def test_a_purchase_counts_once_however_it_was_tracked():
    # Checkout records a purchase event; viewing the same product adds only its view.
    rows = [row(BUY, 1, 10), row(VIEW, 1, 10), *(row(VIEW, n, 20) for n in range(2, 7))]

    # 10: 5 + 1 = 6 against 20: 5 views.
    assert tastes(rows).colour_ids == (10, 20)


def test_materials_are_the_two_strongest():
    rows = [
        row(VIEW, 1, 10, material=7),
        row(VIEW, 2, 10, material=7),
        row(VIEW, 3, 10, material=8),
        row(VIEW, 4, 10, material=9),
    ]

    assert tastes(rows).material_ids == (7, 8)


def test_products_filed_directly_under_a_department_count_too():
    assert tastes([row(VIEW, 1, 10, department=None)]).colour_ids == (10,)


# --- Reading the visitor's own events -------------------------------------------------------


@pytest.mark.django_db
def test_a_visitor_without_keys_costs_no_query(django_assert_num_queries):
    EventFactory(session_key="")

    with django_assert_num_queries(0):
        assert noticed_tastes(visitor(session_key="")) == Noticed()


@pytest.mark.django_db
def test_an_anonymous_visitors_own_events_are_read_in_one_query(django_assert_num_queries):
    red, blue = ColourFactory(), ColourFactory()
    EventFactory(session_key="visit-a", product=ProductFactory(colour=red))
    EventFactory(session_key="visit-b", product=ProductFactory(colour=blue))
    EventFactory(session_key="visit-a", kind=Event.Kind.IMPRESSION, product=None)
    EventFactory(session_key="visit-a", kind=Event.Kind.CLICK, product=ProductFactory(colour=blue))

    with django_assert_num_queries(1):
        noticed = noticed_tastes(visitor(session_key="visit-a"))

    assert noticed.colour_ids == (red.pk,)


@pytest.mark.django_db
def test_a_logged_in_visitors_events_are_read_by_account_across_visits():
    user, red, blue = UserFactory(), ColourFactory(), ColourFactory()
    EventFactory(session_key="phone", user=user, product=ProductFactory(colour=red))
    EventFactory(
        session_key="laptop",
        user=user,
        kind=Event.Kind.CART_ADD,
        product=ProductFactory(colour=blue),
    )
    EventFactory(session_key="laptop", product=ProductFactory(colour=ColourFactory()))

    noticed = noticed_tastes(visitor(session_key="laptop", user=user))

    assert noticed.colour_ids == (blue.pk, red.pk)


@pytest.mark.django_db
def test_only_the_latest_events_are_read(monkeypatch):
    monkeypatch.setattr(suggestions, "LATEST_EVENTS", 2)
    old, new = ColourFactory(), ColourFactory()
    long_ago = timezone.now() - timedelta(days=30)
    for _ in range(3):
        EventFactory(session_key="visit-a", product=ProductFactory(colour=old), created_at=long_ago)
    for _ in range(2):
        EventFactory(session_key="visit-a", product=ProductFactory(colour=new))

    assert noticed_tastes(visitor(session_key="visit-a")).colour_ids == (new.pk,)

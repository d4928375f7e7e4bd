"""What the storefront records about a visitor, and when it records nothing."""

import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from personalization.models import Event, Placement
from personalization.visitors import OPTED_IN, PERSONALIZATION_OFF_KEY, VISIT_KEY
from shop.models import Order
from tests.factories import PASSWORD, ProductFactory, UserFactory, accept_tracking
from tests.personalization.factories import BandFactory, store

pytestmark = pytest.mark.django_db

CHECKOUT = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "address": "12 St James's Square\nLondon",
    "country": "GB",
}


@pytest.fixture
def client(client):
    """A browser whose shopper said yes on the first-visit notice. What is recorded before they
    answer (nothing) is tested in test_privacy.py."""
    return accept_tracking(client)


def add_to_cart(client, product, quantity=1, **kwargs):
    response = client.post(
        reverse("shop:cart-add", args=[product.pk]), {"quantity": quantity}, **kwargs
    )
    assert response.status_code == 302
    return response


def set_session(client, **values):
    session = client.session
    session.update(values)
    session.save()


def browse_and_buy(client, product, other, **kwargs):
    """Home, a product page, add two products to the cart, the cart, checkout: all 200/302."""
    assert client.get(reverse("shop:home"), **kwargs).status_code == 200
    assert client.get(product.get_absolute_url(), **kwargs).status_code == 200
    add_to_cart(client, product, 2, **kwargs)
    add_to_cart(client, other, **kwargs)
    assert client.get(reverse("shop:cart"), **kwargs).status_code == 200
    response = client.post(reverse("shop:checkout"), CHECKOUT, **kwargs)
    assert response.status_code == 302, response.content.decode()[:500]
    assert Order.objects.count() == 1


@pytest.fixture
def banded_pages():
    """Bands with results on every page a browse passes, so impressions would be recorded."""
    products = ProductFactory.create_batch(3)
    for placement in (Placement.HOME, Placement.PRODUCT, Placement.CART):
        band = BandFactory(placement=placement)
        store(band, [("", p, "Sold a lot") for p in products])
    return products


# --- What is recorded -------------------------------------------------------------------------


def test_product_page_view_records_one_view_event_with_visit_user_country_and_page(client):
    user = UserFactory(password=None)
    client.force_login(user)
    product = ProductFactory()

    response = client.get(product.get_absolute_url(), headers={"Accept-Language": "fr-FR,fr;q=0.8"})

    assert response.status_code == 200
    event = Event.objects.get()
    assert event.kind == Event.Kind.VIEW
    assert event.product == product
    assert event.user == user
    assert event.country == "FR"
    assert event.page == "product"
    assert event.quantity == 1
    assert event.band is None
    assert event.session_key == client.session[VISIT_KEY]
    assert len(event.session_key) == 32


def test_anonymous_views_share_one_visit_key_and_have_no_user(client):
    first, second = ProductFactory(), ProductFactory()

    client.get(first.get_absolute_url())
    client.get(second.get_absolute_url())

    events = list(Event.objects.order_by("pk"))
    assert [e.product for e in events] == [first, second]
    assert {e.session_key for e in events} == {client.session[VISIT_KEY]}
    assert all(e.user is None and e.country == "" for e in events)


def test_add_to_cart_records_cart_add_with_quantity(client):
    product = ProductFactory(stock=10)

    add_to_cart(client, product, 3, headers={"Accept-Language": "de-DE"})

    event = Event.objects.get()
    assert (event.kind, event.product, event.quantity, event.country) == (
        Event.Kind.CART_ADD,
        product,
        3,
        "DE",
    )


def test_checkout_records_a_purchase_event_per_line_with_quantities(client):
    tent, stove = ProductFactory(stock=5), ProductFactory(stock=5)
    add_to_cart(client, tent, 2)
    add_to_cart(client, stove, 1)

    response = client.post(reverse("shop:checkout"), CHECKOUT)

    assert response.status_code == 302
    order = Order.objects.get()
    purchases = Event.objects.filter(kind=Event.Kind.PURCHASE)
    assert {(e.product_id, e.quantity, e.page) for e in purchases} == {
        (tent.pk, 2, "checkout"),
        (stove.pk, 1, "checkout"),
    }
    assert {e.session_key for e in purchases} == {order.session_key}
    assert order.session_key == client.session[VISIT_KEY]


# --- When nothing is recorded -----------------------------------------------------------------


@pytest.mark.parametrize("header", ["Sec-GPC", "DNT"])
def test_refusal_header_means_no_events_over_a_whole_browse(client, banded_pages, header):
    product, other = banded_pages[0], ProductFactory()

    browse_and_buy(client, product, other, headers={header: "1"})

    assert not Event.objects.exists()
    assert VISIT_KEY not in client.session


def test_personalization_off_means_no_events_over_a_whole_browse(client, banded_pages):
    set_session(client, **{PERSONALIZATION_OFF_KEY: True})

    browse_and_buy(client, banded_pages[0], ProductFactory())

    assert not Event.objects.exists()


def test_same_browse_without_refusal_is_recorded(client, banded_pages):
    """The control for the two tests above: the browse does record when allowed."""
    browse_and_buy(client, banded_pages[0], ProductFactory())

    kinds = set(Event.objects.values_list("kind", flat=True))
    assert kinds == {
        Event.Kind.VIEW,
        Event.Kind.CART_ADD,
        Event.Kind.PURCHASE,
        Event.Kind.IMPRESSION,
    }


def test_tracking_opt_in_overrides_gpc(client):
    accept_tracking(client, OPTED_IN)
    product = ProductFactory()

    client.get(product.get_absolute_url(), headers={"Sec-GPC": "1"})

    assert Event.objects.filter(kind=Event.Kind.VIEW, product=product).count() == 1


def test_tracking_opt_in_does_not_override_personalization_off(client):
    accept_tracking(client, OPTED_IN)
    set_session(client, **{PERSONALIZATION_OFF_KEY: True})

    client.get(ProductFactory().get_absolute_url())

    assert not Event.objects.exists()


# --- Log-in -------------------------------------------------------------------------------------


def test_anonymous_history_joins_the_account_on_log_in(client):
    user = UserFactory()
    seen, later = ProductFactory(), ProductFactory()
    client.get(seen.get_absolute_url())
    visit_key = client.session[VISIT_KEY]

    response = client.post(reverse("shop:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    client.get(later.get_absolute_url())

    events = list(Event.objects.order_by("pk"))
    assert [(e.product, e.user) for e in events] == [(seen, user), (later, user)]
    assert {e.session_key for e in events} == {visit_key}


def test_log_in_does_not_claim_another_visitors_history(client):
    user = UserFactory()
    client.get(ProductFactory().get_absolute_url())
    stranger = accept_tracking(Client())
    stranger.get(ProductFactory().get_absolute_url())

    client.post(reverse("shop:login"), {"username": user.username, "password": PASSWORD})

    assert Event.objects.filter(user=user).count() == 1
    assert Event.objects.filter(user__isnull=True).count() == 1


# --- Failures never break a page ----------------------------------------------------------------


def refuse_event_inserts(execute, sql, params, many, context):
    if sql.lstrip().upper().startswith("INSERT") and '"personalization_event"' in sql:
        raise OperationalError("could not extend file: No space left on device")
    return execute(sql, params, many, context)


def test_database_error_while_tracking_does_not_break_the_product_page(client, banded_pages):
    product = banded_pages[0]

    with connection.execute_wrapper(refuse_event_inserts):
        response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    assert product.name in response.content.decode()
    assert [s.band.placement for s in response.context["bands"]] == [Placement.PRODUCT]
    assert not Event.objects.exists()


def test_database_error_while_tracking_does_not_break_cart_or_checkout(client, monkeypatch):
    product = ProductFactory(stock=4)

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Event.objects, "bulk_create", broken)
    add_to_cart(client, product, 2)
    response = client.post(reverse("shop:checkout"), CHECKOUT)

    assert response.status_code == 302
    assert Order.objects.get().lines.get().quantity == 2


# --- Impressions --------------------------------------------------------------------------------


def test_one_impression_per_band_shown_on_a_page(client):
    products = ProductFactory.create_batch(8)
    shown = [BandFactory(placement=Placement.HOME) for _ in range(2)]
    for band in shown:
        store(band, [("", p, "Popular") for p in products])
    BandFactory(placement=Placement.HOME)  # no results: not shown
    store(BandFactory(placement=Placement.HOME, is_enabled=False), [("", products[0], "x")])
    store(BandFactory(placement=Placement.PRODUCT), [("", products[0], "x")])

    response = client.get(reverse("shop:home"), headers={"Accept-Language": "nl-NL"})

    assert response.status_code == 200
    impressions = Event.objects.filter(kind=Event.Kind.IMPRESSION)
    assert sorted((e.band_id, e.page, e.product_id, e.country) for e in impressions) == sorted(
        (band.pk, "home", None, "NL") for band in shown
    )
    assert Event.objects.count() == 2


def test_no_impressions_when_tracking_is_refused(client):
    band = BandFactory(placement=Placement.HOME)
    store(band, [("", ProductFactory(), "Popular")])

    response = client.get(reverse("shop:home"), headers={"Sec-GPC": "1"})

    assert [s.band for s in response.context["bands"]] == [band]
    assert not Event.objects.exists()


# --- How events are written -------------------------------------------------------------------


def unsaved_events(product_id, count=2):
    return [
        {
            "kind": Event.Kind.VIEW,
            "session_key": "visit-a",
            "user_id": None,
            "product_id": product_id,
            "band_id": None,
            "country": "GB",
            "page": "product",
            "quantity": 1,
            "created_at": timezone.now(),
        }
        for _ in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_events_outside_a_transaction_are_written_in_one_round_trip(require_postgres):
    product = ProductFactory()
    with CaptureQueriesContext(connection) as queries:
        Event.objects.record(unsaved_events(product.pk, 3))

    assert len(queries) == 1
    assert (
        list(Event.objects.values_list("session_key", "product_id", "country"))
        == [("visit-a", product.pk, "GB")] * 3
    )


@pytest.mark.django_db(transaction=True)
def test_a_refused_write_stores_nothing_and_leaves_the_connection_usable(require_postgres):
    product = ProductFactory()

    with pytest.raises(IntegrityError):
        Event.objects.record(unsaved_events(product.pk) + unsaved_events(product.pk + 1000))

    assert not connection.in_atomic_block
    assert Event.objects.count() == 0
    Event.objects.record(unsaved_events(product.pk))
    assert Event.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_product_page_writes_its_view_and_impressions_in_one_statement(
    require_postgres, banded_pages
):
    client = accept_tracking(Client())
    client.get(reverse("shop:home"))
    Event.objects.all().delete()

    with CaptureQueriesContext(connection) as queries:
        assert client.get(banded_pages[0].get_absolute_url()).status_code == 200

    writes = [q["sql"] for q in queries if "INSERT INTO personalization_event" in q["sql"]]
    assert len(writes) == 1
    assert sorted(Event.objects.values_list("kind", flat=True)) == ["impression", "view"]

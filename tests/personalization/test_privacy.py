"""Consent, the personalization switch, the country, export and deletion: what the shopper
controls about what the shop knows."""

import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from personalization.models import BandResult, Event, Placement
from personalization.visitors import (
    CONSENT_COOKIE,
    CONSENT_KEY,
    COUNTRY_KEY,
    PERSONALIZATION_OFF_KEY,
    VISIT_KEY,
)
from preferences.models import (
    HiddenProduct,
    Notification,
    Preference,
    ProductChange,
    SavedSearch,
    Subscription,
)
from shop.models import Order, Shopper
from tests.factories import (
    PASSWORD,
    OrderFactory,
    ProductFactory,
    ShopperFactory,
    UserFactory,
    accept_tracking,
)
from tests.personalization.factories import BandFactory, store

pytestmark = pytest.mark.django_db

CONSENT = reverse("personalization:consent")
SWITCH = reverse("personalization:switch")
EXPORT = reverse("personalization:export")
DELETE = reverse("personalization:delete")
YOUR_SHOP = reverse("personalization:your-shop")


def view(client, product, **kwargs):
    assert client.get(product.get_absolute_url(), **kwargs).status_code == 200


# --- Consent ------------------------------------------------------------------------------------


def test_first_visit_shows_the_notice_and_records_nothing_until_accepted(client):
    product = ProductFactory()

    response = client.get(reverse("shop:home"))
    view(client, product)

    assert b'class="consent-notice"' in response.content
    assert not Event.objects.exists()
    assert VISIT_KEY not in client.session
    assert CONSENT_KEY not in client.session


def test_cart_works_before_consent_and_stores_no_tracking(client):
    product = ProductFactory(stock=5)

    response = client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 2})

    assert response.status_code == 302
    assert client.get(reverse("shop:cart")).context["lines"][0].quantity == 2
    assert not Event.objects.exists()
    assert VISIT_KEY not in client.session


def test_accepting_on_the_notice_starts_tracking_and_hides_the_notice(client):
    product = ProductFactory()

    response = client.post(CONSENT, {"choice": "accept", "next": "/"})
    view(client, product)

    assert response.status_code == 302 and response["Location"] == "/"
    assert Event.objects.filter(kind=Event.Kind.VIEW, product=product).count() == 1
    assert b'class="consent-notice"' not in client.get("/").content


def test_refusing_on_the_notice_records_nothing_and_hides_the_notice(client):
    client.post(CONSENT, {"choice": "refuse"})
    view(client, ProductFactory())

    assert not Event.objects.exists()
    assert b'class="consent-notice"' not in client.get("/").content


@pytest.mark.parametrize("value", ["accepted", "accepted:forged", "", "yes", "x" * 500])
def test_a_tampered_consent_cookie_counts_as_undecided(client, value):
    client.cookies[CONSENT_COOKIE] = value

    response = client.get("/")
    view(client, ProductFactory())

    assert response.status_code == 200
    assert b'class="consent-notice"' in response.content
    assert not Event.objects.exists()


@pytest.mark.parametrize("choice", ["", "maybe", "accepted"])
def test_an_unknown_consent_choice_is_refused_clearly_and_changes_nothing(client, choice):
    response = client.post(CONSENT, {"choice": choice}, follow=True)

    assert response.status_code == 200
    assert "Choose to accept or refuse tracking." in response.content.decode()
    assert CONSENT_COOKIE not in client.cookies or not client.cookies[CONSENT_COOKIE].value


def test_consent_needs_a_post_with_csrf():
    client = Client(enforce_csrf_checks=True)

    assert client.get(CONSENT).status_code == 405
    assert client.post(CONSENT, {"choice": "accept"}).status_code == 403


@pytest.mark.parametrize("header", ["Sec-GPC", "DNT"])
def test_gpc_refuses_even_after_accepting_and_hides_the_notice(client, header):
    accept_tracking(client)

    response = client.get("/", headers={header: "1"})
    view(client, ProductFactory(), headers={header: "1"})

    assert b'class="consent-notice"' not in response.content
    assert not Event.objects.exists()


def test_opting_in_despite_gpc_tracks(client):
    client.post(CONSENT, {"choice": "opt-in"}, headers={"Sec-GPC": "1"})
    view(client, ProductFactory(), headers={"Sec-GPC": "1"})

    assert Event.objects.count() == 1


def test_a_logged_in_shoppers_consent_follows_them_to_another_browser():
    user = UserFactory()
    ShopperFactory(user=user)
    first = Client()
    first.login(username=user.username, password=PASSWORD)
    first.post(CONSENT, {"choice": "accept"})
    assert Shopper.objects.get(user=user).tracking_consent == "accepted"

    second = Client()
    second.post(reverse("shop:login"), {"username": user.username, "password": PASSWORD})
    view(second, ProductFactory())

    assert Event.objects.filter(user=user).count() == 1
    assert b'class="consent-notice"' not in second.get("/").content


# --- The personalization switch -----------------------------------------------------------------


@pytest.fixture
def home_bands():
    """A personal band falling back to best sellers, with results for one shopper."""
    products = ProductFactory.create_batch(4, stock=5)
    best = BandFactory(title="Best sellers", slug="best", placement=Placement.ACCOUNT)
    store(best, [("", p, "Sold a lot") for p in products[:2]])
    personal = BandFactory(
        title="Recommended for you", slug="for-you", algorithm="for_you", fallback=best
    )
    return personal, products


def titles(response):
    return [shown.title for shown in response.context["bands"]]


def test_switching_off_shows_non_personal_bands_and_records_nothing_then_on_resumes(
    client, home_bands
):
    personal, products = home_bands
    user = UserFactory()
    store(personal, [(f"visitor:u{user.pk}", products[3], "Because you viewed it")])
    client.force_login(user)
    accept_tracking(client)
    assert titles(client.get("/")) == ["Recommended for you"]

    client.post(SWITCH, {"personalization": "off"})
    Event.objects.all().delete()
    off = client.get("/")
    for product in products:
        view(client, product)
    client.get(reverse("shop:products") + "?sort=recommended")

    assert titles(off) == ["Best sellers"]
    assert not Event.objects.exists()
    assert Shopper.objects.get(user=user).personalization_off
    listing = client.get(reverse("shop:products"))
    assert "recommended" not in [key for key, _ in listing.context["listing"].sort_options]

    client.post(SWITCH, {"personalization": "on"})
    assert titles(client.get("/")) == ["Recommended for you"]
    view(client, products[0])
    assert Event.objects.filter(kind=Event.Kind.VIEW).count() == 1


def test_opt_out_records_zero_events_over_a_whole_browsing_session(client, home_bands):
    _, products = home_bands
    accept_tracking(client)
    client.post(SWITCH, {"personalization": "off"})

    client.get("/")
    for product in products:
        view(client, product)
        client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})
    client.get(reverse("shop:cart"))
    client.get(reverse("shop:products") + "?colour=red&sort=price")
    client.get(YOUR_SHOP)
    client.post(
        reverse("shop:checkout"),
        {"full_name": "A B", "email": "a@example.com", "address": "1 Road", "country": "GB"},
    )

    assert Order.objects.count() == 1
    assert Event.objects.count() == 0


def test_an_unknown_switch_value_is_refused_clearly(client):
    response = client.post(SWITCH, {"personalization": "sideways"}, follow=True)

    assert response.status_code == 200
    assert "Choose to switch personalization on or off." in response.content.decode()
    assert PERSONALIZATION_OFF_KEY not in client.session


# --- Country ------------------------------------------------------------------------------------


def test_a_chosen_country_wins_over_the_language_guess_and_is_labelled(client):
    guessed = client.get(YOUR_SHOP, headers={"Accept-Language": "fr-FR"}).content.decode()
    client.post(reverse("personalization:country"), {"country": "GB"})
    chosen = client.get(YOUR_SHOP, headers={"Accept-Language": "fr-FR"}).content.decode()

    assert "France: a guess from your browser" in guessed
    assert "United Kingdom: you chose it" in chosen
    assert client.session[COUNTRY_KEY] == "GB"


def test_the_country_drives_the_currency_shown_approximately(client):
    ProductFactory(price=Decimal("100.00"), stock=3)
    products = reverse("shop:products")

    euros = client.get(products, headers={"Accept-Language": "de-DE"}).content.decode()
    client.post(reverse("personalization:country"), {"country": "GB"})
    pounds = client.get(products, headers={"Accept-Language": "de-DE"}).content.decode()

    assert "approx." not in euros
    assert "≈ £85 approx." in pounds


@pytest.mark.parametrize("code", ["XX", "france", "<script>", "G" * 300])
def test_an_unknown_country_is_a_clear_form_error_and_changes_nothing(client, code):
    client.post(reverse("personalization:country"), {"country": "GB"})

    response = client.post(reverse("personalization:country"), {"country": code}, follow=True)

    assert response.status_code == 200
    assert "We don’t know that country" in response.content.decode()
    assert client.session[COUNTRY_KEY] == "GB"


# --- Export -------------------------------------------------------------------------------------


def shopper_with_everything(client):
    """A logged-in shopper who browsed, hid, saved, followed, was notified and ordered."""
    user = UserFactory()
    ShopperFactory(user=user, country="GB")
    client.force_login(user)
    accept_tracking(client)
    products = ProductFactory.create_batch(3, stock=5)
    for product in products:
        view(client, product)
    client.post(reverse("preferences:not-interested", args=[products[0].pk]))
    Preference.objects.create(user=user, sort="price")
    search = SavedSearch.objects.create(user=user, name="Red things", query="colour=red")
    Subscription.objects.create(user=user, kind="price_drop", product=products[1])
    Subscription.objects.create(user=user, kind="search", search=search)
    change = ProductChange.objects.create(product=products[1], new_price=1, new_stock=1)
    Notification.objects.create(user=user, change=change, reason="price_drop", title="Cheaper")
    order = OrderFactory(user=user, session_key=client.session[VISIT_KEY])
    return user, products, order


def test_export_is_a_json_download_of_everything_the_shopper_has(client):
    user, products, order = shopper_with_everything(client)

    response = client.get(EXPORT)
    data = json.loads(response.content)

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="tailor-my-data-')
    assert data["account"]["username"] == user.username
    assert [e["product_id"] for e in data["tracked"]["events"]] == [p.pk for p in products]
    assert data["choices"]["hidden_products"][0]["product_id"] == products[0].pk
    assert data["choices"]["preferences"]["sort"] == "price"
    assert [s["name"] for s in data["choices"]["saved_searches"]] == ["Red things"]
    assert len(data["choices"]["subscriptions"]) == 2
    assert [n["title"] for n in data["notifications"]] == ["Cheaper"]
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["choices"]["tracking_consent"] == "accepted"


def test_export_holds_nothing_of_anyone_else_whatever_the_request_says(client):
    other_client = Client()
    other, other_products, _ = shopper_with_everything(other_client)
    me = UserFactory()
    client.force_login(me)

    response = client.get(EXPORT, {"user": other.pk, "user_id": other.pk, "owner_key": "x"})
    text = response.content.decode()
    data = json.loads(text)

    assert response.status_code == 200
    assert data["account"]["username"] == me.username
    assert data["tracked"]["events"] == [] and data["orders"] == []
    assert data["choices"]["saved_searches"] == [] and data["choices"]["subscriptions"] == []
    assert other.username not in text and "Red things" not in text


def test_an_anonymous_visitor_with_nothing_exports_empty_lists(client):
    data = json.loads(client.get(EXPORT).content)

    assert data["account"] is None
    assert data["tracked"]["events"] == []
    assert data["choices"]["tracking_consent"] == "undecided"


# --- Delete -------------------------------------------------------------------------------------


def test_delete_asks_for_confirmation_first(client):
    user, _, _ = shopper_with_everything(client)

    assert "Yes, delete my data" in client.get(DELETE).content.decode()
    response = client.post(DELETE, {})

    assert response.status_code == 400
    assert Event.objects.filter(user=user).exists()


def test_deletion_leaves_nothing_personal_in_the_database_the_cache_or_any_band(client):
    user, products, order = shopper_with_everything(client)
    visit_key = client.session[VISIT_KEY]
    personal = BandFactory(slug="for-you", title="For you", algorithm="for_you")
    store(personal, [(f"visitor:u{user.pk}", products[2], "Because you viewed it")])
    recent = BandFactory(slug="recent", title="Recently viewed", algorithm="recently_viewed")
    assert {s.band.slug for s in client.get("/").context["bands"]} >= {"for-you", "recent"}
    cached = f"band:{personal.pk}:v{personal.current_version}:visitor:u{user.pk}"
    assert cache.get(cached) is not None

    response = client.post(DELETE, {"confirm": "yes"}, follow=True)

    assert "Deleted everything the shop knew about you" in response.content.decode()
    assert "Tracking is still allowed" in response.content.decode()
    assert not Event.objects.filter(user=user).exists()
    assert not Event.objects.filter(session_key=visit_key).exists()
    assert not BandResult.objects.filter(context__endswith=f"u{user.pk}").exists()
    assert cache.get(cached) is None
    for model in (HiddenProduct, Preference, SavedSearch, Subscription, Notification):
        assert not model.objects.filter(user=user).exists(), model
    order.refresh_from_db()
    assert order.user is None and order.session_key == ""
    assert Shopper.objects.get(user=user).country == ""
    assert VISIT_KEY not in client.session
    # Nothing personal in any band on any page now.
    home = client.get("/")
    assert not [s for s in home.context["bands"] if s.band.pk in (personal.pk, recent.pk)]
    assert not client.get(reverse("shop:orders")).context["page_obj"].object_list
    assert recent.pk and personal.pk  # both still exist: only the shopper's rows went
    assert BandResult.objects.filter(band=personal).count() == 0


def test_deleting_twice_is_harmless_and_says_so(client):
    shopper_with_everything(client)
    client.post(DELETE, {"confirm": "yes"})

    response = client.post(DELETE, {"confirm": "yes"}, follow=True)

    assert response.status_code == 200
    assert "There was nothing left to delete." in response.content.decode()


def test_deleting_touches_nobody_else_whatever_the_request_says(client):
    other_client = Client()
    other, _, other_order = shopper_with_everything(other_client)
    before = Event.objects.filter(user=other).count()
    me = UserFactory()
    client.force_login(me)

    client.post(DELETE, {"confirm": "yes", "user": other.pk, "user_id": other.pk})

    assert Event.objects.filter(user=other).count() == before > 0
    assert SavedSearch.objects.filter(user=other).count() == 1
    other_order.refresh_from_db()
    assert other_order.user == other


def test_delete_needs_csrf():
    client = Client(enforce_csrf_checks=True)

    assert client.post(DELETE, {"confirm": "yes"}).status_code == 403


# --- Your shop ------------------------------------------------------------------------------------


def test_your_shop_shows_both_columns_from_the_shoppers_own_data(client):
    shopper_with_everything(client)

    page = client.get(YOUR_SHOP).content.decode()

    assert "What the shop inferred" in page and "What you told the shop" in page
    assert "Red things" in page
    assert "Show it again" in page
    assert "The shop <strong>noticed</strong>" in page
    assert (
        "What you <strong>told</strong> it — your listing preferences, 1 saved search, "
        "2 things you follow, 1 product you don’t want, your ship-to country — is "
        "<em>customization</em>"
    ) in page


def test_your_shop_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    shopper_with_everything(client)
    client.get(YOUR_SHOP)
    cache.clear()

    # Session, user, the profile's events, the latest views (lifecycle), bands, preferences with
    # colours and materials, searches, follows, hidden products, unread count, navigation: 13.
    with django_assert_max_num_queries(13):
        assert client.get(YOUR_SHOP).status_code == 200
    products = ProductFactory.create_batch(5, stock=5)
    for product in products:
        view(client, product)
        client.post(reverse("preferences:not-interested", args=[product.pk]))
    cache.clear()
    with django_assert_max_num_queries(13):
        assert client.get(YOUR_SHOP).status_code == 200


def test_hidden_products_leave_the_shoppers_bands_from_then_on(client):
    products = ProductFactory.create_batch(3, stock=5)
    band = BandFactory(placement=Placement.HOME)
    store(band, [("", p, "Sold a lot") for p in products])

    response = client.post(
        reverse("preferences:not-interested", args=[products[0].pk]),
        headers={"HX-Request": "true"},
    )
    shown = client.get("/").context["bands"][0]

    assert response.status_code == 200 and response.content == b""
    assert [item.card.pk for item in shown.items] == [p.pk for p in products[1:]]
    assert [item.card.pk for item in Client().get("/").context["bands"][0].items] == [
        p.pk for p in products
    ]


def test_not_interested_in_an_unknown_product_is_a_404(client):
    response = client.post(reverse("preferences:not-interested", args=[999999]))

    assert response.status_code == 404
    assert not HiddenProduct.objects.exists()


def test_the_personalization_switch_follows_a_logged_in_shopper_to_another_browser():
    user = UserFactory()
    ShopperFactory(user=user)
    first = Client()
    first.login(username=user.username, password=PASSWORD)
    first.post(SWITCH, {"personalization": "off"})

    second = Client()
    second.post(reverse("shop:login"), {"username": user.username, "password": PASSWORD})

    assert "Personalization: off" in second.get(YOUR_SHOP).content.decode()


@pytest.mark.parametrize(
    "header", ["", "xx-XX", "en-ZZ", "fr-FR" * 200, ";;;,,,", "de-DE;q=abc", "zh-Hant-TW"]
)
def test_any_accept_language_gives_a_page_and_only_a_known_country(client, header):
    response = client.get(YOUR_SHOP, headers={"Accept-Language": header})

    assert response.status_code == 200
    assert response.wsgi_request.visitor.country in ("", "FR", "DE", "TW")

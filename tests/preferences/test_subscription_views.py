"""Following and unfollowing from the shop's pages (htmx or plain forms), switching and deleting
subscriptions, and unsubscribing from an e-mail link; bad input changes nothing."""

from decimal import Decimal as D
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.test import Client
from django.urls import reverse

from preferences import subscriptions
from preferences.models import DeliverySetting, Email, SavedSearch, Subscription, Topic
from preferences.unsubscribe import SALT, Target, token_for
from tests.factories import PASSWORD, BrandFactory, CategoryFactory, ProductFactory, UserFactory
from tests.preferences.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db
Kind = Subscription.Kind
FOLLOW = reverse("preferences:follow")
UNFOLLOW = reverse("preferences:unfollow")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tent():
    return ProductFactory(name="Ridge tent", slug="ridge-tent", price=D("50.00"))


@pytest.fixture
def ada():
    return UserFactory(username="ada")


@pytest.fixture
def shopper(ada):
    client = Client()
    client.force_login(ada)
    return client


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def follow_data(thing, kind=Kind.PRICE_DROP, **extra):
    return {"kind": kind, "target": thing.pk, "next": "/p/ridge-tent/", **extra}


# --- Following --------------------------------------------------------------------------------


def test_a_shopper_follows_a_product_and_comes_back_to_its_page(shopper, ada, tent):
    response = shopper.post(FOLLOW, follow_data(tent))

    assert response.status_code == 302
    assert response["Location"] == "/p/ridge-tent/"
    assert messages_of(response) == ["You’ll hear when Ridge tent gets cheaper."]
    subscription = Subscription.objects.get()
    assert (subscription.user, subscription.kind, subscription.product, subscription.is_active) == (
        ada,
        "price_drop",
        tent,
        True,
    )


def test_following_twice_keeps_one_subscription(shopper, tent):
    shopper.post(FOLLOW, follow_data(tent))
    shopper.post(FOLLOW, follow_data(tent))

    assert Subscription.objects.count() == 1


def test_htmx_follow_swaps_in_the_panel_showing_it(shopper, tent):
    response = shopper.post(FOLLOW, follow_data(tent), **HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="follow-product-' in page
    assert "✓ Following: price drops" in page
    assert "Follow: back in stock" in page
    assert "You’ll hear when Ridge tent gets cheaper." in page


@pytest.mark.parametrize(
    ("kind", "target", "promise"),
    [
        (Kind.BRAND, "brand", "You’ll hear about new arrivals from Trailhead."),
        (Kind.CATEGORY, "category", "You’ll hear about new arrivals in Tents."),
        (Kind.SEARCH, "search", "You’ll hear about new products matching “Cheap tents”."),
    ],
)
def test_a_shopper_follows_brands_categories_and_their_saved_searches(
    shopper, ada, kind, target, promise
):
    thing = {
        "brand": lambda: BrandFactory(name="Trailhead"),
        "category": lambda: CategoryFactory(name="Tents"),
        "search": lambda: SavedSearch.objects.create(user=ada, name="Cheap tents", query="q=tent"),
    }[target]()

    response = shopper.post(FOLLOW, {"kind": kind, "target": thing.pk})

    assert response["Location"] == thing.get_absolute_url()
    assert messages_of(response) == [promise]
    assert getattr(Subscription.objects.get(kind=kind), target) == thing


def test_a_price_to_watch_for_is_stored_and_can_be_changed(shopper, tent):
    shopper.post(FOLLOW, follow_data(tent, Kind.PRICE_BELOW, price_below="45"))
    response = shopper.post(FOLLOW, follow_data(tent, Kind.PRICE_BELOW, price_below="39.90"))

    assert messages_of(response)[-1] == "You’ll hear when Ridge tent drops below €39.90."
    assert list(Subscription.objects.values_list("kind", "price_below")) == [
        ("price_below", D("39.90"))
    ]


@pytest.mark.parametrize(
    ("price", "error"),
    [
        ("", "Name the price to watch for."),
        ("0", "Enter a price above zero."),
        ("-5", "Enter a price above zero."),
        ("abc", "Enter the price as a number, like 40 or 39.99."),
        ("NaN", "Enter the price as a number, like 40 or 39.99."),
        ("12.345", "Use at most two decimals."),
        ("99999999999", "That is more than any price here."),
        ("50.01", "It costs €50.00 now: name a price at or below that."),
    ],
)
def test_a_price_that_is_not_a_positive_number_below_todays_is_refused(shopper, tent, price, error):
    response = shopper.post(FOLLOW, follow_data(tent, Kind.PRICE_BELOW, price_below=price))

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Subscription.objects.exists()
    htmx = shopper.post(FOLLOW, follow_data(tent, Kind.PRICE_BELOW, price_below=price), **HTMX)
    assert htmx.status_code == 200
    assert error in htmx.content.decode()
    assert 'role="alert"' in htmx.content.decode()
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        (
            {"kind": "price_drop", "target": "999999"},
            404,
            "That product doesn’t exist or isn’t for sale any more.",
        ),
        ({"kind": "brand", "target": "999999"}, 404, "That brand doesn’t exist."),
        ({"kind": "category", "target": "999999"}, 404, "That category doesn’t exist."),
        ({"kind": "search", "target": "999999"}, 404, "You have no such saved search."),
        ({"kind": "everything", "target": "1"}, 400, "There is no such way to follow something"),
        ({"kind": "price_drop", "target": "abc"}, 400, "Say what to follow."),
        ({"kind": "price_drop", "target": "-1"}, 400, "Say what to follow."),
        ({"kind": "price_drop", "target": "9" * 30}, 400, "Say what to follow."),
        ({}, 400, "Say what to follow."),
    ],
)
def test_following_what_does_not_exist_says_so_and_changes_nothing(shopper, data, status, error):
    response = shopper.post(FOLLOW, data)

    assert response.status_code == status
    assert error in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_withdrawn_product_or_another_shoppers_search_cannot_be_followed(shopper, tent):
    hidden = ProductFactory(is_active=False)
    theirs = SavedSearch.objects.create(user=UserFactory(), name="Theirs", query="")

    assert shopper.post(FOLLOW, follow_data(hidden)).status_code == 404
    assert shopper.post(FOLLOW, {"kind": "search", "target": theirs.pk}).status_code == 404
    assert not Subscription.objects.exists()


def test_too_many_subscriptions_are_refused_with_a_message(shopper, tent, monkeypatch):
    monkeypatch.setattr(subscriptions, "MAX_SUBSCRIPTIONS", 1)
    shopper.post(FOLLOW, follow_data(tent))

    response = shopper.post(FOLLOW, follow_data(tent, Kind.BACK_IN_STOCK))

    assert response.status_code == 400
    assert "You follow 1 things already" in response.content.decode()
    assert Subscription.objects.count() == 1


# --- Anonymous shoppers -----------------------------------------------------------------------


def test_an_anonymous_follow_asks_to_log_in_and_comes_back_to_the_same_action(client, ada, tent):
    response = client.post(FOLLOW, follow_data(tent, Kind.PRICE_BELOW, price_below="40"))

    assert not Subscription.objects.exists()
    login = urlsplit(response["Location"])
    assert login.path == reverse("shop:login")
    back = parse_qs(login.query)["next"][0]
    assert urlsplit(back).path == FOLLOW
    assert parse_qs(urlsplit(back).query) == {
        "kind": ["price_below"],
        "target": [str(tent.pk)],
        "price_below": ["40"],
        "next": ["/p/ridge-tent/"],
    }

    confirm = client.post(
        reverse("shop:login"), {"username": "ada", "password": PASSWORD, "next": back}, follow=True
    )
    page = confirm.content.decode()
    assert confirm.redirect_chain[-1][0] == back
    assert "Follow Ridge tent" in page
    assert 'value="40"' in page
    assert not Subscription.objects.exists()  # a GET changes nothing

    done = client.post(FOLLOW, follow_data(tent, Kind.PRICE_BELOW, price_below="40"))
    assert done["Location"] == "/p/ridge-tent/"
    assert Subscription.objects.get().price_below == D("40")


def test_an_anonymous_htmx_follow_redirects_the_whole_page_to_log_in(client, tent):
    response = client.post(FOLLOW, follow_data(tent), **HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("shop:login") + "?next=")


def test_the_confirmation_page_says_when_already_following(shopper, tent):
    shopper.post(FOLLOW, follow_data(tent))

    response = shopper.get(FOLLOW, follow_data(tent))

    assert response.status_code == 200
    assert "You already follow Ridge tent for price drops." in response.content.decode()


# --- Unfollowing, switching, deleting ---------------------------------------------------------


def test_unfollowing_removes_the_subscription(shopper, tent):
    shopper.post(FOLLOW, follow_data(tent))

    response = shopper.post(UNFOLLOW, follow_data(tent))

    assert messages_of(response)[-1] == "You no longer follow Ridge tent (price drops)."
    assert not Subscription.objects.exists()
    again = shopper.post(UNFOLLOW, follow_data(tent), **HTMX)
    assert "You weren’t following Ridge tent for that." in again.content.decode()
    assert "Follow: price drops" in again.content.decode()


def test_a_subscription_is_switched_off_and_on(shopper, ada, tent):
    subscription = SubscriptionFactory(user=ada, product=tent)
    url = reverse("preferences:switch-subscription", args=[subscription.pk])

    shopper.post(url, {"active": "off"})
    assert not Subscription.objects.get().is_active
    response = shopper.post(url, {"active": "on"})
    assert Subscription.objects.get().is_active
    assert messages_of(response)[-1] == "Notifications about Ridge tent are on."


@pytest.mark.parametrize("value", ["", "maybe", "ON", "1"])
def test_a_switch_to_anything_but_on_or_off_is_refused(shopper, ada, tent, value):
    subscription = SubscriptionFactory(user=ada, product=tent)

    response = shopper.post(
        reverse("preferences:switch-subscription", args=[subscription.pk]), {"active": value}
    )

    assert response.status_code == 400
    assert "Say on or off." in response.content.decode()
    assert Subscription.objects.get().is_active


def test_a_subscription_is_deleted_by_its_owner(shopper, ada, tent):
    subscription = SubscriptionFactory(user=ada, product=tent)

    response = shopper.post(reverse("preferences:delete-subscription", args=[subscription.pk]))

    assert messages_of(response) == ["You no longer follow Ridge tent."]
    assert not Subscription.objects.exists()


# --- Owners only, POST only, CSRF -------------------------------------------------------------


def test_other_shoppers_subscriptions_and_notifications_are_not_found(shopper, tent):
    from tests.preferences.factories import ProductChangeFactory

    theirs = SubscriptionFactory(product=tent)
    notification = theirs.user.notifications.create(
        change=ProductChangeFactory(product=tent),
        subscription=theirs,
        reason="price_drop",
        title="Theirs",
    )
    posts = [
        (reverse("preferences:switch-subscription", args=[theirs.pk]), {"active": "off"}),
        (reverse("preferences:delete-subscription", args=[theirs.pk]), {}),
        (reverse("preferences:mark-read", args=[notification.pk]), {}),
    ]

    for url, data in posts:
        assert shopper.post(url, data).status_code == 404, url
    theirs.refresh_from_db()
    notification.refresh_from_db()
    assert theirs.is_active and notification.read_at is None
    assert theirs.user.subscriptions.count() == 1


@pytest.mark.parametrize("name", ["unfollow", "mark-all-read", "pause"])
def test_state_changes_refuse_get(shopper, name):
    assert shopper.get(reverse(f"preferences:{name}")).status_code == 405


@pytest.mark.parametrize("name", ["switch-subscription", "delete-subscription", "mark-read"])
def test_state_changes_of_one_row_refuse_get(shopper, name):
    assert shopper.get(reverse(f"preferences:{name}", args=[1])).status_code == 405


def test_a_follow_without_the_csrf_token_is_refused(ada, tent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)

    response = client.post(FOLLOW, follow_data(tent))

    assert response.status_code == 403
    assert not Subscription.objects.exists()


# --- Unsubscribing from an e-mail -------------------------------------------------------------


@pytest.fixture
def followed(ada, tent):
    return SubscriptionFactory(user=ada, product=tent)


def unsubscribe_url(token):
    return reverse("preferences:unsubscribe", args=[token])


def test_the_unsubscribe_link_asks_first_and_a_get_changes_nothing(client, followed):
    response = client.get(unsubscribe_url(token_for(Target(followed.user_id, followed.pk))))

    assert response.status_code == 200
    assert (
        "Stop notifications about <strong>Ridge tent</strong> (any price drop)?"
        in response.content.decode()
    )
    assert Subscription.objects.get().is_active


def test_one_click_unsubscribes_without_logging_in_or_a_csrf_token(followed):
    client = Client(enforce_csrf_checks=True)
    url = unsubscribe_url(token_for(Target(followed.user_id, followed.pk)))

    response = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You won’t hear about Ridge tent (any price drop) any more." in response.content.decode()
    assert not Subscription.objects.get().is_active
    again = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert "were already off" in again.content.decode()


def test_a_digest_link_stops_daily_digests_only(ada):
    DeliverySetting.objects.create(user=ada, topic=Topic.PRICE, inbox=True, email=Email.DAILY)

    Client().post(unsubscribe_url(token_for(Target(ada.pk))))

    assert dict(DeliverySetting.objects.values_list("topic", "email")) == {
        "price": "off",
        "arrivals": "off",
        "searches": "off",
    }
    assert set(DeliverySetting.objects.values_list("inbox", flat=True)) == {True}


def tampered(token):
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize(
    "make",
    [
        lambda f: tampered(token_for(Target(f.user_id, f.pk))),
        lambda f: token_for(Target(f.user_id, f.pk)).replace(":", "", 1),
        lambda f: signing.TimestampSigner(salt="another.salt").sign_object(
            {"u": f.user_id, "s": f.pk}
        ),
        lambda f: signing.TimestampSigner(salt=SALT).sign_object({"u": "x", "s": f.pk}),
        lambda f: signing.TimestampSigner(salt=SALT).sign_object([f.user_id, f.pk]),
        lambda f: "not-a-token",
    ],
)
def test_a_forged_or_damaged_link_is_refused_and_changes_nothing(client, followed, make):
    response = client.post(unsubscribe_url(make(followed)))

    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert Subscription.objects.get().is_active


def test_a_link_for_one_subscription_cannot_stop_another(client, ada, followed):
    other = SubscriptionFactory(user=ada, kind=Kind.BACK_IN_STOCK, product=followed.product)
    token = token_for(Target(ada.pk, followed.pk))
    forged = token_for(Target(UserFactory().pk, other.pk))

    client.post(unsubscribe_url(token))
    response = client.post(unsubscribe_url(forged))

    assert "Nothing left to stop" in response.content.decode()
    assert dict(Subscription.objects.values_list("pk", "is_active")) == {
        followed.pk: False,
        other.pk: True,
    }


def test_an_expired_link_is_refused(client, followed, settings, monkeypatch):
    token = token_for(Target(followed.user_id, followed.pk))
    later = signing.time.time() + (settings.TAILOR_UNSUBSCRIBE_DAYS + 1) * 86400
    monkeypatch.setattr(signing.time, "time", lambda: later)

    response = client.post(unsubscribe_url(token))

    assert response.status_code == 400
    assert "This unsubscribe link has expired." in response.content.decode()
    assert Subscription.objects.get().is_active

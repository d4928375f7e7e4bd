"""The inbox (newest first, mark read), the header's unread count, the notification settings
page, and the follow buttons on the shop's pages — each in a fixed number of queries."""

from decimal import Decimal as D

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from preferences.models import (
    DeliverySetting,
    Notification,
    NotificationSettings,
    SavedSearch,
    Subscription,
)
from tests.factories import ProductFactory, UserFactory
from tests.preferences.factories import ProductChangeFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
INBOX = reverse("preferences:inbox")
SETTINGS = reverse("preferences:settings")
Kind = Subscription.Kind


@pytest.fixture
def ada():
    return UserFactory(username="ada")


@pytest.fixture
def shopper(ada):
    client = Client()
    client.force_login(ada)
    return client


def notify(user, title, product=None, **fields):
    change = ProductChangeFactory(product=product or ProductFactory())
    return Notification.objects.create(
        user=user, change=change, reason="price_drop", title=title, **fields
    )


def titles(response):
    return [n.title for n in response.context["page_obj"]]


# --- Inbox ------------------------------------------------------------------------------------


def test_the_inbox_lists_the_shoppers_notifications_newest_first(shopper, ada):
    tent = ProductFactory(slug="ridge-tent")
    notify(ada, "Older", product=tent)
    notify(ada, "Newer")
    notify(ada, "E-mail only", in_inbox=False)
    notify(UserFactory(), "Someone else's")

    response = shopper.get(INBOX)

    assert response.status_code == 200
    assert titles(response) == ["Newer", "Older"]
    assert '<a href="/p/ridge-tent/">Older</a>' in response.content.decode()


def test_a_notification_about_a_withdrawn_product_has_no_link(shopper, ada):
    notify(ada, "Gone", product=ProductFactory(slug="gone", is_active=False))

    page = shopper.get(INBOX).content.decode()

    assert 'Gone <small class="help">(no longer for sale)</small>' in page
    assert 'href="/p/gone/"' not in page


def test_the_inbox_reads_a_page_in_a_fixed_number_of_queries(
    shopper, ada, django_assert_max_num_queries
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert shopper.get(INBOX).status_code == 200
        return len(queries)

    notify(ada, "One")
    count()  # the session is cached from here on
    few = count()
    for number in range(30):
        notify(ada, f"More {number}")
    assert count() == few
    # Session, user, unread count (header), page count, the page with its products.
    with django_assert_max_num_queries(6):
        shopper.get(INBOX)


def test_marking_one_read_and_then_all_read(shopper, ada):
    first, second = notify(ada, "First"), notify(ada, "Second")
    theirs = notify(UserFactory(), "Theirs")

    response = shopper.post(
        reverse("preferences:mark-read", args=[first.pk]), {"next": INBOX + "?page=1"}
    )
    assert response["Location"] == INBOX + "?page=1"
    assert Notification.objects.filter(read_at__isnull=False).get() == first

    response = shopper.post(reverse("preferences:mark-all-read"))
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Marked 1 notification read."]
    second.refresh_from_db()
    theirs.refresh_from_db()
    assert second.read_at is not None and theirs.read_at is None


def test_an_email_only_notification_cannot_be_marked_from_the_inbox(shopper, ada):
    hidden = notify(ada, "E-mail only", in_inbox=False)

    assert shopper.post(reverse("preferences:mark-read", args=[hidden.pk])).status_code == 404


@pytest.mark.parametrize("name", ["inbox", "settings"])
def test_the_inbox_and_settings_need_an_account(client, name):
    response = client.get(reverse(f"preferences:{name}"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("shop:login"))


# --- The header's unread count --------------------------------------------------------------


def test_the_header_shows_the_unread_count_and_caps_it(shopper, ada):
    read = notify(ada, "Read")
    Notification.objects.filter(pk=read.pk).mark_read()
    notify(ada, "Unread")

    page = shopper.get(reverse("shop:home")).content.decode()
    assert 'Notifications <span class="badge" aria-label="1 unread">1</span>' in page

    Notification.objects.bulk_create(
        [
            Notification(
                user=ada,
                change=ProductChangeFactory(product=read.change.product),
                reason="price_drop",
                title=f"N{n}",
            )
            for n in range(100)
        ]
    )
    page = shopper.get(reverse("shop:home")).content.decode()
    assert '<span class="badge" aria-label="more than 99 unread">99+</span>' in page


def test_anonymous_visitors_pay_no_query_for_the_unread_count(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("shop:home"))

    assert not [q for q in queries.captured_queries if "preferences_notification" in q["sql"]]


def test_a_shopper_pays_one_bounded_count_for_it(shopper, ada):
    notify(ada, "Unread")

    with CaptureQueriesContext(connection) as queries:
        shopper.get(reverse("shop:home"))

    [count] = [q["sql"] for q in queries.captured_queries if "preferences_notification" in q["sql"]]
    assert "COUNT(*)" in count and "LIMIT 100" in count


# --- Settings ---------------------------------------------------------------------------------


def channels(**values):
    data = {
        f"{topic}_{part}": value
        for topic in ("price", "stock", "arrivals", "searches")
        for part, value in (("inbox", "on"), ("email", "instant"))
    }
    data.update(values)
    return {name: value for name, value in data.items() if value is not None}


def test_settings_show_the_defaults_then_save_each_topics_channels(shopper, ada):
    page = shopper.get(SETTINGS)
    assert page.context["form"]["arrivals_email"].value() == "daily"
    assert page.context["form"]["price_email"].value() == "instant"

    response = shopper.post(SETTINGS, channels(price_inbox=None, searches_email="off"))

    assert response["Location"] == SETTINGS
    assert sorted(DeliverySetting.objects.values_list("topic", "inbox", "email")) == [
        ("arrivals", True, "instant"),
        ("price", False, "instant"),
        ("searches", True, "off"),
        ("stock", True, "instant"),
    ]


@pytest.mark.parametrize("values", [{"price_email": "carrier-pigeon"}, {"stock_email": None}])
def test_an_unknown_channel_or_pace_is_refused_and_nothing_saved(shopper, values):
    response = shopper.post(SETTINGS, channels(**values))

    assert response.status_code == 400
    assert "Choose no e-mail, at once or a daily digest." in response.content.decode()
    assert not DeliverySetting.objects.exists()


def test_pause_all_and_resume(shopper, ada):
    shopper.post(reverse("preferences:pause"), {"paused": "on"})
    assert NotificationSettings.objects.get(user=ada).paused
    assert "All notifications are paused" in shopper.get(SETTINGS).content.decode()

    shopper.post(reverse("preferences:pause"), {"paused": "off"})
    assert not NotificationSettings.objects.get(user=ada).paused

    response = shopper.post(reverse("preferences:pause"), {"paused": "sometimes"})
    assert response.status_code == 400
    assert not NotificationSettings.objects.get(user=ada).paused


def test_settings_list_every_subscription_in_a_fixed_number_of_queries(
    shopper, ada, django_assert_max_num_queries
):
    SubscriptionFactory(user=ada, product=ProductFactory(name="Ridge tent"))
    SubscriptionFactory(
        user=ada, kind=Kind.PRICE_BELOW, price_below=D("9.50"), product=ProductFactory(name="Lamp")
    )
    search = SavedSearch.objects.create(user=ada, name="Red things", query="colour=red")
    SubscriptionFactory(user=ada, kind=Kind.SEARCH, product=None, search=search)
    SubscriptionFactory(product=ProductFactory(name="Not mine"))

    # Session, user, unread count, deliveries, pause, subscription count and page.
    with django_assert_max_num_queries(7):
        page = shopper.get(SETTINGS).content.decode()

    assert '<a href="/products/?colour=red">Red things</a>' in page
    assert "Lamp</a>:\n          price drops below a price (€9.50)" in page
    assert "Ridge tent" in page and "Not mine" not in page


# --- Follow buttons on the shop's pages ---------------------------------------------------------


def test_the_product_page_shows_what_the_shopper_follows_in_one_query(shopper, ada):
    product = ProductFactory()
    url = product.get_absolute_url()

    def count():
        with CaptureQueriesContext(connection) as queries:
            page = shopper.get(url).content.decode()
        return len(queries), page

    count()  # the visit's first page records more than later ones
    before, page = count()
    assert "Follow: price drops" in page
    SubscriptionFactory(user=ada, product=product)
    SubscriptionFactory(user=ada, kind=Kind.PRICE_BELOW, price_below=D("10"), product=product)
    after, page = count()
    assert after == before
    assert "✓ Following: price drops" in page
    assert 'value="10.00"' in page


def test_brand_and_category_pages_offer_to_follow_new_arrivals(client):
    product = ProductFactory()

    for url in (product.brand.get_absolute_url(), product.category.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "Follow: new arrivals" in page


def test_saved_searches_offer_to_follow_each_in_one_query(shopper, ada):
    def count():
        with CaptureQueriesContext(connection) as queries:
            page = shopper.get(reverse("preferences:saved-searches")).content.decode()
        return len(queries), page

    SavedSearch.objects.create(user=ada, name="One", query="q=a")
    count()
    few, _ = count()
    searches = [
        SavedSearch.objects.create(user=ada, name=f"S{n}", query=f"q={n}") for n in range(5)
    ]
    SubscriptionFactory(user=ada, kind=Kind.SEARCH, product=None, search=searches[0])
    many, page = count()

    assert many == few
    assert page.count("Follow: new matches") == 5
    assert page.count("✓ Following: new matches") == 1

"""A change reaches each follower once, in batches, through the channels they chose; e-mails are
claimed before they are sent, so running anything twice sends nothing twice."""

from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from preferences import delivery
from preferences.filters import catalog_options
from preferences.models import (
    DeliverySetting,
    Email,
    Notification,
    NotificationSettings,
    ProductChange,
    SavedSearch,
    Subscription,
    Topic,
)
from preferences.notifications import matches_search
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    ColourFactory,
    MaterialFactory,
    ProductFactory,
    UserFactory,
)
from tests.preferences.factories import ProductChangeFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
Kind = Subscription.Kind


@pytest.fixture
def drop():
    """A 30 € → 20 € drop of "Ridge tent", followed by three shoppers."""
    change = ProductChangeFactory(product=ProductFactory(name="Ridge tent", slug="ridge-tent"))
    for name in ("ada", "bob", "cy"):
        SubscriptionFactory(user=UserFactory(username=name), product=change.product)
    return change


def fan_out(change_id: int) -> None:
    """Every batch, then every span of e-mails, as the tasks would run them one after another."""
    batch = delivery.notify_batch(change_id)
    while batch.next_after is not None:
        batch = delivery.notify_batch(change_id, batch.next_after)
    for after_user, through_user in delivery.email_spans(change_id):
        delivery.send_instant_emails(change_id, after_user, through_user)


def inbox(change):
    return list(
        Notification.objects.filter(change=change)
        .order_by("user__username")
        .values_list("user__username", "title", "in_inbox", "email")
    )


def test_each_follower_gets_one_notification_and_one_instant_email(drop, mailoutbox):
    assert delivery.notify_batch(drop.pk) == delivery.Batch(None, finished=True)
    assert mailoutbox == []  # e-mails go out once every follower has the notification
    for after_user, through_user in delivery.email_spans(drop.pk):
        delivery.send_instant_emails(drop.pk, after_user, through_user)

    assert inbox(drop) == [
        (name, "Ridge tent dropped to €20.00 (was €30.00)", True, "instant")
        for name in ("ada", "bob", "cy")
    ]
    assert sorted(message.to[0] for message in mailoutbox) == [
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
    ]
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    drop.refresh_from_db()
    assert drop.fanned_out_at is not None


def test_the_email_links_the_product_and_a_one_click_unsubscribe(drop, mailoutbox):
    fan_out(drop.pk)

    message = next(m for m in mailoutbox if m.to == ["ada@example.com"])
    assert message.subject == "Ridge tent dropped to €20.00 (was €30.00)"
    assert "See it: http://127.0.0.1:8000/p/ridge-tent/" in message.body
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://127.0.0.1:8000/account/unsubscribe/")
    assert unsubscribe[1:-1] in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_batch_and_its_emails_run_twice_notify_and_mail_once(drop, mailoutbox):
    fan_out(drop.pk)
    ProductChange.objects.filter(pk=drop.pk).update(fanned_out_at=None)  # as a racing run sees it

    assert delivery.notify_batch(drop.pk) == delivery.Batch(None, finished=True)
    assert delivery.send_instant_emails(drop.pk, 0, 10**9) == 0

    assert Notification.objects.count() == 3
    assert len(mailoutbox) == 3


def test_followers_are_taken_in_batches_in_user_order(drop, settings, mailoutbox):
    settings.TAILOR_FAN_OUT_BATCH = 2
    ada, bob, cy = Subscription.objects.order_by("user_id").values_list("user_id", flat=True)

    assert delivery.notify_batch(drop.pk) == delivery.Batch(bob)
    assert set(Notification.objects.values_list("user_id", flat=True)) == {ada, bob}
    assert ProductChange.objects.get().done_through_user == bob
    assert ProductChange.objects.get().fanned_out_at is None
    assert delivery.notify_batch(drop.pk, bob) == delivery.Batch(None, finished=True)

    assert set(Notification.objects.values_list("user_id", flat=True)) == {ada, bob, cy}
    assert ProductChange.objects.get().fanned_out_at is not None
    assert delivery.email_spans(drop.pk) == [(0, bob), (bob, cy)]
    assert delivery.send_instant_emails(drop.pk, bob, cy) == 1
    assert [m.to for m in mailoutbox] == [["cy@example.com"]]


def test_a_finished_or_deleted_change_does_nothing(drop, mailoutbox):
    fan_out(drop.pk)

    assert delivery.notify_batch(drop.pk) == delivery.Batch(None, finished=False)
    assert delivery.notify_batch(drop.pk + 1000) == delivery.Batch(None, finished=False)
    assert delivery.email_spans(drop.pk) == []
    assert len(mailoutbox) == 3


def test_a_second_change_to_the_same_price_is_news_again(drop, mailoutbox):
    fan_out(drop.pk)
    again = ProductChangeFactory(product=drop.product)

    fan_out(again.pk)

    assert Notification.objects.count() == 6
    assert len(mailoutbox) == 6


def test_channels_pause_and_missing_addresses_decide_how_each_shopper_hears(drop, mailoutbox):
    users = {s.user.username: s.user for s in Subscription.objects.select_related("user")}
    DeliverySetting.objects.create(
        user=users["ada"], topic=Topic.PRICE, inbox=False, email=Email.INSTANT
    )
    DeliverySetting.objects.create(
        user=users["bob"], topic=Topic.PRICE, inbox=True, email=Email.DAILY
    )
    type(users["cy"]).objects.filter(pk=users["cy"].pk).update(email="")
    paused = SubscriptionFactory(user=UserFactory(username="dee"), product=drop.product).user
    NotificationSettings.objects.create(user=paused, paused=True)

    fan_out(drop.pk)

    assert [row[0:1] + row[2:] for row in inbox(drop)] == [
        ("ada", False, "instant"),
        ("bob", True, "daily"),
        ("cy", True, "off"),
    ]
    assert [message.to for message in mailoutbox] == [["ada@example.com"]]


def test_a_shopper_following_a_product_twice_hears_once(drop, mailoutbox):
    ada = Subscription.objects.get(user__username="ada")
    SubscriptionFactory(
        user=ada.user, product=drop.product, kind=Kind.PRICE_BELOW, price_below=D("25.00")
    )

    fan_out(drop.pk)

    assert Notification.objects.get(user=ada.user).reason == "price_below"
    assert len(mailoutbox) == 3


def test_nobody_whose_subscription_was_switched_off_hears(drop, mailoutbox):
    Subscription.objects.filter(user__username="bob").update(is_active=False)

    fan_out(drop.pk)

    assert [row[0] for row in inbox(drop)] == ["ada", "cy"]


def test_an_email_claimed_by_a_sender_that_died_is_never_sent_again(drop, mailoutbox):
    fan_out(drop.pk)
    mail.outbox.clear()
    # As a worker killed between claiming and sending leaves it:
    Notification.objects.filter(user__username="ada").update(emailed_at=None)

    assert delivery.send_instant_emails(drop.pk, 0, 10**9) == 0

    assert mailoutbox == []


class SecondMessageFails(EmailBackend):
    def send_messages(self, messages):
        if len(mail.outbox) == 1:
            raise OSError("SMTP server went away")
        return super().send_messages(messages)


def test_a_sending_error_releases_the_unsent_claims_for_the_retry(drop, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.SecondMessageFails"

    with pytest.raises(OSError):
        fan_out(drop.pk)

    assert Notification.objects.filter(emailed_at__isnull=False).count() == 1
    assert Notification.objects.filter(email_claimed_at__isnull=True).count() == 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    fan_out(drop.pk)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
    ]


# --- New arrivals and saved searches -----------------------------------------------------------


def test_a_new_arrival_reaches_brand_category_and_search_followers_by_digest(mailoutbox):
    brand, category = BrandFactory(name="Trailhead"), CategoryFactory(name="Tents")
    ada, bob, cy = UserFactory(), UserFactory(), UserFactory()
    SubscriptionFactory(user=ada, kind=Kind.BRAND, product=None, brand=brand)
    SubscriptionFactory(user=bob, kind=Kind.CATEGORY, product=None, category=category.parent)
    search = SavedSearch.objects.create(user=cy, name="Cheap", query="price_max=25")
    SubscriptionFactory(user=cy, kind=Kind.SEARCH, product=None, search=search)
    SubscriptionFactory(
        kind=Kind.SEARCH,
        product=None,
        search=SavedSearch.objects.create(user=UserFactory(), name="Dear", query="price_min=100"),
    )

    ProductFactory(name="Dome", brand=brand, category=category, price=D("20.00"))
    delivery.notify_batch(ProductChange.objects.get().pk)

    titles = dict(Notification.objects.values_list("user_id", "title"))
    assert titles == {
        ada.pk: "New from Trailhead: Dome, €20.00",
        bob.pk: f"New in {category.parent.name}: Dome, €20.00",
        cy.pk: "New for your search “Cheap”: Dome, €20.00",
    }
    assert set(Notification.objects.values_list("email", flat=True)) == {"daily"}
    assert mailoutbox == []


@pytest.fixture
def catalog():
    red, blue = ColourFactory(slug="red"), ColourFactory(slug="blue")
    wool = MaterialFactory(slug="wool")
    tents = CategoryFactory(slug="tents")
    trailhead = BrandFactory(slug="trailhead")
    return [
        ProductFactory(
            name="Red wool tent",
            colour=red,
            material=wool,
            category=tents,
            brand=trailhead,
            price=D("45.00"),
            audience="women",
        ),
        ProductFactory(
            name="Blue lamp",
            description="Bright",
            colour=blue,
            price=D("12.50"),
            stock=0,
            compare_at_price=D("20.00"),
            audience="kids",
        ),
        ProductFactory(name="Plain mug", price=D("8.00")),
    ]


QUERIES = [
    "",
    "q=tent",
    "q=BRIGHT",
    "q=%20",
    "category=tents",
    f"category={'x' * 300}",
    "category=nowhere",
    "colour=red&colour=blue",
    "colour=red&colour=ghost",
    "colour=ghost",
    "material=wool&brand=trailhead",
    "price_min=10",
    "price_max=12.50",
    "price_min=50&price_max=10",
    "price_max=abc",
    "in_stock=true",
    "in_stock=yes",
    "on_sale=true",
    "audience=kids&audience=women",
    "audience=robots",
    "sort=price",
    "page_size=12&defaults=off",
    "unknown=1",
    "q=tent&q=lamp",
]


@pytest.mark.parametrize("query", QUERIES)
def test_saved_search_matching_agrees_with_the_listing(client, catalog, query):
    criteria = delivery.search_criteria(query, catalog_options())
    matched = {
        product.pk
        for product in catalog
        if matches_search(
            criteria, delivery.change_facts(ProductChangeFactory(product=product)).product
        )
    }

    response = client.get(f"/products/?{query}&page_size=96", follow=True)

    assert matched == {product.pk for product in response.context["listing"].page.object_list}


# --- Digests ----------------------------------------------------------------------------------


@pytest.fixture
def daily(drop):
    DeliverySetting.objects.bulk_create(
        [
            DeliverySetting(user=s.user, topic=Topic.PRICE, inbox=True, email=Email.DAILY)
            for s in Subscription.objects.select_related("user")
        ]
    )
    fan_out(drop.pk)
    second = ProductChangeFactory(product=ProductFactory(name="Lamp"))
    SubscriptionFactory(
        user=Subscription.objects.get(user__username="ada").user, product=second.product
    )
    fan_out(second.pk)
    return drop


def test_a_digest_carries_every_waiting_notification_in_one_email(daily, mailoutbox):
    ada = Subscription.objects.filter(user__username="ada").first().user

    assert delivery.send_digest(ada.pk) == 2

    [message] = mailoutbox
    assert message.subject == "Your Tailor digest: 2 updates"
    assert "- Lamp dropped to €20.00 (was €30.00)" in message.body
    assert "- Ridge tent dropped to €20.00 (was €30.00)" in message.body
    assert message.body.index("Lamp") < message.body.index("Ridge tent")  # newest first
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert delivery.send_digest(ada.pk) == 0
    assert len(mailoutbox) == 1


def test_digests_wait_for_shoppers_who_paused(daily):
    users = dict(Subscription.objects.values_list("user__username", "user_id"))
    NotificationSettings.objects.create(user_id=users["bob"], paused=True)

    assert delivery.users_with_digests() == sorted([users["ada"], users["cy"]])

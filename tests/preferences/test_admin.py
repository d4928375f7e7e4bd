"""Admins see, search and filter shoppers' preferences and saved searches."""

import pytest
from django.urls import reverse

from preferences.models import Preference, SavedSearch
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    user = UserFactory(username="ada")
    return {
        "account": Preference.objects.create(user=user, sort="newest", page_size=48),
        "anonymous": Preference.objects.create(owner_key="f00d" * 8, sort="price"),
        "search": SavedSearch.objects.create(
            user=user, name="Red wool", query="colour=red&material=wool"
        ),
        "anonymous search": SavedSearch.objects.create(
            owner_key="f00d" * 8, name="Cheap tents", query="q=tent&price_max=50"
        ),
    }


def changelist(admin_client, model, **params):
    response = admin_client.get(reverse(f"admin:preferences_{model}_changelist"), params)
    assert response.status_code == 200
    return response


def test_preference_changelist_shows_owners_and_choices(admin_client, rows):
    page = changelist(admin_client, "preference").content.decode()

    assert "ada" in page
    assert "anonymous f00df00d…" in page
    assert "Newest" in page and "Price: low to high" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"owner": "account"}, ["account"]),
        ({"owner": "anonymous"}, ["anonymous"]),
        ({"q": "ada"}, ["account"]),
        ({"q": "f00d"}, ["anonymous"]),
        ({"sort": "price"}, ["anonymous"]),
    ],
)
def test_preferences_can_be_filtered_and_searched(admin_client, rows, params, expected):
    response = changelist(admin_client, "preference", **params)

    assert list(response.context["cl"].result_list) == [rows[name] for name in expected]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"owner": "account"}, ["search"]),
        ({"owner": "anonymous"}, ["anonymous search"]),
        ({"q": "wool"}, ["search"]),
        ({"q": "tent"}, ["anonymous search"]),
        ({"q": "ada"}, ["search"]),
    ],
)
def test_saved_searches_can_be_filtered_and_searched(admin_client, rows, params, expected):
    response = changelist(admin_client, "savedsearch", **params)

    assert list(response.context["cl"].result_list) == [rows[name] for name in expected]


@pytest.mark.parametrize(("model", "row"), [("preference", "account"), ("savedsearch", "search")])
def test_change_pages_pick_the_user_by_raw_id(admin_client, rows, model, row):
    response = admin_client.get(reverse(f"admin:preferences_{model}_change", args=[rows[row].pk]))

    assert response.status_code == 200
    assert 'class="vForeignKeyRawIdAdminField"' in response.content.decode()


def test_an_admin_can_add_a_saved_search_for_an_account(admin_client):
    user = UserFactory()

    response = admin_client.post(
        reverse("admin:preferences_savedsearch_add"),
        {"user": user.pk, "owner_key": "", "name": "Boots", "query": "q=boots"},
    )

    assert response.status_code == 302
    assert SavedSearch.objects.get(name="Boots").user == user


# --- Notifications ----------------------------------------------------------------------------


@pytest.fixture
def followed():
    """Ada follows a tent's price and bob a lamp's stock (switched off); one notification each:
    ada's e-mail sent and read, bob's claimed by a sender that never finished."""
    from django.utils import timezone

    from preferences.models import Notification, Subscription
    from tests.factories import ProductFactory
    from tests.preferences.factories import ProductChangeFactory, SubscriptionFactory

    now = timezone.now()
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    tent = SubscriptionFactory(user=ada, product=ProductFactory(name="Ridge tent"))
    lamp = SubscriptionFactory(
        user=bob,
        kind=Subscription.Kind.BACK_IN_STOCK,
        is_active=False,
        product=ProductFactory(name="Lamp"),
    )
    return {
        "tent": tent,
        "lamp": lamp,
        "sent": Notification.objects.create(
            user=ada,
            subscription=tent,
            change=ProductChangeFactory(product=tent.product),
            reason="price_drop",
            title="Ridge tent dropped",
            email="instant",
            email_claimed_at=now,
            emailed_at=now,
            read_at=now,
        ),
        "claimed": Notification.objects.create(
            user=bob,
            subscription=lamp,
            change=ProductChangeFactory(product=lamp.product),
            reason="back_in_stock",
            title="Lamp is back",
            email="instant",
            email_claimed_at=now,
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["lamp", "tent"]),
        ({"kind__exact": "back_in_stock"}, ["lamp"]),
        ({"is_active__exact": "1"}, ["tent"]),
        ({"q": "ridge"}, ["tent"]),
        ({"q": "bob"}, ["lamp"]),
    ],
)
def test_subscriptions_can_be_filtered_and_searched(admin_client, followed, params, expected):
    response = changelist(admin_client, "subscription", **params)

    assert list(response.context["cl"].result_list) == [followed[name] for name in expected]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"email_state": "claimed"}, ["claimed"]),
        ({"email_state": "sent"}, ["sent"]),
        ({"email_state": "waiting"}, []),
        ({"read": "no"}, ["claimed"]),
        ({"reason__exact": "price_drop"}, ["sent"]),
        ({"q": "lamp"}, ["claimed"]),
    ],
)
def test_notifications_can_be_filtered_by_e_mail_state_and_read(
    admin_client, followed, params, expected
):
    response = changelist(admin_client, "notification", **params)

    assert list(response.context["cl"].result_list) == [followed[name] for name in expected]


@pytest.mark.parametrize(
    "model",
    ["subscription", "notification", "productchange", "notificationsettings", "deliverysetting"],
)
def test_notification_changelists_read_in_a_fixed_number_of_queries(
    admin_client, followed, model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        changelist(admin_client, model)


def test_notifications_and_changes_are_never_added_by_hand(admin_client):
    for model in ("notification", "productchange"):
        assert admin_client.get(reverse(f"admin:preferences_{model}_add")).status_code == 403


def test_an_admin_resumes_an_unfinished_fan_out_from_its_cursor(
    admin_client, followed, published, django_capture_on_commit_callbacks
):
    from preferences.models import ProductChange

    unfinished = ProductChange.objects.filter(pk=followed["sent"].change_id)
    unfinished.update(done_through_user=7)
    ProductChange.objects.filter(pk=followed["claimed"].change_id).update(
        fanned_out_at="2025-01-01T00:00Z"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:preferences_productchange_changelist"),
            {
                "action": "resume_fan_out",
                "_selected_action": list(ProductChange.objects.values_list("pk", flat=True)),
            },
            follow=True,
        )

    assert "Queued 1 fan-out(s)" in response.content.decode()
    assert published == [("preferences.tasks.fan_out", [unfinished.get().pk, 7])]

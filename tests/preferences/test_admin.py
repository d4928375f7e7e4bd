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
        "search": SavedSearch.objects.create(user=user, name="Red wool",
                                             query="colour=red&material=wool"),
        "anonymous search": SavedSearch.objects.create(owner_key="f00d" * 8, name="Cheap tents",
                                                       query="q=tent&price_max=50"),
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


@pytest.mark.parametrize(("params", "expected"), [
    ({"owner": "account"}, ["account"]),
    ({"owner": "anonymous"}, ["anonymous"]),
    ({"q": "ada"}, ["account"]),
    ({"q": "f00d"}, ["anonymous"]),
    ({"sort": "price"}, ["anonymous"]),
])
def test_preferences_can_be_filtered_and_searched(admin_client, rows, params, expected):
    response = changelist(admin_client, "preference", **params)

    assert list(response.context["cl"].result_list) == [rows[name] for name in expected]


@pytest.mark.parametrize(("params", "expected"), [
    ({"owner": "account"}, ["search"]),
    ({"owner": "anonymous"}, ["anonymous search"]),
    ({"q": "wool"}, ["search"]),
    ({"q": "tent"}, ["anonymous search"]),
    ({"q": "ada"}, ["search"]),
])
def test_saved_searches_can_be_filtered_and_searched(admin_client, rows, params, expected):
    response = changelist(admin_client, "savedsearch", **params)

    assert list(response.context["cl"].result_list) == [rows[name] for name in expected]


@pytest.mark.parametrize(("model", "row"), [("preference", "account"), ("savedsearch", "search")])
def test_change_pages_pick_the_user_by_raw_id(admin_client, rows, model, row):
    response = admin_client.get(reverse(f"admin:preferences_{model}_change",
                                        args=[rows[row].pk]))

    assert response.status_code == 200
    assert 'class="vForeignKeyRawIdAdminField"' in response.content.decode()


def test_an_admin_can_add_a_saved_search_for_an_account(admin_client):
    user = UserFactory()

    response = admin_client.post(reverse("admin:preferences_savedsearch_add"), {
        "user": user.pk, "owner_key": "", "name": "Boots", "query": "q=boots"})

    assert response.status_code == 302
    assert SavedSearch.objects.get(name="Boots").user == user

"""Preferences and saved searches belong to a user or an anonymous browser's owner key, and
what a browser saved anonymously joins the account it logs in to."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse

from preferences.models import Preference, SavedSearch
from preferences.owners import OWNER_KEY, Owner, owner_for
from tests.factories import PASSWORD, ColourFactory, UserFactory

pytestmark = pytest.mark.django_db


def request_for(user=None, **session):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request.session.update(session)
    return request


# --- owner_for and Owner --------------------------------------------------------------------


def test_a_new_anonymous_browser_has_no_owner_until_asked_to_create_one():
    request = request_for()

    assert owner_for(request) == Owner(user_id=None, key="")
    assert OWNER_KEY not in request.session


def test_creating_an_owner_gives_the_browser_one_lasting_random_key():
    request = request_for()

    owner = owner_for(request, create=True)

    assert owner.user_id is None
    assert len(owner.key) == 32 and int(owner.key, 16) >= 0
    assert request.session[OWNER_KEY] == owner.key
    assert owner_for(request, create=True) == owner == owner_for(request)
    assert owner_for(request_for(), create=True).key != owner.key


def test_a_logged_in_shopper_is_the_owner_and_needs_no_key():
    user = UserFactory()
    request = request_for(user)

    owner = owner_for(request, create=True)

    assert owner == Owner(user_id=user.pk, key="")
    assert OWNER_KEY not in request.session
    assert owner.fields() == {"user_id": user.pk}
    assert Owner(user_id=None, key="k" * 32).fields() == {"owner_key": "k" * 32}


# --- owned_by ---------------------------------------------------------------------------------


def test_owned_by_finds_only_that_owners_rows():
    user, other_user = UserFactory(), UserFactory()
    mine = SavedSearch.objects.create(owner_key="a" * 32, name="Mine")
    SavedSearch.objects.create(owner_key="b" * 32, name="Another browser's")
    accounts = SavedSearch.objects.create(user=user, name="The account's")
    SavedSearch.objects.create(user=other_user, name="Another account's")

    assert list(SavedSearch.objects.owned_by(Owner(None, "a" * 32))) == [mine]
    assert list(SavedSearch.objects.owned_by(Owner(user.pk, "a" * 32))) == [accounts]
    assert list(SavedSearch.objects.owned_by(Owner(None, ""))) == []


def test_a_key_no_longer_owns_rows_that_joined_an_account():
    SavedSearch.objects.create(owner_key="a" * 32, user=UserFactory(), name="Joined")

    assert not SavedSearch.objects.owned_by(Owner(None, "a" * 32)).exists()


# --- Joining on log-in --------------------------------------------------------------------------


def log_in(client, user):
    response = client.post(reverse("shop:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "log-in failed"
    return response


def save_anonymously(client, colour, *, sort="price"):
    client.post(reverse("preferences:edit"), {"sort": sort, "colours": [colour.pk]})
    client.post(reverse("preferences:save-search"), {"name": "Red", "query": "colour=red"})
    assert Preference.objects.filter(owner_key=client.session[OWNER_KEY]).exists()


def test_logging_in_brings_what_the_browser_saved_to_the_account(client):
    user, red = UserFactory(), ColourFactory()
    save_anonymously(client, red)

    log_in(client, user)

    preference = Preference.objects.get()
    assert (preference.user, preference.owner_key, preference.sort) == (user, "", "price")
    assert list(preference.colours.all()) == [red]
    search = SavedSearch.objects.get()
    assert (search.user, search.owner_key, search.query) == (user, "", "colour=red")
    assert client.get(reverse("preferences:edit")).context["saved"] == preference


def test_an_account_with_preferences_keeps_its_own_on_log_in(client):
    user, red = UserFactory(), ColourFactory()
    own = Preference.objects.create(user=user, sort="newest")
    SavedSearch.objects.create(user=user, name="Older", query="colour=blue")
    save_anonymously(client, red)

    log_in(client, user)

    assert list(Preference.objects.all()) == [own]
    assert Preference.objects.get().sort == "newest"
    assert sorted(SavedSearch.objects.filter(user=user).values_list("name", flat=True)) == [
        "Older",
        "Red",
    ]


def test_signing_up_brings_what_the_browser_saved_to_the_new_account(client):
    save_anonymously(client, ColourFactory())

    client.post(
        reverse("shop:signup"),
        {
            "username": "newshopper",
            "email": "new@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "country": "NL",
        },
    )

    assert Preference.objects.get().user.username == "newshopper"
    assert SavedSearch.objects.get().user.username == "newshopper"


def test_logging_in_leaves_other_browsers_rows_alone(client):
    user = UserFactory()
    SavedSearch.objects.create(owner_key="b" * 32, name="Someone else's")
    Preference.objects.create(owner_key="b" * 32, sort="name")
    save_anonymously(client, ColourFactory())

    log_in(client, user)

    assert SavedSearch.objects.get(name="Someone else's").owner_key == "b" * 32
    assert Preference.objects.get(sort="name").user is None


def test_logging_in_from_a_browser_that_saved_nothing_changes_nothing():
    user = UserFactory()
    own = Preference.objects.create(user=user, sort="newest")

    log_in(Client(), user)

    assert list(Preference.objects.all()) == [own]
    assert not SavedSearch.objects.exists()

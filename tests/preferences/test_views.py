"""Shoppers save listing preferences (or start from what the shop noticed), save, rename and
delete searches, and see their account; bad input gets a clear answer and changes nothing."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from personalization.models import Event
from personalization.visitors import PERSONALIZATION_OFF_KEY, VISIT_KEY
from preferences.models import Preference, SavedSearch
from preferences.owners import OWNER_KEY
from tests.factories import (
    ColourFactory,
    EventFactory,
    MaterialFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EDIT = reverse("preferences:edit")
SUGGEST = reverse("preferences:suggest")
RESET = reverse("preferences:reset")
SAVE_SEARCH = reverse("preferences:save-search")
SEARCHES = reverse("preferences:saved-searches")
ACCOUNT = reverse("preferences:account")
SUGGESTED_NOTE = "Suggested from what you browsed — check and save"


def last_message(response):
    """The newest message (earlier ones may wait unread from a test's set-up requests)."""
    return [str(message) for message in get_messages(response.wsgi_request)][-1]


def set_session(client, **values):
    session = client.session
    session.update(values)
    session.save()


def anonymous(key="a" * 32):
    """A client whose browser already has an owner key."""
    client = Client()
    set_session(client, **{OWNER_KEY: key})
    return client


def preference_form(**values):
    return {"sort": "", "page_size": "", "audience": "", "price_max": "", **values}


def marks(page, text="You chose this"):
    return page.count(f">{text}</span>")


@pytest.fixture
def red():
    return ColourFactory(name="Red", slug="red", hex="#c0392b")


@pytest.fixture
def blue():
    return ColourFactory(name="Blue", slug="blue", hex="#1d5fa3")


@pytest.fixture
def wool():
    return MaterialFactory(name="Wool", slug="wool")


# --- Preferences page -----------------------------------------------------------------------


def test_preferences_page_offers_every_choice_with_the_shops_defaults(client, red, wool):
    response = client.get(EDIT)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<legend>Preferred colours</legend>" in page
    assert 'style="background: #c0392b"' in page
    assert "Wool" in page
    assert "Recommended for you" in page
    assert "The shop’s default (24)" in page
    assert marks(page) == 0
    assert OWNER_KEY not in client.session


def test_anonymous_shopper_saves_preferences_under_their_browsers_owner_key(client, red, wool):
    response = client.post(
        EDIT,
        preference_form(
            sort="price",
            page_size="48",
            colours=[red.pk],
            materials=[wool.pk],
            audience="women",
            price_max="49.90",
            in_stock_only="on",
        ),
    )

    assert response.status_code == 302
    assert response.url == EDIT
    assert last_message(response) == "Saved. Listings now start from your preferences."
    preference = Preference.objects.get()
    assert (preference.user, preference.owner_key) == (None, client.session[OWNER_KEY])
    assert (
        preference.sort,
        preference.page_size,
        preference.audience,
        preference.price_max,
        preference.in_stock_only,
    ) == ("price", 48, "women", Decimal("49.90"), True)
    assert list(preference.colours.all()) == [red]
    assert list(preference.materials.all()) == [wool]


def test_logged_in_shopper_saves_preferences_on_their_account(client, red):
    user = UserFactory()
    client.force_login(user)

    client.post(EDIT, preference_form(colours=[red.pk]))

    preference = Preference.objects.get()
    assert (preference.user, preference.owner_key) == (user, "")
    assert OWNER_KEY not in client.session


def test_saving_again_changes_the_one_preference_row(red, blue):
    client = anonymous()
    client.post(EDIT, preference_form(sort="price", colours=[red.pk]))

    client.post(EDIT, preference_form(sort="newest", colours=[blue.pk]))

    preference = Preference.objects.get()
    assert preference.sort == "newest"
    assert list(preference.colours.all()) == [blue]


def test_each_saved_value_is_marked_you_chose_this(red, blue, wool):
    client = anonymous()
    client.post(
        EDIT, preference_form(sort="price", price_max="30", colours=[red.pk], materials=[wool.pk])
    )

    page = client.get(EDIT).content.decode()

    assert marks(page) == 4
    options = re.findall(r'<li><label for="id_colours_\d+">.*?</li>', page, re.S)
    assert [("You chose this" in option) for option in options] == [False, True]  # Blue, Red
    assert marks(page, "Picked for you") == 0


def test_another_browser_sees_none_of_these_preferences(red):
    anonymous("a" * 32).post(EDIT, preference_form(sort="price", colours=[red.pk]))

    response = anonymous("b" * 32).get(EDIT)

    assert response.context["saved"] is None
    assert response.context["form"]["colours"].value() == []
    assert marks(response.content.decode()) == 0


def test_recommended_sort_is_hidden_when_personalization_is_off(client):
    set_session(client, **{PERSONALIZATION_OFF_KEY: True})

    page = client.get(EDIT).content.decode()

    assert 'value="recommended"' not in page
    assert "“Recommended for you” is hidden because you switched personalization off." in page


BAD_PREFERENCES = [
    ({"price_max": "cheap"}, "price_max", "Enter the price ceiling as a number, like 50 or 49.99."),
    ({"price_max": "0"}, "price_max", "Enter a price ceiling above zero."),
    ({"price_max": "-5"}, "price_max", "Enter a price ceiling above zero."),
    ({"price_max": "NaN"}, "price_max", "Enter the price ceiling as a number, like 50 or 49.99."),
    ({"price_max": "12.345"}, "price_max", "Ensure that there are no more than 2 decimal places."),
    ({"colours": ["999999"]}, "colours", "999999 is not a colour the shop offers"),
    ({"colours": ["red"]}, "colours", "“red” is not a colour the shop offers"),
    ({"materials": ["999999"]}, "materials", "999999 is not a material the shop offers"),
    ({"sort": "cheapest-first"}, "sort", "Pick a sort order from the list."),
    ({"page_size": "25"}, "page_size", "Pick 12, 24, 48 or 96."),
    ({"page_size": "lots"}, "page_size", "Pick 12, 24, 48 or 96."),
    ({"audience": "pets"}, "audience", "Pick who you shop for."),
]


@pytest.mark.parametrize(("values", "field", "error"), BAD_PREFERENCES)
def test_bad_preference_gets_an_error_on_its_field_and_changes_nothing(values, field, error, red):
    client = anonymous()
    client.post(EDIT, preference_form(sort="newest", colours=[red.pk]))
    before = Preference.objects.get()

    response = client.post(EDIT, preference_form(**{"sort": "price", **values}))

    assert response.status_code == 400
    assert error in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert f'role="alert" id="id_{field}-error"' in page
    after = Preference.objects.get()
    assert (after.sort, after.updated_at) == ("newest", before.updated_at)
    assert list(after.colours.all()) == [red]


def test_recommended_sort_is_refused_when_personalization_is_off():
    client = anonymous()
    set_session(client, **{PERSONALIZATION_OFF_KEY: True})

    response = client.post(EDIT, preference_form(sort="recommended"))

    assert response.status_code == 400
    assert response.context["form"].errors["sort"] == ["Pick a sort order from the list."]
    assert not Preference.objects.exists()


def test_an_invalid_control_is_described_by_its_error():
    response = anonymous().post(EDIT, preference_form(price_max="cheap"))

    page = response.content.decode()
    control = re.search(r'<input[^>]*id="id_price_max"[^>]*>', page).group()
    assert 'aria-describedby="id_price_max_helptext id_price_max-error"' in control
    assert 'aria-invalid="true"' in control
    assert 'id="id_price_max_helptext"' in page


# --- Reset ----------------------------------------------------------------------------------


def test_reset_deletes_the_preference_and_says_so(red):
    client = anonymous()
    client.post(EDIT, preference_form(sort="price", colours=[red.pk]))

    response = client.post(RESET)

    assert response.status_code == 302
    assert response.url == EDIT
    assert last_message(response) == "Back to the shop’s defaults."
    assert not Preference.objects.exists()
    assert marks(client.get(EDIT).content.decode()) == 0


def test_reset_returns_to_a_safe_next_page_only():
    client = anonymous()

    assert client.post(RESET, {"next": "/products/?colour=red"}).url == "/products/?colour=red"
    assert client.post(RESET, {"next": "https://evil.example/"}).url == EDIT
    assert client.post(RESET, {"next": "//evil.example/"}).url == EDIT


def test_reset_leaves_other_shoppers_preferences_alone():
    anonymous("a" * 32).post(EDIT, preference_form(sort="price"))
    other = anonymous("b" * 32)

    other.post(RESET)

    assert Preference.objects.get().owner_key == "a" * 32


@pytest.mark.parametrize("url", [RESET, SAVE_SEARCH])
def test_post_only_endpoints_refuse_get(client, url):
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("url", [EDIT, SEARCHES])
def test_pages_answer_head_requests(client, url):
    assert client.head(url).status_code == 200


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (EDIT, preference_form(sort="newest")),
        (RESET, {}),
        (SAVE_SEARCH, {"name": "Red things", "query": "colour=red"}),
    ],
)
def test_changes_without_a_csrf_token_are_forbidden_and_change_nothing(url, data):
    browser = Client(enforce_csrf_checks=True)
    set_session(browser, **{OWNER_KEY: "a" * 32})
    anonymous().post(EDIT, preference_form(sort="price"))

    response = browser.post(url, data)

    assert response.status_code == 403
    assert Preference.objects.get().sort == "price"
    assert not SavedSearch.objects.exists()


# --- Suggested from what the shop noticed ---------------------------------------------------


@pytest.fixture
def browsed(red, blue, wool):
    """Visit ``visit-a`` viewed two red wool products and one blue one; someone else, green."""
    for colour in (red, red, blue):
        EventFactory(session_key="visit-a", product=ProductFactory(colour=colour, material=wool))
    EventFactory(session_key="visit-b", product=ProductFactory(colour=ColourFactory(name="Green")))
    return {"red": red, "blue": blue, "wool": wool}


def test_suggestion_prefills_the_colours_and_materials_browsed_without_saving(browsed):
    client = anonymous()
    set_session(client, **{VISIT_KEY: "visit-a"})

    response = client.get(SUGGEST)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form["colours"].value()) == [browsed["red"].pk, browsed["blue"].pk]
    assert list(form["materials"].value()) == [browsed["wool"].pk]
    page = response.content.decode()
    assert SUGGESTED_NOTE in page
    assert marks(page, "Picked for you") == 1 + 3  # the note, two colours, one material
    assert "Green" in page and re.search(r"Green</label>\s*</li>", page)
    assert not Preference.objects.exists()


def test_suggestion_keeps_the_other_saved_preferences(browsed):
    client = anonymous()
    set_session(client, **{VISIT_KEY: "visit-a"})
    client.post(EDIT, preference_form(sort="newest", price_max="80"))

    form = client.get(SUGGEST).context["form"]

    assert (form["sort"].value(), form["price_max"].value()) == ("newest", Decimal("80.00"))


def test_suggestion_for_a_logged_in_shopper_reads_their_events_by_account(red):
    user = UserFactory()
    EventFactory(session_key="old-visit", user=user, product=ProductFactory(colour=red))
    client = Client()
    client.force_login(user)

    response = client.get(SUGGEST)

    assert list(response.context["form"]["colours"].value()) == [red.pk]


def test_events_are_untouched_by_suggestions(browsed):
    client = anonymous()
    set_session(client, **{VISIT_KEY: "visit-a"})
    before = Event.objects.count()

    client.get(SUGGEST)

    assert Event.objects.count() == before


def test_suggestion_with_nothing_noticed_says_so_and_keeps_the_form(client):
    set_session(client, **{VISIT_KEY: "visit-new"})

    response = client.get(SUGGEST)

    assert response.url == EDIT
    assert last_message(response) == (
        "The shop hasn’t noticed any colours or materials you like yet: browse a few products, "
        "then try again."
    )


def test_suggestion_is_disabled_when_personalization_is_off(client, browsed):
    set_session(client, **{VISIT_KEY: "visit-a", PERSONALIZATION_OFF_KEY: True})

    page = client.get(EDIT).content.decode()
    response = client.get(SUGGEST)

    assert re.search(
        r"<button type=\"submit\" disabled aria-describedby=\"suggest-off\">"
        r"Start from what the shop noticed</button>",
        page,
    )
    assert "Personalization is off, so the shop keeps no notes" in page
    assert response.url == EDIT
    assert last_message(response) == (
        "Personalization is off, so the shop has noticed nothing to suggest."
    )


def test_suggestion_button_is_offered_while_personalization_is_on(client):
    page = client.get(EDIT).content.decode()

    assert '<button type="submit">Start from what the shop noticed</button>' in page
    assert f'action="{SUGGEST}"' in page


# --- Saved searches -------------------------------------------------------------------------


def test_saving_a_search_keeps_only_listing_parameters_and_returns_to_the_listing():
    client = anonymous()

    response = client.post(
        SAVE_SEARCH,
        {
            "name": "  Red wool  ",
            "query": "?page=3&colour=red&evil=1&sort=price&colour=red&q=",
        },
    )

    search = SavedSearch.objects.get()
    assert (search.name, search.query, search.owner_key) == (
        "Red wool",
        "colour=red&sort=price",
        "a" * 32,
    )
    assert response.status_code == 302
    assert response.url == "/products/?colour=red&sort=price"
    assert last_message(response) == ("Saved “Red wool”. Find it again under your saved searches.")


def test_saving_a_search_gives_a_new_anonymous_browser_an_owner_key(client):
    client.post(SAVE_SEARCH, {"name": "Everything", "query": ""})

    assert SavedSearch.objects.get().owner_key == client.session[OWNER_KEY]


def test_saving_under_a_name_already_used_updates_that_search():
    client = anonymous()
    client.post(SAVE_SEARCH, {"name": "Gifts", "query": "colour=red"})

    response = client.post(SAVE_SEARCH, {"name": "Gifts", "query": "colour=blue&on_sale=true"})

    assert list(SavedSearch.objects.values_list("name", "query")) == [
        ("Gifts", "colour=blue&on_sale=true")
    ]
    assert last_message(response) == "Updated your saved search “Gifts”."


def test_the_same_name_for_another_shopper_is_their_own_search():
    anonymous("a" * 32).post(SAVE_SEARCH, {"name": "Gifts", "query": "colour=red"})

    anonymous("b" * 32).post(SAVE_SEARCH, {"name": "Gifts", "query": "colour=blue"})

    assert sorted(SavedSearch.objects.values_list("owner_key", "query")) == [
        ("a" * 32, "colour=red"),
        ("b" * 32, "colour=blue"),
    ]


BAD_SEARCHES = [
    ({"name": "", "query": "colour=red"}, "name", "Give the search a name."),
    ({"name": "   ", "query": "colour=red"}, "name", "Give the search a name."),
    ({"query": "colour=red"}, "name", "Give the search a name."),
    (
        {"name": "x" * 81, "query": ""},
        "name",
        "Keep the name to 80 characters or fewer (it has 81).",
    ),
    ({"name": "x" * 500, "query": ""}, "name", "(it has 500)"),
    ({"name": "Long", "query": "q=" + "a" * 999}, "query", "That search is too long to save"),
    ({"name": "Grows", "query": "q=" + "é" * 300}, "query", "That search is too long to save"),
    ({"name": "Null", "query": "colour=red\x00"}, "query", "Null characters are not allowed."),
]


@pytest.mark.parametrize(("data", "field", "error"), BAD_SEARCHES)
def test_bad_saved_search_gets_a_form_error_and_saves_nothing(data, field, error):
    client = anonymous()

    response = client.post(SAVE_SEARCH, data)

    assert response.status_code == 400
    assert error in " ".join(response.context["form"].errors[field])
    assert f'role="alert" id="id_{field}-error"' in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_a_bad_name_offers_the_form_again_with_the_search_kept():
    response = anonymous().post(SAVE_SEARCH, {"name": "", "query": "colour=red&page=2"})

    page = response.content.decode()
    assert '<input type="hidden" name="query" value="colour=red&amp;page=2"' in page
    assert 'aria-describedby="id_name_helptext id_name-error"' in page
    assert not SavedSearch.objects.exists()


def test_a_search_too_long_to_save_offers_no_form_to_save_it_without_its_query():
    response = anonymous().post(SAVE_SEARCH, {"name": "Long", "query": "q=" + "a" * 999})

    page = response.content.decode()
    assert "That search is too long to save" in page
    assert f'action="{SAVE_SEARCH}"' not in page
    assert 'href="/products/"' in page


def test_a_bad_name_does_not_change_the_search_saved_under_a_good_one():
    client = anonymous()
    client.post(SAVE_SEARCH, {"name": "Gifts", "query": "colour=red"})

    client.post(SAVE_SEARCH, {"name": "", "query": "colour=blue"})

    assert SavedSearch.objects.get().query == "colour=red"


def test_saved_searches_list_only_the_shoppers_own_with_links_to_the_listing():
    client = anonymous("a" * 32)
    client.post(SAVE_SEARCH, {"name": "Red", "query": "colour=red"})
    anonymous("b" * 32).post(SAVE_SEARCH, {"name": "Someone else's", "query": "colour=blue"})

    response = client.get(SEARCHES)

    assert [row.search.name for row in response.context["rows"]] == ["Red"]
    page = response.content.decode()
    assert 'href="/products/?colour=red"' in page
    assert "Someone else" not in page


def test_a_fresh_browser_has_no_saved_searches(client):
    anonymous().post(SAVE_SEARCH, {"name": "Red", "query": "colour=red"})

    response = client.get(SEARCHES)

    assert response.context["rows"] == []
    assert "No saved searches yet." in response.content.decode()


def saved(client, name="Red", query="colour=red"):
    client.post(SAVE_SEARCH, {"name": name, "query": query})
    return SavedSearch.objects.get(name=name)


def test_renaming_a_saved_search():
    client = anonymous()
    search = saved(client)

    response = client.post(
        reverse("preferences:rename-search", args=[search.pk]), {"name": "Red things"}
    )

    assert response.url == SEARCHES
    assert last_message(response) == "Renamed “Red” to “Red things”."
    search.refresh_from_db()
    assert (search.name, search.query) == ("Red things", "colour=red")


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Give the search a name."),
        ("x" * 500, "Keep the name to 80 characters or fewer (it has 500)."),
        ("Blue", "You already have a saved search called “Blue”."),
    ],
)
def test_a_bad_new_name_is_refused_beside_that_search(name, error):
    client = anonymous()
    search, _ = saved(client), saved(client, "Blue", "colour=blue")

    response = client.post(reverse("preferences:rename-search", args=[search.pk]), {"name": name})

    assert response.status_code == 400
    page = response.content.decode()
    assert f'<span class="field-error" role="alert" id="rename-{search.pk}-error">' in page
    assert error in page
    search.refresh_from_db()
    assert search.name == "Red"


def test_deleting_a_saved_search():
    client = anonymous()
    search = saved(client)

    response = client.post(
        reverse("preferences:delete-search", args=[search.pk]), {"next": ACCOUNT}
    )

    assert response.url == ACCOUNT
    assert last_message(response) == "Deleted your saved search “Red”."
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize("action", ["rename-search", "delete-search"])
def test_another_shoppers_saved_search_is_not_found(action):
    search = saved(anonymous("a" * 32))

    response = anonymous("b" * 32).post(
        reverse(f"preferences:{action}", args=[search.pk]), {"name": "Mine now"}
    )

    assert response.status_code == 404
    assert SavedSearch.objects.get().name == "Red"


@pytest.mark.parametrize("action", ["rename-search", "delete-search"])
def test_saved_search_changes_refuse_get_and_a_missing_csrf_token(action):
    search = saved(anonymous())
    browser = Client(enforce_csrf_checks=True)
    set_session(browser, **{OWNER_KEY: "a" * 32})
    url = reverse(f"preferences:{action}", args=[search.pk])

    assert browser.get(url).status_code == 405
    assert browser.post(url, {"name": "Changed"}).status_code == 403
    assert SavedSearch.objects.get().name == "Red"


# --- Account page ---------------------------------------------------------------------------


def test_account_page_asks_anonymous_shoppers_to_log_in(client):
    response = client.get(ACCOUNT)

    assert response.status_code == 302
    assert response.url == f"{reverse('shop:login')}?next={ACCOUNT}"


def test_account_page_links_to_orders_preferences_and_saved_searches(client):
    client.force_login(UserFactory())

    response = client.get(ACCOUNT)

    page = response.content.decode()
    for url in (reverse("shop:orders"), EDIT, SEARCHES, "/products/"):
        assert f'href="{url}"' in page
    assert "No saved searches yet." in page
    assert f'<a href="{ACCOUNT}">Account</a>' in page  # in the header


@pytest.fixture
def shopper_client():
    client = Client()
    client.force_login(UserFactory())
    return client


def test_account_page_shows_each_saved_search_with_its_current_count(shopper_client, red, blue):
    ProductFactory.create_batch(2, colour=red)
    ProductFactory(colour=red, is_active=False)
    ProductFactory(colour=blue)
    saved(shopper_client, "Red", "colour=red")
    saved(shopper_client, "Blue", "colour=blue")

    response = shopper_client.get(ACCOUNT)

    counts = {row.search.name: row.count for row in response.context["rows"]}
    assert counts == {"Red": 2, "Blue": 1}
    page = response.content.decode()
    assert "2 products now" in page and "1 product now" in page
    assert 'href="/products/?colour=red"' in page


def account_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ACCOUNT)
    assert response.status_code == 200
    return len(queries)


def test_account_page_costs_one_count_query_per_search_and_counts_at_most_twenty(
    shopper_client, red
):
    user = shopper_client.session["_auth_user_id"]

    def have(total, query="colour=red&price_max=80&sort=price"):
        for n in range(SavedSearch.objects.count(), total):
            SavedSearch.objects.create(user_id=user, name=f"Search {n}", query=query)

    have(1)
    account_queries(shopper_client)  # warms the header's cached departments
    one = account_queries(shopper_client)
    have(15, query="colour=red&sort=recommended&q=tent")
    fifteen = account_queries(shopper_client)
    have(25)
    twenty_five = account_queries(shopper_client)
    response = shopper_client.get(ACCOUNT)

    assert fifteen == one + 14
    assert twenty_five == one + 19
    assert len(response.context["rows"]) == 20
    assert "Showing your 20 newest saved searches." in response.content.decode()

"""A shopper saves a filtered listing under a name and finds it on their account page, with how
many products it finds now."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from preferences.models import SavedSearch
from tests.factories import PASSWORD, ColourFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.browser


def test_shopper_saves_a_colour_filtered_listing_and_finds_it_on_their_account(
    page: Page, live_site
):
    user = UserFactory.create(username="ada")
    red = ColourFactory(name="Red", slug="red", hex="#c0392b")
    ProductFactory.create_batch(2, colour=red)
    ProductFactory(colour=ColourFactory(name="Blue", slug="blue"))

    page.goto(live_site + reverse("shop:login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out ada")).to_be_visible()

    page.goto(live_site + "/products/?colour=red")
    # The listing's "Save this search" form posts `name` and `query` to preferences:save-search.
    save = page.locator(f'form[action="{reverse("preferences:save-search")}"]')
    save.locator('input[name="name"]').fill("Red things")
    save.get_by_role("button").click()

    messages = page.locator("ul.messages")
    expect(messages).to_contain_text("Saved “Red things”.")
    assert page.url == live_site + "/products/?colour=red"
    page.reload()
    expect(messages).to_have_count(0)
    assert SavedSearch.objects.get().query == "colour=red"

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    searches = page.get_by_role("region", name="Saved searches")
    expect(searches.get_by_role("listitem")).to_have_count(1)
    expect(searches.get_by_role("listitem")).to_contain_text(
        re.compile(r"Red things\s+2 products now")
    )

    searches.get_by_role("link", name="Red things").click()
    assert page.url == live_site + "/products/?colour=red"

"""A shopper's recently viewed products follow them to the home page, newest first, with why."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from personalization.models import Event
from tests.factories import ProductFactory

pytestmark = pytest.mark.browser


def test_home_page_shows_the_products_just_viewed_newest_first(page: Page, live_site):
    call_command("setup_bands", stdout=io.StringIO())
    names = ["Ridge tent", "Down sleeping bag", "Brass lantern"]
    products = [ProductFactory.create(name=name) for name in names]
    ProductFactory(name="Gas stove")  # never viewed
    page.goto(live_site)
    page.get_by_role("button", name="Yes, personalize").click()

    for product in products:
        page.goto(live_site + product.get_absolute_url())
        expect(page.get_by_role("heading", level=1)).to_have_text(product.name)
    page.goto(live_site)

    band = page.get_by_role("region", name="Recently viewed")
    expect(band.get_by_role("heading", level=3)).to_have_text(list(reversed(names)))
    expect(band.locator(".reason")).to_have_text(
        [re.compile(r"^Why: You viewed this (just now|1\sminute ago|\d+\sminutes ago)$")] * 3
    )
    expect(band.get_by_role("link", name=re.compile("^Gas stove"))).to_have_count(0)

    band.get_by_role("link", name=re.compile("^Down sleeping bag")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Down sleeping bag")
    click = Event.objects.get(kind=Event.Kind.CLICK)
    assert click.band is not None
    assert (click.band.slug, click.product, click.page) == ("recently-viewed", products[1], "home")

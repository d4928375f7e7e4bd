"""A shopper accepts tracking, browses, reads "Your shop", switches personalization off and sees
the bands change, then back on."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from personalization.models import Band, Event
from tests.factories import ProductFactory
from tests.personalization.factories import store

pytestmark = pytest.mark.browser


def test_your_shop_switches_personalization_off_and_the_bands_change(page: Page, live_site):
    call_command("setup_bands", stdout=io.StringIO())
    tent, lantern, stove = (
        ProductFactory.create(name=name, stock=5)
        for name in ["Ridge tent", "Brass lantern", "Gas stove"]
    )
    store(Band.objects.get(slug="best-sellers"), [("", stove, "Sold 40 times in 30 days")])

    page.goto(live_site)
    notice = page.get_by_role("complementary", name="Tracking")
    notice.get_by_role("button", name="Yes, personalize").click()
    expect(page.get_by_role("complementary", name="Tracking")).to_have_count(0)
    for product in (tent, lantern):
        page.goto(live_site + product.get_absolute_url())
    page.goto(live_site)

    recent = page.get_by_role("region", name="Recently viewed")
    expect(recent.get_by_role("heading", level=3)).to_have_text(["Brass lantern", "Ridge tent"])
    expect(recent.get_by_text("Picked for you")).to_be_visible()
    recent.get_by_text("Why?").click()
    expect(
        recent.get_by_text(re.compile("You viewed Brass lantern and Ridge tent today"))
    ).to_be_visible()

    page.get_by_role("link", name="Your shop").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your shop")
    inferred = page.get_by_role("region", name=re.compile("What the shop inferred"))
    expect(inferred.get_by_role("link", name="Brass lantern")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("What you told the shop"))).to_be_visible()

    page.get_by_role("button", name=re.compile("Personalization: on")).click()
    expect(page.get_by_role("button", name=re.compile("Personalization: off"))).to_be_visible()
    page.goto(live_site)
    expect(page.get_by_role("region", name="Recently viewed")).to_have_count(0)
    expect(page.get_by_role("region", name="Best sellers")).to_be_visible()
    views = Event.objects.filter(kind=Event.Kind.VIEW).count()
    page.goto(live_site + tent.get_absolute_url())
    assert Event.objects.filter(kind=Event.Kind.VIEW).count() == views

    page.goto(live_site + "/your-shop/")
    page.get_by_role("button", name=re.compile("Personalization: off")).click()
    page.goto(live_site)
    expect(page.get_by_role("region", name="Recently viewed")).to_be_visible()


def test_not_interested_removes_the_card_at_once_and_for_good(page: Page, live_site):
    call_command("setup_bands", stdout=io.StringIO())
    products = [ProductFactory.create(name=name, stock=5) for name in ["Ridge tent", "Gas stove"]]
    store(Band.objects.get(slug="best-sellers"), [("", p, "Sold a lot") for p in products])

    page.goto(live_site)
    band = page.get_by_role("region", name="Best sellers")
    band.get_by_role("button", name="Not interested in Ridge tent").click()

    expect(band.get_by_role("heading", level=3)).to_have_text(["Gas stove"])
    page.reload()
    expect(
        page.get_by_role("region", name="Best sellers").get_by_role("heading", level=3)
    ).to_have_text(["Gas stove"])


def test_a_full_band_scrolls_inside_itself_and_never_widens_the_page(page: Page, live_site):
    """Each card's "Not interested" carries screen-reader text positioned absolutely; the band's
    scrolling row must contain it, or the whole page scrolls sideways."""
    call_command("setup_bands", stdout=io.StringIO())
    products = [ProductFactory(name=f"Trail mug {n}", stock=5) for n in range(12)]
    store(Band.objects.get(slug="best-sellers"), [("", p, "Sold a lot") for p in products])
    page.set_viewport_size({"width": 800, "height": 900})

    page.goto(live_site)
    band = page.get_by_role("region", name="Best sellers")
    expect(band.get_by_role("heading", level=3)).to_have_count(8)
    row = band.get_by_role("list")
    assert row.evaluate("e => e.scrollWidth > e.clientWidth"), "the band should overflow its row"
    page_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page_width[0] <= page_width[1], f"the page scrolls sideways: {page_width}"


def test_a_short_band_keeps_cards_their_usual_size(page: Page, live_site):
    call_command("setup_bands", stdout=io.StringIO())
    products = [ProductFactory(name=f"Trail mug {n}", stock=5) for n in range(2)]
    store(Band.objects.get(slug="best-sellers"), [("", p, "Sold a lot") for p in products])

    page.goto(live_site)
    cards = page.get_by_role("region", name="Best sellers").get_by_role("listitem")
    expect(cards).to_have_count(2)
    widths = [cards.nth(n).evaluate("e => e.getBoundingClientRect().width") for n in range(2)]
    assert all(width <= 200 for width in widths), widths

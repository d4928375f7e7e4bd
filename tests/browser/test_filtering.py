"""A shopper filters and sorts the catalog; htmx swaps the results without reloading the page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ColourFactory, MaterialFactory, ProductFactory

pytestmark = pytest.mark.browser


def test_filters_update_results_chips_and_counts_in_place(page: Page, live_site):
    red, blue = ColourFactory(name="Red", slug="red"), ColourFactory(name="Blue", slug="blue")
    wool, cotton = (
        MaterialFactory(name="Wool", slug="wool"),
        MaterialFactory(name="Cotton", slug="cotton"),
    )
    for name, colour, material, price in [
        ("Red wool scarf", red, wool, "39.00"),
        ("Red wool hat", red, wool, "12.50"),
        ("Red cotton shirt", red, cotton, "25.00"),
        ("Blue wool jumper", blue, wool, "89.00"),
        ("Blue cotton shirt", blue, cotton, "22.00"),
    ]:
        ProductFactory(name=name, colour=colour, material=material, price=Decimal(price))

    page.goto(f"{live_site}/products/")
    page.evaluate("window.stillTheSamePage = true")
    status = page.locator("#listing-status")
    expect(status).to_have_text("5 products")

    page.get_by_role("group", name="Colour").get_by_text(re.compile(r"^Red")).click()
    chips = page.get_by_role("list", name="Active filters")
    expect(chips.get_by_role("link", name="Remove Colour: Red")).to_be_visible()
    expect(status).to_have_text("3 products")
    materials = page.get_by_role("group", name="Material")
    expect(materials.locator("label")).to_have_text(["Cotton (1)", "Wool (2)"])

    materials.get_by_text(re.compile(r"^Wool")).click()
    expect(chips.get_by_role("link", name="Remove Material: Wool")).to_be_visible()
    expect(status).to_have_text("2 products")
    # Layered: the colour counts keep the material filter, not their own.
    expect(page.get_by_role("group", name="Colour").locator("label")).to_have_text(
        ["Blue (1)", "Red (2)"]
    )
    expect(page.locator(".card-title")).to_have_text(["Red wool hat", "Red wool scarf"])

    page.get_by_label("Sort by").select_option("price")
    expect(page).to_have_url(re.compile(r"sort=price"))
    expect(page.locator(".card-title")).to_have_text(["Red wool hat", "Red wool scarf"])
    page.get_by_role("link", name="Remove Material: Wool").click()
    expect(status).to_have_text("3 products")
    prices = [
        Decimal(text.lstrip("€")) for text in page.locator(".card .price-now").all_inner_texts()
    ]
    assert prices == sorted(prices) == [Decimal("12.50"), Decimal("25.00"), Decimal("39.00")]

    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url == f"{live_site}/products/?colour=red&sort=price&page_size=24"

"""A shopper buys something with a real browser, from the home page to the confirmation."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from shop.models import Order
from tests.factories import CategoryFactory, DepartmentFactory, ProductFactory

pytestmark = pytest.mark.browser


def test_shopper_finds_a_product_and_checks_out(page: Page, live_site):
    camping = DepartmentFactory(name="Camping")
    tents = CategoryFactory(parent=camping, name="Tents")
    ProductFactory(category=tents, name="Ridge tent", price=Decimal("149.00"), stock=4)
    ProductFactory(category=tents, name="Dome tent", price=Decimal("199.00"), stock=4)

    page.goto(live_site)
    page.get_by_role("navigation", name="Departments").get_by_role("link", name="Camping").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Camping")

    page.get_by_role("link", name=re.compile("^Ridge tent")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ridge tent")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.get_by_role("status")).to_contain_text("Added 2 × Ridge tent")
    page.get_by_role("link", name="Check out").click()

    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Address").fill("12 St James's Square\nLondon")
    page.get_by_label("Ship to country").select_option(label="United Kingdom")
    page.get_by_role("button", name="Place order").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Thank you! Order T\d{7}$"))
    order = Order.objects.get()
    expect(heading).to_have_text(f"Thank you! Order {order.number}")
    assert order.total == Decimal("298.00")
    assert order.lines.get().product_name == "Ridge tent"

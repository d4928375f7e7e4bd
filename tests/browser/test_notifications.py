"""A shopper follows a product in a real browser; an admin lowers its price in the admin; a real
Celery worker delivers; the shopper's unread count goes up, the inbox shows the news, and the
e-mail's unsubscribe link works."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from preferences.models import Subscription
from tests.factories import PASSWORD, ProductFactory, UserFactory
from tests.integration.helpers import wait_for
from tests.integration.test_notifications import sent_mails

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def log_in(page: Page, live_site: str, username: str):
    page.goto(f"{live_site}/account/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=f"Log out {username}")).to_be_visible()


def test_follow_a_product_hear_of_its_price_drop_and_unsubscribe_from_the_email(
    page: Page, browser: Browser, live_site, celery_worker
):
    celery_worker.env["SITE_URL"] = live_site  # links in e-mails point at this test server
    celery_worker.restart()
    UserFactory(username="ada", email="ada@example.com")
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    tent = ProductFactory.create(name="Ridge tent", slug="ridge-tent", price=Decimal("50.00"))

    log_in(page, live_site, "ada")
    page.goto(f"{live_site}/p/ridge-tent/")
    follow = page.get_by_role("region", name="Follow Ridge tent")
    follow.get_by_role("button", name="Follow: price drops").click()
    expect(follow.get_by_role("button", name="✓ Following: price drops")).to_be_visible()
    expect(follow.get_by_role("status")).to_have_text("You’ll hear when Ridge tent gets cheaper.")
    nav = page.get_by_role("navigation", name="Account")
    expect(nav.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    admin = browser.new_page()
    log_in(admin, live_site, "boss")
    admin.goto(f"{live_site}/admin/shop/product/")
    admin.locator('input[name="form-0-price"]').fill("39.00")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator("ul.messagelist")).to_contain_text("was changed successfully")
    admin.close()

    def unread_badge():
        page.reload()
        return nav.get_by_label("1 unread").count() == 1

    assert wait_for(unread_badge, timeout=30, interval=0.5), celery_worker.log()
    nav.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    news = page.get_by_role("link", name="Ridge tent dropped to €39.00 (was €50.00)")
    expect(news).to_have_attribute("href", "/p/ridge-tent/")

    mails = wait_for(lambda: sent_mails(celery_worker))
    [mail] = mails
    found = re.search(r"Stop these e-mails with one click: (\S+)", mail.get_content())
    assert found, mail.get_content()
    link = found.group(1)
    assert link.startswith(f"{live_site}/account/unsubscribe/")
    page.context.clear_cookies()  # no log-in needed
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("status")).to_contain_text(
        "You won’t hear about Ridge tent (any price drop) any more."
    )
    assert not Subscription.objects.get(product=tent).is_active

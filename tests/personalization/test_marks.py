"""Every personalized element on every page says the shop picked it and why; customized ones say
the shopper chose them."""

import re

import pytest
from django.urls import reverse

from personalization.models import Algorithm, Band
from preferences.models import Preference
from tests.factories import ProductFactory, UserFactory, accept_tracking
from tests.personalization.test_bands import fill_bands

pytestmark = pytest.mark.django_db

SECTION = re.compile(r'<section class="band band-personal".*?</section>', re.S)


@pytest.fixture
def tracked_shopper_with_history(client, default_bands):
    """A logged-in shopper who accepted tracking, with results in every band and a cart."""
    shopper = UserFactory()
    page_product = ProductFactory(stock=5)
    cart_products = ProductFactory.create_batch(2, stock=5)
    client.force_login(shopper)
    accept_tracking(client)
    for product in cart_products:
        client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})
    fill_bands(shopper, page_product, cart_products, items=4)
    return shopper, page_product


def check_bands(response):
    """Each band shown has a "Picked for you" mark, a "Why?" with its reason and signals, and
    a reason and a "Not interested" on every item; returns how many items were checked."""
    html = response.content.decode()
    sections = SECTION.findall(html)
    shown = response.context["bands"]
    assert len(sections) == len(shown)
    checked = 0
    for band, section in zip(shown, sections, strict=True):
        assert "Picked for you" in section, band.title
        assert "<summary>Why?" in section, band.title
        assert band.why and band.why in section, band.title
        assert band.signals and all(s in section.replace("&#x27;", "'") for s in band.signals)
        assert section.count('class="reason"') == len(band.items) > 0, band.title
        assert section.count("Not interested") == len(band.items), band.title
        for item in band.items:
            assert item.reason, (band.title, item.card.name)
        checked += len(band.items)
    return checked


def test_every_band_item_on_every_page_carries_a_reason_and_a_mark(
    client, tracked_shopper_with_history
):
    _, product = tracked_shopper_with_history
    pages = [
        reverse("shop:home"),
        product.get_absolute_url(),
        product.category.get_absolute_url(),
        reverse("shop:cart"),
        reverse("shop:orders"),
    ]
    checked = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        checked[url] = check_bands(response)

    assert all(count > 0 for count in checked.values()), checked
    for url in [reverse("preferences:account"), reverse("personalization:your-shop")]:
        assert client.get(url).status_code == 200
        assert 'class="band band-personal"' not in client.get(url).content.decode() or (
            check_bands(client.get(url))
        )


def test_the_personalized_sort_is_marked_and_explained(client, tracked_shopper_with_history):
    html = client.get(reverse("shop:products") + "?sort=recommended").content.decode()

    assert "Picked by the shop" in html
    assert "<summary>Why?" in html


def test_customized_elements_say_you_chose_this(client, tracked_shopper_with_history):
    shopper, _ = tracked_shopper_with_history
    Preference.objects.create(user=shopper, sort="price")

    with_defaults = client.get(reverse("shop:products")).content.decode()
    filtered = client.get(reverse("shop:products") + "?price_max=500").content.decode()

    assert "You chose this" in with_defaults and "reset" in with_defaults
    assert "You chose this" in filtered and "Clear all" in filtered


def test_marks_are_accessible(client, tracked_shopper_with_history):
    html = client.get(reverse("shop:home")).content.decode()
    section = SECTION.findall(html)[0]

    # The Why? is a native disclosure (keyboard and screen readers), named for its band.
    assert re.search(r'<summary>Why\?<span class="visually-hidden"> Why “[^”]+” is shown', section)
    # Not interested is a real button, naming the product for screen readers.
    assert re.search(
        r'<button type="submit" class="link">Not interested<span class="visually-hidden"> in ',
        section,
    )


def test_live_bands_are_not_computed(default_bands):
    live = Band.objects.filter(
        algorithm__in=[Algorithm.PICK_UP, Algorithm.ONBOARDING, Algorithm.RECENTLY_VIEWED]
    )
    assert live.count() == 4
    assert not live.filter(schedule__isnull=False).exists()

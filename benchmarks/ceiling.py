"""The ceiling page: the home page's layout and cards, built once, no database.

It renders the home page's own template, ``shop/home.html``, so the only work it skips is
the data access: reading bands and products, and tracking. Its cards are the same
``shop.cards.ProductCard`` objects with their URLs worked out, as the home page's are. The
number of bands and cards comes from the environment (``CEILING_BAND_SIZES``, items per band such
as ``8,8,8,8``, and ``CEILING_GRID_ITEMS``), which the page benchmark sets from what the home page
shows.
"""

import json
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse

from personalization.bands import BandItem
from shop import demo as catalog_demo
from shop.cards import ProductCard

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Home-page bands and the kind of reason each shows, so the text is as long as the real one's.
BANDS = [
    ("best-sellers", "Best sellers", "{n} sold in the last 30 days"),
    ("best-deals", "Best deals for you", "{n}% off"),
    ("popular-near-you", "Popular near you", "Popular in United Kingdom in the last 30 days"),
    ("trending", "Trending", "Sales up {n}% on the previous 7 days"),
    ("recommended-for-you", "Recommended for you", "Because you viewed Trailhead Ridge Tent 2"),
    ("recently-viewed", "Recently viewed", "You viewed this {n} hours ago"),
]


@dataclass(frozen=True)
class CardBand:
    slug: str


@dataclass(frozen=True)
class CardShownBand:
    band: CardBand
    title: str
    items: list
    fallback_for: None = None


def _fixture(name: str) -> list[dict]:
    return [row["fields"] for row in json.loads((FIXTURES / f"{name}.json").read_text())]


def card_products(count: int) -> list[ProductCard]:
    """``count`` demo products (``shop.demo.catalog``, fixed seed) as the cards pages show."""
    icons = {row["slug"]: row["icon"] for row in _fixture("categories")}
    colours = {row["slug"]: (row["name"], row["hex"]) for row in _fixture("colours")}
    brand_names = {brand.slug: brand.name for brand in catalog_demo.brands()}
    _, items = catalog_demo.catalog(random.Random(7), count, datetime(2025, 1, 1, tzinfo=UTC))
    return [
        ProductCard(
            pk=item.index + 1,
            name=item.name,
            url=reverse("shop:product", args=[item.slug]),
            image_url=reverse(
                "shop:product-image",
                args=[icons[item.category], colours[item.colour][1].lstrip("#")],
            ),
            brand_name=brand_names[item.brand],
            colour_name=colours[item.colour][0],
            price=item.price,
            compare_at_price=item.compare_at_price,
            stock=item.stock,
        )
        for item in items
    ]


def page_content(band_sizes: list[int], grid_items: int):
    """The bands (with their items) and the new-arrivals grid the ceiling page shows."""
    products = iter(card_products(sum(band_sizes) + grid_items))
    rng = random.Random(11)
    click = reverse("personalization:click")
    shown = []
    for number, size in enumerate(band_sizes):
        slug, title, reason = BANDS[number % len(BANDS)]
        items = []
        for _ in range(size):
            card = next(products)
            link = f"{click}?{urlencode({'band': slug, 'product': card.pk, 'page': 'home'})}"
            items.append(BandItem(card, reason.format(n=rng.randint(2, 60)), link))
        shown.append(CardShownBand(CardBand(slug), title, items))
    return shown, list(products)


def configure() -> None:
    """Build the page's content from the environment (again, after it changed)."""
    CONTENT.clear()
    CONTENT.extend(
        page_content(
            [
                int(size)
                for size in os.environ.get("CEILING_BAND_SIZES", "8,8,8,8").split(",")
                if size
            ],
            int(os.environ.get("CEILING_GRID_ITEMS", "8")),
        )
    )


# The bands and the new arrivals, built at the first request (URLs can't be reversed while the
# URLconf is being imported).
CONTENT: list = []


def ceiling(request):
    if not CONTENT:
        configure()
    bands, new_arrivals = CONTENT
    return render(request, "shop/home.html", {"bands": bands, "new_arrivals": new_arrivals})

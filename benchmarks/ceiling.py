"""The ceiling page: the home page's layout and cards, built once at import, no database.

It renders ``base.html`` with the same includes as ``shop/home.html`` (``includes/bands.html``
for the bands, ``includes/product_grid.html`` for the new arrivals), so the only work it skips is
the data access: reading bands and products, and tracking. Card objects reverse their URLs on each
access like ``shop.models.Product`` does, so URL reversing costs the same on both pages. The
number of bands and cards comes from the environment (``CEILING_BAND_SIZES``, items per band such
as ``8,8,8,8``, and ``CEILING_GRID_ITEMS``), which the page benchmark sets from what the home page
shows.
"""

import json
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from django.shortcuts import render
from django.urls import reverse

from shop import demo as catalog_demo

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
class Named:
    name: str


@dataclass(frozen=True)
class CardProduct:
    """What a product card reads, with the model's properties computed the same way."""

    pk: int
    slug: str
    name: str
    brand: Named
    colour: Named
    colour_hex: str
    icon: str
    price: Decimal
    compare_at_price: Decimal | None
    stock: int

    def get_absolute_url(self):
        return reverse("shop:product", args=[self.slug])

    @property
    def image_url(self):
        return reverse("shop:product-image", args=[self.icon, self.colour_hex.lstrip("#")])

    @property
    def in_stock(self):
        return self.stock > 0

    @property
    def on_sale(self):
        return self.compare_at_price is not None and self.compare_at_price > self.price

    @property
    def discount_percent(self):
        if not self.on_sale:
            return 0
        return int((1 - self.price / self.compare_at_price) * 100)


@dataclass(frozen=True)
class CardBand:
    slug: str


@dataclass(frozen=True)
class CardItem:
    product: CardProduct
    reason: str


@dataclass(frozen=True)
class CardShownBand:
    band: CardBand
    title: str
    items: list
    fallback_for: None = None


def _fixture(name: str) -> list[dict]:
    return [row["fields"] for row in json.loads((FIXTURES / f"{name}.json").read_text())]


def card_products(count: int) -> list[CardProduct]:
    """``count`` demo products (``shop.demo.catalog``, fixed seed) as card objects."""
    icons = {row["slug"]: row["icon"] for row in _fixture("categories")}
    colours = {row["slug"]: (row["name"], row["hex"]) for row in _fixture("colours")}
    brand_names = {brand.slug: brand.name for brand in catalog_demo.brands()}
    _, items = catalog_demo.catalog(random.Random(7), count, datetime(2025, 1, 1, tzinfo=UTC))
    return [
        CardProduct(
            pk=item.index + 1, slug=item.slug, name=item.name,
            brand=Named(brand_names[item.brand]), colour=Named(colours[item.colour][0]),
            colour_hex=colours[item.colour][1], icon=icons[item.category], price=item.price,
            compare_at_price=item.compare_at_price, stock=item.stock,
        )
        for item in items
    ]


def page_content(band_sizes: list[int], grid_items: int):
    """The bands (with their items) and the new-arrivals grid the ceiling page shows."""
    products = iter(card_products(sum(band_sizes) + grid_items))
    rng = random.Random(11)
    shown = []
    for number, size in enumerate(band_sizes):
        slug, title, reason = BANDS[number % len(BANDS)]
        shown.append(CardShownBand(CardBand(slug), title, [
            CardItem(next(products), reason.format(n=rng.randint(2, 60))) for _ in range(size)
        ]))
    return shown, list(products)


def configure() -> None:
    """Build the page's content from the environment (again, after it changed)."""
    global SHOWN_BANDS, NEW_ARRIVALS
    SHOWN_BANDS, NEW_ARRIVALS = page_content(
        [int(size) for size in os.environ.get("CEILING_BAND_SIZES", "8,8,8,8").split(",")
         if size],
        int(os.environ.get("CEILING_GRID_ITEMS", "8")),
    )


SHOWN_BANDS, NEW_ARRIVALS = [], []
configure()


def ceiling(request):
    return render(request, "bench/ceiling.html", {
        "bands": SHOWN_BANDS, "new_arrivals": NEW_ARRIVALS,
    })

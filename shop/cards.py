"""Product cards: what a card in a grid or a band shows, cached so most pages need no query.

A ``ProductCard`` is a small frozen copy of a product's card fields with its URLs worked out, so
templates read plain attributes and never reach the database. ``cards()`` serves them from the
cache and loads the missing ones in one query. A product saved or deleted is forgotten when its
transaction commits (``forget_cards``, connected in ``ShopConfig.ready``), as is stock taken at
checkout; what changes without a save (a brand renamed, a bulk UPDATE) shows within
``CARD_CACHE_SECONDS``.
"""

from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db import transaction

from .models import Priced, Product

CARD_CACHE_SECONDS = 300
NEW_ARRIVALS_CACHE_SECONDS = 60
CARD_FIELDS = [
    "name",
    "slug",
    "price",
    "compare_at_price",
    "stock",
    "brand__name",
    "category__icon",
    "colour__name",
    "colour__hex",
]


class ProductCard(
    NamedTuple(
        "CardFields",
        [
            ("pk", int),
            ("name", str),
            ("url", str),
            ("image_url", str),
            ("brand_name", str),
            ("colour_name", str),
            ("price", Decimal),
            ("compare_at_price", Decimal | None),
            ("stock", int),
        ],
    ),
    Priced,
):
    """A named tuple: a page reads dozens from the cache, and tuples unpickle fastest."""

    __slots__ = ()

    @classmethod
    def of(cls, product: Product) -> "ProductCard":
        """The card of a product loaded with its brand, category and colour."""
        return cls(
            pk=product.pk,
            name=product.name,
            url=product.get_absolute_url(),
            image_url=product.image_url,
            brand_name=product.brand.name,
            colour_name=product.colour.name,
            price=product.price,
            compare_at_price=product.compare_at_price,
            stock=product.stock,
        )


def _key(product_id: int) -> str:
    return f"card:v2:{product_id}"


def cards(product_ids) -> dict[int, ProductCard]:
    """Cards of the active products among ``product_ids``, by id: one cache read, and one query
    for those the cache lacks. Inactive and unknown ids are left out."""
    keys = {int(pid): _key(pid) for pid in product_ids}
    if not keys:
        return {}
    cached = cache.get_many(list(keys.values()))
    found = {pid: ProductCard(*cached[key]) for pid, key in keys.items() if key in cached}
    missing = [pid for pid in keys if pid not in found]
    if missing:
        loaded = Product.objects.active().for_cards().only(*CARD_FIELDS).in_bulk(missing)
        fresh = {pid: ProductCard.of(product) for pid, product in loaded.items()}
        cache.set_many({keys[pid]: tuple(card) for pid, card in fresh.items()}, CARD_CACHE_SECONDS)
        found.update(fresh)
    return found


def forget_cards(product_ids) -> None:
    cache.delete_many([_key(pid) for pid in product_ids])


def forget_saved_card(sender, instance, **kwargs):
    """post_save / post_delete receiver: the product's card is dropped once the change commits."""
    transaction.on_commit(lambda: forget_cards([instance.pk]), robust=True)


def new_arrivals(count: int) -> list[ProductCard]:
    """The ``count`` newest active products' cards; the list of ids is cached briefly."""
    key = f"cards:new-arrivals:{count}"
    ids = cache.get(key)
    if ids is None:
        ids = list(
            Product.objects.active()
            .order_by("-created_at", "pk")
            .values_list("pk", flat=True)[:count]
        )
        cache.set(key, ids, NEW_ARRIVALS_CACHE_SECONDS)
    found = cards(ids)
    return [found[pid] for pid in ids if pid in found]

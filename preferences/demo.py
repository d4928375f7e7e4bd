"""Demo subscriptions: what demo shoppers follow, so a price change in the demo has an audience.

Pure part: ``follows(rng, shopper_count, products)`` returns ``DemoFollow`` rows that refer to
shoppers and products by ``index`` and to brands and categories by slug. The first shopper
(``shopper0001``) always follows one product for each product kind, its brand and its
category, so the demo has a known follower; about ``FOLLOWER_SHARE`` of the others follow one
to three things. The named shoppers (``personalization.demo_personas``) follow and save what
``PERSONA_FOLLOWS`` and ``PERSONA_PREFERENCES`` say. Database part: ``write_subscriptions(...)``
and ``write_persona_preferences(...)``.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from shop.models import Brand, Category, Colour, Material

from .models import Preference, Subscription

Kind = Subscription.Kind
FOLLOWER_SHARE = 0.2
KINDS = (
    Kind.PRICE_DROP,
    Kind.PRICE_DROP,
    Kind.PRICE_BELOW,
    Kind.BACK_IN_STOCK,
    Kind.BRAND,
    Kind.CATEGORY,
)

# What the named shoppers told the shop, so their account pages show customization beside
# personalization: brands and categories they follow, listing defaults they saved.
PERSONA_FOLLOWS = {
    "ruby": ((Kind.CATEGORY, "dresses"), (Kind.CATEGORY, "womens-tops")),
    "cam": ((Kind.CATEGORY, "camping"), (Kind.BRAND, "trailhead")),
}
PERSONA_PREFERENCES: dict[str, dict] = {
    "ruby": {"colours": ("red",), "materials": ("cotton",), "audience": "women"},
}


@dataclass(frozen=True)
class DemoFollow:
    shopper: int
    kind: str
    product: int | None = None
    brand: str = ""
    category: str = ""
    price_below: Decimal | None = None


def follows(rng, shopper_count: int, products: list) -> list[DemoFollow]:
    """Deterministic for a given ``rng`` state; no shopper follows one thing twice."""
    if not products or not shopper_count:
        return []
    rows = dict.fromkeys(first_shoppers_follows(products))
    for shopper in range(1, shopper_count):
        if rng.random() < FOLLOWER_SHARE:
            for _ in range(rng.randint(1, 3)):
                row = follow(rng, shopper, rng.choice(KINDS), rng.choice(products), products)
                rows.setdefault(row)
    return list(rows)


def persona_follows(personas: list) -> list[DemoFollow]:
    """``PERSONA_FOLLOWS`` as rows, for shoppers with a ``username`` and an ``index``."""
    return [
        DemoFollow(
            shopper.index,
            kind,
            brand=slug if kind == Kind.BRAND else "",
            category=slug if kind == Kind.CATEGORY else "",
        )
        for shopper in personas
        for kind, slug in PERSONA_FOLLOWS.get(shopper.username, ())
    ]


def first_shoppers_follows(products: list) -> list[DemoFollow]:
    in_stock = next((p for p in products if p.stock > 0), products[0])
    sold_out = next((p for p in products if p.stock == 0), None)
    rows = [
        DemoFollow(0, Kind.PRICE_DROP, product=in_stock.index),
        DemoFollow(0, Kind.PRICE_BELOW, product=in_stock.index, price_below=below(in_stock.price)),
        DemoFollow(0, Kind.BRAND, brand=in_stock.brand),
        DemoFollow(0, Kind.CATEGORY, category=in_stock.category),
    ]
    if sold_out is not None:
        rows.append(DemoFollow(0, Kind.BACK_IN_STOCK, product=sold_out.index))
    return rows


def follow(rng, shopper: int, kind: str, product, products: list) -> DemoFollow:
    if kind == Kind.BACK_IN_STOCK:
        product = next((p for p in products[product.index :] if p.stock == 0), product)
    if kind == Kind.BRAND:
        return DemoFollow(shopper, kind, brand=product.brand)
    if kind == Kind.CATEGORY:
        return DemoFollow(
            shopper, kind, category=rng.choice([product.category, product.department])
        )
    return DemoFollow(
        shopper,
        kind,
        product=product.index,
        price_below=below(product.price) if kind == Kind.PRICE_BELOW else None,
    )


def below(price: Decimal) -> Decimal:
    """A round price about 10% under ``price``: what a shopper would watch for."""
    return max(Decimal("1"), (price * Decimal("0.9")).quantize(Decimal("1"), ROUND_DOWN))


def write_subscriptions(demo_follows, first_product: int, first_user: int) -> int:
    """Store the follows (shopper index i is user ``first_user + i``, product index j is
    product ``first_product + j``); return how many."""
    brands = dict(Brand.objects.values_list("slug", "pk"))
    categories = dict(Category.objects.values_list("slug", "pk"))
    Subscription.objects.bulk_create(
        [
            Subscription(
                user_id=first_user + row.shopper,
                kind=row.kind,
                price_below=row.price_below,
                product_id=None if row.product is None else first_product + row.product,
                brand_id=brands.get(row.brand),
                category_id=categories.get(row.category),
            )
            for row in demo_follows
        ],
        batch_size=2000,
    )
    return len(demo_follows)


def write_persona_preferences(personas: list, first_user: int) -> int:
    """Store ``PERSONA_PREFERENCES`` (shopper index i is user ``first_user + i``); return how
    many."""
    written = 0
    for shopper in personas:
        wanted = PERSONA_PREFERENCES.get(shopper.username)
        if wanted is None:
            continue
        preference = Preference.objects.create(
            user_id=first_user + shopper.index, audience=wanted.get("audience", "")
        )
        preference.colours.set(Colour.objects.filter(slug__in=wanted.get("colours", ())))
        preference.materials.set(Material.objects.filter(slug__in=wanted.get("materials", ())))
        written += 1
    return written

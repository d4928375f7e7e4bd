"""One visit at a time: the world a visit samples from, and what the visitor views, carts and buys.

Pure, no queries. Products are referred to by ``index``; ``personalization.demo`` plans the visits
and stores them.
"""

import math
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from personalization.demo_shoppers import AUDIENCE_BOOST, Taste, identity
from personalization.models import Event
from shop.demo import DEPARTMENTS
from shop.models import Order

ZIPF_EXPONENT = 1.0
SALE_APPEAL = 1.5
COLOUR_LOYALTY = 0.85
FAVOURITE_DEPARTMENT_SHARE = 0.8
PARTNER_VIEW_SHARE = 0.3
PARTNER_TAKE_SHARE = 0.75
ABANDONED_CART_SHARE = 0.3
PICK_TRIES = 4
MAX_LINES = 12
SHIPPED_AFTER = timedelta(days=3)

COMPLEMENTS = {
    "tents": "sleeping-bags camping-stoves headlamps",
    "sleeping-bags": "tents headlamps",
    "camping-stoves": "tents mugs",
    "backpacks": "water-bottles headlamps",
    "headlamps": "tents backpacks",
    "cameras": "memory-cards lenses tripods camera-bags",
    "lenses": "cameras camera-bags",
    "memory-cards": "cameras",
    "tripods": "cameras",
    "camera-bags": "cameras lenses",
    "dresses": "sandals",
    "womens-tops": "skirts",
    "womens-jackets": "womens-tops",
    "skirts": "womens-tops",
    "shirts": "jeans",
    "t-shirts": "jeans",
    "mens-jackets": "jeans",
    "jeans": "t-shirts shirts",
    "running-shoes": "socks water-bottles fitness-trackers",
    "hiking-boots": "socks backpacks",
    "socks": "running-shoes",
    "bedding": "cushions",
    "cushions": "bedding candles",
    "lamps": "candles",
    "rugs": "cushions",
    "candles": "cushions",
    "pans": "knives",
    "knives": "pans",
    "mugs": "coffee",
    "coffee-makers": "coffee mugs",
    "coffee": "mugs coffee-makers",
    "yoga-mats": "water-bottles",
    "water-bottles": "yoga-mats",
    "fitness-trackers": "running-shoes",
    "balls": "water-bottles",
    "toys": "books-for-kids",
    "kids-clothing": "toys",
    "books-for-kids": "toys",
}


@dataclass(frozen=True)
class Params:
    """How much behaviour to simulate. Rates are per shopper; guests visit once each."""

    days: int = 90
    sessions_per_day: float = 0.1
    conversion: float = 0.3
    lines_per_order: float = 2.0
    guests_per_shopper: float = 2.0
    guest_conversion: float = 0.05


# With 10,000 products, 50,000 shoppers and 90 days: about 200,000 orders with 1,000,000 lines.
BENCHMARK_PARAMS = Params(sessions_per_day=0.148, lines_per_order=5.0)


@dataclass(frozen=True, slots=True)
class Pool:
    """Products to draw from, in proportion to their popularity."""

    items: list[int]
    cum_weights: list[float]

    def draw(self, rng) -> int:
        return self.items[bisect(self.cum_weights, rng.random() * self.cum_weights[-1])]


@dataclass(frozen=True)
class World:
    """What the simulation samples from; lists are indexed by product index."""

    products: list
    partners: list[tuple[int, ...]]
    price_rank: list[float]
    by_department: dict[str, Pool]
    by_department_colour: dict[tuple[str, str], Pool]


@dataclass(frozen=True, slots=True)
class DemoEvent:
    kind: str
    product: int
    at: datetime
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class DemoOrder:
    """An order; ``lines`` are ``(product index, quantity)`` pairs, products distinct."""

    at: datetime
    status: str
    full_name: str
    email: str
    address: str
    lines: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class DemoSession:
    """One visit. ``shopper`` is the shopper's index, or None for a guest."""

    key: str
    shopper: int | None
    country: str
    events: tuple[DemoEvent, ...]
    order: DemoOrder | None


def world(rng, products) -> World:
    """Zipf popularity over a shuffled ranking, and two or three fixed partners per product.

    Partners come from complementary categories (``COMPLEMENTS``), popular ones more often.
    """
    order = list(range(len(products)))
    rng.shuffle(order)
    popularity = [0.0] * len(products)
    for rank, index in enumerate(order):
        on_sale = products[index].compare_at_price is not None
        popularity[index] = (rank + 1) ** -ZIPF_EXPONENT * (SALE_APPEAL if on_sale else 1)
    by_category = pools(products, popularity, lambda p: p.category)
    return World(
        products=products,
        partners=[partners(rng, p, by_category) for p in products],
        price_rank=price_ranks(products),
        by_department=pools(products, popularity, lambda p: p.department),
        by_department_colour=pools(products, popularity, lambda p: (p.department, p.colour)),
    )


def pools(products, popularity: list[float], key: Callable) -> dict:
    """Products grouped by ``key``, in catalog order within each pool."""
    groups: dict = {}
    for product in products:
        groups.setdefault(key(product), []).append(product.index)
    return {
        name: Pool(items, list(accumulate(popularity[i] for i in items)))
        for name, items in groups.items()
    }


def partners(rng, product, by_category: dict[str, Pool]) -> tuple[int, ...]:
    """Two or three distinct products from the categories that complement ``product``'s."""
    categories = [c for c in COMPLEMENTS.get(product.category, "").split() if c in by_category]
    if not categories:
        return ()
    wanted, chosen = rng.randint(2, 3), []
    for attempt in range(wanted * 4):
        candidate = by_category[categories[attempt % len(categories)]].draw(rng)
        if candidate not in chosen:
            chosen.append(candidate)
        if len(chosen) == wanted:
            break
    return tuple(chosen)


def price_ranks(products) -> list[float]:
    """Each product's price position within its category: 0 cheapest, 1 dearest."""
    ranks = [0.5] * len(products)
    by_category: dict[str, list] = {}
    for product in products:
        by_category.setdefault(product.category, []).append(product)
    for members in by_category.values():
        members.sort(key=lambda p: (p.price, p.index))
        for position, product in enumerate(members):
            ranks[product.index] = position / max(1, len(members) - 1)
    return ranks


def poisson(rng, mean: float) -> int:
    """A Poisson draw: Knuth's method for small means, a rounded normal for large ones."""
    if mean >= 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def visit(rng, scene: World, visitor, start: datetime, until: datetime, params) -> DemoSession:
    """Browse a department; maybe buy the first product viewed, its partners and other views."""
    key = f"{rng.getrandbits(128):032x}"
    department = mission(rng, visitor)
    hero = pick(rng, scene, visitor.taste, department, start)
    if hero is None:
        return DemoSession(key, visitor.index, visitor.country, (), None)
    viewed = browse(rng, scene, visitor.taste, department, hero, start)
    buys = rng.random() < (params.guest_conversion if visitor.guest else params.conversion)
    carted = cart(rng, scene, visitor.taste, viewed, buys, params, start)
    events, end = timeline(rng, viewed + [p for p in carted if p not in viewed], carted, start)
    order = None
    if buys:
        order = checkout(rng, visitor, carted, end + timedelta(seconds=rng.randint(60, 400)), until)
        events += [DemoEvent(Event.Kind.PURCHASE, p, order.at, q) for p, q in order.lines]
    return DemoSession(key, visitor.index, visitor.country, tuple(events), order)


def mission(rng, visitor) -> str:
    """Mostly one of the visitor's favourite departments, the first favourite most."""
    favourites = visitor.taste.departments
    if rng.random() < FAVOURITE_DEPARTMENT_SHARE:
        return rng.choices(favourites, weights=range(len(favourites) + 1, 1, -1))[0]
    return rng.choice(list(DEPARTMENTS))


def pick(rng, scene: World, taste: Taste, department: str, at: datetime) -> int | None:
    """A product of ``department`` on sale at ``at``: popular, and to the visitor's taste.

    Usually drawn among the visitor's colours (the whole department when none of those is on
    sale); the first product on sale is taken when none appeals. None only when nothing drawn
    was on sale yet.
    """
    pool = scene.by_department.get(department)
    if pool is None:
        return None
    if rng.random() < COLOUR_LOYALTY:
        pool = scene.by_department_colour.get((department, rng.choice(taste.colours)), pool)
    fallback = None
    for attempt in range(PICK_TRIES * 2):
        if attempt == PICK_TRIES and fallback is None:
            pool = scene.by_department[department]
        index = pool.draw(rng)
        if scene.products[index].created_at > at:
            continue
        if rng.random() < appeal(scene, taste, index):
            return index
        fallback = index if fallback is None else fallback
    return fallback


def appeal(scene: World, taste: Taste, index: int) -> float:
    """How likely the visitor is to look closer: material, price level and audience."""
    product = scene.products[index]
    score = 1.0 if product.material in taste.materials else 0.5
    score *= 1 - 0.7 * abs(scene.price_rank[index] - taste.price_level)
    if product.audience in AUDIENCE_BOOST and product.audience != taste.audience:
        score *= 0.25
    return score


def partner(rng, scene: World, index: int, at: datetime) -> int | None:
    """One of the product's fixed partners, if it has any and it existed at ``at``."""
    choices = scene.partners[index]
    if not choices:
        return None
    candidate = rng.choice(choices)
    return candidate if scene.products[candidate].created_at <= at else None


def browse(rng, scene: World, taste: Taste, department: str, hero: int, at: datetime):
    """Two to fifteen distinct products, ``hero`` first: partners, the department, favourites."""
    viewed, wanted = [hero], 2 + min(13, int(rng.expovariate(1 / 4)))
    for _ in range(wanted * 2):
        if len(viewed) >= wanted:
            break
        roll = rng.random()
        if roll < PARTNER_VIEW_SHARE:
            candidate = partner(rng, scene, rng.choice(viewed), at)
        else:
            elsewhere = roll > 0.85
            where = rng.choice(taste.departments) if elsewhere else department
            candidate = pick(rng, scene, taste, where, at)
        if candidate is not None and candidate not in viewed:
            viewed.append(candidate)
    return viewed


def cart(rng, scene: World, taste: Taste, viewed, buys: bool, params: Params, at) -> dict:
    """What goes in the cart, with quantities: the basket of a buyer, or one abandoned item."""
    if buys:
        size = min(MAX_LINES, 1 + poisson(rng, params.lines_per_order - 1))
        return {p: quantity(rng) for p in basket(rng, scene, taste, viewed, size, at)}
    if rng.random() < ABANDONED_CART_SHARE:
        return {rng.choice(viewed): 1}
    return {}


def basket(rng, scene: World, taste: Taste, viewed, size: int, at) -> list[int]:
    """``size`` products (fewer if none can be found): the first viewed, then its partners
    (each kept with ``PARTNER_TAKE_SHARE``), then other viewed ones, then favourites."""
    hero = viewed[0]
    candidates = [p for p in scene.partners[hero] if rng.random() < PARTNER_TAKE_SHARE]
    candidates += viewed[1:]
    chosen = [hero]
    for attempt in range(size * 3):
        if len(chosen) >= size:
            break
        if attempt < len(candidates):
            candidate = candidates[attempt]
        else:
            candidate = pick(rng, scene, taste, rng.choice(taste.departments), at)
        if (
            candidate is not None
            and candidate not in chosen
            and (scene.products[candidate].created_at <= at)
        ):
            chosen.append(candidate)
    return chosen


def quantity(rng) -> int:
    roll = rng.random()
    return 1 if roll < 0.9 else 2 if roll < 0.98 else 3


def timeline(rng, views, carted: dict, start: datetime) -> tuple[list[DemoEvent], datetime]:
    """A view per product, a cart-add after the view of each carted one; and the end time."""
    events, at = [], start
    for product in views:
        events.append(DemoEvent(Event.Kind.VIEW, product, at))
        if product in carted:
            at += timedelta(seconds=rng.randint(5, 40))
            events.append(DemoEvent(Event.Kind.CART_ADD, product, at, carted[product]))
        at += timedelta(seconds=rng.randint(10, 180))
    return events, at


def checkout(rng, visitor, carted: dict, at: datetime, until: datetime) -> DemoOrder:
    full_name, email, address = identity(rng, visitor)
    status = Order.Status.SHIPPED if until - at > SHIPPED_AFTER else Order.Status.PLACED
    return DemoOrder(at, status, full_name, email, address, tuple(carted.items()))

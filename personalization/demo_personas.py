"""The demo's named shoppers: a few people with plain, distinct tastes. Pure, no queries.

The generated shoppers (``shopper0001`` on) make the shop's figures believable; these make the
difference personalization makes easy to see. Each has a fixed taste and a number of visits in
the demo's last ``RECENT_DAYS`` days. Unlike a generated shopper, who wanders (partners, other
departments), a persona looks only at what suits them (``focused_visit``), so their pages show
their taste plainly. They draw from random streams of their own: adding them leaves every
generated shopper's rows as they were.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from personalization.demo_sessions import (
    DemoEvent,
    DemoSession,
    Params,
    World,
    checkout,
    quantity,
    timeline,
)
from personalization.demo_shoppers import DemoShopper, Taste, address
from personalization.models import Event

RECENT_DAYS = 14


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    country: str
    taste: Taste
    visits: int
    story: str


PERSONAS = (
    Persona(
        "ruby",
        "Ruby",
        "Reed",
        "GB",
        Taste(
            colours=("red",),
            materials=("cotton",),
            departments=("women",),
            price_level=0.4,
            audience="women",
        ),
        visits=24,
        story="likes red cotton: dresses, tops and skirts",
    ),
    Persona(
        "cam",
        "Cam",
        "Berger",
        "DE",
        Taste(
            colours=("green", "olive", "orange"),
            materials=("nylon", "polyester"),
            departments=("camping", "footwear"),
            price_level=0.6,
            audience="men",
        ),
        visits=24,
        story="buys camping gear: tents, sleeping bags, boots",
    ),
    Persona(
        "nova",
        "Nova",
        "Lind",
        "SE",
        Taste(
            colours=("white",),
            materials=("wool",),
            departments=("home",),
            price_level=0.5,
            audience="women",
        ),
        visits=0,
        story="a new visitor: an account, no history yet",
    ),
)


def personas(rng, first_index: int, until: datetime) -> list[DemoShopper]:
    """``PERSONAS`` as shoppers with indexes from ``first_index``; the new visitor joined the
    day before ``until``, the others a year before it."""
    return [
        DemoShopper(
            index=first_index + number,
            username=p.username,
            first_name=p.first_name,
            last_name=p.last_name,
            email=f"{p.username}@example.com",
            country=p.country,
            address=address(rng, p.country),
            taste=p.taste,
            activity=0.0,
            joined_at=until - timedelta(days=1 if p.visits == 0 else 365),
        )
        for number, p in enumerate(PERSONAS)
    ]


def persona_sessions(
    rng, scene: World, people: list[DemoShopper], until: datetime, params: Params
) -> Iterator[DemoSession]:
    """Each persona's visits, in time order, spread over the last ``RECENT_DAYS`` days."""
    days = min(RECENT_DAYS, params.days)
    opens = until - timedelta(days=days)
    visits = {p.username: p.visits for p in PERSONAS}
    starts = sorted(
        (rng.randrange(days * 86400 - 4 * 3600), number)
        for number, shopper in enumerate(people)
        for _ in range(visits[shopper.username])
    )
    for offset, number in starts:
        start = opens + timedelta(seconds=offset)
        yield focused_visit(rng, scene, people[number], start, until, params)


def suits(scene: World, taste: Taste, index: int) -> int:
    """2 for a product of the taste's departments in its colour and material, 1 for one of
    the two, else 0."""
    product = scene.products[index]
    if product.department not in taste.departments:
        return 0
    return (product.colour in taste.colours) + (product.material in taste.materials)


def focused_visit(
    rng, scene: World, visitor: DemoShopper, start: datetime, until: datetime, params: Params
) -> DemoSession:
    """Three to six views among the products that suit the visitor (the best suited twice as
    likely), on sale at ``start``; with ``params.conversion``, an order of one or two of them."""
    key = f"{rng.getrandbits(128):032x}"
    weights = {
        p.index: suits(scene, visitor.taste, p.index)
        for p in scene.products
        if p.created_at <= start and suits(scene, visitor.taste, p.index)
    }
    if not weights:
        return DemoSession(key, visitor.index, visitor.country, (), None)
    viewed: list[int] = []
    wanted = rng.randint(3, 6)
    for _ in range(wanted * 3):
        chosen = rng.choices(list(weights), weights=list(weights.values()))[0]
        if chosen not in viewed:
            viewed.append(chosen)
        if len(viewed) == wanted:
            break
    buys = rng.random() < params.conversion
    carted = {p: quantity(rng) for p in viewed[: rng.randint(1, 2)]} if buys else {}
    events, end = timeline(rng, viewed, carted, start)
    order = None
    if buys:
        order = checkout(rng, visitor, carted, end + timedelta(seconds=rng.randint(60, 400)), until)
        events += [DemoEvent(Event.Kind.PURCHASE, p, order.at, q) for p, q in order.lines]
    return DemoSession(key, visitor.index, visitor.country, tuple(events), order)

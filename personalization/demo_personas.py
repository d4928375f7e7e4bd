"""The demo's named shoppers: a few people with plain, distinct tastes. Pure, no queries.

The generated shoppers (``shopper0001`` on) make the shop's figures believable; these make the
difference personalization makes easy to see. Each has a fixed taste and a number of visits in
the demo's last ``RECENT_DAYS`` days, drawn like any shopper's (``demo_sessions.visit``) from
their own random stream, so adding them leaves every generated shopper's rows as they were.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from personalization.demo_sessions import DemoSession, Params, World, visit
from personalization.demo_shoppers import DemoShopper, Taste, address

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
        yield visit(rng, scene, people[number], opens + timedelta(seconds=offset), until, params)

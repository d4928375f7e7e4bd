"""Demo behaviour: shoppers' sessions of product views that lead to carts and orders.

Pure part, no queries; a benchmark calls it without a database:

- ``simulate(seed, products, shopper_count, until, params)`` returns everything ``seed_demo``
  stores for those arguments: brands, products, shoppers, the visit plan and a lazy iterator of
  ``DemoSession`` rows in time order. ``Params`` dials the volume (visits per shopper and day,
  conversion, lines per order, guests).
- Its pieces: ``shop.demo.catalog``, ``demo_shoppers.shoppers``, ``demo_sessions.world``,
  ``session_plan`` and ``sessions``. Rows refer to products and shoppers by ``index`` (their
  position in their list), never by database id.

Database part: ``delete_demo_behaviour()``, ``write_shoppers(...)`` and ``write_sessions(...)``.
"""

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from heapq import merge
from itertools import accumulate
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db.models import Max, Q

from personalization.demo_personas import persona_sessions, personas
from personalization.demo_sessions import (
    BENCHMARK_PARAMS,
    DemoSession,
    Params,
    World,
    poisson,
    visit,
    world,
)
from personalization.demo_shoppers import guests, shoppers
from personalization.models import Event
from shop import demo as catalog_demo
from shop.backends import DEMO_PASSWORD
from shop.models import Order, OrderLine, Product, Shopper

__all__ = [
    "BENCHMARK_PARAMS",
    "DEMO_PASSWORD",
    "DemoSession",
    "Params",
    "simulate",
    "session_plan",
    "sessions",
    "world",
]

DEMO_PASSWORD_SALT = "tailordemosalt"
# Sessions start at most two hours before ``until`` and last well under that.
LAST_START_MARGIN = 2 * 3600
HOUR_CUM_WEIGHTS = list(
    accumulate([1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 9, 8, 5, 2])
)
FLUSH_EVENTS = 20_000
DEFAULT_PARAMS = Params()
BATCH_SIZE = 2000
PAGES: dict[str, str] = {
    Event.Kind.VIEW: "product",
    Event.Kind.CART_ADD: "product",
    Event.Kind.PURCHASE: "checkout",
}


@dataclass(frozen=True)
class Plan:
    """Who visits when: ``starts`` holds ``(seconds after the window opens, visitor number)``,
    sorted; ``visitors`` are the shoppers (by index) followed by one-visit guests."""

    visitors: list
    starts: list[tuple[int, int]]


@dataclass
class Simulation:
    """``shoppers`` are the generated ones followed by the named ``personas``; ``plan`` holds
    the generated shoppers' and guests' visits; ``sessions`` yields those and the personas', in
    time order."""

    brands: list
    products: list
    shoppers: list
    plan: Plan
    sessions: Iterator[DemoSession] = field(repr=False)
    personas: list = field(default_factory=list)


def seeded(seed: int, step: str) -> random.Random:
    """One generator per step, so changing one step's size leaves the others' rows alone."""
    return random.Random(f"{seed}:{step}")


def simulate(
    seed: int, products: int, shopper_count: int, until: datetime, params: Params = DEFAULT_PARAMS
) -> Simulation:
    """All demo rows for these arguments; identical to what ``seed_demo`` stores.

    ``until`` ends the behaviour window (exclusive); ``sessions`` is lazy, yields one session
    per ``plan.starts`` entry and one per persona visit, in time order, and must be consumed
    once, in order.
    The personas (``demo_personas``) draw from streams of their own: the generated rows are
    the same with or without them.
    """
    brands, items = catalog_demo.catalog(seeded(seed, "catalog"), products, until)
    people = shoppers(seeded(seed, "shoppers"), shopper_count, until - timedelta(params.days))
    plan = session_plan(seeded(seed, "plan"), people, params)
    scene = world(seeded(seed, "world"), items)
    named = personas(seeded(seed, "personas"), len(people), until)
    visits = merge(
        sessions(seeded(seed, "sessions"), scene, plan, until, params),
        persona_sessions(seeded(seed, "persona visits"), scene, named, until, params),
        key=started,
    )
    return Simulation(brands, items, people + named, plan, visits, named)


def started(session: DemoSession) -> datetime:
    """When a session began; an empty one (nothing on sale yet) counts as the earliest."""
    return session.events[0].at if session.events else datetime.min.replace(tzinfo=UTC)


def session_plan(rng, people, params: Params) -> Plan:
    """Shoppers visit a Poisson number of times (scaled by their activity); guests once."""
    visitors = list(people) + guests(rng, round(len(people) * params.guests_per_shopper))
    starts: list[tuple[int, int]] = []
    for number, visitor in enumerate(visitors):
        mean = params.sessions_per_day * params.days * visitor.activity
        count = 1 if visitor.guest else poisson(rng, mean)
        starts.extend((session_offset(rng, params.days), number) for _ in range(count))
    starts.sort()
    return Plan(visitors, starts)


def session_offset(rng, days: int) -> int:
    """Seconds into the window: any day, busier in the evening."""
    hour = rng.choices(range(24), cum_weights=HOUR_CUM_WEIGHTS)[0]
    offset = rng.randrange(days) * 86400 + hour * 3600 + rng.randrange(3600)
    return min(offset, days * 86400 - LAST_START_MARGIN)


def sessions(
    rng, scene: World, plan: Plan, until: datetime, params: Params
) -> Iterator[DemoSession]:
    """One ``DemoSession`` per planned start, in time order; consumes ``rng`` as it goes.

    A session is empty (no events, no order) only when nothing in its department existed yet.
    """
    since = until - timedelta(days=params.days)
    for offset, number in plan.starts:
        yield visit(
            rng, scene, plan.visitors[number], since + timedelta(seconds=offset), until, params
        )


def delete_demo_behaviour() -> None:
    """Delete demo shoppers (their users too) and the events and orders around demo data.

    Goes: events and orders of demo shoppers or about demo products (``shop.demo.SKU_PREFIX``),
    including another visitor's order of a demo product, which could not outlive the product,
    and every event of a visit that had such events (its band impressions).
    Stays: every user without a demo ``Shopper``, and any superuser or staff member.
    """
    users = get_user_model().objects.filter(
        shopper__is_demo=True, is_superuser=False, is_staff=False
    )
    products = Product.objects.filter(sku__startswith=catalog_demo.SKU_PREFIX)
    touched = Event.objects.filter(Q(user__in=users) | Q(product__in=products))
    # Band impressions name no product: they go with the visits that touched demo data.
    Event.objects.filter(session_key__in=touched.values("session_key")).delete()
    ordered = OrderLine.objects.filter(product__in=products).values("order_id")
    Order.objects.filter(Q(user__in=users) | Q(pk__in=ordered)).delete()
    users.delete()


def write_shoppers(demo_shoppers, progress: Callable[[int], None]) -> int:
    """Create a user and a demo ``Shopper`` per shopper; return the user pk of index 0.

    Shopper index i gets user pk ``first + i``. Every demo user shares one password hash
    (``DEMO_PASSWORD``): hashing it once per user would take minutes. Its salt is fixed, so
    ``make fixtures`` writes the same bytes each time; the password is public anyway, and
    refused with ``DEBUG`` off (``shop.backends``).
    """
    user_model = get_user_model()
    check_usernames_free(user_model, demo_shoppers)
    password = make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)
    first = (user_model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    users = [
        user_model(
            pk=first + s.index,
            username=s.username,
            first_name=s.first_name,
            last_name=s.last_name,
            email=s.email,
            password=password,
            date_joined=s.joined_at,
        )
        for s in demo_shoppers
    ]
    catalog_demo.insert_rows(user_model, users, progress)
    Shopper.objects.bulk_create(
        # Logging in as a demo shopper is for seeing personalization: they said yes to tracking.
        [
            Shopper(
                user_id=first + s.index,
                country=s.country,
                is_demo=True,
                tracking_consent=Shopper.Consent.ACCEPTED,
            )
            for s in demo_shoppers
        ],
        batch_size=BATCH_SIZE,
    )
    catalog_demo.reset_sequences(user_model)
    return first


def check_usernames_free(user_model, demo_shoppers) -> None:
    """Refuse to run when a user kept from deletion holds a demo username."""
    wanted = {s.username for s in demo_shoppers}
    existing = user_model.objects.filter(username__in=wanted)
    taken = sorted(existing.values_list("username", flat=True))
    if taken:
        raise CommandError(
            f"User {taken[0]} exists and is not a demo shopper (or is staff): rename it first."
        )


def write_sessions(
    demo_sessions, products, first_product: int, first_user: int, progress: Callable[[int], None]
) -> Counter:
    """Store each session's order, order lines and events; return how many of each kind.

    Product index i is pk ``first_product + i``, shopper index i is user pk ``first_user + i``.
    Orders get explicit pks above the current maximum so lines point at them without a round
    trip; ``progress`` hears of every session.
    """
    writer = SessionWriter(products, first_product, first_user)
    for session in demo_sessions:
        writer.add(session)
        progress(1)
        if len(writer.events) >= FLUSH_EVENTS:
            writer.flush()
    writer.flush()
    catalog_demo.reset_sequences(Order)
    return writer.counts


class SessionWriter:
    """Buffers the rows of sessions and writes them in bulk, orders before their lines."""

    def __init__(self, products, first_product: int, first_user: int):
        self.products, self.first_product, self.first_user = products, first_product, first_user
        self.next_order = (Order.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        # Typed loosely: flush() writes the three lists through one loop.
        self.orders: list[Any] = []
        self.lines: list[Any] = []
        self.events: list[Any] = []
        self.counts: Counter[str] = Counter()

    def add(self, session: DemoSession) -> None:
        user_id = None if session.shopper is None else self.first_user + session.shopper
        self.events.extend(
            Event(
                kind=e.kind,
                session_key=session.key,
                user_id=user_id,
                product_id=self.first_product + e.product,
                country=session.country,
                page=PAGES[e.kind],
                quantity=e.quantity,
                created_at=e.at,
            )
            for e in session.events
        )
        self.counts.update(e.kind for e in session.events)
        if session.order is not None:
            self.add_order(session, user_id)

    def add_order(self, session: DemoSession, user_id: int | None) -> None:
        order, pk = session.order, self.next_order
        assert order is not None
        self.next_order += 1
        lines = [
            OrderLine(
                order_id=pk,
                product_id=self.first_product + index,
                quantity=quantity,
                product_name=self.products[index].name,
                unit_price=self.products[index].price,
            )
            for index, quantity in order.lines
        ]
        self.lines.extend(lines)
        self.orders.append(
            Order(
                pk=pk,
                user_id=user_id,
                session_key=session.key,
                full_name=order.full_name,
                email=order.email,
                address=order.address,
                country=session.country,
                status=order.status,
                total=sum(line.subtotal for line in lines),
                created_at=order.at,
                confirmation_sent_at=order.at + timedelta(minutes=1),
            )
        )

    def flush(self) -> None:
        for model, rows, name in (
            (Order, self.orders, "orders"),
            (OrderLine, self.lines, "order lines"),
            (Event, self.events, "events"),
        ):
            model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
            self.counts[name] += len(rows)
            rows.clear()

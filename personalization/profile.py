"""What the shop inferred about a visitor, as the "Your shop" page shows it.

Read from the visitor's own latest events (one query, ``PROFILE_EVENTS`` at most), so it is
always what the bands see now; nothing of it is stored.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import F

from .lifecycle import Stage, own_events, stage_of
from .models import Event

PROFILE_EVENTS = 200
TOP = 3
KINDS = (Event.Kind.VIEW, Event.Kind.CART_ADD, Event.Kind.PURCHASE)
# A purchase says more about a taste than a cart, and a cart more than a look.
WEIGHTS = {Event.Kind.VIEW: 1, Event.Kind.CART_ADD: 3, Event.Kind.PURCHASE: 5}


@dataclass(frozen=True)
class TrackedEvent:
    kind: str
    label: str
    product_name: str
    product_slug: str
    when: object


@dataclass
class Profile:
    events: list[TrackedEvent] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    price_range: tuple | None = None
    stage: str = Stage.NEW
    stage_label: str = Stage.NEW.label
    seeded_by_picks: bool = False

    @property
    def empty(self) -> bool:
        return not self.events


def inferred_profile(visitor, recent=10) -> Profile:
    """The visitor's profile; ``recent`` of their latest events are listed."""
    mine = own_events(visitor)
    rows = []
    if mine is not None:
        rows = list(
            mine.filter(kind__in=KINDS, product__isnull=False)
            .order_by("-created_at")
            .values_list(
                "kind",
                "created_at",
                "user_id",
                F("product__name"),
                F("product__slug"),
                F("product__category__name"),
                F("product__colour__name"),
                F("product__material__name"),
                F("product__price"),
            )[:PROFILE_EVENTS]
        )
        rows = [row for row in rows if row[2] == visitor.user_id]
    stage = stage_of(visitor)
    profile = Profile(stage=stage, stage_label=Stage(stage).label)
    labels = dict(Event.Kind.choices)
    profile.events = [
        TrackedEvent(kind, labels[kind], name, slug, when)
        for kind, when, _, name, slug, *_ in rows[:recent]
    ]
    _tastes(profile, rows)
    if not rows and visitor.picks:
        profile.categories = [name for kind, _, name in visitor.picks if kind == "category"]
        profile.colours = [name for kind, _, name in visitor.picks if kind == "colour"]
        profile.seeded_by_picks = True
    return profile


def _tastes(profile, rows) -> None:
    counters: list[Counter] = [Counter(), Counter(), Counter()]
    prices = []
    for kind, _, _, _, _, category, colour, material, price in rows:
        for counter, value in zip(counters, (category, colour, material), strict=True):
            counter[value] += WEIGHTS[kind]
        prices.append(price)
    profile.categories, profile.colours, profile.materials = (
        [name for name, _ in counter.most_common(TOP)] for counter in counters
    )
    if prices:
        prices.sort()
        # The middle of what they look at: a single odd purchase does not stretch it.
        low = prices[len(prices) // 10]
        high = prices[max(0, (len(prices) * 9 + 9) // 10 - 1)]
        profile.price_range = (low, high)

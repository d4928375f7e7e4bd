"""The roll-up into BandDay rows, checked against counts made directly from the stored events."""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from personalization.models import BandDay, Event
from personalization.rollup import attribution_window, recent_days, roll_up
from personalization.tasks import roll_up_band_figures
from shop.models import Order, OrderLine
from tests.factories import EventFactory, OrderFactory, OrderLineFactory, ProductFactory
from tests.personalization.factories import BandFactory

pytestmark = pytest.mark.django_db

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 3)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def event(kind, key, when, *, band=None, product=None):
    return EventFactory(kind=kind, session_key=key, created_at=when, band=band, product=product)


def order(key, when, lines, *, status=Order.Status.PLACED):
    placed = OrderFactory(session_key=key, created_at=when, status=status)
    for product, quantity in lines:
        OrderLineFactory(order=placed, product=product, quantity=quantity, unit_price=product.price)
    return placed


def simulated_history(seed=3):
    """Visits over four days (one before the rolled-up days) with impressions, clicks, cart adds
    and orders, some clicked and some not."""
    rng = random.Random(seed)
    bands = BandFactory.create_batch(3)
    products = [ProductFactory(price=Decimal(f"{5 + n}.50")) for n in range(6)]
    for visit in range(60):
        key = f"visit{visit:03d}"
        day = FIRST + timedelta(days=rng.randint(-1, 2))
        when = at(day, rng.randint(0, 20), rng.randint(0, 59))
        for band in rng.sample(bands, 2):
            event(Event.Kind.IMPRESSION, key, when, band=band)
            if rng.random() < 0.5:
                event(
                    Event.Kind.CLICK,
                    key,
                    when + timedelta(minutes=1),
                    band=band,
                    product=rng.choice(products),
                )
        bought = rng.sample(products, rng.randint(0, 3))
        for product in bought:
            event(
                Event.Kind.CART_ADD,
                key,
                when + timedelta(minutes=rng.choice([-5, 2, 3])),
                product=product,
            )
        if bought and rng.random() < 0.7:
            order(
                key,
                when + timedelta(minutes=rng.choice([0, 30, 60 * 26])),
                [(product, rng.randint(1, 3)) for product in bought],
                status=rng.choice([Order.Status.PLACED] * 4 + [Order.Status.CANCELLED]),
            )
    return bands


def direct_counts(first, last):
    """Figures per (band id, day) computed the plain way from the stored rows."""
    start = at(first, 0)
    end = at(last + timedelta(days=1), 0)
    window = attribution_window()
    found = defaultdict(
        lambda: {
            "impressions": 0,
            "clicks": 0,
            "carts": 0,
            "orders": set(),
            "revenue": Decimal("0"),
        }
    )
    clicks = list(Event.objects.filter(kind=Event.Kind.CLICK))

    def last_click(key, product_id, when):
        earlier = [
            c
            for c in clicks
            if c.session_key == key
            and c.product_id == product_id
            and when - window <= c.created_at <= when
        ]
        return max(earlier, key=lambda c: (c.created_at, c.pk), default=None)

    for shown in Event.objects.filter(
        kind__in=["impression", "click"], created_at__gte=start, created_at__lt=end
    ):
        found[(shown.band_id, shown.created_at.date())][f"{shown.kind}s"] += 1
    for cart in Event.objects.filter(kind="cart_add", created_at__gte=start, created_at__lt=end):
        if click := last_click(cart.session_key, cart.product_id, cart.created_at):
            found[(click.band_id, cart.created_at.date())]["carts"] += 1
    for line in (
        OrderLine.objects.select_related("order")
        .filter(order__created_at__gte=start, order__created_at__lt=end)
        .exclude(order__status="cancelled")
    ):
        placed = line.order
        if click := last_click(placed.session_key, line.product_id, placed.created_at):
            figures = found[(click.band_id, placed.created_at.date())]
            figures["orders"].add(placed.pk)
            figures["revenue"] += line.quantity * line.unit_price
    return {
        key: (f["impressions"], f["clicks"], f["carts"], len(f["orders"]), f["revenue"])
        for key, f in found.items()
    }


def stored():
    return {
        (row.band_id, row.day): (row.impressions, row.clicks, row.carts, row.orders, row.revenue)
        for row in BandDay.objects.all()
    }


def test_roll_up_matches_counts_made_directly_from_the_events():
    simulated_history()

    written = roll_up(FIRST, LAST)

    expected = direct_counts(FIRST, LAST)
    assert written == len(expected) > 0
    assert stored() == expected
    assert sum(figures[3] for figures in expected.values()) > 0


def test_rolling_up_twice_gives_the_same_rows():
    simulated_history()
    roll_up(FIRST, LAST)
    first = stored()

    roll_up(FIRST, LAST)

    assert stored() == first


def test_a_rerun_replaces_only_its_days_and_picks_up_new_events():
    bands = simulated_history()
    roll_up(FIRST, LAST)
    kept = {key: figures for key, figures in stored().items() if key[1] != LAST}
    event(Event.Kind.IMPRESSION, "late", at(LAST, 23), band=bands[0])

    roll_up(LAST, LAST)

    assert {key: f for key, f in stored().items() if key[1] != LAST} == kept
    assert stored() == direct_counts(FIRST, LAST)


def test_a_click_then_an_order_of_that_product_counts_once():
    band = BandFactory()
    tent, stove = ProductFactory(price=Decimal("100.00")), ProductFactory(price=Decimal("30.00"))
    for minute in (0, 5, 9):
        event(Event.Kind.CLICK, "visit-a", at(FIRST, 10, minute), band=band, product=tent)
    event(Event.Kind.CART_ADD, "visit-a", at(FIRST, 10, 10), product=tent)
    order("visit-a", at(FIRST, 10, 20), [(tent, 2), (stove, 1)])
    order("visit-b", at(FIRST, 10, 20), [(tent, 1)])

    roll_up(FIRST, FIRST)

    assert stored() == {(band.pk, FIRST): (0, 3, 1, 1, Decimal("200.00"))}


def test_the_task_rolls_up_the_given_days_or_yesterday_and_today():
    band = BandFactory()
    event(Event.Kind.IMPRESSION, "visit-a", at(FIRST, 9), band=band)
    today = recent_days()[1]
    event(Event.Kind.IMPRESSION, "visit-a", datetime.now(UTC), band=band)

    roll_up_band_figures(FIRST.isoformat(), LAST.isoformat())
    roll_up_band_figures()

    assert set(stored()) == {(band.pk, FIRST), (band.pk, today)}


@pytest.mark.parametrize("first, last", [(LAST, FIRST), (date(2024, 1, 1), date(2025, 1, 1))])
def test_a_reversed_or_too_long_range_is_refused(first, last):
    with pytest.raises(ValueError):
        roll_up(first, last)

"""Rolling up band events and orders into ``BandDay`` rows, whole days at a time.

Impressions are counted in the database (one GROUP BY); clicks, cart adds and order lines are
loaded as frames (``inputs.frame``), and only those of visit keys that clicked a band; then
``insights.daily_figures`` credits them and ``BandDay.objects.replace_days`` swaps the days in.
"""

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from shop.models import Order, OrderLine

from . import inputs, insights
from .models import BandDay, Event

MAX_DAYS = 366


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def attribution_window() -> timedelta:
    """How long a click can still be credited: the visit key's (the session's) lifetime."""
    return timedelta(seconds=settings.SESSION_COOKIE_AGE)


def roll_up(first: date, last: date) -> int:
    """Recompute every band's figures for the UTC days ``first`` to ``last`` (both included)
    and replace those days' rows; return how many rows were written. Idempotent. More than
    ``MAX_DAYS`` days, or ``last`` before ``first``, raises ``ValueError``."""
    if last < first or (last - first).days >= MAX_DAYS:
        raise ValueError(f"roll up 1 to {MAX_DAYS} days, not {first} to {last}")
    start, end = midnight(first), midnight(last + timedelta(days=1))
    window = attribution_window()
    clicked = Event.objects.filter(
        kind=Event.Kind.CLICK,
        band__isnull=False,
        created_at__gte=start - window,
        created_at__lt=end,
    )
    figures = insights.daily_figures(
        _impressions(start, end),
        _clicks(clicked),
        _carts(clicked, start, end),
        _lines(clicked, start, end),
        start=start,
        end=end,
        window=pd.Timedelta(window),
    )
    now = timezone.now()
    rows = [
        {
            "band_id": int(row.band_id),
            "day": row.day,
            "impressions": int(row.impressions),
            "clicks": int(row.clicks),
            "carts": int(row.carts),
            "orders": int(row.orders),
            "revenue": round(float(row.revenue), 2),
            "computed_at": now,
        }
        for row in figures.itertuples(index=False)
    ]
    return BandDay.objects.replace_days(first, last, rows)


def _impressions(start, end) -> pd.DataFrame:
    counted = (
        Event.objects.filter(
            kind=Event.Kind.IMPRESSION,
            band__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("band_id", "day")
        .annotate(impressions=Count("id"))
        .order_by()
    )
    return pd.DataFrame.from_records(list(counted), columns=["band_id", "day", "impressions"])


def _clicks(clicked) -> pd.DataFrame:
    # In the order recorded: of two clicks at the same moment, the later-recorded one wins.
    return inputs.frame(
        clicked.order_by("created_at", "pk"),
        {
            "band_id": "band_id",
            "session_key": "session_key",
            "product_id": "product_id",
            "created_at": "created_at",
        },
        datetimes=["created_at"],
    )


def _carts(clicked, start, end) -> pd.DataFrame:
    carts = Event.objects.filter(
        kind=Event.Kind.CART_ADD,
        created_at__gte=start,
        created_at__lt=end,
        session_key__in=clicked.values("session_key"),
    )
    return inputs.frame(
        carts,
        {
            "session_key": "session_key",
            "product_id": "product_id",
            "created_at": "created_at",
        },
        datetimes=["created_at"],
    )


def _lines(clicked, start, end) -> pd.DataFrame:
    lines = OrderLine.objects.filter(
        order__created_at__gte=start,
        order__created_at__lt=end,
        order__session_key__in=clicked.values("session_key"),
    ).exclude(order__status=Order.Status.CANCELLED)
    return inputs.frame(
        lines,
        {
            "order_id": "order_id",
            "session_key": "order__session_key",
            "product_id": "product_id",
            "quantity": "quantity",
            "price": "unit_price",
            "created_at": "order__created_at",
        },
        datetimes=["created_at"],
        floats=["price"],
    )


def recent_days(now: datetime | None = None, days: int = 2) -> tuple[date, date]:
    """The last ``days`` UTC days up to today: what the hourly roll-up refreshes."""
    today = (now or timezone.now()).astimezone(UTC).date()
    return today - timedelta(days=days - 1), today

"""Where a visitor is in their life with the shop: new, active, or returning after a while.

Read from their own latest product views (one query a request, shared with "Recently viewed"),
against the project clock (``shop.clock.as_of``), so tests and imported histories can move it.
A *visit* is a run of views with no gap longer than ``VISIT_GAP``; what matters is the time
between the visitor's last activity *before* this visit and now:

- ``new``: nothing before this visit (a first visit, or no history at all);
- ``returning``: the last activity before this visit is ``RETURNING_AFTER`` or more ago;
- ``active``: otherwise.

So a shopper back after three weeks stays "returning" for the whole of that visit, not only
until their first click.
"""

from datetime import datetime, timedelta

from django.db.models.enums import TextChoices

from shop.clock import as_of

from .models import Event

RETURNING_AFTER = timedelta(days=14)
VISIT_GAP = timedelta(minutes=30)
# How many of the latest views are read: enough for the bands and to find the visit's start.
VIEWS_SCANNED = 60


class Stage(TextChoices):
    NEW = "new", "New visitor"
    ACTIVE = "active", "Active shopper"
    RETURNING = "returning", "Back after a while"


def own_events(visitor):
    """The visitor's own events (by account, else by visit key); ``None`` without either."""
    if visitor.user_id:
        return Event.objects.filter(user_id=visitor.user_id)
    if visitor.session_key:
        return Event.objects.filter(session_key=visitor.session_key)
    return None


def latest_views(visitor) -> list[tuple[int, datetime]]:
    """``(product id, when)`` of the visitor's latest views, newest first; read once a request."""
    if "views" not in visitor.memo:
        visitor.memo["views"] = _read_views(visitor)
    return visitor.memo["views"]


def _read_views(visitor):
    mine = own_events(visitor)
    if mine is None:
        return []
    views = (
        mine.filter(kind=Event.Kind.VIEW)
        .order_by("-created_at")
        .values_list("product_id", "created_at", "user_id")
    )
    # An anonymous visitor sees only anonymous views. That is checked here rather than with
    # "user IS NULL" in SQL, which makes databases pick the user index and scan every
    # anonymous view.
    return [
        (pid, when) for pid, when, user_id in views[:VIEWS_SCANNED] if user_id == visitor.user_id
    ]


def stage_of(visitor, now=None) -> Stage:
    """The visitor's stage now (``now`` defaults to the project clock)."""
    now = now or as_of()
    times = [when for _, when in latest_views(visitor) if when <= now]
    before = last_activity_before_visit(times, now)
    if before is None:
        # Every view read belongs to this visit: a long one, not a first one, once it is full.
        return Stage.ACTIVE if len(times) >= VIEWS_SCANNED else Stage.NEW
    return Stage.RETURNING if now - before >= RETURNING_AFTER else Stage.ACTIVE


def last_activity_before_visit(times, now):
    """The latest of ``times`` (newest first) before the current visit began; None if none.

    The current visit is the run of times ending within ``VISIT_GAP`` of ``now``; when the
    latest time is older than that, there is no current visit yet and it is the answer.
    """
    previous = now
    for when in times:
        if previous - when > VISIT_GAP:
            return when
        previous = when
    return None

"""Recording what visitors do. Cheap, and never allowed to break a page.

Views call ``record_view`` and friends; during a request (``VisitorMiddleware``) the events wait
on the request and are written together in one statement when the response is ready, so a
product page's view and its band impressions cost one round trip. Outside a request each call
writes at once. Nothing is recorded until the visitor accepts tracking on the first-visit
notice, nor when they switched personalization off or refused tracking (on the notice, or with
Sec-GPC / DNT without opting in). If the database refuses the write, the page renders
anyway and the failure is logged.
"""

import logging
import secrets

from django.db import DatabaseError
from django.utils import timezone

from .models import Event
from .visitors import VISIT_KEY

logger = logging.getLogger(__name__)
# The request attribute holding the events a request has tracked but not yet written.
PENDING = "tracked_events"


def ensure_visit_key(request) -> str:
    """The visitor's tracking key, made the first time we track them.

    It lives in the session data rather than being the session key, because Django changes the
    session key at log-in; the data (and so this key) survives, which lets the anonymous history
    join the account.
    """
    key = request.session.get(VISIT_KEY)
    if not key:
        key = request.session[VISIT_KEY] = secrets.token_hex(16)
    return key


def _track(request, kind, targets, *, page, quantities=None):
    """Queue one event per ``(product id, band)`` target for the request's single write (or
    write it now, outside a request)."""
    if not _allowed(request):
        return
    visitor, session_key = request.visitor, ensure_visit_key(request)
    now = timezone.now()
    rows = [
        {
            "kind": kind,
            "session_key": session_key,
            "user_id": visitor.user_id,
            "product_id": pid,
            "band_id": getattr(band, "pk", None),
            "country": visitor.country,
            "page": page,
            "quantity": (quantities or {}).get(pid, 1),
            "created_at": now,
        }
        for pid, band in targets
    ]
    pending = getattr(request, PENDING, None)
    if pending is None:
        _store(rows)
    else:
        pending.extend(rows)


class TrackingMiddleware:
    """Collects what a request tracks and writes it in one statement once the response is
    ready. Goes after ``VisitorMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        setattr(request, PENDING, [])
        try:
            return self.get_response(request)
        finally:
            rows = request.__dict__.pop(PENDING)
            if rows:
                _store(rows)


def _store(rows):
    try:
        Event.objects.record(rows)
    except DatabaseError:
        logger.warning("Tracking skipped: could not store %d event(s).", len(rows), exc_info=True)


def _allowed(request) -> bool:
    return bool(getattr(request, "visitor", None)) and request.visitor.tracking_allowed


def record_view(request, product, *, page="product"):
    _track(request, Event.Kind.VIEW, [(product.pk, None)], page=page)


def record_cart_add(request, product, quantity, *, page="product"):
    _track(
        request,
        Event.Kind.CART_ADD,
        [(product.pk, None)],
        page=page,
        quantities={product.pk: quantity},
    )


def record_purchase(request, order_lines):
    quantities = {line.product_id: line.quantity for line in order_lines}
    _track(
        request,
        Event.Kind.PURCHASE,
        [(pid, None) for pid in quantities],
        page="checkout",
        quantities=quantities,
    )


def record_impressions(request, bands, *, page):
    """One impression per band shown (not per item): enough for click-through rates."""
    if bands:
        _track(request, Event.Kind.IMPRESSION, [(None, band) for band in bands], page=page)


def record_click(request, band, product, *, page):
    _track(request, Event.Kind.CLICK, [(product.pk, band)], page=page)


def join_history_on_login(sender, request, user, **kwargs):
    """Signal receiver: what this browser did anonymously now belongs to the account."""
    key = request.session.get(VISIT_KEY) if request is not None else None
    if key:
        Event.objects.filter(session_key=key, user__isnull=True).update(user=user)

"""Recording what visitors do. Cheap, and never allowed to break a page.

Each call writes at most one INSERT (a bulk one for impressions). Nothing is recorded when the
visitor switched personalization off or refused tracking (Sec-GPC / DNT without opt-in). If the
database refuses the write, the page renders anyway and the failure is logged.
"""

import logging
import secrets

from django.db import DatabaseError, transaction

from .models import Event
from .visitors import VISIT_KEY

logger = logging.getLogger(__name__)


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


def _events(request, kind, product_ids, *, page, band=None, quantities=None):
    visitor = request.visitor
    session_key = ensure_visit_key(request)
    return [
        Event(kind=kind, session_key=session_key, user_id=visitor.user_id, product_id=pid,
              band=band, country=visitor.country, page=page,
              quantity=(quantities or {}).get(pid, 1))
        for pid in product_ids
    ]


def _store(events):
    try:
        with transaction.atomic():
            Event.objects.bulk_create(events)
    except DatabaseError:
        logger.warning("Tracking skipped: could not store %d event(s).", len(events),
                       exc_info=True)


def _allowed(request) -> bool:
    return bool(getattr(request, "visitor", None)) and request.visitor.tracking_allowed


def record_view(request, product, *, page="product"):
    if _allowed(request):
        _store(_events(request, Event.Kind.VIEW, [product.pk], page=page))


def record_cart_add(request, product, quantity, *, page="product"):
    if _allowed(request):
        _store(_events(request, Event.Kind.CART_ADD, [product.pk], page=page,
                       quantities={product.pk: quantity}))


def record_purchase(request, order_lines):
    if _allowed(request):
        quantities = {line.product_id: line.quantity for line in order_lines}
        _store(_events(request, Event.Kind.PURCHASE, list(quantities), page="checkout",
                       quantities=quantities))


def record_impressions(request, bands, *, page):
    """One impression per band shown (not per item): enough for click-through rates."""
    if _allowed(request) and bands:
        session_key = ensure_visit_key(request)
        _store([
            Event(kind=Event.Kind.IMPRESSION, session_key=session_key,
                  user_id=request.visitor.user_id, band=band, country=request.visitor.country,
                  page=page)
            for band in bands
        ])


def record_click(request, band, product, *, page):
    if _allowed(request):
        _store(_events(request, Event.Kind.CLICK, [product.pk], page=page, band=band))


def join_history_on_login(sender, request, user, **kwargs):
    """Signal receiver: what this browser did anonymously now belongs to the account."""
    key = request.session.get(VISIT_KEY) if request is not None else None
    if key:
        Event.objects.filter(session_key=key, user__isnull=True).update(user=user)

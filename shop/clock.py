"""The moment the shop's computations (bands, sales counts) treat as now.

A live shop computes as of now. A shop running on an imported history that ended years ago
computes as of the end of that history instead, or every "last 30 days" window would be empty:
``TAILOR_AS_OF=latest-order`` in the environment (or ``recompute_bands --as-of latest-order``).
"""

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

LATEST_ORDER = "latest-order"


def as_of(value: str | None = None) -> datetime:
    """The reference time for ``value``, or for ``settings.TAILOR_AS_OF`` when it is None.

    - ``""``: now.
    - ``"latest-order"``: one second after the latest order not cancelled (so a window ending
      there includes it); now when there are no orders.
    - ``"YYYY-MM-DD"``: that day's midnight, UTC (the day before is the last one included).
    - an ISO 8601 date and time: that moment (UTC when it has no offset).

    Anything else raises ``ValueError``.
    """
    text = (settings.TAILOR_AS_OF if value is None else value).strip()
    if not text:
        return timezone.now()
    if text == LATEST_ORDER:
        return latest_order_time() or timezone.now()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def latest_order_time() -> datetime | None:
    """One second after the latest order that is not cancelled; None without orders."""
    from shop.models import Order

    latest = Order.objects.exclude(status=Order.Status.CANCELLED).aggregate(
        latest=Max("created_at")
    )["latest"]
    return None if latest is None else latest + timedelta(seconds=1)

"""Celery tasks that deliver notifications; the work is in ``preferences.delivery``."""

from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import delivery
from .models import ProductChange

RESUME_AFTER = timedelta(minutes=10)


@shared_task(bind=True, autoretry_for=(OperationalError, OSError), retry_backoff=True,
             max_retries=5)
def fan_out(self, change_id: int, after_user: int = 0) -> None:
    """Notify one batch of the change's followers, then enqueue the next batch on the queue
    this one came from (a fan-out routed to a queue of its own stays there).

    Safe to run twice or at once on two workers: notifications are unique per (change, shopper)
    and each e-mail is claimed before it is sent.
    """
    last = delivery.notify_batch(change_id, after_user)
    if last is not None:
        queue = (self.request.delivery_info or {}).get("routing_key")
        fan_out.apply_async((change_id, last), queue=queue)


@shared_task
def resume_fan_outs(idle_seconds: float = RESUME_AFTER.total_seconds()) -> int:
    """Enqueue again, from their cursor, the fan-outs with no progress for ``idle_seconds``
    (a broker outage at commit time, a lost message); return how many."""
    since = timezone.now() - timedelta(seconds=idle_seconds)
    stalled = (ProductChange.objects.filter(fanned_out_at__isnull=True)
               .alias(seen=Coalesce("progressed_at", F("created_at"))).filter(seen__lte=since)
               .values_list("pk", "done_through_user"))
    for change_id, cursor in stalled:
        fan_out.delay(change_id, cursor)
    return len(stalled)


@shared_task
def send_digests() -> int:
    """Enqueue one ``send_digest`` per shopper with notifications waiting; return how many."""
    users = delivery.users_with_digests()
    for user_id in users:
        send_digest.delay(user_id)
    return len(users)


@shared_task(autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=5)
def send_digest(user_id: int) -> None:
    """E-mail the shopper's daily digest; a second run finds nothing left to send."""
    delivery.send_digest(user_id)

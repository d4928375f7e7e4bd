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


@shared_task(
    bind=True, autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=5
)
def fan_out(self, change_id: int, after_user: int = 0) -> None:
    """Notify one batch of the change's followers, then enqueue the next batch — or, after
    the last, the instant e-mails — on the queue this one came from.

    Safe to run twice or at once on two workers: notifications are unique per (change, shopper)
    and only one run marks the change fanned out.
    """
    batch = delivery.notify_batch(change_id, after_user)
    queue = (self.request.delivery_info or {}).get("routing_key")
    if batch.next_after is not None:
        fan_out.apply_async((change_id, batch.next_after), queue=queue)
    if batch.finished:
        enqueue_emails(change_id, queue)


def enqueue_emails(change_id: int, queue: str | None = None) -> None:
    for after_user, through_user in delivery.email_spans(change_id):
        send_instant_emails.apply_async((change_id, after_user, through_user), queue=queue)


@shared_task(autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=5)
def send_instant_emails(change_id: int, after_user: int, through_user: int) -> None:
    """Send the waiting instant e-mails of one span of the change's followers."""
    delivery.send_instant_emails(change_id, after_user, through_user)


@shared_task
def resume_fan_outs(idle_seconds: float = RESUME_AFTER.total_seconds()) -> int:
    """Enqueue again what stalled for ``idle_seconds`` (a broker outage at commit time, a lost
    message): fan-outs from their cursor, and waiting instant e-mails; return how many."""
    since = timezone.now() - timedelta(seconds=idle_seconds)
    stalled = (
        ProductChange.objects.filter(fanned_out_at__isnull=True)
        .alias(seen=Coalesce("progressed_at", F("created_at")))
        .filter(seen__lte=since)
        .values_list("pk", "done_through_user")
    )
    for change_id, cursor in stalled:
        fan_out.delay(change_id, cursor)
    mailing = delivery.changes_with_emails_due(fanned_out_before=since)
    for change_id in mailing:
        enqueue_emails(change_id)
    return len(stalled) + len(mailing)


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

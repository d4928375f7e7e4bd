"""Delivering a product change: its followers in batches, then the e-mails they asked for.

``notify_batch`` takes the next ``TAILOR_FAN_OUT_BATCH`` followers in user-id order, plans their
notifications with ``preferences.notifications`` and inserts them, ignoring any that exist: the
database keeps one per (change, shopper), so a retried batch, a task run twice or two workers on
the same batch add nothing. Once every follower has their notification (the inbox does not wait
for the mail), the instant e-mails go out in spans of as many shoppers (``email_spans``), one
task each, which any number of workers can share.

E-mails are built first, then *claimed*, then sent. The claim is a conditional UPDATE (rows
locked with SKIP LOCKED, ``email_claimed_at`` still empty) committed before sending, so no retry
or other worker ever sends the same e-mail again. An error while sending releases the claims of
the e-mails not sent, for the task's retry. A worker killed between claiming and sending leaves
those e-mails (at most one chunk) unsent rather than sent twice; their notifications are in the
inbox, and admins see them as "claimed, not sent".
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Greatest
from django.http import QueryDict
from django.utils import timezone

from .emails import digest_email, notification_email
from .filters import ProductFilter, catalog_options
from .listing import as_querydict, screened
from .models import (
    DeliverySetting,
    Email,
    Notification,
    NotificationSettings,
    ProductChange,
    Subscription,
)
from .notifications import (
    Change,
    Delivery,
    Follow,
    Planned,
    ProductFacts,
    planned_notifications,
)

EMAIL_CHUNK = 100
Kind = Subscription.Kind
INSERT_SQL = (
    "INSERT INTO {table} (created_at, user_id, change_id, subscription_id, reason, title, "
    "in_inbox, email) SELECT %s, * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], "
    "%s::text[], %s::text[], %s::boolean[], %s::text[]) ON CONFLICT DO NOTHING"
)
EMAIL_RELATED = (
    "user",
    "change__product",
    "subscription__product",
    "subscription__brand",
    "subscription__category",
    "subscription__search",
)
FOLLOW_FIELDS = (
    "pk",
    "user_id",
    "kind",
    "product_id",
    "brand_id",
    "category_id",
    "price_below",
    "is_active",
    "user__email",
    "brand__name",
    "category__name",
    "search__name",
    "search__query",
)


@dataclass(frozen=True)
class Batch:
    """What one ``notify_batch`` did. ``next_after``: where the next batch starts (None: no
    followers left); ``finished``: this call marked the change fanned out, so its e-mails are
    due now (``email_spans``)."""

    next_after: int | None
    finished: bool = False


def notify_batch(change_id: int, after_user: int = 0) -> Batch:
    """Notify the change's followers with user ids above ``after_user``, up to
    ``TAILOR_FAN_OUT_BATCH`` of them. A change gone or finished already does nothing."""
    row = (
        ProductChange.objects.select_related(
            "product__brand", "product__category__parent", "product__colour", "product__material"
        )
        .filter(pk=change_id, fanned_out_at__isnull=True)
        .first()
    )
    if row is None:
        return Batch(None)
    change, size = change_facts(row), settings.TAILOR_FAN_OUT_BATCH
    candidates = followers(change)
    users = list(
        candidates.filter(user_id__gt=after_user)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()[:size]
    )
    if users:
        follows = follows_of(candidates.filter(user_id__gt=after_user, user_id__lte=users[-1]))
        insert(planned_notifications(change, follows, deliveries(users), paused(users)))
    if len(users) == size:
        record_progress(change_id, users[-1])
        return Batch(users[-1])
    return Batch(None, finished=mark_fanned_out(change_id, users[-1] if users else after_user))


def insert(planned: list[Planned]) -> None:
    """Store the planned notifications, skipping those that exist (unique per change and shopper).

    PostgreSQL gets one ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`` — Django's
    per-row preparation in ``bulk_create`` took as long as the insert itself (benchmarks/
    notifications.py) — other databases ``bulk_create(ignore_conflicts=True)``.
    """
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [
                Notification(
                    change_id=p.change_id,
                    user_id=p.user_id,
                    subscription_id=p.subscription_id,
                    reason=p.reason,
                    title=p.title,
                    in_inbox=p.in_inbox,
                    email=p.email,
                )
                for p in planned
            ],
            ignore_conflicts=True,
        )
        return
    columns: list[list] = [
        [p.user_id for p in planned],
        [p.change_id for p in planned],
        [p.subscription_id for p in planned],
        [p.reason for p in planned],
        [p.title for p in planned],
        [p.in_inbox for p in planned],
        [p.email for p in planned],
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_SQL.format(table=Notification._meta.db_table), [timezone.now(), *columns]
        )


def change_facts(row: ProductChange) -> Change:
    product = row.product
    category = product.category
    parent = category.parent
    facts = ProductFacts(
        id=product.pk,
        name=product.name,
        price=product.price,
        stock=product.stock,
        brand_id=product.brand_id,
        category_id=category.pk,
        parent_id=category.parent_id,
        is_active=product.is_active,
        description=product.description,
        brand_slug=product.brand.slug,
        category_slug=category.slug,
        parent_slug=parent.slug if parent else "",
        colour_slug=product.colour.slug,
        material_slug=product.material.slug,
        audience=product.audience,
        compare_at_price=product.compare_at_price,
    )
    return Change(
        row.pk,
        facts,
        is_new=row.is_new,
        new_price=row.new_price,
        new_stock=row.new_stock,
        old_price=row.old_price,
        old_stock=row.old_stock,
    )


def followers(change: Change):
    """The switched-on subscriptions that may hear about ``change`` (``hits`` decides)."""
    product = change.product
    if not change.is_new:
        return Subscription.objects.filter(
            product_id=product.id,
            is_active=True,
            kind__in=[Kind.PRICE_DROP, Kind.PRICE_BELOW, Kind.BACK_IN_STOCK],
        )
    categories = [product.category_id] + ([product.parent_id] if product.parent_id else [])
    return Subscription.objects.filter(
        Q(kind=Kind.BRAND, brand_id=product.brand_id)
        | Q(kind=Kind.CATEGORY, category_id__in=categories)
        | Q(kind=Kind.SEARCH),
        is_active=True,
    )


def follows_of(subscriptions) -> list[Follow]:
    """``Follow`` values of ``subscriptions``, with saved searches' criteria (one query, plus
    the catalog options when a saved search is among them)."""
    rows = list(subscriptions.order_by().values(*FOLLOW_FIELDS))
    criteria = {}
    if any(row["kind"] == Kind.SEARCH for row in rows):
        options = catalog_options()
        criteria = {
            row["search__query"]: search_criteria(row["search__query"], options)
            for row in rows
            if row["kind"] == Kind.SEARCH
        }
    return [
        Follow(
            id=row["pk"],
            user_id=row["user_id"],
            kind=row["kind"],
            product_id=row["product_id"],
            brand_id=row["brand_id"],
            category_id=row["category_id"],
            price_below=row["price_below"],
            is_active=row["is_active"],
            can_email=bool(row["user__email"]),
            target_name=row["brand__name"] or row["category__name"] or row["search__name"] or "",
            criteria=criteria.get(row["search__query"], {}),
        )
        for row in rows
    ]


def search_criteria(query: str, options) -> dict:
    """A saved search's valid filter values, screened and cleaned as the listing does; what
    the listing would ignore (an unknown colour, a bad price) is left out. No queries."""
    params, _ = screened(QueryDict(query), options, {})
    return ProductFilter(as_querydict(params), options=options).cleaned


def deliveries(users: list[int]) -> dict[tuple[int, str], Delivery]:
    rows = DeliverySetting.objects.filter(user_id__in=users).values_list(
        "user_id", "topic", "inbox", "email"
    )
    return {(user_id, topic): Delivery(inbox, email) for user_id, topic, inbox, email in rows}


def paused(users: list[int]) -> set[int]:
    return set(
        NotificationSettings.objects.filter(user_id__in=users, paused=True).values_list(
            "user_id", flat=True
        )
    )


def record_progress(change_id: int, through_user: int) -> None:
    """Move the change's cursor forward (never back: a second run may lag behind)."""
    ProductChange.objects.filter(pk=change_id).update(
        done_through_user=Greatest("done_through_user", through_user), progressed_at=timezone.now()
    )


def mark_fanned_out(change_id: int, through_user: int) -> bool:
    """Mark the change fanned out; whether this call did (of two racing runs, one does)."""
    now = timezone.now()
    return bool(
        ProductChange.objects.filter(pk=change_id, fanned_out_at__isnull=True).update(
            done_through_user=Greatest("done_through_user", through_user),
            progressed_at=now,
            fanned_out_at=now,
        )
    )


# --- E-mail -----------------------------------------------------------------------------------


def instant_due(change_id: int):
    """The change's notifications whose instant e-mail waits, for subscriptions still on."""
    return Notification.objects.filter(
        change_id=change_id,
        email=Email.INSTANT,
        email_claimed_at__isnull=True,
        subscription__is_active=True,
    )


def email_spans(change_id: int) -> list[tuple[int, int]]:
    """(after user, through user) spans of ``TAILOR_FAN_OUT_BATCH`` shoppers each whose
    instant e-mail about the change waits, in user order; one query."""
    users = list(instant_due(change_id).order_by("user_id").values_list("user_id", flat=True))
    size = settings.TAILOR_FAN_OUT_BATCH
    ends = users[size - 1 :: size] + ([users[-1]] if len(users) % size else [])
    if not ends:
        return []
    return list(zip([0, *ends[:-1]], ends, strict=True))


def changes_with_emails_due(fanned_out_before) -> list[int]:
    """Changes fanned out before then that still have instant e-mails waiting."""
    return list(
        Notification.objects.filter(
            email=Email.INSTANT,
            email_claimed_at__isnull=True,
            subscription__is_active=True,
            change__fanned_out_at__lte=fanned_out_before,
        )
        .order_by("change_id")
        .values_list("change_id", flat=True)
        .distinct()
    )


def send_instant_emails(change_id: int, after_user: int, through_user: int) -> int:
    """Send the change's waiting instant e-mails to users in (after_user, through_user];
    return how many were sent. Safe to run twice or at once: each e-mail is claimed first."""
    due = instant_due(change_id).filter(user_id__gt=after_user, user_id__lte=through_user)
    sent = 0
    while rows := list(due.select_related(*EMAIL_RELATED).order_by("user_id")[:EMAIL_CHUNK]):
        # Built before the claim, so only sending happens between claiming and marking sent.
        messages = {row.pk: notification_email(row) for row in rows}
        claimed = claim(due.filter(pk__in=list(messages)))
        sent += deliver(claimed, [([pk], messages[pk]) for pk in claimed])
    return sent


def claim(due, size: int | None = None) -> list[int]:
    """Claim up to ``size`` of the ``due`` notifications' e-mails (all with None); their ids.

    Rows another transaction holds are skipped, and the claim commits before anything is sent.
    """
    with transaction.atomic():
        locked = due.select_for_update(skip_locked=True, of=("self",)).order_by("user_id", "pk")
        ids = list(locked.values_list("pk", flat=True)[:size])
        Notification.objects.filter(pk__in=ids).update(email_claimed_at=timezone.now())
    return ids


def digest_due():
    """Notifications waiting for a daily digest, except those of shoppers who paused all."""
    return Notification.objects.filter(email=Email.DAILY, email_claimed_at__isnull=True).exclude(
        user__notification_settings__paused=True
    )


def users_with_digests() -> list[int]:
    return list(digest_due().order_by("user_id").values_list("user_id", flat=True).distinct())


def send_digest(user_id: int) -> int:
    """E-mail the shopper one digest of everything due; return how many notifications it
    carried (0: nothing was due, or another run claimed it)."""
    ids = claim(digest_due().filter(user_id=user_id))
    if not ids:
        return 0
    notifications = list(
        Notification.objects.filter(pk__in=ids)
        .order_by("-created_at", "-pk")
        .select_related("user", "change__product")
    )
    return deliver(ids, [(ids, digest_email(notifications[0].user, notifications))])


def deliver(claimed: list[int], messages: list) -> int:
    """Send ``messages`` ((notification ids, message) pairs), marking each one's notifications
    e-mailed; return how many notifications that covered. On an error, release the claims not
    sent (so a retry sends them) and raise it."""
    sent = []
    try:
        with mail.get_connection() as connection:
            for ids, message in messages:
                connection.send_messages([message])
                sent += ids
    finally:
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
        unsent = set(claimed) - set(sent)
        if unsent:
            Notification.objects.filter(pk__in=unsent).update(email_claimed_at=None)
    return len(sent)

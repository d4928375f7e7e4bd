"""Tracked events, the bands admins tune, and the bands' computed results."""

import contextlib
import json
import time

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models, transaction
from django.utils import timezone
from django_countries.fields import CountryField


class EventQuerySet(models.QuerySet):
    def record(self, rows) -> None:
        """Insert events given as dicts of column values (``kind``, ``session_key``,
        ``user_id``, ``product_id``, ``band_id``, ``country``, ``page``, ``quantity``,
        ``created_at``).

        On PostgreSQL outside any transaction this is one round trip that commits without
        waiting for the WAL flush: an event lost in a crash costs nothing, and the wait was most
        of tracking's time per page (BENCHMARKS.md, tracking). Inside a transaction, or on other
        databases, a ``bulk_create`` under a savepoint, so a failure leaves the surrounding
        transaction usable.
        """
        connection = connections[self.db]
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            with transaction.atomic(using=self.db):
                self.bulk_create(Event(**row) for row in rows)
            return
        columns = list(rows[0])
        row = f"({', '.join(['%s'] * len(columns))})"
        sql = (
            f"BEGIN; SET LOCAL synchronous_commit TO OFF; "
            f"INSERT INTO {Event._meta.db_table} ({', '.join(columns)}) "
            f"VALUES {', '.join([row] * len(rows))}; COMMIT"
        )
        params = [value for found in rows for value in found.values()]
        with connection.cursor() as cursor:
            try:
                # Django's psycopg cursors bind client-side, which allows several statements.
                cursor.execute(sql, params)
            except DatabaseError:
                # The failed INSERT left the explicit transaction open (and aborted).
                with contextlib.suppress(DatabaseError):
                    cursor.execute("ROLLBACK")
                raise


class Event(models.Model):
    class Kind(models.TextChoices):
        VIEW = "view", "Product view"
        CART_ADD = "cart_add", "Add to cart"
        PURCHASE = "purchase", "Purchase"
        IMPRESSION = "impression", "Band impression"
        CLICK = "click", "Band click"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    session_key = models.CharField(max_length=40)
    # The (user, kind, created_at) index serves lookups by user: no index of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    product = models.ForeignKey(
        "shop.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    band = models.ForeignKey(
        "Band", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    country = CountryField(blank=True)
    page = models.CharField(max_length=20, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        # Every index costs each tracked page view a write: the loaders read by (kind,
        # created_at), recently viewed by visit key, a shopper's history by user.
        indexes = [
            models.Index(fields=["session_key", "kind", "-created_at"]),
            models.Index(fields=["user", "kind", "-created_at"]),
            models.Index(fields=["kind", "created_at"]),
        ]

    def __str__(self):
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{self.get_kind_display()} by {self.session_key[:8]} at {when}"


class Placement(models.TextChoices):
    HOME = "home", "Home page"
    PRODUCT = "product", "Product page"
    CART = "cart", "Cart page"
    CATEGORY = "category", "Category page"
    ACCOUNT = "account", "Account page"


class Algorithm(models.TextChoices):
    RECENTLY_VIEWED = "recently_viewed", "Recently viewed (live)"
    BEST_SELLERS = "best_sellers", "Best sellers"
    TRENDING = "trending", "Trending"
    BOUGHT_TOGETHER = "bought_together", "Frequently bought together"
    ALSO_VIEWED = "also_viewed", "Customers who viewed this also viewed"
    SIMILAR = "similar", "Similar products (attributes)"
    SIMILAR_FACTORS = "similar_factors", "Similar products (collaborative)"
    FOR_YOU = "for_you", "Recommended for you"
    DEALS = "deals", "Best deals for you"
    NEAR_YOU = "near_you", "Popular near you"
    PICK_UP = "pick_up", "Pick up where you left off (live, returning shoppers)"
    ONBOARDING = "onboarding", "What you are shopping for (live, new visitors' picks)"


# Read from the visitor's own data on each request; nothing is computed or stored for them.
LIVE_ALGORITHMS = frozenset({Algorithm.RECENTLY_VIEWED, Algorithm.PICK_UP, Algorithm.ONBOARDING})


class BandManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Band(models.Model):
    """A row of products on a page, chosen by an algorithm and tuned by admins."""

    class Metric(models.TextChoices):
        LIFT = "lift", "Lift"
        CONFIDENCE = "confidence", "Confidence"

    class CountBy(models.TextChoices):
        UNITS = "units", "Units sold"
        ORDERS = "orders", "Distinct orders"

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=80)
    algorithm = models.CharField(max_length=20, choices=Algorithm.choices)
    placement = models.CharField(max_length=10, choices=Placement.choices)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")
    item_count = models.PositiveSmallIntegerField(default=8)
    lookback_days = models.PositiveSmallIntegerField(
        default=30, help_text="How many days of orders and events the algorithm reads."
    )
    min_support = models.PositiveIntegerField(
        default=2, help_text="Minimum co-purchases, co-views or sales for an item to count."
    )
    metric = models.CharField(
        max_length=10,
        choices=Metric.choices,
        default=Metric.LIFT,
        help_text="Frequently bought together: how pairs are scored.",
    )
    count_by = models.CharField(
        max_length=10,
        choices=CountBy.choices,
        default=CountBy.UNITS,
        help_text="Best sellers: what counts as a sale.",
    )
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text='Algorithm parameters, e.g. {"factors": 64, "iterations": 15} for ALS.',
    )
    exclude_out_of_stock = models.BooleanField(default=True)
    exclude_purchased = models.BooleanField("exclude already bought", default=True)
    exclude_current = models.BooleanField("exclude the product on the page", default=True)
    pinned_products = models.ManyToManyField(
        "shop.Product", blank=True, related_name="+", help_text="Always shown first."
    )
    blocked_products = models.ManyToManyField(
        "shop.Product", blank=True, related_name="+", help_text="Never shown."
    )
    is_enabled = models.BooleanField("enabled", default=True)
    fallback = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown instead when this band has too few items (cold start).",
    )
    min_items = models.PositiveSmallIntegerField(
        default=2, help_text="Below this many items the fallback band is used."
    )
    schedule = models.ForeignKey(
        "django_celery_beat.CrontabSchedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="When to recompute (Celery beat). Empty: only on demand.",
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="band",
    )
    current_version = models.PositiveIntegerField(default=0, editable=False)
    last_version = models.PositiveIntegerField(default=0, editable=False)
    last_computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True, editable=False)
    context_count = models.PositiveIntegerField(default=0, editable=False)
    result_count = models.PositiveIntegerField(default=0, editable=False)

    objects = BandManager()
    # Set on the enabled bands' cached copies by ``experiments.attach_tests``.
    is_variant: bool = False

    class Meta:
        ordering = ["placement", "position", "pk"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    @property
    def is_live(self):
        """Live bands read the visitor's own events on each request and store nothing."""
        return self.algorithm in LIVE_ALGORITHMS

    def clean(self):
        if self.fallback_id and self.fallback_id == self.pk:
            raise ValidationError({"fallback": "A band cannot fall back to itself."})
        if not isinstance(self.options, dict):
            raise ValidationError({"options": "Options must be a JSON object."})

    def sync_schedule(self):
        """Create, update or remove the beat task that recomputes this band."""
        from django_celery_beat.models import PeriodicTask

        if self.schedule_id is None or self.is_live:
            if self.periodic_task_id:
                PeriodicTask.objects.filter(pk=self.periodic_task_id).delete()
            return
        task = PeriodicTask.objects.filter(pk=self.periodic_task_id).first() or PeriodicTask()
        task.name = f"Recompute band “{self.slug}”"
        task.crontab = self.schedule
        task.task = "personalization.tasks.recompute_band"
        task.args = json.dumps([self.pk])
        task.enabled = self.is_enabled
        task.save()
        if self.periodic_task_id != task.pk:
            Band.objects.filter(pk=self.pk).update(periodic_task=task)
            self.periodic_task = task


def delete_schedule(sender, instance, **kwargs):
    """post_delete receiver: a deleted band's beat task goes too (bulk deletes included)."""
    if instance.periodic_task_id:
        from django_celery_beat.models import PeriodicTask

        PeriodicTask.objects.filter(pk=instance.periodic_task_id).delete()


class BandResultQuerySet(models.QuerySet):
    def replace(self, band, rows, *, started=None):
        """Store a new version of ``band``'s results and switch to it atomically; return it.

        ``rows`` is a ranked result frame (context, product_id, score, reason). The version number
        is taken from a counter first, rows are written under it, then the band is switched in one
        transaction, so readers see the old results or the new ones, never half of them. A run
        killed before the switch leaves the old version served; its rows are removed by the next
        switch. Of two runs racing, the later-numbered one wins and the other's rows are dropped.
        The previous version is kept until the next switch so a reader that has just looked up
        the version still finds its rows. ``started`` (a ``time.monotonic()`` reading) makes the
        band record how long the whole recompute took, writes included.
        """
        with transaction.atomic():
            # The UPDATE locks the row until the read, so two runs never share a number.
            Band.objects.filter(pk=band.pk).update(last_version=models.F("last_version") + 1)
            version = Band.objects.values_list("last_version", flat=True).get(pk=band.pk)
        contexts = self._write(band, version, rows)
        with transaction.atomic():
            current = (
                Band.objects.select_for_update()
                .values_list("current_version", flat=True)
                .get(pk=band.pk)
            )
            if version < current:
                self.filter(band=band, version=version).delete()
                return current
            Band.objects.filter(pk=band.pk).update(
                current_version=version,
                last_computed_at=timezone.now(),
                last_duration_ms=_elapsed_ms(started),
                context_count=contexts,
                result_count=len(rows),
            )
            self.filter(band=band, version__lt=version).exclude(version=current).delete()
        band.current_version = version
        return version

    def _write(self, band, version, rows) -> int:
        """Insert one row per context; return how many. PostgreSQL's COPY, else bulk_create."""
        packed = packed_items(rows)
        connection = connections[self.db]
        if connection.vendor == "postgresql":
            columns = "band_id, version, context, items"
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(
                    f"COPY {BandResult._meta.db_table} ({columns}) FROM STDIN"
                ) as copy,
            ):
                for ctx, items in packed:
                    copy.write_row((band.pk, version, ctx, json.dumps(items, separators=COMPACT)))
            return len(packed)
        self.bulk_create(
            (
                BandResult(band=band, version=version, context=ctx, items=items)
                for ctx, items in packed
            ),
            batch_size=2000,
        )
        return len(packed)


COMPACT = (",", ":")


def packed_items(rows) -> list[tuple[str, list]]:
    """``(context, [(product_id, score, reason), …])`` per context of a ranked result frame,
    contexts and items in the frame's order. Items are tuples (JSON arrays once stored); each
    context's are cut from whole columns, so millions of rows cost little Python."""
    if rows.empty:
        return []
    contexts = rows["context"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.concatenate([[True], contexts[1:] != contexts[:-1]]))
    ends = np.append(starts[1:], len(contexts))
    ids = rows["product_id"].astype("int64").to_numpy()
    scores = rows["score"].astype("float64").to_numpy()
    reasons = rows["reason"].to_numpy(dtype=object)
    return [
        (
            contexts[start],
            list(
                zip(
                    ids[start:end].tolist(),
                    scores[start:end].tolist(),
                    reasons[start:end].tolist(),
                    strict=True,
                )
            ),
        )
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def _elapsed_ms(started):
    return None if started is None else int((time.monotonic() - started) * 1000)


class BandResult(models.Model):
    """One context's ranked items in one version of a band's results.

    ``items`` is ``[[product id, score, reason], …]``, best first. One row per context rather
    than per item: a page reads whole contexts, and a recompute writes a sixteenth of the rows
    (BENCHMARKS.md, recompute).
    """

    # The unique constraint's index starts with the band: no index of its own.
    band = models.ForeignKey(Band, on_delete=models.CASCADE, related_name="results", db_index=False)
    version = models.PositiveIntegerField()
    context = models.CharField(max_length=60, blank=True)
    items = models.JSONField(
        default=list, help_text="[[product id, score, reason], …], best first."
    )

    objects = BandResultQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["band", "version", "context"], name="band_result_one_row_per_context"
            ),
        ]

    def __str__(self):
        return f"{self.band.slug} v{self.version} {self.context or '(all)'}"

    @property
    def product_ids(self) -> list[int]:
        return [item[0] for item in self.items]


# Insights' models live in their own module; importing them here registers them with Django.
from .insight_models import ABTest, BandDay, Evaluation  # noqa: E402, F401

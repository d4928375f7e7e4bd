"""Models of band insights: daily figures per band, offline evaluations, A/B tests.

Kept out of ``models.py`` (which imports them, so Django sees them) to keep each module small.
"""

import secrets
from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils import timezone

from .models import Band


class BandDayQuerySet(models.QuerySet):
    def replace_days(self, first: date, last: date, rows) -> int:
        """Replace every band's figures for the days ``first`` to ``last`` (both included) with
        ``rows`` (dicts of ``band_id``, ``day`` and the figures) in one transaction; return how
        many were written. Running it twice with the same rows leaves the same table; a band
        deleted meanwhile is skipped."""
        with transaction.atomic():
            bands = set(
                Band.objects.filter(pk__in={row["band_id"] for row in rows}).values_list(
                    "pk", flat=True
                )
            )
            self.filter(day__range=(first, last)).delete()
            kept = [BandDay(**row) for row in rows if row["band_id"] in bands]
            self.bulk_create(kept, batch_size=2000)
        return len(kept)


class BandDay(models.Model):
    """One band's figures for one UTC day (see ``insights.py`` for what is credited to a band).

    Written only by the roll-up, which replaces whole days, and read by the performance page.
    """

    # The unique constraint's index starts with the band: no index of its own.
    band = models.ForeignKey(Band, on_delete=models.CASCADE, related_name="days", db_index=False)
    day = models.DateField()
    impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    carts = models.PositiveIntegerField("add-to-carts after a click", default=0)
    orders = models.PositiveIntegerField("orders after a click", default=0)
    revenue = models.DecimalField(
        "revenue after a click", max_digits=14, decimal_places=2, default=0
    )
    computed_at = models.DateTimeField(default=timezone.now)

    objects = BandDayQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["band", "day"], name="band_day_once")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.band_id} on {self.day}"


class Evaluation(models.Model):
    """One offline evaluation of some bands, with the parameters it used and what it found.

    ``parameters``: ``{"bands": [each band's tuning as evaluated], "seed": …, "baseline": …}``.
    ``results``: one dict per band — ``band``, ``title``, ``algorithm``, ``protocol``,
    ``cases``, ``covered``, ``scores`` and ``baseline`` (``hit_rate``, ``precision``,
    ``recall``), and a ``note`` — best first by hit rate over the baseline's.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    cutoff = models.DateTimeField(
        help_text="Trained on what happened before; judged on the orders placed after."
    )
    k = models.PositiveSmallIntegerField(
        "K", validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    parameters = models.JSONField(default=dict)
    results = models.JSONField(default=list)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Evaluation {self.pk} (cut-off {self.cutoff:%Y-%m-%d}, K={self.k})"

    @property
    def band_titles(self) -> list[str]:
        return [band["title"] for band in self.parameters.get("bands", [])]


def new_salt() -> str:
    return secrets.token_hex(8)


# What a variant may change; everything else (title, placement, exclusions, pins, blocks,
# fallback, schedule) is copied from the control, so only the tuning is tested.
TUNING = [
    "algorithm",
    "item_count",
    "lookback_days",
    "min_support",
    "metric",
    "count_by",
    "options",
]
COPIED = [
    "title",
    "placement",
    "position",
    "exclude_out_of_stock",
    "exclude_purchased",
    "exclude_current",
    "fallback_id",
    "min_items",
    "schedule_id",
]


class ABTestQuerySet(models.QuerySet):
    def start(self, band: Band, share: int, tuning: dict) -> "ABTest":
        """Start a test of ``band`` against a new variant band tuned by ``tuning`` (values for
        some ``TUNING`` fields; the rest copied from ``band``), shown to ``share`` percent of
        visitors. The caller checks that ``band`` has no running test and is no variant."""
        copied = {name: getattr(band, name) for name in [*COPIED, *TUNING]}
        with transaction.atomic():
            variant = Band(**{**copied, **tuning}, slug=self._variant_slug(band), is_enabled=True)
            variant.save()
            variant.pinned_products.set(band.pinned_products.all())
            variant.blocked_products.set(band.blocked_products.all())
            variant.sync_schedule()
            return self.create(band=band, variant=variant, variant_share=share)

    def _variant_slug(self, band) -> str:
        taken = set(
            Band.objects.filter(slug__startswith=f"{band.slug[:50]}-b").values_list(
                "slug", flat=True
            )
        )
        number = 1
        while f"{band.slug[:50]}-b{number}" in taken:
            number += 1
        return f"{band.slug[:50]}-b{number}"


class ABTest(models.Model):
    """A band (the control, A) against a variant band (B) shown instead to a share of visitors.

    The variant is a band of its own (its own tuning, results and figures) that is never shown
    by itself. A test ends when an admin promotes one side: the variant's tuning is copied onto
    the control (or not), and the variant band is disabled.
    """

    class Winner(models.TextChoices):
        CONTROL = "control", "Control (A)"
        VARIANT = "variant", "Variant (B)"

    band = models.ForeignKey(
        Band, on_delete=models.CASCADE, related_name="ab_tests", verbose_name="control band (A)"
    )
    variant = models.OneToOneField(
        Band, on_delete=models.CASCADE, related_name="variant_test", verbose_name="variant band (B)"
    )
    variant_share = models.PositiveSmallIntegerField(
        "visitors who see the variant (%)",
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    salt = models.CharField(max_length=32, default=new_salt, editable=False)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    winner = models.CharField(max_length=10, choices=Winner.choices, blank=True)

    objects = ABTestQuerySet.as_manager()

    class Meta:
        verbose_name = "A/B test"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["band"],
                condition=models.Q(ended_at__isnull=True),
                name="one_running_test_per_band",
            ),
            models.CheckConstraint(
                condition=models.Q(variant_share__gte=1, variant_share__lte=99),
                name="variant_share_1_to_99",
            ),
        ]

    def __str__(self):
        return f"A/B test of “{self.band}” ({self.variant_share}% see the variant)"

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    def end(self, winner: str) -> bool:
        """End the test, keeping ``winner`` ("control" or "variant"); return False, changing
        nothing, if it had already ended. A winning variant's tuning is copied onto the
        control band (which then needs a recompute); the variant band is disabled either way.
        """
        with transaction.atomic():
            test = ABTest.objects.select_for_update().get(pk=self.pk)
            if test.ended_at is not None:
                return False
            variant = Band.objects.get(pk=test.variant_id)
            if winner == self.Winner.VARIANT:
                control = Band.objects.get(pk=test.band_id)
                for name in TUNING:
                    setattr(control, name, getattr(variant, name))
                control.save(update_fields=TUNING)
            variant.is_enabled = False
            variant.save(update_fields=["is_enabled"])
            variant.sync_schedule()
            self.ended_at, self.winner = timezone.now(), winner
            ABTest.objects.filter(pk=self.pk).update(ended_at=self.ended_at, winner=winner)
        return True

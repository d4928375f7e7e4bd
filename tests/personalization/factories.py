"""Bands, schedules and stored band results for the personalization tests.

``store(band, rows)`` writes results the way a recompute does (``BandResult.objects.replace``),
from rows written by hand: ``(context, product, reason)`` in rank order.
"""

import factory
import pandas as pd
from django_celery_beat.models import CrontabSchedule

from personalization.bands import forget_cached_bands
from personalization.models import Algorithm, Band, BandResult, Placement
from personalization.visitors import Visitor


class BandFactory(factory.django.DjangoModelFactory):
    """A best-sellers band on the home page that shows whatever it has (min_items 1)."""

    class Meta:
        model = Band
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"band-{n}")
    title = factory.Sequence(lambda n: f"Band {n}")
    algorithm = Algorithm.BEST_SELLERS
    placement = Placement.HOME
    position = factory.Sequence(lambda n: n)
    item_count = 8
    min_items = 1

    @factory.post_generation
    def pinned(self, create, products, **kwargs):
        if create and products:
            self.pinned_products.add(*products)

    @factory.post_generation
    def blocked(self, create, products, **kwargs):
        if create and products:
            self.blocked_products.add(*products)


class CrontabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrontabSchedule

    minute = factory.Sequence(lambda n: str(n % 60))
    hour = "*"
    day_of_week = "*"
    day_of_month = "*"
    month_of_year = "*"
    timezone = "UTC"


def result_frame(rows) -> pd.DataFrame:
    """A ranked result frame from ``(context, product or id, reason[, score])`` tuples.

    Without a score, rows of a context score 100, 99, 98… in the order given.
    """
    records: list[dict] = []
    next_score: dict[str, int] = {}
    for row in rows:
        context, product, reason = row[:3]
        score = row[3] if len(row) > 3 else next_score.get(context, 100.0)
        next_score[context] = score - 1
        records.append(
            {
                "context": context,
                "product_id": getattr(product, "pk", product),
                "score": float(score),
                "reason": reason,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=["context", "product_id", "score", "reason"])
    return frame.astype({"product_id": "int64", "score": "float64"})


def store(band, rows) -> int:
    """Store ``rows`` as the band's new version, as a recompute would; return the version."""
    version = BandResult.objects.replace(band, result_frame(rows))
    forget_cached_bands()
    return version


def visitor(*, session_key="visit-a", user=None, country="NL", personalization_on=True):
    return Visitor(
        session_key=session_key,
        user_id=getattr(user, "pk", user),
        country=country,
        personalization_on=personalization_on,
        tracking_allowed=personalization_on,
    )


def shown_items(shown_bands):
    """``{band title: [(product name, reason), …]}`` in page order."""
    return {s.title: [(item.card.name, item.reason) for item in s.items] for s in shown_bands}

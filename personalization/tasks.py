import time
from datetime import date

from celery import shared_task
from django.db import DatabaseError

from shop import clock

from . import evaluations
from .bands import forget_cached_bands
from .models import LIVE_ALGORITHMS, Band, BandResult
from .recompute import Inputs, band_results
from .rollup import recent_days, roll_up


def computed_bands(band_ids=None):
    """Enabled bands that store results (all of them, or those of ``band_ids``), by id."""
    bands = Band.objects.exclude(algorithm__in=LIVE_ALGORITHMS).order_by("pk")
    if band_ids is None:
        return list(bands.filter(is_enabled=True))
    return list(bands.filter(pk__in=band_ids))


def compute_and_store(bands, as_of: str | None = None) -> None:
    """Compute ``bands`` in one run that loads each input once, storing each as it finishes.

    The windows end at ``shop.clock.as_of(as_of)``: now unless ``TAILOR_AS_OF`` (or ``as_of``)
    says otherwise. Each band's recorded duration runs from its own start, so the first band of
    a run also counts the loading it triggered.
    """
    run = Inputs(bands, clock.as_of(as_of))
    for band in bands:
        started = time.monotonic()
        BandResult.objects.replace(band, band_results(band, run=run), started=started)
        run.finished(band)
    forget_cached_bands()


@shared_task(
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
)
def recompute_band(band_id: int, as_of: str | None = None) -> None:
    """Compute a band and switch to the new results; a retry or a second run is harmless."""
    compute_and_store(computed_bands([band_id]), as_of)


@shared_task(
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def recompute_all_bands(as_of: str | None = None) -> None:
    """Compute every enabled band in one run sharing inputs; each band switches on its own."""
    compute_and_store(computed_bands(), as_of)


@shared_task(
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
)
def roll_up_band_figures(first: str | None = None, last: str | None = None) -> None:
    """Recompute the daily band figures from ``first`` to ``last`` (ISO dates; by default
    yesterday and today, as beat runs it hourly). Replaces whole days: a rerun is harmless."""
    days = (
        recent_days()
        if first is None
        else (date.fromisoformat(first), date.fromisoformat(last or first))
    )
    roll_up(*days)


@shared_task(acks_late=True, soft_time_limit=900, time_limit=960)
def evaluate_bands(evaluation_id: int) -> None:
    """Run a stored ``Evaluation`` and store its results (or why it failed)."""
    evaluations.run(evaluation_id)

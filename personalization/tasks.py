import time

from celery import shared_task
from django.db import DatabaseError

from shop import clock

from .bands import forget_cached_bands
from .models import Band, BandResult
from .recompute import band_results


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3, acks_late=True,
             soft_time_limit=600, time_limit=660)
def recompute_band(band_id: int, as_of: str | None = None) -> None:
    """Compute a band and switch to the new results; a retry or a second run is harmless.

    The band's windows end at ``shop.clock.as_of(as_of)``: now unless ``TAILOR_AS_OF`` (or
    ``as_of``) says otherwise.
    """
    band = Band.objects.filter(pk=band_id).first()
    if band is None or band.is_live:
        return
    started = time.monotonic()
    BandResult.objects.replace(band, band_results(band, clock.as_of(as_of)), started=started)
    forget_cached_bands()


@shared_task
def recompute_all_bands() -> None:
    """Queue a recompute of every enabled, computed band."""
    for band in Band.objects.filter(is_enabled=True).exclude(algorithm="recently_viewed"):
        recompute_band.delay(band.pk)

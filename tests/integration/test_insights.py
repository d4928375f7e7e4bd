"""Band insights on the real services: a Celery worker runs evaluations and roll-ups that
admins ask for."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from personalization.models import Algorithm, BandDay, Evaluation, Event, Placement
from tests.factories import EventFactory, OrderFactory, OrderLineFactory, ProductFactory
from tests.integration.helpers import wait_for
from tests.personalization.factories import BandFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_runs_an_evaluation_asked_for_in_admin(celery_worker, admin_client):
    tent, stove, lamp = ProductFactory.create_batch(3)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for day in range(8):
        placed = OrderFactory(created_at=start + timedelta(days=day))
        for product in (tent, stove) if day % 2 else (tent, lamp):
            OrderLineFactory(order=placed, product=product)
    fbt = BandFactory(
        slug="fbt", algorithm=Algorithm.BOUGHT_TOGETHER, placement=Placement.PRODUCT, min_support=1
    )
    best = BandFactory(slug="best", algorithm=Algorithm.BEST_SELLERS, lookback_days=30)

    response = admin_client.post(
        reverse("admin:personalization_band_changelist"),
        {
            "action": "evaluate",
            "_selected_action": [fbt.pk, best.pk],
            "apply": "1",
            "cutoff": "2026-03-06",
            "k": "2",
        },
    )

    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    done = wait_for(
        lambda: Evaluation.objects.filter(pk=evaluation.pk, status__in=["done", "failed"]).first()
    )
    assert done is not None, celery_worker.log()
    assert done.status == "done", done.message
    assert {row["slug"] for row in done.results} == {"fbt", "best"}
    assert all("hit_rate" in row["baseline"] for row in done.results)
    page = admin_client.get(
        reverse("admin:personalization_evaluation_change", args=[evaluation.pk])
    )
    assert page.status_code == 200 and "Done" in page.content.decode()


def test_worker_refreshes_the_figures_asked_for_on_the_performance_page(
    celery_worker, admin_client
):
    band = BandFactory()
    now = timezone.now()
    for kind in (Event.Kind.IMPRESSION, Event.Kind.IMPRESSION, Event.Kind.CLICK):
        EventFactory(kind=kind, band=band, product=None, session_key="visit-a", created_at=now)
    today = now.astimezone(UTC).date().isoformat()

    admin_client.post(
        reverse("admin:personalization_band_performance_refresh"), {"start": today, "end": today}
    )

    row = wait_for(lambda: BandDay.objects.filter(band=band).first())
    assert row is not None, celery_worker.log()
    assert (row.impressions, row.clicks) == (2, 1)

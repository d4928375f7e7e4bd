"""Starting and ending A/B tests, and replacing days of band figures."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from personalization.models import ABTest, Algorithm, Band, BandDay, Placement
from tests.factories import ProductFactory
from tests.personalization.factories import BandFactory, CrontabFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def control():
    fallback = BandFactory(title="Similar")
    band = BandFactory(
        slug="bought-together",
        title="Frequently bought together",
        algorithm=Algorithm.BOUGHT_TOGETHER,
        placement=Placement.PRODUCT,
        position=3,
        metric=Band.Metric.LIFT,
        fallback=fallback,
        min_items=3,
        schedule=CrontabFactory(),
        exclude_purchased=False,
        pinned=[ProductFactory()],
        blocked=[ProductFactory()],
    )
    band.sync_schedule()
    return band


def test_starting_a_test_makes_a_variant_like_the_control_but_for_its_tuning(control):
    test = ABTest.objects.start(
        control, 30, {"algorithm": Algorithm.BOUGHT_TOGETHER, "metric": Band.Metric.CONFIDENCE}
    )

    variant = test.variant
    assert (variant.slug, variant.title, variant.placement, variant.position) == (
        "bought-together-b1",
        control.title,
        control.placement,
        control.position,
    )
    assert variant.metric == Band.Metric.CONFIDENCE
    assert (variant.fallback_id, variant.min_items, variant.exclude_purchased) == (
        control.fallback_id,
        3,
        False,
    )
    assert list(variant.pinned_products.all()) == list(control.pinned_products.all())
    assert list(variant.blocked_products.all()) == list(control.blocked_products.all())
    assert variant.periodic_task.enabled and variant.periodic_task.args == f"[{variant.pk}]"
    assert (test.variant_share, test.is_running, len(test.salt)) == (30, True, 16)


def test_a_band_has_at_most_one_running_test_and_variants_get_new_slugs(control):
    first = ABTest.objects.start(control, 30, {"metric": Band.Metric.CONFIDENCE})
    assert (first.variant.algorithm, first.variant.lookback_days) == (
        control.algorithm,
        control.lookback_days,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ABTest.objects.start(control, 30, {"min_support": 5})

    first.end(ABTest.Winner.CONTROL)
    second = ABTest.objects.start(control, 30, {"min_support": 5})

    assert second.variant.slug == "bought-together-b2"


def test_promoting_the_variant_copies_its_tuning_onto_the_control_and_disables_it(control):
    test = ABTest.objects.start(
        control, 50, {"metric": Band.Metric.CONFIDENCE, "min_support": 4, "options": {"note": "b"}}
    )

    assert test.end(ABTest.Winner.VARIANT)

    control.refresh_from_db()
    test.variant.refresh_from_db()
    test.variant.periodic_task.refresh_from_db()
    assert (control.metric, control.min_support, control.options) == (
        Band.Metric.CONFIDENCE,
        4,
        {"note": "b"},
    )
    assert (control.slug, control.position) == ("bought-together", 3)
    assert not test.variant.is_enabled
    assert not test.variant.periodic_task.enabled
    stored = ABTest.objects.get(pk=test.pk)
    assert (stored.winner, stored.is_running) == ("variant", False)


def test_promoting_the_control_keeps_its_tuning_and_a_second_end_changes_nothing(control):
    test = ABTest.objects.start(control, 50, {"metric": Band.Metric.CONFIDENCE})

    assert test.end(ABTest.Winner.CONTROL)
    assert not ABTest.objects.get(pk=test.pk).end(ABTest.Winner.VARIANT)

    control.refresh_from_db()
    assert control.metric == Band.Metric.LIFT
    assert ABTest.objects.get(pk=test.pk).winner == "control"


def test_a_split_outside_1_to_99_is_refused_by_the_database(control):
    variant = BandFactory()
    for share in (0, 100):
        with pytest.raises(IntegrityError), transaction.atomic():
            ABTest.objects.create(band=control, variant=variant, variant_share=share)


def test_replace_days_swaps_only_those_days_and_skips_deleted_bands():
    band, gone = BandFactory(), BandFactory()
    BandDay.objects.create(band=band, day=date(2026, 3, 1), impressions=5)
    BandDay.objects.create(band=band, day=date(2026, 3, 2), impressions=6)
    gone_id = gone.pk
    gone.delete()

    written = BandDay.objects.replace_days(
        date(2026, 3, 2),
        date(2026, 3, 3),
        [
            {"band_id": band.pk, "day": date(2026, 3, 2), "impressions": 9},
            {"band_id": gone_id, "day": date(2026, 3, 2), "impressions": 1},
        ],
    )

    assert written == 1
    assert sorted(BandDay.objects.values_list("day", "impressions")) == [
        (date(2026, 3, 1), 5),
        (date(2026, 3, 2), 9),
    ]


def test_deleting_the_control_band_disables_its_variant(
    control, django_capture_on_commit_callbacks
):
    test = ABTest.objects.start(control, 50, {"metric": Band.Metric.CONFIDENCE})

    with django_capture_on_commit_callbacks(execute=True):
        control.delete()

    assert not ABTest.objects.exists()
    assert not Band.objects.get(pk=test.variant_id).is_enabled

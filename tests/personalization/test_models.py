"""Storing a band's results as versions, and keeping its Celery beat schedule in step."""

import json
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import F
from django_celery_beat.models import PeriodicTask

from personalization.bands import PageContext, bands_for
from personalization.models import Algorithm, Band, BandResult
from tests.factories import ProductFactory
from tests.personalization.factories import (
    BandFactory,
    CrontabFactory,
    result_frame,
    shown_items,
    store,
    visitor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    return ProductFactory.create_batch(4)


def stored(band, version=None):
    """The band's rows as (version, context, rank, product id, reason), in order."""
    rows = BandResult.objects.filter(band=band)
    if version is not None:
        rows = rows.filter(version=version)
    return [
        (version, ctx, rank, pid, reason)
        for version, ctx, items in rows.order_by("version", "context").values_list(
            "version", "context", "items"
        )
        for rank, (pid, _, reason) in enumerate(items)
    ]


def versions(band):
    return sorted(set(BandResult.objects.filter(band=band).values_list("version", flat=True)))


def home_items(band_title=None):
    shown = shown_items(bands_for(visitor(), PageContext("home")))
    return shown if band_title is None else shown.get(band_title, [])


# --- BandResult.objects.replace ---------------------------------------------------------------


def test_replace_writes_a_new_version_and_switches_to_it(products):
    band = BandFactory()
    tent, stove, lamp, _ = products

    version = store(
        band, [("", tent, "Sold 9"), ("", stove, "Sold 5"), ("category:7", lamp, "Sold 2 in tents")]
    )

    band.refresh_from_db()
    assert version == band.current_version == band.last_version == 1
    assert stored(band) == [
        (1, "", 0, tent.pk, "Sold 9"),
        (1, "", 1, stove.pk, "Sold 5"),
        (1, "category:7", 0, lamp.pk, "Sold 2 in tents"),
    ]
    assert (band.context_count, band.result_count) == (2, 3)
    assert band.last_computed_at is not None
    assert home_items(band.title) == [(tent.name, "Sold 9"), (stove.name, "Sold 5")]


def test_replace_records_how_long_the_whole_recompute_took(products):
    band = BandFactory()
    started = time.monotonic() - 1.234

    BandResult.objects.replace(band, result_frame([("", products[0], "x")]), started=started)

    band.refresh_from_db()
    assert 1234 <= band.last_duration_ms < 1234 + 5000


def test_previous_version_is_kept_until_the_next_switch(products):
    band = BandFactory()

    store(band, [("", products[0], "first")])
    store(band, [("", products[1], "second")])
    assert versions(band) == [1, 2]
    store(band, [("", products[2], "third")])

    assert versions(band) == [2, 3]
    assert Band.objects.get(pk=band.pk).current_version == 3
    assert home_items(band.title) == [(products[2].name, "third")]


def test_replacing_twice_with_the_same_rows_is_harmless(products):
    band = BandFactory()
    rows = [("", products[0], "Sold 9"), ("", products[1], "Sold 5")]

    store(band, rows)
    first = home_items()
    store(band, rows)

    assert home_items() == first
    assert [row[1:] for row in stored(band, 2)] == [row[1:] for row in stored(band, 1)]
    assert Band.objects.get(pk=band.pk).current_version == 2


def test_replace_with_no_rows_switches_to_an_empty_version(products):
    band = BandFactory()
    store(band, [("", products[0], "x")])

    store(band, [])

    band.refresh_from_db()
    assert band.current_version == 2
    assert (band.context_count, band.result_count) == (0, 0)
    assert home_items() == {}


def kill_a_run_after_writing(band, rows):
    """What a run killed between writing its rows and switching leaves behind."""
    Band.objects.filter(pk=band.pk).update(last_version=F("last_version") + 1)
    version = Band.objects.values_list("last_version", flat=True).get(pk=band.pk)
    BandResult.objects.all()._write(band, version, result_frame(rows))
    return version


def test_orphan_version_of_a_killed_run_is_not_served_and_goes_at_the_next_switch(products):
    band = BandFactory()
    store(band, [("", products[0], "served")])

    orphan = kill_a_run_after_writing(band, [("", products[1], "orphan")])

    assert orphan == 2
    assert home_items(band.title) == [(products[0].name, "served")]
    store(band, [("", products[2], "next")])
    assert versions(band) == [1, 3]
    assert home_items(band.title) == [(products[2].name, "next")]


def run_inside(when, action, *, before=False):
    """An execute wrapper that runs ``action()`` once, right after (or ``before``) the first
    query matching ``when(sql)``: a deterministic stand-in for another run interleaving."""
    done = []

    def wrapper(execute, sql, params, many, context):
        if before and not done and when(sql):
            done.append(True)
            action()
        result = execute(sql, params, many, context)
        if not before and not done and when(sql):
            done.append(True)
            action()
        return result

    return wrapper


def test_stale_run_does_not_switch_back_and_drops_its_rows(products):
    band = BandFactory()
    store(band, [("", products[0], "v1")])
    slow_rows = [("", products[1], "slow run")]
    fast_rows = [("", products[2], "fast run")]

    # The slow run took version 2; the fast one takes 3 and switches before the slow one does.
    def fast_run():
        BandResult.objects.replace(Band.objects.get(pk=band.pk), result_frame(fast_rows))

    # Just before the slow run's switch (after it has written its rows, by COPY or INSERT).
    before_switch = run_inside(
        lambda sql: sql.startswith("SELECT") and '"current_version"' in sql, fast_run, before=True
    )
    slow_band = Band.objects.get(pk=band.pk)
    with connection.execute_wrapper(before_switch):
        returned = BandResult.objects.replace(slow_band, result_frame(slow_rows))

    band.refresh_from_db()
    assert returned == band.current_version == 3
    assert versions(band) == [1, 3]
    assert home_items(band.title) == [(products[2].name, "fast run")]


@pytest.mark.django_db(transaction=True)
def test_two_racing_runs_never_share_a_version(require_postgres, products):
    """Two recomputes of one band (beat and "Recompute now") take their version numbers at the
    same time, each on its own connection: the served version holds one run's rows only."""
    band = BandFactory()
    store(band, [("", products[0], "v1")])
    ours = [("", products[1], "ours"), ("", products[2], "ours")]
    theirs = [("", products[3], "theirs"), ("", products[2], "theirs")]
    errors = []

    def their_run():
        try:
            BandResult.objects.replace(Band.objects.get(pk=band.pk), result_frame(theirs))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    def start_their_run():
        thread = threading.Thread(target=their_run)
        thread.start()
        # Their run either finishes now or waits on a lock ours holds until it has its number.
        thread.join(timeout=1.5)
        threads.append(thread)

    threads = []
    counter_taken = run_inside(
        lambda sql: sql.startswith('UPDATE "personalization_band" SET "last_version"'),
        start_their_run,
    )
    with connection.execute_wrapper(counter_taken):
        BandResult.objects.replace(Band.objects.get(pk=band.pk), result_frame(ours))
    threads[0].join(timeout=30)

    assert not errors
    band.refresh_from_db()
    served = stored(band, band.current_version)
    assert [rank for _, _, rank, _, _ in served] == list(range(len(served))), served
    assert {reason for *_, reason in served} in ({"ours"}, {"theirs"}), served


# --- Band.sync_schedule -----------------------------------------------------------------------


def periodic_task(band):
    band.refresh_from_db()
    return PeriodicTask.objects.get(pk=band.periodic_task_id)


def test_sync_schedule_creates_an_enabled_beat_task_for_the_band():
    schedule = CrontabFactory(minute="7")
    band = BandFactory(schedule=schedule)

    band.sync_schedule()

    task = periodic_task(band)
    assert task.task == "personalization.tasks.recompute_band"
    assert json.loads(task.args) == [band.pk]
    assert task.crontab == schedule
    assert task.enabled is True
    assert PeriodicTask.objects.filter(task="personalization.tasks.recompute_band").count() == 1


def test_sync_schedule_updates_the_same_task():
    band = BandFactory(schedule=CrontabFactory())
    band.sync_schedule()
    first = periodic_task(band)
    later = CrontabFactory(minute="45")

    band.schedule, band.is_enabled = later, False
    band.save()
    band.sync_schedule()

    task = periodic_task(band)
    assert task.pk == first.pk
    assert task.crontab == later
    assert task.enabled is False
    assert PeriodicTask.objects.filter(task="personalization.tasks.recompute_band").count() == 1


def test_sync_schedule_enables_the_task_again_with_the_band():
    band = BandFactory(schedule=CrontabFactory(), is_enabled=False)
    band.sync_schedule()
    assert periodic_task(band).enabled is False

    band.is_enabled = True
    band.save()
    band.sync_schedule()

    assert periodic_task(band).enabled is True


def test_sync_schedule_keeps_one_task_when_the_slug_changes():
    band = BandFactory(slug="best-sellers", schedule=CrontabFactory())
    band.sync_schedule()
    first = periodic_task(band)

    band.slug = "top-sellers"
    band.save()
    band.sync_schedule()

    tasks = PeriodicTask.objects.filter(task="personalization.tasks.recompute_band")
    assert [task.pk for task in tasks] == [first.pk], [task.name for task in tasks]


def test_sync_schedule_deletes_the_task_when_the_schedule_is_cleared():
    band = BandFactory(schedule=CrontabFactory())
    band.sync_schedule()

    band.schedule = None
    band.save()
    band.sync_schedule()

    assert not PeriodicTask.objects.filter(task="personalization.tasks.recompute_band").exists()
    band.refresh_from_db()
    assert band.periodic_task is None


def test_live_band_never_gets_a_beat_task():
    band = BandFactory(algorithm=Algorithm.RECENTLY_VIEWED, schedule=CrontabFactory())

    band.sync_schedule()

    assert not PeriodicTask.objects.filter(task="personalization.tasks.recompute_band").exists()


def test_band_cannot_fall_back_to_itself():
    band = BandFactory()
    band.fallback = band

    with pytest.raises(ValidationError, match="fall back to itself"):
        band.full_clean()

"""Recomputing the default bands from orders and events, directly and through the command."""

import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule

from personalization import inputs
from personalization.algorithms import for_you
from personalization.bands import PageContext, bands_for
from personalization.models import LIVE_ALGORITHMS, Algorithm, Band, BandResult, Placement
from personalization.recompute import PERSONAL_MARGIN
from personalization.tasks import compute_and_store, recompute_all_bands, recompute_band
from shop.models import Order
from tests.factories import (
    CategoryFactory,
    DepartmentFactory,
    EventFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ShopperFactory,
)
from tests.personalization.factories import visitor

pytestmark = pytest.mark.django_db

ORDERS = 30
DEFAULT_BANDS = json.loads((Path(settings.BASE_DIR) / "fixtures" / "bands.json").read_text())
COMPUTED_SLUGS = [
    band["fields"]["slug"]
    for band in DEFAULT_BANDS
    if band["fields"]["algorithm"] not in LIVE_ALGORITHMS
]


class Shop:
    """A small camping shop with 30 orders in which a tent and a sleeping bag go together."""

    def __init__(self):
        camping = DepartmentFactory(name="Camping")
        self.tents = CategoryFactory(parent=camping, name="Tents")
        sleeping = CategoryFactory(parent=camping, name="Sleeping bags")
        cooking = CategoryFactory(parent=camping, name="Stoves")
        self.tent = ProductFactory(name="Ridge tent", category=self.tents, stock=50)
        self.bag = ProductFactory(name="Down sleeping bag", category=sleeping, stock=50)
        self.stove = ProductFactory(name="Gas stove", category=cooking, stock=50)
        self.lantern = ProductFactory(
            name="Brass lantern",
            category=cooking,
            stock=50,
            price=Decimal("30.00"),
            compare_at_price=Decimal("40.00"),
        )
        self.dome = ProductFactory(name="Dome tent", category=self.tents, stock=50)
        # No password: hashing ten would take most of the setup time.
        self.shoppers = [
            ShopperFactory(country="NL" if n % 3 else "FR", user__password=None) for n in range(10)
        ]
        for n in range(ORDERS):
            shopper = self.shoppers[n % len(self.shoppers)]
            order = OrderFactory(user=shopper.user, country=shopper.country)
            OrderLineFactory(order=order, product=self.tent)
            OrderLineFactory(order=order, product=self.bag)
            if n % 5 == 0:
                OrderLineFactory(order=order, product=self.stove, quantity=2)
        # Sessions that looked at the tent also looked at the lantern; some at the dome tent.
        for n in range(6):
            session = f"viewer{n:02d}"
            EventFactory(session_key=session, product=self.tent)
            EventFactory(session_key=session, product=self.lantern)
            if n % 2:
                EventFactory(session_key=session, product=self.dome)


@pytest.fixture
def shop():
    return Shop()


def rows(band, context=None):
    """The served rows of the band: {context: [(product id, reason), …]} in rank order."""
    band.refresh_from_db()
    found = BandResult.objects.filter(band=band, version=band.current_version)
    if context is not None:
        found = found.filter(context=context)
    return {
        ctx: [(pid, reason) for pid, _, reason in items]
        for ctx, items in found.order_by("context").values_list("context", "items")
    }


def products_of(rows_of_context):
    return [pid for pid, _ in rows_of_context]


def test_setup_bands_loads_the_default_bands_with_staggered_schedules(default_bands):
    computed = [b for b in default_bands.values() if not b.is_live]
    assert sorted(default_bands) == sorted(band["fields"]["slug"] for band in DEFAULT_BANDS)
    assert all(band.periodic_task_id for band in computed)
    minutes = {band.schedule.minute for band in computed}
    assert len(minutes) == len(computed)


def test_setup_bands_twice_changes_nothing(default_bands):
    call_command("setup_bands", stdout=io.StringIO())

    assert {b.slug: (b.pk, b.schedule_id, b.periodic_task_id) for b in Band.objects.all()} == {
        b.slug: (b.pk, b.schedule_id, b.periodic_task_id) for b in default_bands.values()
    }


def test_bought_together_pairs_the_tent_with_the_sleeping_bag(shop, default_bands):
    band = default_bands["bought-together"]

    recompute_band(band.pk)

    for_tent = rows(band)[f"product:{shop.tent.pk}"]
    assert for_tent == [
        (shop.bag.pk, f"Bought together in {ORDERS} orders"),
        (shop.stove.pk, "Bought together in 6 orders"),
    ]
    band.refresh_from_db()
    assert band.current_version == 1
    assert band.last_duration_ms is not None


def check_best_sellers(shop, band, served):
    context = f"category:{shop.tents.pk}" if band.placement == Placement.CATEGORY else ""
    top_id, reason = served[context][0]
    assert top_id in (shop.tent.pk, shop.bag.pk)
    assert str(ORDERS) in reason


def check_trending(shop, band, served):
    assert (shop.tent.pk, f"New this week: {ORDERS} sold") in served[""]


def check_bought_together(shop, band, served):
    bought = f"Bought together in {ORDERS} orders"
    assert served[f"product:{shop.tent.pk}"][0] == (shop.bag.pk, bought)
    assert served[f"product:{shop.bag.pk}"][0] == (shop.tent.pk, bought)


def check_also_viewed(shop, band, served):
    assert served[f"product:{shop.tent.pk}"][0] == (
        shop.lantern.pk,
        "Viewed together in 6 sessions",
    )


def check_similar(shop, band, served):
    assert served[f"product:{shop.tent.pk}"][0] == (shop.dome.pk, "Same category, similar price")


def check_similar_factors(shop, band, served):
    assert all(ctx.startswith("product:") for ctx in served)
    assert {reason for rows in served.values() for _, reason in rows} == {
        "Liked by the same shoppers"
    }


def check_for_you(shop, band, served):
    mine = served[f"visitor:u{shop.shoppers[0].user.pk}"]
    assert not {shop.tent.pk, shop.bag.pk} & set(products_of(mine))
    assert all(reason.startswith("Because you ") for _, reason in mine), mine
    assert all(ctx.startswith("visitor:") for ctx in served)


def check_deals(shop, band, served):
    assert (shop.lantern.pk, "25% off") in served[""]


def check_near_you(shop, band, served):
    top_id, reason = served["country:FR"][0]
    assert top_id in (shop.tent.pk, shop.bag.pk)
    assert reason.startswith("Popular in France ")


CHECKS = {
    Algorithm.BEST_SELLERS: check_best_sellers,
    Algorithm.TRENDING: check_trending,
    Algorithm.BOUGHT_TOGETHER: check_bought_together,
    Algorithm.ALSO_VIEWED: check_also_viewed,
    Algorithm.SIMILAR: check_similar,
    Algorithm.SIMILAR_FACTORS: check_similar_factors,
    Algorithm.FOR_YOU: check_for_you,
    Algorithm.DEALS: check_deals,
    Algorithm.NEAR_YOU: check_near_you,
}


@pytest.mark.parametrize("slug", COMPUTED_SLUGS)
def test_each_default_band_stores_sensible_results(shop, default_bands, slug):
    band = default_bands[slug]

    recompute_band(band.pk)

    served = rows(band)
    CHECKS[band.algorithm](shop, band, served)
    band.refresh_from_db()
    assert band.context_count == len(served)
    assert band.result_count == sum(len(r) for r in served.values())


def test_recommended_for_you_shows_on_the_shoppers_home_page(shop, default_bands):
    recompute_band(default_bands["recommended-for-you"].pk)
    shopper = shop.shoppers[0].user

    shown = bands_for(visitor(user=shopper), PageContext(Placement.HOME))

    assert shown[0].title == "Recommended for you"
    assert shown[0].items[0].reason.startswith("Because you ")


def test_recompute_twice_stores_the_same_rows_under_the_next_version(shop, default_bands):
    band = default_bands["bought-together"]

    recompute_band(band.pk)
    first = rows(band)
    recompute_band(band.pk)
    second = rows(band)
    recompute_band(band.pk)

    band.refresh_from_db()
    assert second == first == rows(band)
    assert band.current_version == 3
    assert sorted(set(BandResult.objects.filter(band=band).values_list("version", flat=True))) == [
        2,
        3,
    ]


def test_recompute_of_an_unknown_band_is_a_no_op(shop, default_bands):
    assert recompute_band(10**9) is None
    assert not BandResult.objects.exists()


def test_recompute_of_a_live_band_stores_nothing(shop, default_bands):
    band = default_bands["recently-viewed"]

    recompute_band(band.pk)

    band.refresh_from_db()
    assert band.current_version == 0
    assert not BandResult.objects.exists()


def test_recompute_with_no_orders_or_events_stores_an_empty_version(default_bands):
    for slug in ("best-sellers", "bought-together", "recommended-for-you", "best-deals"):
        band = default_bands[slug]
        recompute_band(band.pk)
        band.refresh_from_db()
        assert (band.current_version, band.result_count) == (1, 0), slug


def test_cancelled_orders_do_not_count(shop, default_bands):
    for order in shop.tent.order_lines.select_related("order")[: ORDERS - 1]:
        order.order.status = "cancelled"
        order.order.save()
    band = default_bands["bought-together"]

    recompute_band(band.pk)

    assert f"product:{shop.tent.pk}" not in rows(band)


def test_recompute_all_bands_computes_every_enabled_computed_band(shop, default_bands):
    default_bands["trending"].is_enabled = False
    default_bands["trending"].save()

    recompute_all_bands()

    computed = set(Band.objects.filter(current_version=1).values_list("slug", flat=True))
    assert computed == set(COMPUTED_SLUGS) - {"trending"}


def test_bands_computed_together_read_each_input_once(shop, default_bands, monkeypatch):
    read = []
    frame = inputs.frame

    def counted(queryset, *args, **kwargs):
        read.append(queryset.model.__name__)
        return frame(queryset, *args, **kwargs)

    monkeypatch.setattr(inputs, "frame", counted)
    recompute_all_bands()

    assert sorted(read) == ["Event", "OrderLine", "Product"]
    assert {b.current_version for b in Band.objects.exclude(algorithm__in=LIVE_ALGORITHMS)} == {1}


# --- The recompute_bands command --------------------------------------------------------------


def test_recompute_bands_computes_every_enabled_band_and_reports(shop, default_bands):
    out = io.StringIO()

    call_command("recompute_bands", stdout=out, stderr=io.StringIO())

    report = out.getvalue()
    for band in Band.objects.all():
        if band.is_live:
            assert band.current_version == 0
            assert band.slug not in report
        else:
            assert band.current_version == 1, band.slug
            assert (
                f"  {band.slug}: {band.context_count} contexts, {band.result_count} rows in "
                in report
            )


def test_recompute_bands_computes_only_the_named_bands(shop, default_bands):
    call_command(
        "recompute_bands", "trending", "best-sellers", stdout=io.StringIO(), stderr=io.StringIO()
    )

    computed = set(Band.objects.filter(current_version=1).values_list("slug", flat=True))
    assert computed == {"trending", "best-sellers"}


def test_recompute_bands_queues_when_asked(default_bands, published):
    out = io.StringIO()

    call_command("recompute_bands", "--queue", stdout=out, stderr=io.StringIO())

    assert len(published) == len(COMPUTED_SLUGS)
    assert f"Queued {len(COMPUTED_SLUGS)} band recomputes." in out.getvalue()
    assert not BandResult.objects.exists()


@pytest.mark.parametrize("slugs", [["no-such-band"], ["best-sellers", "nope"], ["recently-viewed"]])
def test_recompute_bands_with_an_unknown_slug_is_an_error(default_bands, slugs):
    with pytest.raises(CommandError, match="No computed band with slug"):
        call_command("recompute_bands", *slugs, stdout=io.StringIO(), stderr=io.StringIO())

    assert not BandResult.objects.exists()


def home_items():
    return [
        (s.title, [(i.card.pk, i.reason) for i in s.items])
        for s in bands_for(visitor(), PageContext(Placement.HOME))
    ]


def test_setup_bands_again_keeps_the_served_results(shop, default_bands):
    band = default_bands["best-sellers"]
    recompute_band(band.pk)
    recompute_band(band.pk)
    before = home_items()
    assert before

    call_command("setup_bands", stdout=io.StringIO())

    band.refresh_from_db()
    assert (band.current_version, band.last_version) == (2, 2)
    assert home_items() == before


def test_setup_bands_again_then_a_recompute_serves_one_version(shop, default_bands):
    band = default_bands["bought-together"]
    for _ in range(2):
        recompute_band(band.pk)

    call_command("setup_bands", stdout=io.StringIO())
    recompute_band(band.pk)

    band.refresh_from_db()
    served = BandResult.objects.get(
        band=band, version=band.current_version, context=f"product:{shop.tent.pk}"
    )
    assert served.product_ids == [shop.bag.pk, shop.stove.pk]


def test_setup_bands_again_keeps_an_admins_tuning_and_schedule(default_bands):
    band = default_bands["best-sellers"]
    nightly = CrontabSchedule.objects.create(minute="0", hour="3", timezone="UTC")
    band.schedule, band.item_count, band.position, band.is_enabled = nightly, 4, 9, False
    band.save()
    band.sync_schedule()

    call_command("setup_bands", stdout=io.StringIO())

    band.refresh_from_db()
    assert (band.schedule, band.item_count, band.position, band.is_enabled) == (
        nightly,
        4,
        9,
        False,
    )
    assert band.periodic_task.crontab == nightly


def test_recompute_bands_as_of_the_latest_order_fills_bands_of_an_old_history(shop, default_bands):
    Order.objects.update(created_at=timezone.now() - timedelta(days=400))
    call_command("recompute_bands", "best-sellers", stdout=io.StringIO(), stderr=io.StringIO())
    assert rows(default_bands["best-sellers"]) == {}

    out = io.StringIO()
    call_command(
        "recompute_bands",
        "best-sellers",
        "--as-of",
        "latest-order",
        stdout=out,
        stderr=io.StringIO(),
    )

    assert products_of(rows(default_bands["best-sellers"])[""])[:2] == [shop.tent.pk, shop.bag.pk]
    assert "Computing as of " in out.getvalue()


def test_recompute_bands_queues_with_the_time_asked_for(default_bands, published):
    call_command(
        "recompute_bands",
        "trending",
        "--queue",
        "--as-of",
        "2011-12-10",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert published == [
        ("personalization.tasks.recompute_band", [default_bands["trending"].pk, "2011-12-10"])
    ]


def test_recompute_bands_with_an_unreadable_time_is_an_error(default_bands):
    with pytest.raises(CommandError, match="--as-of"):
        call_command(
            "recompute_bands", "--as-of", "last tuesday", stdout=io.StringIO(), stderr=io.StringIO()
        )


# --- One run for several bands ----------------------------------------------------------------


def test_recommended_for_you_and_similar_by_factors_train_one_model_per_run(
    shop, default_bands, monkeypatch
):
    for_you_band = default_bands["recommended-for-you"]
    similar = Band.objects.create(
        slug="similar-factors",
        title="Similar (ALS)",
        algorithm=Algorithm.SIMILAR_FACTORS,
        placement="product",
        lookback_days=for_you_band.lookback_days,
        options=for_you_band.options,
    )
    trainings = []
    train = for_you.trained
    monkeypatch.setattr(
        for_you, "trained", lambda *args, **kwargs: (trainings.append(1), train(*args, **kwargs))[1]
    )

    compute_and_store([for_you_band, similar])

    assert len(trainings) == 1
    similar.refresh_from_db()
    assert similar.current_version == 1 and similar.result_count > 0


def test_visitor_rows_keep_a_small_margin_above_what_the_band_shows(shop, default_bands):
    band = default_bands["recommended-for-you"]
    Band.objects.filter(pk=band.pk).update(item_count=1)

    recompute_band(band.pk)

    stored = rows(band)
    assert stored
    assert max(len(items) for items in stored.values()) <= 1 + PERSONAL_MARGIN

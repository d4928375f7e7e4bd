"""The read side: which items each band on a page shows to a visitor, and why."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from personalization.bands import PageContext, bands_for, forget_cached_bands
from personalization.experiments import sees_variant
from personalization.models import LIVE_ALGORITHMS, ABTest, Algorithm, Band, Event, Placement
from personalization.tasks import recompute_band
from personalization.visitors import PERSONALIZATION_OFF_KEY, VISIT_KEY
from tests.factories import (
    CategoryFactory,
    EventFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    UserFactory,
    accept_tracking,
)
from tests.personalization.factories import BandFactory, shown_items, store, visitor

pytestmark = pytest.mark.django_db

HOME = PageContext(Placement.HOME)


def names(items):
    return [name for name, _ in items]


def titles(shown):
    return [s.title for s in shown]


def home_for(who=None):
    return shown_items(bands_for(who or visitor(), HOME))


def viewed(product, *, session_key="visit-a", user=None, ago=timedelta(0), kind="view"):
    return EventFactory(
        product=product,
        session_key=session_key,
        user=user,
        kind=kind,
        created_at=timezone.now() - ago,
    )


@pytest.fixture
def products():
    return ProductFactory.create_batch(6, stock=5)


# --- Order, reasons, pins and blocks ----------------------------------------------------------


def test_bands_appear_in_the_admins_position_order(products):
    third = BandFactory(title="Third", position=7)
    first = BandFactory(title="First", position=0)
    second = BandFactory(title="Second", position=3)
    elsewhere = BandFactory(title="On product pages", placement=Placement.PRODUCT, position=1)
    hidden = BandFactory(title="Disabled", position=2, is_enabled=False)
    for band in (third, first, second, elsewhere, hidden):
        store(band, [("", products[0], "Sold 3")])

    assert titles(bands_for(visitor(), HOME)) == ["First", "Second", "Third"]


def test_each_item_carries_its_reason(products):
    band = BandFactory(title="Best sellers")
    store(band, [("", products[0], "12 sold this week"), ("", products[1], "7 sold this week")])

    assert home_for() == {
        "Best sellers": [
            (products[0].name, "12 sold this week"),
            (products[1].name, "7 sold this week"),
        ]
    }


def test_pinned_products_come_first_featured_by_the_shop(products):
    first, second, pinned = products[:3]
    band = BandFactory(title="Best sellers", pinned=[pinned])
    store(band, [("", first, "Sold 9"), ("", pinned, "Sold 5"), ("", second, "Sold 2")])

    assert home_for()["Best sellers"] == [
        (pinned.name, "Featured by the shop"),
        (first.name, "Sold 9"),
        (second.name, "Sold 2"),
    ]


def test_pinned_products_show_even_without_results(products):
    band = BandFactory(title="Editors' picks", pinned=products[:2])

    assert names(home_for()["Editors' picks"]) == [products[0].name, products[1].name]
    assert band.current_version == 0


def test_blocked_products_are_never_shown(products):
    blocked = products[1]
    band = BandFactory(title="Best sellers", blocked=[blocked], pinned=[blocked])
    store(band, [("", products[0], "Sold 9"), ("", blocked, "Sold 5"), ("", products[2], "x")])

    assert names(home_for()["Best sellers"]) == [products[0].name, products[2].name]


def test_band_shows_at_most_item_count_items(products):
    band = BandFactory(title="Best sellers", item_count=3)
    store(band, [("", p, "Sold") for p in products])

    assert names(home_for()["Best sellers"]) == [p.name for p in products[:3]]


def test_inactive_products_are_never_shown(products):
    band = BandFactory(title="Best sellers")
    store(band, [("", products[0], "x"), ("", products[1], "y")])
    products[0].is_active = False
    products[0].save()

    assert names(home_for()["Best sellers"]) == [products[1].name]


# --- Exclusions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exclude", "expected"), [(True, ["In stock"]), (False, ["Sold out", "In stock"])]
)
def test_out_of_stock_products_are_excluded_when_the_band_says_so(exclude, expected):
    sold_out = ProductFactory(name="Sold out", stock=0)
    in_stock = ProductFactory(name="In stock", stock=3)
    band = BandFactory(title="Best sellers", exclude_out_of_stock=exclude)
    store(band, [("", sold_out, "Sold 9"), ("", in_stock, "Sold 5")])

    assert names(home_for()["Best sellers"]) == expected


@pytest.mark.parametrize(("exclude", "expected"), [(True, ["Stove"]), (False, ["Tent", "Stove"])])
def test_the_product_on_the_page_is_excluded_when_the_band_says_so(exclude, expected):
    tent, stove = ProductFactory(name="Tent"), ProductFactory(name="Stove")
    band = BandFactory(title="Popular", placement=Placement.PRODUCT, exclude_current=exclude)
    store(band, [("", tent, "Sold 9"), ("", stove, "Sold 5")])

    shown = bands_for(visitor(), PageContext(Placement.PRODUCT, product=tent))

    assert names(shown_items(shown)["Popular"]) == expected


def test_products_a_shopper_bought_are_excluded_for_them_only(products):
    shopper, other = UserFactory(password=None), UserFactory(password=None)
    bought, fresh = products[:2]
    OrderLineFactory(order=OrderFactory(user=shopper), product=bought)
    band = BandFactory(title="Best sellers")
    store(band, [("", bought, "Sold 9"), ("", fresh, "Sold 5")])

    assert names(home_for(visitor(user=shopper))["Best sellers"]) == [fresh.name]
    assert names(home_for(visitor(user=other))["Best sellers"]) == [bought.name, fresh.name]
    assert names(home_for(visitor())["Best sellers"]) == [bought.name, fresh.name]


def test_bought_products_stay_when_the_band_allows_them(products):
    shopper = UserFactory(password=None)
    OrderLineFactory(order=OrderFactory(user=shopper), product=products[0])
    band = BandFactory(title="Buy again", exclude_purchased=False)
    store(band, [("", products[0], "Sold 9")])

    assert names(home_for(visitor(user=shopper))["Buy again"]) == [products[0].name]


def test_cart_band_merges_the_contexts_of_all_cart_items_without_the_cart_items(products):
    tent, bag, stove, lamp, mat, _ = products
    band = BandFactory(
        title="With your cart", algorithm=Algorithm.BOUGHT_TOGETHER, placement=Placement.CART
    )
    store(
        band,
        [
            (f"product:{tent.pk}", stove, "Bought with the tent in 9 orders", 0.9),
            (f"product:{tent.pk}", lamp, "Bought with the tent in 2 orders", 0.2),
            (f"product:{tent.pk}", bag, "Bought with the tent in 8 orders", 0.8),
            (f"product:{bag.pk}", lamp, "Bought with the bag in 5 orders", 0.5),
            (f"product:{bag.pk}", tent, "Bought with the bag in 8 orders", 0.8),
            (f"product:{mat.pk}", mat, "not in the cart", 0.99),
        ],
    )

    shown = bands_for(visitor(), PageContext(Placement.CART, cart_product_ids=(tent.pk, bag.pk)))

    assert shown_items(shown) == {
        "With your cart": [
            (stove.name, "Bought with the tent in 9 orders"),
            (lamp.name, "Bought with the bag in 5 orders"),
        ]
    }


def test_cart_page_shows_the_merged_band(client, products):
    tent, bag, stove = products[:3]
    band = BandFactory(
        title="With your cart", algorithm=Algorithm.BOUGHT_TOGETHER, placement=Placement.CART
    )
    store(
        band,
        [
            (f"product:{tent.pk}", stove, "Bought together in 4 orders", 0.4),
            (f"product:{bag.pk}", tent, "Bought together in 3 orders", 0.3),
        ],
    )
    for product in (tent, bag):
        client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})

    response = client.get(reverse("shop:cart"))

    assert shown_items(response.context["bands"]) == {
        "With your cart": [(stove.name, "Bought together in 4 orders")]
    }
    assert "Bought together in 4 orders" in response.content.decode()


# --- Fallbacks --------------------------------------------------------------------------------


def test_fallback_is_shown_when_a_band_has_too_few_items(products):
    best = BandFactory(title="Best sellers", position=5)
    together = BandFactory(
        title="Bought together",
        algorithm=Algorithm.BOUGHT_TOGETHER,
        placement=Placement.PRODUCT,
        fallback=best,
        min_items=2,
    )
    page_product = products[0]
    store(together, [(f"product:{page_product.pk}", products[1], "Bought together in 2 orders")])
    store(best, [("", products[2], "Sold 9"), ("", products[3], "Sold 4")])

    shown = bands_for(visitor(), PageContext(Placement.PRODUCT, product=page_product))

    assert [(s.band, s.fallback_for) for s in shown] == [(best, together)]
    assert [item.card.pk for item in shown[0].items] == [products[2].pk, products[3].pk]


def test_band_with_enough_items_keeps_its_own(products):
    best = BandFactory(title="Best sellers")
    together = BandFactory(
        title="Bought together",
        algorithm=Algorithm.BOUGHT_TOGETHER,
        placement=Placement.PRODUCT,
        fallback=best,
        min_items=1,
    )
    store(together, [(f"product:{products[0].pk}", products[1], "Bought together in 2 orders")])
    store(best, [("", products[2], "Sold 9")])

    shown = bands_for(visitor(), PageContext(Placement.PRODUCT, product=products[0]))

    assert shown_items(shown) == {
        "Bought together": [(products[1].name, "Bought together in 2 orders")]
    }


def test_cold_start_shows_the_fallback_once_even_if_it_is_on_the_page_too(products):
    best = BandFactory(title="Best sellers", position=4)
    BandFactory(
        title="Recommended for you",
        algorithm=Algorithm.FOR_YOU,
        position=1,
        fallback=best,
        min_items=4,
    )
    store(best, [("", p, "Sold") for p in products[:3]])

    shown = bands_for(visitor(session_key="new-visitor"), HOME)

    assert titles(shown) == ["Best sellers"]
    assert shown[0].fallback_for.title == "Recommended for you"


def test_fallback_without_items_leaves_the_band_as_it_is(products):
    empty = BandFactory(title="Best sellers", position=4)
    together = BandFactory(
        title="Bought together",
        algorithm=Algorithm.BOUGHT_TOGETHER,
        placement=Placement.PRODUCT,
        fallback=empty,
        min_items=3,
    )
    store(together, [(f"product:{products[0].pk}", products[1], "Bought together in 2 orders")])

    shown = bands_for(visitor(), PageContext(Placement.PRODUCT, product=products[0]))

    assert [(s.band, s.fallback_for) for s in shown] == [(together, None)]


def test_home_page_cold_start_with_the_default_bands(client, products):
    call_command("setup_bands", stdout=io.StringIO())
    best = Band.objects.get(slug="best-sellers")
    store(best, [("", p, "Sold 3 in the last 30 days") for p in products[:4]])

    response = client.get(reverse("shop:home"))

    shown = response.context["bands"]
    assert titles(shown) == ["Best sellers"]
    assert shown[0].fallback_for.slug == "recommended-for-you"
    assert response.content.decode().count('data-band="best-sellers"') == 1


# --- Personalization off ----------------------------------------------------------------------


@pytest.fixture
def personal_home(products):
    """Home bands: recently viewed, for you (falls back to best sellers), deals, best sellers."""
    best = BandFactory(title="Best sellers", position=4)
    BandFactory(title="Recently viewed", algorithm=Algorithm.RECENTLY_VIEWED, position=0)
    for_you = BandFactory(
        title="Recommended for you",
        algorithm=Algorithm.FOR_YOU,
        position=1,
        fallback=best,
        min_items=1,
    )
    deals = BandFactory(title="Best deals", algorithm=Algorithm.DEALS, position=2)
    store(best, [("", products[0], "Sold 9")])
    store(for_you, [("visitor:svisit-a", products[1], "Because you viewed a tent")])
    store(deals, [("", products[2], "20% off"), ("visitor:svisit-a", products[3], "30% off")])
    viewed(products[4], session_key="visit-a")
    return best


def test_personal_bands_show_when_personalization_is_on(personal_home, products):
    assert list(home_for(visitor(session_key="visit-a"))) == [
        "Recently viewed",
        "Recommended for you",
        "Best deals",
        "Best sellers",
    ]


def test_personalization_off_replaces_personal_bands_by_their_fallback_or_hides_them(
    personal_home, products
):
    off = visitor(session_key="visit-a", personalization_on=False)

    assert home_for(off) == {"Best sellers": [(products[0].name, "Sold 9")]}


def test_personalization_off_never_shows_a_personal_fallback(products):
    """An admin may give a product band "Recently viewed" as its fallback: with
    personalization off the visitor's history must stay hidden all the same."""
    history = BandFactory(
        title="Your history",
        algorithm=Algorithm.RECENTLY_VIEWED,
        placement=Placement.PRODUCT,
        position=9,
    )
    BandFactory(
        title="Viewed together",
        algorithm=Algorithm.ALSO_VIEWED,
        placement=Placement.PRODUCT,
        fallback=history,
        min_items=2,
        position=0,
    )
    viewed(products[1], session_key="visit-a")
    off = visitor(session_key="visit-a", personalization_on=False)

    shown = bands_for(off, PageContext(Placement.PRODUCT, product=products[0]))

    assert shown_items(shown) == {}


def test_home_page_with_personalization_switched_off(client, personal_home, products):
    session = client.session
    session.update({PERSONALIZATION_OFF_KEY: True, VISIT_KEY: "visit-a"})
    session.save()

    response = client.get(reverse("shop:home"))

    assert titles(response.context["bands"]) == ["Best sellers"]
    page = response.content.decode()
    assert "Because you viewed a tent" not in page
    assert "You viewed this" not in page


# --- Recently viewed --------------------------------------------------------------------------


@pytest.fixture
def recently_viewed():
    BandFactory(
        title="Recently viewed",
        algorithm=Algorithm.RECENTLY_VIEWED,
        placement=Placement.PRODUCT,
        item_count=8,
    )


def test_recently_viewed_is_newest_first_without_duplicates_or_the_page_product(
    recently_viewed, products
):
    tent, stove, lamp, page_product = products[:4]
    viewed(tent, ago=timedelta(hours=3))
    viewed(stove, ago=timedelta(hours=2))
    viewed(tent, ago=timedelta(hours=1))
    viewed(page_product, ago=timedelta(minutes=1))
    viewed(lamp, ago=timedelta(minutes=30), kind=Event.Kind.CART_ADD)

    shown = bands_for(visitor(), PageContext(Placement.PRODUCT, product=page_product))

    assert shown_items(shown) == {
        "Recently viewed": [
            (tent.name, "You viewed this 1\xa0hour ago"),
            (stove.name, "You viewed this 2\xa0hours ago"),
        ]
    }


def test_recently_viewed_ignores_views_older_than_its_look_back(products):
    BandFactory(title="Recently viewed", algorithm=Algorithm.RECENTLY_VIEWED, lookback_days=7)
    viewed(products[0], ago=timedelta(days=8))
    viewed(products[1], ago=timedelta(days=6))

    assert names(home_for()["Recently viewed"]) == [products[1].name]


def test_two_visitors_never_see_each_others_recently_viewed(recently_viewed, products):
    shopper = UserFactory(password=None)
    viewed(products[0], session_key="visit-a")
    viewed(products[1], session_key="visit-b")
    viewed(products[2], session_key="visit-c", user=shopper)
    page = PageContext(Placement.PRODUCT, product=products[5])

    def seen(who):
        return names(shown_items(bands_for(who, page)).get("Recently viewed", []))

    assert seen(visitor(session_key="visit-a")) == [products[0].name]
    assert seen(visitor(session_key="visit-b")) == [products[1].name]
    assert seen(visitor(session_key="visit-c")) == []  # the account's, not the browser's
    assert seen(visitor(session_key="visit-d", user=shopper)) == [products[2].name]
    assert seen(visitor(session_key="")) == []


# --- Cache ------------------------------------------------------------------------------------


def result_queries(queries):
    return [q["sql"] for q in queries if "personalization_bandresult" in q["sql"]]


def test_results_are_read_from_the_cache_after_the_first_read(products):
    band = BandFactory(title="Best sellers")
    store(band, [("", products[0], "Sold 9"), ("", products[1], "Sold 5")])

    with CaptureQueriesContext(connection) as first_read:
        first = home_for()
    with CaptureQueriesContext(connection) as second_read:
        second = home_for()

    assert len(result_queries(first_read)) == 1
    assert result_queries(second_read) == []
    assert (
        second
        == first
        == {"Best sellers": [(products[0].name, "Sold 9"), (products[1].name, "Sold 5")]}
    )
    cached = cache.get(f"band:{band.pk}:v1:")
    assert [(pid, reason) for pid, _, reason in cached] == [
        (products[0].pk, "Sold 9"),
        (products[1].pk, "Sold 5"),
    ]


def test_a_new_version_after_a_recompute_is_seen_at_once(products):
    tent, stove = products[:2]
    band = BandFactory(title="Best sellers", lookback_days=30)
    for _ in range(3):
        OrderLineFactory(product=tent)
    recompute_band(band.pk)
    assert names(home_for()["Best sellers"]) == [tent.name]

    for _ in range(5):
        OrderLineFactory(product=stove)
    recompute_band(band.pk)

    assert home_for()["Best sellers"] == [
        (stove.name, "5 sold in the last 30 days"),
        (tent.name, "3 sold in the last 30 days"),
    ]


def test_admin_changes_to_a_band_are_seen_at_once(
    admin_client, products, django_capture_on_commit_callbacks
):
    band = BandFactory(title="Best sellers")
    store(band, [("", products[0], "Sold 9")])
    assert "Best sellers" in home_for()

    # Unticking "enabled" in the changelist.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:personalization_band_changelist"),
            {
                "form-TOTAL_FORMS": "1",
                "form-INITIAL_FORMS": "1",
                "form-0-id": str(band.pk),
                "form-0-position": "3",
                "_save": "Save",
            },
        )

    assert response.status_code == 302
    assert Band.objects.get(pk=band.pk).is_enabled is False
    assert home_for() == {}


# --- Query counts -----------------------------------------------------------------------------


def stock_home(count, items):
    """``count`` computed home bands, each with ``items`` results for everyone."""
    catalog = ProductFactory.create_batch(
        items, category=CategoryFactory(), compare_at_price=Decimal("99.00")
    )
    for index in range(count):
        band = BandFactory(title=f"Band {index}", position=index)
        store(band, [("", p, f"Sold {n}") for n, p in enumerate(catalog)])


def count_bands_for_queries(who):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        shown = bands_for(who, HOME)
    return len(queries), shown


def test_bands_for_runs_the_same_queries_for_one_band_or_six_of_eight_items():
    shopper = UserFactory(password=None)
    stock_home(1, 1)
    one, shown = count_bands_for_queries(visitor(user=shopper))
    assert [len(s.items) for s in shown] == [1]

    Band.objects.all().delete()
    stock_home(6, 8)
    six, shown = count_bands_for_queries(visitor(user=shopper))
    assert [len(s.items) for s in shown] == [8] * 6

    # Enabled bands and their pins and blocks (3), results, products, what the shopper bought.
    assert one == six <= 6


def test_bands_for_with_fallbacks_and_history_stays_bounded(
    products, django_assert_max_num_queries
):
    shopper = UserFactory(password=None)
    best = BandFactory(title="Best sellers", position=9)
    for index in range(4):
        BandFactory(
            title=f"For you {index}",
            algorithm=Algorithm.FOR_YOU,
            fallback=best,
            min_items=3,
            position=index,
        )
    BandFactory(title="Recently viewed", algorithm=Algorithm.RECENTLY_VIEWED, position=5)
    store(best, [("", p, "Sold") for p in products])
    for product in products:
        viewed(product, user=shopper)
    cache.clear()

    # The first round (bands 3, results, products, views, bought), then fallbacks' results and
    # products: nothing grows with the number of bands.
    with django_assert_max_num_queries(9):
        shown = bands_for(visitor(user=shopper), HOME)

    assert titles(shown) == ["Best sellers", "Recently viewed"]


def test_bands_for_reads_the_visitors_views_once_however_many_live_bands(products):
    """A second "Recently viewed" band (another look-back, another page, or a fallback) must not
    cost another scan of the visitor's events."""
    BandFactory(title="Recently viewed", algorithm=Algorithm.RECENTLY_VIEWED, lookback_days=7)
    for product in products:
        viewed(product)
    one, _ = count_bands_for_queries(visitor())
    for days in (30, 90, 365):
        BandFactory(
            title=f"Viewed in {days} days", algorithm=Algorithm.RECENTLY_VIEWED, lookback_days=days
        )

    four, shown = count_bands_for_queries(visitor())

    assert [len(s.items) for s in shown] == [6] * 4
    assert four == one


def fill_bands(shopper, page_product, cart_products, items):
    """Results for every computed band, in every context the pages below ask for, and as many
    recently viewed products."""
    catalog = ProductFactory.create_batch(
        items, stock=5, category=page_product.category, compare_at_price=Decimal("99.00")
    )
    contexts = [
        "",
        f"category:{page_product.category_id}",
        f"visitor:u{shopper.pk}",
        "country:NL",
        *(f"product:{p.pk}" for p in [page_product, *cart_products]),
    ]
    for band in Band.objects.exclude(algorithm__in=LIVE_ALGORITHMS):
        store(band, [(ctx, p, f"Reason {n}") for ctx in contexts for n, p in enumerate(catalog)])
    for product in catalog:
        viewed(product, user=shopper)


def add_bands_like_the_default_ones(copies):
    """More computed bands (live ones have their own test)."""
    for band in list(Band.objects.exclude(algorithm__in=LIVE_ALGORITHMS)):
        for copy in range(copies):
            BandFactory(
                title=f"{band.title} {copy}",
                algorithm=band.algorithm,
                placement=band.placement,
                position=band.position + 10 + copy,
                item_count=band.item_count,
                exclude_purchased=False,
            )


# The session and the user; enabled bands with pins and blocks (3), results, products, the
# shopper's views and purchases; one impression per band (savepoint, insert, release); then the
# page's own: the new arrivals' ids and cards, and the departments (home), the product
# (product), the category, its products and their count, the departments (category), the cart's
# products (cart).
# A category page also reads the saved preference, the catalog options and the facets.
# Logged in, the header counts unread notifications (every page), and the product and category
# pages read what the shopper follows there.
PAGES_MAX_QUERIES = {"home": 16, "product": 18, "category": 26, "cart": 14}


@pytest.mark.parametrize("page_name", list(PAGES_MAX_QUERIES))
def test_pages_run_a_bounded_number_of_queries_whatever_the_bands_show(
    client, default_bands, page_name
):
    shopper = UserFactory(password=None)
    page_product = ProductFactory(stock=5)
    cart_products = ProductFactory.create_batch(3, stock=5)
    client.force_login(shopper)
    for product in cart_products:
        client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})
    url = {
        "home": reverse("shop:home"),
        "product": page_product.get_absolute_url(),
        "category": page_product.category.get_absolute_url(),
        "cart": reverse("shop:cart"),
    }[page_name]

    def count():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers={"Accept-Language": "nl-NL"})
        assert response.status_code == 200
        return len(queries), [len(s.items) for s in response.context["bands"]]

    # Few: the default bands with 4 items each (enough for every band: no fallbacks).
    fill_bands(shopper, page_product, cart_products, items=4)
    few, few_items = count()
    # Many: five more bands like each default one, and 24 items each.
    add_bands_like_the_default_ones(5)
    fill_bands(shopper, page_product, cart_products, items=24)
    many, many_items = count()

    assert len(many_items) > len(few_items) > 0
    assert sum(many_items) > sum(few_items)
    # Fewer queries are possible with more items: cards already read for the bands need no
    # second query for the new arrivals.
    assert many <= few <= PAGES_MAX_QUERIES[page_name]


# --- A/B tests ---------------------------------------------------------------------------------


def start_test(band, share, **tuning):
    test = ABTest.objects.start(band, share, {"algorithm": band.algorithm, **tuning})
    forget_cached_bands()
    return test


def test_a_running_test_shows_the_variant_to_the_visitors_it_assigns(products):
    control = BandFactory(title="Best sellers", min_support=2)
    store(control, [("", products[0], "Control pick")])
    test = start_test(control, 50, min_support=5)
    store(test.variant, [("", products[1], "Variant pick")])

    seen = {}
    for number in range(40):
        key = f"visit-{number}"
        shown = bands_for(visitor(session_key=key), HOME)
        seen[key] = (shown[0].band.pk, shown[0].items[0].reason)

    assert set(seen.values()) == {(control.pk, "Control pick"), (test.variant.pk, "Variant pick")}
    for key, (band_id, _) in seen.items():
        assert (band_id == test.variant.pk) == sees_variant(test.salt, f"s{key}", 50)
        # Stable: the same visitor sees the same variant again.
        assert bands_for(visitor(session_key=key), HOME)[0].band.pk == band_id


def test_a_variant_is_never_shown_as_a_band_of_its_own(products):
    control = BandFactory(title="Best sellers")
    store(control, [("", products[0], "Control pick")])
    test = start_test(control, 1, min_support=5)
    store(test.variant, [("", products[1], "Variant pick")])
    test.end("control")
    forget_cached_bands()

    test.variant.refresh_from_db()
    test.variant.is_enabled = True
    test.variant.save()
    forget_cached_bands()

    assert [s.band.pk for s in bands_for(visitor(session_key="any"), HOME)] == [control.pk]


def test_impressions_and_click_links_name_the_variant_shown(client, products):
    control = BandFactory(title="Best sellers")
    store(control, [("", products[0], "Control pick")])
    test = start_test(control, 99, min_support=5)
    store(test.variant, [("", products[1], "Variant pick")])

    # A first visit after accepting tracking: the visit key is made for the assignment, and the
    # impression uses it.
    accept_tracking(client)
    response = client.get(reverse("shop:home"))

    key = client.session[VISIT_KEY]
    expected = test.variant if sees_variant(test.salt, f"s{key}", 99) else control
    shown = response.context["bands"][0]
    assert shown.band.pk == expected.pk
    assert f"band={expected.slug}" in shown.items[0].link
    impression = Event.objects.get(kind=Event.Kind.IMPRESSION)
    assert (impression.band_id, impression.session_key) == (expected.pk, key)


@pytest.mark.parametrize("page_name", ["home", "product"])
def test_running_ab_tests_add_no_query_to_a_page(client, default_bands, page_name):
    shopper = UserFactory(password=None)
    page_product = ProductFactory(stock=5)
    client.force_login(shopper)
    url = reverse("shop:home") if page_name == "home" else page_product.get_absolute_url()
    fill_bands(shopper, page_product, [], items=4)

    def count():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, headers={"Accept-Language": "nl-NL"}).status_code == 200
        return len(queries)

    count()  # The first request stores the visit key in the session.
    without = count()
    for band in Band.objects.exclude(algorithm=Algorithm.RECENTLY_VIEWED):
        start_test(band, 50, min_support=band.min_support + 1)
    fill_bands(shopper, page_product, [], items=4)

    with_tests = count()
    assert with_tests <= without <= PAGES_MAX_QUERIES[page_name]

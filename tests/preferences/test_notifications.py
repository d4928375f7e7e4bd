"""Which subscriptions a product change hits, and the notifications planned for them: pure
functions on literal values, no database."""

from decimal import Decimal as D

import pytest

from preferences.models import Email, Subscription, Topic
from preferences.notifications import (
    DEFAULT_DELIVERY,
    Change,
    Delivery,
    Follow,
    ProductFacts,
    headline,
    hits,
    is_newsworthy,
    matches_search,
    planned_notifications,
)

Kind = Subscription.Kind
TENT = ProductFacts(
    id=7,
    name="Ridge Tent",
    price=D("45.00"),
    stock=3,
    brand_id=2,
    category_id=11,
    parent_id=10,
    description="A two-person dome tent.",
    brand_slug="trailhead",
    category_slug="tents",
    parent_slug="camping",
    colour_slug="green",
    material_slug="nylon",
    audience="unisex",
)


def price_change(old, new, product=TENT, change_id=1):
    return Change(
        change_id,
        product,
        is_new=False,
        old_price=D(old),
        new_price=D(new),
        old_stock=3,
        new_stock=3,
    )


def stock_change(old, new):
    return Change(
        1,
        TENT,
        is_new=False,
        old_price=TENT.price,
        new_price=TENT.price,
        old_stock=old,
        new_stock=new,
    )


NEW_TENT = Change(1, TENT, is_new=True, new_price=TENT.price, new_stock=TENT.stock)


def follow(kind, user_id=1, **fields):
    return Follow(id=100 + user_id, user_id=user_id, kind=kind, **fields)


# --- Is it news? -----------------------------------------------------------------------------


def facts(price, stock=3, is_active=True):
    return {"price": D(price), "stock": stock, "is_active": is_active}


@pytest.mark.parametrize(
    ("before", "after", "news"),
    [
        (None, facts("10"), True),  # a new arrival
        (None, facts("10", is_active=False), False),  # created hidden
        (facts("10"), facts("9.99"), True),  # cheaper
        (facts("10"), facts("10"), False),  # another field changed
        (facts("10"), facts("12"), False),  # dearer
        (facts("10", stock=0), facts("10", stock=4), True),  # back in stock
        (facts("10", stock=2), facts("10", stock=4), False),  # restocked, never out
        (facts("10", stock=4), facts("10", stock=0), False),  # sold out
        (facts("10"), facts("5", is_active=False), False),  # cheaper but withdrawn
    ],
)
def test_only_new_arrivals_price_drops_and_restocks_of_active_products_are_news(
    before, after, news
):
    assert is_newsworthy(before, after) is news


# --- Matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "subscription", "hit"),
    [
        (price_change("50", "45"), follow(Kind.PRICE_DROP, product_id=7), True),
        (price_change("50", "45"), follow(Kind.PRICE_DROP, product_id=8), False),  # another product
        (price_change("45", "50"), follow(Kind.PRICE_DROP, product_id=7), False),  # a rise
        (
            price_change("50", "45"),
            follow(Kind.PRICE_BELOW, product_id=7, price_below=D("48")),
            True,
        ),
        (
            price_change("50", "45"),
            follow(Kind.PRICE_BELOW, product_id=7, price_below=D("50")),
            True,
        ),
        (
            price_change("50", "45"),
            follow(Kind.PRICE_BELOW, product_id=7, price_below=D("45")),
            False,
        ),  # below means under, not equal
        (
            price_change("50", "45"),
            follow(Kind.PRICE_BELOW, product_id=7, price_below=D("40")),
            False,
        ),  # not low enough yet
        (
            price_change("45", "40"),
            follow(Kind.PRICE_BELOW, product_id=7, price_below=D("48")),
            False,
        ),  # already below: heard when it crossed
        (price_change("50", "45"), follow(Kind.BACK_IN_STOCK, product_id=7), False),
        (stock_change(0, 5), follow(Kind.BACK_IN_STOCK, product_id=7), True),
        (stock_change(0, 5), follow(Kind.PRICE_DROP, product_id=7), False),
        (stock_change(1, 5), follow(Kind.BACK_IN_STOCK, product_id=7), False),
        (NEW_TENT, follow(Kind.BRAND, brand_id=2), True),
        (NEW_TENT, follow(Kind.BRAND, brand_id=3), False),
        (NEW_TENT, follow(Kind.CATEGORY, category_id=11), True),
        (NEW_TENT, follow(Kind.CATEGORY, category_id=10), True),  # its department
        (NEW_TENT, follow(Kind.CATEGORY, category_id=12), False),
        (NEW_TENT, follow(Kind.SEARCH, criteria={"q": "tent"}), True),
        (NEW_TENT, follow(Kind.SEARCH, criteria={"q": "lamp"}), False),
        (NEW_TENT, follow(Kind.PRICE_DROP, product_id=7), False),  # new, not cheaper
        (price_change("50", "45"), follow(Kind.BRAND, brand_id=2), False),  # not new
        (price_change("50", "45"), follow(Kind.SEARCH, criteria={}), False),
    ],
)
def test_a_change_hits_the_subscriptions_about_it(change, subscription, hit):
    assert hits(change, subscription) is hit


def test_a_withdrawn_product_hits_nobody():
    hidden = ProductFacts(**{**TENT.__dict__, "is_active": False})

    assert not hits(price_change("50", "45", product=hidden), follow(Kind.PRICE_DROP, product_id=7))


@pytest.mark.parametrize(
    ("criteria", "listed"),
    [
        ({}, True),  # the whole catalogue
        ({"q": "TENT"}, True),
        ({"q": "two-person"}, True),  # the description counts too
        ({"q": ""}, True),
        ({"category": "tents"}, True),
        ({"category": "camping"}, True),
        ({"category": "lenses"}, False),
        ({"price_min": D("45.00"), "price_max": D("45.00")}, True),
        ({"price_max": D("44.99")}, False),
        ({"price_min": D("45.01")}, False),
        ({"colour": ["red", "green"]}, True),
        ({"colour": ["red"]}, False),
        ({"material": ["nylon"], "brand": ["trailhead"], "audience": ["unisex", "men"]}, True),
        ({"brand": ["northwind"]}, False),
        ({"audience": ["kids"]}, False),
        ({"in_stock": "true"}, True),
        ({"on_sale": "true"}, False),
        ({"colour": [], "price_min": None, "sort": "price"}, True),
    ],
)
def test_saved_search_criteria_match_as_the_listing_filters(criteria, listed):
    assert matches_search(criteria, TENT) is listed


def test_a_product_on_sale_matches_on_sale_and_one_sold_out_misses_in_stock():
    on_sale = ProductFacts(**{**TENT.__dict__, "compare_at_price": D("60.00"), "stock": 0})

    assert matches_search({"on_sale": "true"}, on_sale)
    assert not matches_search({"in_stock": "true"}, on_sale)


# --- Planning --------------------------------------------------------------------------------


def test_each_shopper_hit_gets_one_notification_with_their_default_channels():
    follows = [follow(Kind.PRICE_DROP, user_id=user, product_id=7) for user in (3, 1, 2)]

    planned = planned_notifications(price_change("50", "45"), follows, {}, set())

    assert [(p.user_id, p.subscription_id, p.reason, p.in_inbox, p.email) for p in planned] == [
        (1, 101, "price_drop", True, "instant"),
        (2, 102, "price_drop", True, "instant"),
        (3, 103, "price_drop", True, "instant"),
    ]
    assert {p.title for p in planned} == {"Ridge Tent dropped to €45.00 (was €50.00)"}


def test_a_shopper_hit_by_several_subscriptions_hears_once_from_the_most_specific():
    follows = [
        follow(Kind.PRICE_DROP, product_id=7),
        Follow(id=200, user_id=1, kind=Kind.PRICE_BELOW, product_id=7, price_below=D("48")),
    ]

    [planned] = planned_notifications(price_change("50", "45"), follows, {}, set())

    assert (planned.subscription_id, planned.reason) == (200, "price_below")
    assert planned.title == "Ridge Tent is now €45.00, below your €48.00 (was €50.00)"


def test_switched_off_subscriptions_paused_shoppers_and_silenced_topics_get_nothing():
    follows = [
        follow(Kind.PRICE_DROP, user_id=1, product_id=7, is_active=False),
        follow(Kind.PRICE_DROP, user_id=2, product_id=7),
        follow(Kind.PRICE_DROP, user_id=3, product_id=7),
        follow(Kind.PRICE_DROP, user_id=4, product_id=7),
    ]
    deliveries = {
        (3, Topic.PRICE): Delivery(inbox=False, email=Email.OFF),
        (4, Topic.PRICE): Delivery(inbox=False, email=Email.DAILY),
        (4, Topic.STOCK): Delivery(inbox=False, email=Email.OFF),
    }

    planned = planned_notifications(price_change("50", "45"), follows, deliveries, paused={2})

    assert [(p.user_id, p.in_inbox, p.email) for p in planned] == [(4, False, "daily")]


def test_new_arrivals_default_to_the_inbox_and_a_daily_digest():
    follows = [
        follow(Kind.BRAND, user_id=1, brand_id=2, target_name="Trailhead"),
        follow(Kind.CATEGORY, user_id=1, category_id=10, target_name="Camping"),
        follow(Kind.SEARCH, user_id=2, criteria={"colour": ["green"]}, target_name="Green things"),
    ]

    planned = planned_notifications(NEW_TENT, follows, {}, set())

    assert [(p.user_id, p.reason, p.title, p.email) for p in planned] == [
        (1, "category", "New in Camping: Ridge Tent, €45.00", "daily"),
        (2, "search", "New for your search “Green things”: Ridge Tent, €45.00", "daily"),
    ]
    assert DEFAULT_DELIVERY[Topic.ARRIVALS] == Delivery(inbox=True, email=Email.DAILY)


def test_planning_the_same_change_twice_gives_the_same_keys_and_a_new_change_new_ones():
    follows = [follow(Kind.PRICE_DROP, user_id=user, product_id=7) for user in range(1, 50)]

    first = planned_notifications(price_change("50", "45", change_id=8), follows, {}, set())
    again = planned_notifications(price_change("50", "45", change_id=8), follows, {}, set())
    next_drop = planned_notifications(price_change("50", "45", change_id=9), follows, {}, set())

    assert [p.key for p in first] == [p.key for p in again]
    assert len({p.key for p in first}) == len(first) == 49
    assert not {p.key for p in first} & {p.key for p in next_drop}


def test_headlines_are_cut_to_fit_the_title_column():
    long = ProductFacts(**{**TENT.__dict__, "name": "Tent " * 40})

    title = headline(price_change("50", "45", product=long), follow(Kind.PRICE_DROP))

    assert len(title) == 200
    assert title.endswith("…")

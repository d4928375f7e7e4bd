"""Listing pages: bad input as notices, canonical URLs, saved defaults, chips, htmx, queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from personalization.visitors import PERSONALIZATION_OFF_KEY
from preferences.filters import NO_RECOMMENDATIONS, PERSONALIZATION_OFF, RECOMMENDED_LABEL
from preferences.listing import MAX_QUERY_STRING
from preferences.models import Preference
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    ColourFactory,
    DepartmentFactory,
    MaterialFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PRODUCTS = reverse("shop:products")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shop():
    """Four products: red wool €10, red cotton €30 (sold out), blue wool €50, blue cotton €70."""
    camping = DepartmentFactory(slug="camping")
    tents, stoves = (CategoryFactory(slug=slug, parent=camping) for slug in ("tents", "stoves"))
    red, blue = ColourFactory(slug="red", name="Red"), ColourFactory(slug="blue", name="Blue")
    wool, cotton = MaterialFactory(slug="wool", name="Wool"), MaterialFactory(slug="cotton")
    fjell = BrandFactory(slug="fjell")
    for name, colour, material, category, price, stock in (
        ("Alpha", red, wool, tents, "10", 3),
        ("Bravo", red, cotton, tents, "30", 0),
        ("Charlie", blue, wool, stoves, "50", 3),
        ("Delta", blue, cotton, stoves, "70", 3),
    ):
        ProductFactory(
            name=name,
            colour=colour,
            material=material,
            category=category,
            brand=fjell,
            price=Decimal(price),
            stock=stock,
        )
    ProductFactory(
        name="Echo", colour=red, material=wool, brand=fjell, category=tents, is_active=False
    )
    return {
        "red": red,
        "blue": blue,
        "wool": wool,
        "tents": tents,
        "camping": camping,
        "fjell": fjell,
    }


def listed(response) -> list[str]:
    return [product.name for product in response.context["listing"].page.object_list]


def notices(response) -> list[str]:
    return [notice.text for notice in response.context["listing"].notices]


def test_all_products_lists_every_active_product_by_name(client, shop):
    response = client.get(PRODUCTS)
    assert response.status_code == 200
    assert listed(response) == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert notices(response) == []
    assert "4 products" in response.content.decode()


# --- Bad input: ignored, with a notice saying why --------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("price_min=abc", ["Ignored price_min=abc: enter a number."]),
        ("price_min=-5", ["Ignored price_min=-5: a price can’t be negative."]),
        ("price_max=1e400", ["Ignored price_max=1e400: that is more than any price here."]),
        (
            "price_min=50&price_max=10",
            [
                "Ignored price_min=50: above the maximum price.",
                "Ignored price_max=10: below the minimum price.",
            ],
        ),
        ("colour=purple", ["Ignored colour=purple: no such colour."]),
        ("material=silk", ["Ignored material=silk: no such material."]),
        ("brand=acme", ["Ignored brand=acme: no such brand."]),
        ("category=boats", ["Ignored category=boats: no such category."]),
        ("audience=aliens", ["Ignored audience=aliens: choose women, men, unisex or kids."]),
        ("sort=cheapest", ["Ignored sort=cheapest: no such sort order."]),
        ("in_stock=yes", ["Ignored in_stock=yes: use in_stock=true."]),
        ("page=abc", ["Ignored page=abc: not a page number."]),
        ("page=0", ["Ignored page=0: not a page number."]),
        ("page_size=100000", ["Ignored page_size=100000: choose 12, 24, 48 or 96."]),
        ("defaults=on", ["Ignored defaults=on: use defaults=off."]),
        ("price_min=1&price_min=2", ["Ignored price_min=1, price_min=2: give one value, not 2."]),
        ("sort=price&sort=name", ["Ignored sort=price, sort=name: give one value, not 2."]),
        ("q=" + "x" * 201, [f"Ignored q={'x' * 40}…: longer than 200 characters."]),
        ("q=tent%00", ["Ignored q=tent\ufffd: contains control characters."]),
        ("colour=re%00d", ["Ignored colour=re\ufffdd: contains control characters."]),
        ("utm_source=mail", ["Ignored utm_source=mail: not an option on this page."]),
        ("colour%00=red", ["Ignored colour\ufffd=red: not an option on this page."]),
        ("q=%F0%9F%A7%A6&colour=%E2%80%AEred", ["Ignored colour=\u202ered: no such colour."]),
    ],
)
def test_bad_input_is_ignored_with_a_notice_and_the_page_still_renders(
    client, shop, params, expected
):
    response = client.get(f"{PRODUCTS}?{params}")

    assert response.status_code == 200
    assert notices(response) == expected
    page = response.content.decode()
    assert all(escape(text) in page for text in expected)


def test_unknown_values_are_dropped_one_by_one(client, shop):
    response = client.get(f"{PRODUCTS}?colour=red&colour=purple")
    assert notices(response) == ["Ignored colour=purple: no such colour."]
    assert listed(response) == ["Alpha", "Bravo"]


def test_a_bad_value_leaves_the_other_filters_working(client, shop):
    response = client.get(f"{PRODUCTS}?price_min=abc&colour=blue")
    assert listed(response) == ["Charlie", "Delta"]


def test_a_page_past_the_end_shows_the_last_page_with_a_notice(client, shop, settings):
    settings.TAILOR_PAGE_SIZE = 3
    response = client.get(f"{PRODUCTS}?page=99")

    assert response.status_code == 200
    assert response.context["listing"].page.number == 2
    assert notices(response) == ["Page 99 is past the end; showing the last page, 2."]


def test_an_oversized_query_string_is_a_bad_request(client, shop):
    response = client.get(f"{PRODUCTS}?q={'x' * MAX_QUERY_STRING}")
    assert response.status_code == 400


def test_more_parameters_than_django_reads_is_a_bad_request(client, shop):
    response = client.get(PRODUCTS + "?" + "&".join(["a=1"] * 1001))
    assert response.status_code == 400


def test_a_listing_answers_only_get_and_head(client, shop):
    assert client.post(PRODUCTS).status_code == 405
    assert client.head(PRODUCTS).status_code == 200


# --- Canonical URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("sort=price&colour=red", "colour=red&sort=price"),
        ("colour=red&colour=blue", "colour=blue&colour=red"),
        ("colour=red&colour=red", "colour=red"),
        ("q=&colour=red&price_min=", "colour=red"),
        ("page=1&colour=red", "colour=red"),
        ("page=1", ""),
        (
            "page_size=48&sort=price&material=wool&colour=red&q=a&price_max=60",
            "q=a&price_max=60&colour=red&material=wool&sort=price&page_size=48",
        ),
        ("defaults=off&colour=red", "colour=red"),
    ],
)
def test_a_valid_query_string_is_redirected_to_its_canonical_form(client, shop, given, canonical):
    response = client.get(f"{PRODUCTS}?{given}")

    assert response.status_code == 302
    assert response.url == (f"{PRODUCTS}?{canonical}" if canonical else PRODUCTS)
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    "canonical",
    [
        "",
        "colour=blue&colour=red",
        "q=+wool+",
        "price_min=10&sort=-price&page=2",
        "defaults=off",
    ],
)
def test_a_canonical_query_string_is_served(client, shop, canonical, settings):
    settings.TAILOR_PAGE_SIZE = 2
    assert client.get(f"{PRODUCTS}?{canonical}").status_code == 200


def test_nothing_is_redirected_when_something_was_ignored(client, shop):
    response = client.get(f"{PRODUCTS}?sort=price&colour=red&colour=purple")
    assert response.status_code == 200
    assert response.context["listing"].query == "colour=red&sort=price"


def test_htmx_gets_only_the_results_and_the_canonical_url_to_push(client, shop):
    response = client.get(f"{PRODUCTS}?sort=price&colour=red&q=", **HTMX)

    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"{PRODUCTS}?colour=red&sort=price"
    assert "HX-Request" in response["Vary"]
    page = response.content.decode()
    assert "<html" not in page and page.lstrip().startswith('<div id="listing"')
    assert 'hx-swap-oob="innerHTML:#listing-status">2 products' in page
    assert not {"shop/product_list.html", "base.html"} & {t.name for t in response.templates}


def test_a_history_restore_gets_the_whole_page(client, shop):
    response = client.get(PRODUCTS, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in response.content.decode()


# --- Facets, chips and links ----------------------------------------------------------------


def test_chips_link_to_the_listing_without_them(client, shop):
    response = client.get(f"{PRODUCTS}?price_max=60&colour=blue&colour=red&sort=price")
    listing = response.context["listing"]

    assert [(chip.label, chip.href) for chip in listing.chips] == [
        ("Up to €60.00", f"{PRODUCTS}?colour=blue&colour=red&sort=price"),
        ("Colour: Blue", f"{PRODUCTS}?price_max=60&colour=red&sort=price"),
        ("Colour: Red", f"{PRODUCTS}?price_max=60&colour=blue&sort=price"),
    ]
    assert listing.clear_url == f"{PRODUCTS}?sort=price"
    assert 'href="/products/?colour=blue&amp;colour=red&amp;sort=price"' in (
        response.content.decode()
    )


def test_facet_counts_keep_the_other_filters(client, shop):
    response = client.get(f"{PRODUCTS}?colour=red&material=wool")
    counts = {
        facet.name: {o.value: o.count for o in facet.options}
        for facet in response.context["listing"].facets
    }

    assert counts["colour"] == {"blue": 1, "red": 1}
    assert counts["material"] == {"cotton": 1, "wool": 1}


@pytest.mark.parametrize(
    "params",
    [
        "",
        "colour=red",
        "audience=unisex",
        "in_stock=true",
        "price_max=60&colour=blue&audience=unisex",
        "category=tents",
    ],
)
def test_the_number_of_products_is_the_listings_own(client, shop, params):
    listing = client.get(f"{PRODUCTS}?{params}").context["listing"]
    assert listing.page.paginator.count == listing.filterset.qs.count()


def test_pagination_links_keep_the_canonical_filters(client, shop, settings):
    settings.TAILOR_PAGE_SIZE = 1
    page = client.get(
        f"{PRODUCTS}?colour=red&material=wool&colour=blue&page=2", **HTMX
    ).content.decode()
    assert 'href="/products/?colour=blue&amp;colour=red&amp;material=wool"' in page
    assert 'href="/products/?colour=blue&amp;colour=red&amp;material=wool&amp;page=3"' not in (
        page
    )  # two wool products: page 2 is the last


def test_a_category_page_fixes_its_category(client, shop):
    response = client.get(f"{shop['tents'].get_absolute_url()}?category=stoves")

    assert notices(response) == ["Ignored category=stoves: this page already sets the category."]
    assert listed(response) == ["Alpha", "Bravo"]
    listing = response.context["listing"]
    assert "category" not in [facet.name for facet in listing.facets]
    assert listing.search_query == "category=tents"


def test_a_brand_page_has_no_brand_facet(client, shop):
    response = client.get(f"{shop['fjell'].get_absolute_url()}?colour=red")
    assert listed(response) == ["Alpha", "Bravo"]
    assert "brand" not in [facet.name for facet in response.context["listing"].facets]


def test_a_search_needs_a_usable_query(client, shop):
    assert listed(client.get(reverse("shop:search"), {"q": "   "})) == []
    long = client.get(reverse("shop:search"), {"q": "a" * 101})
    assert listed(long) == []
    assert notices(long) == [
        "Ignored q=" + "a" * 40 + "…: ensure this value has at most 100 characters (it has 101)."
    ]
    assert listed(client.get(reverse("shop:search"), {"q": "charlie"})) == ["Charlie"]


# --- Sorting by recommendation --------------------------------------------------------------


def test_recommended_is_offered_only_while_personalization_is_on(client, shop):
    assert RECOMMENDED_LABEL in client.get(PRODUCTS).content.decode()
    session = client.session
    session[PERSONALIZATION_OFF_KEY] = True
    session.save()

    response = client.get(f"{PRODUCTS}?sort=recommended")

    assert RECOMMENDED_LABEL not in response.content.decode()
    assert response.context["listing"].sort == "best_selling"
    assert response.context["listing"].sort_note == PERSONALIZATION_OFF


def test_recommended_without_recommendations_says_it_fell_back(client, shop):
    response = client.get(f"{PRODUCTS}?sort=recommended")
    assert response.context["listing"].sort == "recommended"
    assert escape(NO_RECOMMENDATIONS) in response.content.decode()


# --- Saved defaults -------------------------------------------------------------------------


@pytest.fixture
def saved(client, shop):
    """A logged-in shopper who saved: red, in stock only, sorted by price, high to low."""
    user = UserFactory()
    preference = Preference.objects.create(user=user, sort="-price", in_stock_only=True)
    preference.colours.add(shop["red"])
    client.force_login(user)
    return preference


def test_saved_defaults_apply_when_the_url_sets_nothing(client, saved):
    response = client.get(PRODUCTS)
    listing = response.context["listing"]

    assert listed(response) == ["Alpha"]  # red, in stock
    assert listing.defaults_in_use
    page = response.content.decode()
    assert "Showing your saved preferences" in page and "You chose this" in page
    assert f'action="{reverse("preferences:reset")}"' in page
    assert [chip.href for chip in listing.chips] == [
        f"{PRODUCTS}?in_stock=true&sort=-price",
        f"{PRODUCTS}?colour=red&sort=-price",
    ]


def test_saved_defaults_still_apply_on_the_next_page(client, saved, settings):
    settings.TAILOR_PAGE_SIZE = 1
    assert client.get(f"{PRODUCTS}?page=1").status_code == 302
    response = client.get(f"{PRODUCTS}?page=2")
    assert response.context["listing"].defaults_in_use
    assert "Page 2 is past the end; showing the last page, 1." in notices(response)


@pytest.mark.parametrize("params", ["colour=blue", "sort=name", "page_size=12", "defaults=off"])
def test_any_setting_in_the_url_replaces_the_saved_defaults(client, saved, params):
    response = client.get(f"{PRODUCTS}?{params}")
    assert not response.context["listing"].defaults_in_use
    assert "Showing your saved preferences" not in response.content.decode()


def test_removing_the_last_default_chip_keeps_the_defaults_off(client, shop):
    user = UserFactory()
    Preference.objects.create(user=user, in_stock_only=True)
    client.force_login(user)

    listing = client.get(PRODUCTS).context["listing"]

    assert [chip.href for chip in listing.chips] == [f"{PRODUCTS}?defaults=off"]
    assert listing.clear_url == f"{PRODUCTS}?defaults=off"
    assert listed(client.get(f"{PRODUCTS}?defaults=off")) == ["Alpha", "Bravo", "Charlie", "Delta"]


# --- Queries --------------------------------------------------------------------------------


def catalog_with(count: int):
    colours = [ColourFactory() for _ in range(count)]
    materials = [MaterialFactory() for _ in range(count)]
    brands = [BrandFactory() for _ in range(count)]
    category = CategoryFactory()
    for index in range(count):
        ProductFactory(
            colour=colours[index],
            material=materials[index % 3],
            brand=brands[index],
            category=category,
            price=Decimal(10 + index),
        )
    return f"{PRODUCTS}?price_max=100&colour={colours[0].slug}&material={materials[0].slug}"


def queries_for(client, url) -> int:
    """Queries of a steady-state request (the header's departments are cached by then)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


POSTGRES = connection.vendor == "postgresql"
# The page, and one query per facet: category, brand, colour, material, audience and the price
# bands — except that on PostgreSQL the facets whose own filter is unused (category, brand and
# audience here) share one. The catalog options (colours, materials, brands, categories) come
# from the cache, and the audience counts (no audience chosen) add up to the number of
# products: no COUNT query.
LISTING_QUERIES = 5 if POSTGRES else 7


def test_a_filtered_listing_runs_the_same_few_queries_whatever_the_number_of_options(
    client, django_capture_on_commit_callbacks
):
    few = queries_for(client, catalog_with(5))
    # The new options forget the cached ones when they commit.
    with django_capture_on_commit_callbacks(execute=True):
        url = catalog_with(40)
    many = queries_for(client, url)
    assert few == many == LISTING_QUERIES


def test_whole_catalog_counts_are_cached_and_counts_under_filters_are_not(client, shop):
    assert queries_for(client, PRODUCTS) == 1  # the page: every facet comes from the cache
    assert queries_for(client, f"{PRODUCTS}?colour=red&material=wool&in_stock=true") == (
        LISTING_QUERIES
    )
    # One filter: its own facet shows the whole catalog's counts, which are cached; the four
    # others share a query on PostgreSQL.
    assert queries_for(client, f"{PRODUCTS}?colour=red") == (3 if POSTGRES else 6)
    counts = {
        f.name: {o.value: o.count for o in f.options}
        for f in client.get(f"{PRODUCTS}?colour=red").context["listing"].facets
    }
    assert counts["colour"] == {"blue": 2, "red": 2}
    assert counts["material"] == {"cotton": 1, "wool": 1}


def test_an_empty_search_does_not_cache_zero_counts(client, shop):
    client.get(reverse("shop:search"))
    listing = client.get(PRODUCTS).context["listing"]
    assert sum(option.count for option in listing.facets[2].options) == 4


def test_catalog_options_are_read_once_and_forgotten_when_one_changes(
    client, shop, django_capture_on_commit_callbacks
):
    assert queries_for(client, PRODUCTS) == 1
    with django_capture_on_commit_callbacks(execute=True):
        ColourFactory(name="Teal", slug="teal")

    listing = client.get(PRODUCTS).context["listing"]

    assert "teal" in {
        option.value
        for facet in listing.facets
        if facet.name == "colour"
        for option in facet.options
    }


def test_the_template_runs_no_queries(client, shop):
    response = client.get(f"{PRODUCTS}?colour=red&sort=price")
    context = {"listing": response.context["listing"], "htmx": True}
    with CaptureQueriesContext(connection) as captured:
        html = render_to_string("shop/product_list.html#results", context)
    assert len(captured) == 0
    assert "Alpha" in html

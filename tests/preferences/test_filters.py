"""ProductFilter: each filter and sort order, bad values, recommendations, and layered facets."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import timezone

from personalization.algorithms import context
from personalization.models import Algorithm
from preferences.facets import PRICE_BANDS, facets, option_counts
from preferences.filters import (
    NO_RECOMMENDATIONS,
    PERSONALIZATION_OFF,
    ProductFilter,
    catalog_options,
)
from preferences.listing import as_querydict
from preferences.models import HiddenProduct
from preferences.owners import OWNER_KEY
from shop.models import Product
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    ColourFactory,
    DepartmentFactory,
    MaterialFactory,
    ProductFactory,
)
from tests.personalization.factories import BandFactory, store, visitor

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def query(text: str) -> QueryDict:
    return QueryDict(text)


def names(queryset) -> list[str]:
    return [product.name for product in queryset]


@pytest.fixture
def catalog():
    """Five active products (A–E) and an inactive one; attributes chosen to tell filters apart."""
    outdoor, home = DepartmentFactory(slug="outdoor"), DepartmentFactory(slug="home")
    tents = CategoryFactory(slug="tents", parent=outdoor)
    stoves = CategoryFactory(slug="stoves", parent=outdoor)
    lamps = CategoryFactory(slug="lamps", parent=home)
    red, blue, green = (ColourFactory(slug=s) for s in ("red", "blue", "green"))
    wool, cotton = MaterialFactory(slug="wool"), MaterialFactory(slug="cotton")
    fjell, nord = BrandFactory(slug="fjell"), BrandFactory(slug="nord")
    now = timezone.now()
    rows = [  # name, category, colour, material, brand, audience, price, was, stock, sold, age
        ("Alpha tent", tents, red, wool, fjell, "women", "10", None, 5, 3, 5),
        ("Bravo tent", tents, blue, cotton, nord, "men", "25", "50", 0, 10, 4),
        ("Charlie stove", stoves, red, cotton, fjell, "unisex", "40", "50", 2, 10, 3),
        ("Delta lamp", lamps, green, wool, nord, "kids", "100", None, 1, 0, 1),
        ("Echo tent", outdoor, blue, wool, fjell, "unisex", "25", None, 3, 1, 1),
        ("Foxtrot hidden tent", tents, red, wool, fjell, "women", "10", None, 5, 99, 0),
    ]
    products = {}
    for name, cat, colour, material, brand, audience, price, was, stock, sold, age in rows:
        product = ProductFactory(
            name=name,
            category=cat,
            colour=colour,
            material=material,
            brand=brand,
            audience=audience,
            price=Decimal(price),
            compare_at_price=was and Decimal(was),
            stock=stock,
            is_active="hidden" not in name,
            description="Warm canvas shade." if "lamp" in name else "Sturdy.",
        )
        Product.objects.filter(pk=product.pk).update(units_sold=sold, created_at=now - age * DAY)
        products[name[0]] = product
    return products


ALL = ["Alpha tent", "Bravo tent", "Charlie stove", "Delta lamp", "Echo tent"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("", ALL),
        ("q=tent", ["Alpha tent", "Bravo tent", "Echo tent"]),
        ("q=CANVAS", ["Delta lamp"]),
        ("q=+++", ALL),
        ("category=outdoor", ["Alpha tent", "Bravo tent", "Charlie stove", "Echo tent"]),
        ("category=tents", ["Alpha tent", "Bravo tent"]),
        ("category=home", ["Delta lamp"]),
        ("price_min=25", ["Bravo tent", "Charlie stove", "Delta lamp", "Echo tent"]),
        ("price_max=25", ["Alpha tent", "Bravo tent", "Echo tent"]),
        ("price_min=25&price_max=40", ["Bravo tent", "Charlie stove", "Echo tent"]),
        ("price_min=0.00&price_max=10", ["Alpha tent"]),
        ("colour=red", ["Alpha tent", "Charlie stove"]),
        ("colour=red&colour=blue", ["Alpha tent", "Bravo tent", "Charlie stove", "Echo tent"]),
        ("material=wool", ["Alpha tent", "Delta lamp", "Echo tent"]),
        ("brand=nord", ["Bravo tent", "Delta lamp"]),
        ("audience=unisex", ["Charlie stove", "Echo tent"]),
        ("audience=women&audience=kids", ["Alpha tent", "Delta lamp"]),
        ("in_stock=true", ["Alpha tent", "Charlie stove", "Delta lamp", "Echo tent"]),
        ("on_sale=true", ["Bravo tent", "Charlie stove"]),
        ("colour=red&material=cotton", ["Charlie stove"]),
        ("colour=red&in_stock=true&price_max=20", ["Alpha tent"]),
        ("colour=green&brand=fjell", []),
    ],
)
def test_each_filter_narrows_active_products(catalog, params, expected):
    assert names(ProductFilter(query(params)).qs) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", list("ABCDE")),
        ("name", list("ABCDE")),
        ("price", list("ABECD")),  # B and E cost the same: the older pk first
        ("-price", list("DCBEA")),
        ("newest", list("DECBA")),  # D and E were created at the same time
        ("best_selling", list("BCAED")),
        ("discount", list("BCADE")),  # 50 % off, 20 % off, then the rest by pk
    ],
)
def test_each_sort_order_breaks_ties_by_pk(catalog, sort, expected):
    filterset = ProductFilter(query(f"sort={sort}"))
    assert list(filterset.qs) == [catalog[letter] for letter in expected]
    assert filterset.sort_applied == (sort or "name")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ("price_min=abc", "price_min", "enter a number."),
        ("price_min=NaN", "price_min", "enter a number."),
        ("price_max=-1", "price_max", "a price can’t be negative."),
        ("price_max=1e400", "price_max", "that is more than any price here."),
        ("price_min=1.005", "price_min", "use at most two decimals."),
        ("price_min=50&price_max=10", "price_min", "above the maximum price."),
        ("price_min=50&price_max=10", "price_max", "below the minimum price."),
        ("colour=purple", "colour", "no such colour."),
        ("material=red", "material", "no such material."),
        ("brand=acme", "brand", "no such brand."),
        ("category=red", "category", "no such category."),
        ("audience=aliens", "audience", "choose women, men, unisex or kids."),
        ("sort=cheapest", "sort", "no such sort order."),
        ("in_stock=yes", "in_stock", "use in_stock=true."),
        ("q=" + "x" * 101, "q", "Ensure this value has at most 100 characters (it has 101)."),
    ],
)
def test_a_bad_value_is_an_error_and_is_ignored(catalog, params, field, message):
    filterset = ProductFilter(query(params))
    assert filterset.errors[field] == [message]
    assert names(filterset.qs) == ALL


def test_without_data_every_active_product_is_listed_by_name(catalog):
    assert names(ProductFilter().qs) == ALL


def test_the_other_filters_still_apply_beside_a_bad_one(catalog):
    filterset = ProductFilter(query("price_min=abc&colour=red"))
    assert names(filterset.qs) == ["Alpha tent", "Charlie stove"]


def test_filtering_with_loaded_options_adds_no_queries(catalog, django_assert_num_queries):
    options = catalog_options()
    params = query("colour=red&material=wool&brand=fjell&category=outdoor&audience=women")
    with django_assert_num_queries(1):
        assert names(ProductFilter(params, options=options).qs) == ["Alpha tent"]


# --- Recommended for you --------------------------------------------------------------------


def request_as(who):
    request = RequestFactory().get("/products/")
    request.visitor = who
    return request


@pytest.fixture
def for_you():
    return BandFactory(algorithm=Algorithm.FOR_YOU, slug="recommended-for-you")


def recommend(band, visit_key, products):
    store(band, [(context("visitor", visit_key), product, "Because") for product in products])


def test_recommended_puts_the_visitors_rows_first_then_best_selling(catalog, for_you):
    recommend(for_you, "svisit-a", [catalog["D"], catalog["A"]])
    filterset = ProductFilter(query("sort=recommended"), request=request_as(visitor()))

    assert list(filterset.qs) == [catalog[letter] for letter in "DABCE"]
    assert (filterset.sort_applied, filterset.sort_note) == ("recommended", "")


def test_recommended_does_not_push_up_what_the_shopper_is_not_interested_in(catalog, for_you):
    recommend(for_you, "svisit-a", [catalog["D"], catalog["A"]])
    HiddenProduct.objects.create(owner_key="owner-a", product=catalog["D"])
    request = request_as(visitor())
    request.session, request.user = {OWNER_KEY: "owner-a"}, AnonymousUser()

    filterset = ProductFilter(query("sort=recommended"), request=request)

    assert list(filterset.qs)[0] == catalog["A"]


def test_recommended_reads_only_the_current_version_of_the_enabled_band(catalog, for_you):
    recommend(for_you, "svisit-a", [catalog["E"]])  # an older version, still stored
    store(
        for_you,
        [
            ("visitor:svisit-a", catalog["D"], "Because"),
            ("visitor:svisit-b", catalog["C"], "Because"),
        ],
    )

    filterset = ProductFilter(query("sort=recommended"), request=request_as(visitor()))

    assert list(filterset.qs)[:2] == [catalog["D"], catalog["B"]]


def test_recommended_rows_are_read_in_one_query(catalog, for_you, django_assert_num_queries):
    recommend(for_you, "svisit-a", [catalog["D"]])
    options = catalog_options()
    with django_assert_num_queries(2):  # the recommended ids, then the products
        list(
            ProductFilter(
                query("sort=recommended"), request=request_as(visitor()), options=options
            ).qs
        )


def test_a_disabled_band_recommends_nothing(catalog, for_you):
    recommend(for_you, "svisit-a", [catalog["D"]])
    for_you.is_enabled = False
    for_you.save()
    filterset = ProductFilter(query("sort=recommended"), request=request_as(visitor()))

    assert list(filterset.qs)[0] == catalog["B"]
    assert filterset.sort_note == NO_RECOMMENDATIONS


@pytest.mark.parametrize(
    ("who", "note"),
    [
        (visitor(session_key="visit-new"), NO_RECOMMENDATIONS),
        (visitor(session_key=""), NO_RECOMMENDATIONS),
        (visitor(personalization_on=False), PERSONALIZATION_OFF),
        (None, NO_RECOMMENDATIONS),
    ],
)
def test_recommended_falls_back_to_best_selling_and_says_why(catalog, for_you, who, note):
    recommend(for_you, "svisit-a", [catalog["D"]])
    filterset = ProductFilter(query("sort=recommended"), request=request_as(who) if who else None)

    assert list(filterset.qs) == [catalog[letter] for letter in "BCAED"]
    assert (filterset.sort_applied, filterset.sort_note) == ("best_selling", note)


# --- Facets ---------------------------------------------------------------------------------


def facet_counts(filterset) -> dict[str, dict[str, int]]:
    return {
        facet.name: {option.value: option.count for option in facet.options}
        for facet in facets(filterset, link=lambda changes: "")
    }


def test_a_facet_keeps_the_other_filters_but_not_its_own(catalog):
    counts = facet_counts(ProductFilter(query("colour=red&material=wool")))

    assert counts["colour"] == {"red": 1, "blue": 1, "green": 1}  # wool only
    assert counts["material"] == {"wool": 1, "cotton": 1}  # red only
    assert counts["brand"] == {"fjell": 1, "nord": 0}  # red wool
    assert counts["category"] == {"": 1, "outdoor": 1, "home": 0}  # no department open


def test_the_category_facet_opens_the_chosen_department(catalog):
    counts = facet_counts(ProductFilter(query("category=tents&colour=blue")))
    assert counts["category"] == {"": 2, "outdoor": 2, "tents": 1, "stoves": 0, "home": 0}


def test_facets_mark_the_chosen_options_and_colours_carry_swatches(catalog):
    found = {
        facet.name: facet
        for facet in facets(ProductFilter(query("colour=red")), link=lambda changes: "")
    }
    red = next(option for option in found["colour"].options if option.value == "red")
    assert red.selected and red.swatch.startswith("#")
    assert [o.value for o in found["colour"].options if o.selected] == ["red"]


def test_hidden_facets_are_left_out(catalog):
    shown = facets(ProductFilter(query("")), hidden={"category": "tents"}, link=lambda c: "")
    assert [facet.name for facet in shown] == ["brand", "colour", "material", "audience", "price"]


def test_a_price_band_links_to_its_bounds_or_clears_them_when_chosen(catalog):
    made = []

    def link(changes):
        made.append(changes)
        return "?"

    facets(ProductFilter(query("price_min=25&price_max=50")), link=link)
    assert made == [
        {"price_min": ["0"], "price_max": ["25"]},
        {"price_min": [], "price_max": []},
        {"price_min": ["50"], "price_max": ["100"]},
        {"price_min": ["100"], "price_max": ["250"]},
        {"price_min": ["250"], "price_max": []},
    ]


def random_catalog(rng, size=60):
    departments = [DepartmentFactory() for _ in range(2)]
    categories = departments + [CategoryFactory(parent=d) for d in departments for _ in range(2)]
    colours = [ColourFactory() for _ in range(5)]
    materials = [MaterialFactory() for _ in range(4)]
    brands = [BrandFactory() for _ in range(4)]
    audiences = [value for value, _ in Product.Audience.choices]
    for _ in range(size):
        price = Decimal(rng.choice(["5", "10", "24.99", "25", "49.99", "50", "99", "250", "400"]))
        ProductFactory(
            category=rng.choice(categories),
            colour=rng.choice(colours),
            material=rng.choice(materials),
            brand=rng.choice(brands),
            audience=rng.choice(audiences),
            price=price,
            compare_at_price=rng.choice([None, price, price + 10]),
            stock=rng.choice([0, 3]),
            is_active=rng.random() > 0.1,
        )
    return {
        "category": categories,
        "colour": colours,
        "material": materials,
        "brand": brands,
        "audience": audiences,
    }


def random_params(rng, options) -> dict[str, list[str]]:
    params = {}
    for name in ("colour", "material", "brand", "audience"):
        if rng.random() < 0.4:
            values = [getattr(o, "slug", o) for o in options[name]]
            params[name] = rng.sample(values, rng.randint(1, 2))
    if rng.random() < 0.3:
        params["category"] = [rng.choice(options["category"]).slug]
    for name, choices, chance in (
        ("price_min", ["0", "10", "25", "50"], 0.3),
        ("price_max", ["25", "50", "100", "500"], 0.3),
        ("in_stock", ["true"], 0.2),
        ("on_sale", ["true"], 0.2),
    ):
        if rng.random() < chance:
            params[name] = [rng.choice(choices)]
    return params


def matches(product, params, skip=()) -> bool:
    """The filters' meaning, written plainly: the oracle for the facet counts."""
    low, high = params.get("price_min", [None])[0], params.get("price_max", [None])[0]
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        low = high = None  # both ignored
    category = product.category
    tests = {
        "colour": lambda values: product.colour.slug in values,
        "material": lambda values: product.material.slug in values,
        "brand": lambda values: product.brand.slug in values,
        "audience": lambda values: product.audience in values,
        "category": lambda values: (
            values[0] in {category.slug, getattr(category.parent, "slug", None)}
        ),
        "price_min": lambda values: low is None or product.price >= Decimal(low),
        "price_max": lambda values: high is None or product.price <= Decimal(high),
        "in_stock": lambda values: product.stock > 0,
        "on_sale": lambda values: bool(
            product.compare_at_price and product.compare_at_price > product.price
        ),
    }
    return product.is_active and all(
        tests[name](values) for name, values in params.items() if name not in skip
    )


def expected_counts(products, params, options) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for name in ("colour", "material", "brand", "audience", "category"):
        counts[name] = {}
        for option in options[name]:
            value = getattr(option, "slug", option)
            counts[name][value] = sum(matches(p, {**params, name: [value]}) for p in products)
    without_price = {k: v for k, v in params.items() if k not in ("price_min", "price_max")}
    counts["price"] = {
        f"{low}-{high or ''}": sum(
            matches(p, without_price) and p.price >= low and (high is None or p.price <= high)
            for p in products
        )
        for low, high in PRICE_BANDS
    }
    return counts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_facet_counts_match_a_brute_force_count(seed):
    rng = random.Random(seed)
    options = random_catalog(rng)
    products = list(
        Product.objects.select_related("category__parent", "colour", "material", "brand")
    )
    for _ in range(25):
        params = random_params(rng, options)
        filterset = ProductFilter(as_querydict(params))
        expected = expected_counts(products, params, options)
        shown = facet_counts(filterset)
        for name in ("colour", "material", "brand", "audience", "price"):
            assert shown[name] == expected[name], (name, params)
        for value, count in shown["category"].items():
            if value:
                assert count == expected["category"][value], (value, params)
        by_id = option_counts(filterset, "category")
        for category in options["category"]:
            own = sum(
                matches(p, {k: v for k, v in params.items() if k != "category"})
                and p.category_id == category.pk
                for p in products
            )
            assert by_id.get(category.pk, 0) == own, (category.slug, params)
        assert sorted(p.pk for p in filterset.qs) == sorted(
            p.pk for p in products if matches(p, params)
        )

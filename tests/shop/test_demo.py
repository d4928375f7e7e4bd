"""seed_demo and the demo generators: deterministic, safe to run twice, and believable."""

import random
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from itertools import combinations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from personalization import demo as behaviour_demo
from personalization.demo_personas import PERSONAS
from personalization.models import Event
from shop import demo as catalog_demo
from shop.models import Brand, Category, Colour, Material, Order, OrderLine, Product, Shopper

UNTIL = datetime(2025, 6, 1, tzinfo=UTC)
SMALL = ["--products", "120", "--shoppers", "30", "--days", "14", "--until", "2025-06-01"]
CAMPING_COMPLEMENTS = {"sleeping-bags", "camping-stoves", "headlamps"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """seed_demo hashes one password per run; PBKDF2 would dominate these small runs."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*options):
    call_command("seed_demo", *SMALL, *options, stdout=StringIO(), stderr=StringIO())


def product_rows():
    return sorted(
        Product.objects.values_list(
            "sku",
            "slug",
            "name",
            "description",
            "brand__slug",
            "category__slug",
            "colour__slug",
            "material__slug",
            "audience",
            "price",
            "compare_at_price",
            "stock",
            "is_active",
            "created_at",
        )
    )


def order_rows():
    lines = defaultdict(list)
    for row in OrderLine.objects.values_list(
        "order_id", "product__sku", "product_name", "unit_price", "quantity"
    ):
        lines[row[0]].append(row[1:])
    return sorted(
        (row[1] or "", *row[2:], tuple(sorted(lines[row[0]])))
        for row in Order.objects.values_list(
            "pk",
            "user__username",
            "session_key",
            "full_name",
            "email",
            "address",
            "country",
            "status",
            "total",
            "created_at",
            "confirmation_sent_at",
        )
    )


def event_rows():
    return sorted(
        (row[0] or "", *row[1:])
        for row in Event.objects.values_list(
            "user__username",
            "kind",
            "session_key",
            "product__sku",
            "country",
            "page",
            "quantity",
            "created_at",
        )
    )


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Product, Brand, User, Shopper, Order, OrderLine, Event)
    }


@pytest.mark.django_db
def test_same_seed_and_day_give_identical_rows():
    seed()
    first = product_rows(), order_rows(), event_rows()
    seed()

    assert all(first), "the small demo should have products, orders and events"
    assert (product_rows(), order_rows(), event_rows()) == first


@pytest.mark.django_db
def test_another_seed_gives_another_catalog():
    seed("--seed", "1")
    first = product_rows()
    seed("--seed", "2")

    assert product_rows() != first


@pytest.mark.django_db
def test_stored_rows_are_the_pure_simulation():
    seed("--seed", "5")
    demo = behaviour_demo.simulate(5, 120, 30, UNTIL, behaviour_demo.Params(days=14))
    orders = [s.order for s in demo.sessions if s.order]

    assert sorted(p.sku for p in demo.products) == sorted(r[0] for r in product_rows())
    assert Order.objects.count() == len(orders)
    assert OrderLine.objects.count() == sum(len(order.lines) for order in orders)


@pytest.mark.django_db
def test_running_twice_keeps_counts_and_spares_what_it_did_not_make():
    alice = User.objects.create_user("alice", "alice@example.com", "pw")
    Shopper.objects.create(user=alice, country="FR")
    User.objects.create_superuser("root", "root@example.com", "pw")
    call_command("loaddata", "colours", "materials", "categories", verbosity=0)
    own_brand = Brand.objects.create(name="House", slug="house")
    Product.objects.create(
        sku="HOUSE-1",
        slug="house-mug",
        name="House Mug",
        brand=own_brand,
        category=Category.objects.get(slug="mugs"),
        colour=Colour.objects.get(slug="white"),
        material=Material.objects.get(slug="ceramic"),
        price=Decimal("9.99"),
    )
    seed()
    first = counts()
    seed()

    assert counts() == first
    assert set(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == {
        "root"
    }
    assert User.objects.filter(username="alice", shopper__is_demo=False).exists()
    assert Product.objects.filter(sku="HOUSE-1", brand=own_brand).exists()
    assert Shopper.objects.filter(is_demo=True).count() == 30 + len(PERSONAS)
    # Demo shoppers are there to show personalization: they accepted tracking.
    assert set(Shopper.objects.filter(is_demo=True).values_list("tracking_consent", flat=True)) == {
        "accepted"
    }
    assert Product.objects.filter(sku__startswith=catalog_demo.SKU_PREFIX).count() == 120


@pytest.mark.django_db
def test_refuses_when_someone_else_has_a_demo_username():
    User.objects.create_user("shopper0002", "someone@example.com", "pw")
    with pytest.raises(CommandError, match="shopper0002"):
        seed()
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_orders_freeze_product_names_and_prices_and_match_purchase_events():
    seed()
    lines = list(OrderLine.objects.select_related("order", "product", "order__user__shopper"))
    purchases = set(
        Event.objects.filter(kind="purchase").values_list("session_key", "product_id", "quantity")
    )

    assert lines
    for line in lines:
        assert (line.product_name, line.unit_price) == (line.product.name, line.product.price)
        assert (line.order.session_key, line.product_id, line.quantity) in purchases
        if line.order.user:
            assert line.order.country == line.order.user.shopper.country
    for order in Order.objects.prefetch_related("lines"):
        assert order.total == sum(line.subtotal for line in order.lines.all())
        assert UNTIL - timedelta(days=14) <= order.created_at < UNTIL
    assert len(purchases) == len(lines)


@pytest.mark.django_db
def test_catalog_dates_spread_over_half_a_year_and_shoppers_can_log_in():
    seed()
    dates = Product.objects.values_list("created_at", flat=True)

    assert min(dates) < UNTIL - timedelta(days=120)
    assert max(dates) < UNTIL
    assert User.objects.get(username="shopper0001").check_password(behaviour_demo.DEMO_PASSWORD)


@pytest.fixture(scope="module")
def simulation():
    """A mid-sized demo, generated without a database."""
    demo = behaviour_demo.simulate(42, 800, 1000, UNTIL, behaviour_demo.Params(days=60))
    sessions = list(demo.sessions)
    return demo, sessions, [s for s in sessions if s.order]


def test_catalog_is_believable(simulation):
    products = simulation[0].products
    on_sale = [p for p in products if p.compare_at_price is not None]

    assert 0.12 < len(on_sale) / len(products) < 0.28
    assert all(p.compare_at_price > p.price for p in on_sale)
    assert all(str(p.price).endswith((".99", ".00")) for p in products)
    assert 0.01 < sum(p.stock == 0 for p in products) / len(products) < 0.1
    assert {p.audience for p in products if p.department == "women"} == {"women"}
    assert {p.material for p in products if p.category == "jeans"} == {"denim"}
    assert len({p.sku for p in products}) == len({p.slug for p in products}) == len(products)


def test_tent_orders_carry_camping_complements(simulation):
    products = simulation[0].products
    categories = [{products[i].category for i, _ in s.order.lines} for s in simulation[2]]
    with_tent = [c for c in categories if "tents" in c]
    without_tent = [c for c in categories if "tents" not in c]

    def share(orders, wanted):
        return sum(bool(c & wanted) for c in orders) / len(orders)

    complement_rate = statistics.mean(share(with_tent, {c}) for c in CAMPING_COMPLEMENTS)
    assert len(with_tent) >= 20
    assert share(with_tent, CAMPING_COMPLEMENTS) > 0.4
    assert share(with_tent, CAMPING_COMPLEMENTS) > 5 * share(without_tent, CAMPING_COMPLEMENTS)
    assert complement_rate > 1.5 * share(with_tent, {"backpacks"}), "camping, not a complement"


def test_products_have_regular_companions(simulation):
    """Each product has a few fixed partners, so a product's favourite companion recurs."""
    companions, orders = defaultdict(Counter), Counter()
    for session in simulation[2]:
        bought = [i for i, _ in session.order.lines]
        orders.update(bought)
        for a, b in combinations(bought, 2):
            companions[a][b] += 1
            companions[b][a] += 1
    shares = [
        companions[p].most_common(1)[0][1] / n if companions[p] else 0
        for p, n in orders.items()
        if n >= 4
    ]

    assert len(shares) >= 100
    assert statistics.mean(shares) > 0.38


def test_views_concentrate_on_each_shoppers_favourite_colours(simulation):
    products, sessions = simulation[0].products, simulation[1]
    colours = defaultdict(list)
    for session in sessions:
        if session.shopper is not None:
            colours[session.shopper] += [
                products[e.product].colour for e in session.events if e.kind == "view"
            ]
    everyone = [c for views in colours.values() for c in views]
    shuffled = random.Random(0).sample(everyone, len(everyone))

    def top_two_share(views):
        return sum(n for _, n in Counter(views).most_common(2)) / len(views)

    real = [top_two_share(v) for v in colours.values() if len(v) >= 10]
    chance, start = [], 0
    for views in (v for v in colours.values() if len(v) >= 10):
        chance.append(top_two_share(shuffled[start : start + len(views)]))
        start += len(views)
    assert statistics.mean(real) > 2 / 15 + 0.2
    assert statistics.mean(real) > statistics.mean(chance) + 0.15


def department_mix_spread(products, orders, countries):
    """Mean total-variation distance between countries' department shares of order lines."""
    mixes = defaultdict(Counter)
    for order, country in zip(orders, countries, strict=True):
        mixes[country].update(products[i].department for i, _ in order.lines)
    shares = [
        {d: n / sum(mix.values()) for d, n in mix.items()}
        for mix in mixes.values()
        if sum(mix.values()) >= 50
    ]
    return statistics.mean(
        sum(abs(a.get(d, 0) - b.get(d, 0)) for d in a.keys() | b.keys()) / 2
        for a, b in combinations(shares, 2)
    )


def test_countries_differ_in_what_sells(simulation):
    products, orders = simulation[0].products, [s.order for s in simulation[2]]
    countries = [s.country for s in simulation[2]]
    shuffled = random.Random(0).sample(countries, len(countries))

    real = department_mix_spread(products, orders, countries)
    chance = department_mix_spread(products, orders, shuffled)
    assert len(set(countries)) >= 8
    assert real > 2 * chance


def test_popularity_is_skewed(simulation):
    views = Counter(e.product for s in simulation[1] for e in s.events if e.kind == "view")
    ranked = [n for _, n in views.most_common()]
    top_tenth = len(simulation[0].products) // 10

    assert sum(ranked[:top_tenth]) / sum(ranked) > 0.35, "tastes alone give about a quarter"


def test_sessions_are_ordered_in_the_window_and_guests_rarely_buy(simulation):
    sessions = simulation[1]
    starts = [s.events[0].at for s in sessions if s.events]
    views = [sum(e.kind == "view" for e in s.events) for s in sessions if s.events]
    guests = [s for s in sessions if s.shopper is None]

    assert starts == sorted(starts)
    assert UNTIL - timedelta(days=60) <= starts[0] and starts[-1] < UNTIL
    assert all(len(s.key) == 32 for s in sessions)
    assert statistics.mean(2 <= n <= 15 for n in views) > 0.95
    assert 0 < sum(bool(s.order) for s in guests) < 0.1 * len(guests)
    shopper_orders = [s for s in simulation[2] if s.shopper is not None]
    assert 0.2 < len(shopper_orders) / (len(sessions) - len(guests)) < 0.45


def test_lines_per_order_is_a_dial():
    def mean_lines(params):
        demo = behaviour_demo.simulate(3, 300, 150, UNTIL, params)
        return statistics.mean(len(s.order.lines) for s in demo.sessions if s.order)

    assert 1.5 <= mean_lines(behaviour_demo.Params(days=30)) <= 3
    assert 4 <= mean_lines(behaviour_demo.Params(days=30, lines_per_order=5)) <= 6

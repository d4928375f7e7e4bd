"""fixtures/demo.json: current with the migrations, the same shop as seeding, deterministic,
and never loaded over existing data."""

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from personalization.demo_personas import PERSONAS
from personalization.models import Algorithm, Band
from shop import demo_fixture
from shop.models import Brand, Category, Product

NAMED = [p.username for p in PERSONAS]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # the fixture's hashes still check
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]


def test_fixture_was_made_for_the_current_migrations():
    made_for = json.loads(demo_fixture.META.read_text())["migrations"]
    now = demo_fixture.migration_leaves()
    changed = sorted(
        app for app in made_for.keys() | now.keys() if made_for.get(app) != now.get(app)
    )

    assert not changed, (
        f"fixtures/demo.json was made before the latest migrations of {', '.join(changed)}: "
        "run `make fixtures`"
    )


def test_fixture_holds_a_few_megabytes_and_every_named_shopper():
    about = json.loads(demo_fixture.META.read_text())
    text = demo_fixture.FIXTURE.read_text()

    assert about["bytes"] == len(text.encode()) < 5_000_000
    for name in NAMED:
        assert f'"username": "{name}"' in text


def page_bands(client, username: str | None, path: str = "/") -> list[tuple[str, list[str]]]:
    """A page's bands as (title, product SKUs) for a shopper, or for a new visitor."""
    client.logout()
    if username:
        client.force_login(User.objects.get(username=username))
    response = client.get(path)
    assert response.status_code == 200
    skus = dict(Product.objects.values_list("pk", "sku"))
    return [(b.title, [skus[i.card.pk] for i in b.items]) for b in response.context["bands"]]


def shop_pages(client) -> dict:
    """Every named shopper's home page, and the best seller's product page for each of them
    and for a new visitor."""
    best = Product.objects.order_by("-units_sold", "sku").first()
    assert best is not None
    product = f"/p/{best.slug}/"
    return {
        (name, path): page_bands(client, name, path)
        for name in [*NAMED, None]
        for path in ("/", product)
    }


def band_items(shown, title: str) -> list[str]:
    return next((skus for name, skus in shown if name == title), [])


# Transactional: PostgreSQL cannot flush tables with foreign key checks still pending, as they
# are inside a test's transaction after loaddata.
@pytest.mark.django_db(transaction=True)
def test_loaded_demo_shows_the_named_shoppers_the_bands_seeding_gives_them(client, settings):
    today = datetime.now(UTC).date()
    call_command("loaddata", demo_fixture.LABEL, stdout=StringIO())
    loaded = shop_pages(client)
    call_command("flush", "--noinput", verbosity=0)
    cache.clear()
    settings.TAILOR_AS_OF = today.isoformat()
    options = [f"--{name}={value}" for name, value in demo_fixture.SEED_OPTIONS.items()]
    call_command("seed_demo", *options, f"--until={today}", stdout=StringIO(), verbosity=0)
    seeded = shop_pages(client)

    assert loaded == seeded
    for_you = Band.objects.get(algorithm=Algorithm.FOR_YOU, placement="home").title
    recent = Band.objects.get(algorithm=Algorithm.RECENTLY_VIEWED, placement="home").title
    ruby, cam, nova = (loaded[name, "/"] for name in NAMED)
    assert band_items(ruby, for_you) and band_items(cam, for_you)
    assert band_items(ruby, for_you) != band_items(cam, for_you)
    assert band_items(ruby, recent) != band_items(cam, recent)
    # The new visitor has no history: the anonymous visitor's page, nothing of their own but
    # what their country (Sweden) makes popular.
    near_you = set(
        Band.objects.filter(algorithm=Algorithm.NEAR_YOU).values_list("title", flat=True)
    )
    assert [b for b in nova if b[0] not in near_you] == loaded[None, "/"]
    assert not band_items(nova, recent) and not band_items(nova, for_you)
    assert any(skus for (_, path), bands in loaded.items() if path != "/" for _, skus in bands)


@pytest.mark.django_db
def test_named_shoppers_recent_views_follow_their_tastes():
    call_command("loaddata", demo_fixture.LABEL, stdout=StringIO())
    viewed = {
        name: list(
            Product.objects.filter(events__user__username=name, events__kind="view").values_list(
                "category__parent__slug", "colour__slug", "material__slug"
            )
        )
        for name in ("ruby", "cam")
    }

    assert len(viewed["ruby"]) > 20 and len(viewed["cam"]) > 20
    assert all(
        department == "women" and ("red" in (colour, material) or material == "cotton")
        for department, colour, material in viewed["ruby"]
    )
    assert all(
        department in {"camping", "footwear"}
        and (colour in {"green", "olive", "orange"} or material in {"nylon", "polyester"})
        for department, colour, material in viewed["cam"]
    )


@pytest.mark.django_db
def test_loading_the_demo_ends_its_history_today_unless_asked_to_keep_the_dates():
    from personalization.models import Event

    call_command("loaddata", demo_fixture.LABEL, "--keep-dates", stdout=StringIO())
    kept = Event.objects.latest("created_at").created_at

    assert kept.date() < demo_fixture.fixture_until()


@pytest.mark.django_db
def test_demo_fixture_is_refused_over_existing_data_which_stays_as_it_was():
    alice = User.objects.create_user("alice", "alice@example.com", "pw")
    call_command("loaddata", "colours", "materials", "categories", verbosity=0)
    house = Brand.objects.create(name="House", slug="house")
    before = {
        model: list(model.objects.order_by("pk").values())
        for model in (User, Brand, Category, Product)
    }

    with pytest.raises(CommandError) as refused:
        call_command("loaddata", demo_fixture.LABEL, stdout=StringIO())

    message = str(refused.value)
    assert "without shop data" in message and "auth.user (1)" in message
    assert "Nothing was loaded" in message and "flush" in message
    assert before == {
        model: list(model.objects.order_by("pk").values())
        for model in (User, Brand, Category, Product)
    }
    assert User.objects.get(pk=alice.pk).username == "alice"
    assert Brand.objects.get(pk=house.pk).slug == "house"


@pytest.mark.django_db
def test_other_fixtures_still_load_into_a_database_with_data():
    User.objects.create_user("alice", "alice@example.com", "pw")
    call_command("loaddata", "colours", verbosity=0)
    call_command("loaddata", "colours", verbosity=0)

    assert Category.objects.count() == 0
    assert User.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_make_demo_fixture_writes_the_same_bytes_twice(tmp_path, monkeypatch):
    texts = []
    for run in range(2):
        call_command("flush", "--noinput", verbosity=0)
        monkeypatch.setattr(demo_fixture, "FIXTURE", tmp_path / f"demo{run}.json")
        monkeypatch.setattr(demo_fixture, "META", tmp_path / f"meta{run}.json")
        call_command("make_demo_fixture", stdout=StringIO())
        texts.append((demo_fixture.FIXTURE.read_bytes(), demo_fixture.META.read_bytes()))

    assert texts[0] == texts[1]
    assert b'"username": "ruby"' in texts[0][0]


@pytest.mark.django_db
def test_make_demo_fixture_refuses_a_database_with_data():
    Brand.objects.create(name="House", slug="house")

    with pytest.raises(CommandError, match="not empty"):
        call_command("make_demo_fixture", stdout=StringIO())

"""New, active and returning shoppers: the stage switches at the right moments (the project
clock is moved with TAILOR_AS_OF), and the onboarding and "pick up" bands follow it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from personalization.lifecycle import Stage, last_activity_before_visit, stage_of
from personalization.models import Event
from personalization.visitors import Visitor
from tests.factories import (
    ColourFactory,
    DepartmentFactory,
    EventFactory,
    ProductFactory,
    UserFactory,
    accept_tracking,
)
from tests.personalization.factories import BandFactory, store

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def at(moment):
    return override_settings(TAILOR_AS_OF=moment.isoformat())


# --- The rule, on literal times -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes_ago", "expected"),
    [
        ([], None),
        ([5], None),  # one visit, still going
        ([5, 20, 40], None),  # gaps under 30 minutes: the same visit
        ([5, 50], 50),  # a gap of 45 minutes: the visit before ended 50 minutes ago
        ([45], 45),  # no current visit: the last activity is the answer
        ([1, 2, 60 * 24 * 20], 60 * 24 * 20),
    ],
)
def test_last_activity_before_the_current_visit(minutes_ago, expected):
    now = T0
    times = [now - timedelta(minutes=m) for m in minutes_ago]

    found = last_activity_before_visit(times, now)

    assert found == (None if expected is None else now - timedelta(minutes=expected))


# --- Through the database and the clock -----------------------------------------------------------


def shopper_visitor(user):
    return Visitor("", user.pk, "", True, True)


@pytest.mark.django_db
def test_stage_switches_at_the_right_moments():
    user = UserFactory()
    EventFactory(session_key="visit-a", user=user, created_at=T0)

    def stage(moment):
        return stage_of(shopper_visitor(user), now=moment)

    assert stage_of(shopper_visitor(UserFactory()), now=T0) == Stage.NEW
    assert stage(T0 + timedelta(minutes=10)) == Stage.NEW  # still the first visit
    assert stage(T0 + timedelta(hours=2)) == Stage.ACTIVE
    assert stage(T0 + timedelta(days=13, hours=23)) == Stage.ACTIVE
    assert stage(T0 + timedelta(days=14)) == Stage.RETURNING
    # Back after 14 days and browsing: returning for the whole of that visit ...
    back = T0 + timedelta(days=14)
    EventFactory(session_key="visit-a", user=user, created_at=back + timedelta(minutes=1))
    EventFactory(session_key="visit-a", user=user, created_at=back + timedelta(minutes=20))
    assert stage(back + timedelta(minutes=25)) == Stage.RETURNING
    # ... and active on the next one.
    assert stage(back + timedelta(hours=3)) == Stage.ACTIVE


@pytest.mark.django_db
def test_stage_follows_the_project_clock():
    user = UserFactory()
    EventFactory(session_key="visit-a", user=user, created_at=T0)

    with at(T0 + timedelta(days=1)):
        assert stage_of(shopper_visitor(user)) == Stage.ACTIVE
    with at(T0 + timedelta(days=15)):
        assert stage_of(shopper_visitor(user)) == Stage.RETURNING


# --- Pick up where you left off ------------------------------------------------------------------


@pytest.fixture
def pick_up_band():
    return BandFactory(
        slug="pick-up", title="Pick up where you left off", algorithm="pick_up", lookback_days=90
    )


def home_titles(client):
    return [s.title for s in client.get("/").context["bands"]]


@pytest.mark.django_db
def test_returning_shopper_gets_their_last_viewed_and_carted_products_in_stock(
    client, pick_up_band
):
    user = UserFactory()
    viewed, carted, sold_out = (
        ProductFactory(stock=3),
        ProductFactory(stock=3),
        ProductFactory(stock=0),
    )
    EventFactory(session_key="visit-a", user=user, product=viewed, created_at=T0)
    EventFactory(
        session_key="visit-a", user=user, product=sold_out, created_at=T0 + timedelta(minutes=1)
    )
    EventFactory(
        session_key="visit-a", user=user, product=carted, kind=Event.Kind.CART_ADD, created_at=T0
    )
    client.force_login(user)

    with at(T0 + timedelta(days=3)):
        assert "Pick up where you left off" not in home_titles(client)
    with at(T0 + timedelta(days=20)):
        shown = client.get("/").context["bands"]

    band = next(s for s in shown if s.title == "Pick up where you left off")
    assert [item.card.pk for item in band.items] == [carted.pk, viewed.pk]
    assert band.items[0].reason.startswith("You put this in your cart")
    assert "You were away a while" in band.why


# --- New visitors: onboarding ---------------------------------------------------------------------


@pytest.fixture
def shop_with_best_sellers():
    tents = DepartmentFactory(name="Tents", slug="tents")
    red = ColourFactory(name="Red", slug="red")
    blue = ColourFactory(name="Blue", slug="blue")
    blue_tent = ProductFactory(category=tents, colour=blue, stock=4)
    red_tent = ProductFactory(category=tents, colour=red, stock=4)
    best = BandFactory(slug="best", title="Best sellers")
    store(best, [(f"category:{tents.pk}", p, "Sold a lot") for p in (blue_tent, red_tent)])
    onboarding = BandFactory(
        slug="shopping-for", title="For what you are shopping for", algorithm="onboarding"
    )
    return tents, red, blue_tent, red_tent, onboarding


@pytest.mark.django_db
def test_a_new_visitors_picks_seed_a_band_their_colours_first(client, shop_with_best_sellers):
    tents, red, blue_tent, red_tent, _ = shop_with_best_sellers

    first = client.get("/").content.decode()
    response = client.post(
        reverse("personalization:onboarding"), {"categories": ["tents"], "colours": ["red"]}
    )
    shown = {s.title: s for s in client.get("/").context["bands"]}

    assert "What are you shopping for?" in first
    assert response.status_code == 302
    band = shown["For what you are shopping for"]
    assert [item.card.pk for item in band.items] == [red_tent.pk, blue_tent.pk]
    assert "Tents, Red" in band.items[0].reason
    assert band.signals == ["You picked: Tents, Red."]
    assert "What are you shopping for?" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_real_behaviour_takes_over_from_the_picks(client, shop_with_best_sellers):
    tents, *_ = shop_with_best_sellers
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("personalization:onboarding"), {"categories": ["tents"]})
    EventFactory(session_key="visit-a", user=user, created_at=T0)

    with at(T0 + timedelta(minutes=5)):
        assert "For what you are shopping for" in home_titles(client)
    with at(T0 + timedelta(days=2)):
        assert "For what you are shopping for" not in home_titles(client)


@pytest.mark.django_db
def test_skipping_onboarding_hides_the_strip(client):
    client.post(reverse("personalization:onboarding"), {"skip": "1"})

    assert "What are you shopping for?" not in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [{}, {"categories": ["no-such"]}, {"colours": ["<b>"]}, {"categories": ["x" * 500]}],
)
def test_bad_onboarding_picks_are_a_clear_message_and_store_nothing(client, data):
    DepartmentFactory()

    response = client.post(reverse("personalization:onboarding"), data, follow=True)

    assert response.status_code == 200
    assert response.context["messages"]
    assert "onboarding_picks" not in client.session


@pytest.mark.django_db
def test_returning_and_new_stages_show_on_your_shop(client):
    accept_tracking(client)
    page = client.get(reverse("personalization:your-shop")).content.decode()

    assert "New visitor" in page

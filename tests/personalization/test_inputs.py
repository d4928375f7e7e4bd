"""Input frames as the algorithms receive them, whatever the database and the chunk size."""

from datetime import timedelta

import pandas as pd
import pytest
from django.utils import timezone

from personalization import inputs
from personalization.algorithms.for_you import interactions
from personalization.models import Event
from tests.factories import EventFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browsing():
    tent, stove = ProductFactory(), ProductFactory()
    shopper = UserFactory()
    now = timezone.now()
    rows = [
        ("visit-a", None, tent, "view"),
        ("visit-b", None, stove, "view"),
        ("visit-a", None, stove, "cart_add"),
        ("visit-c", shopper, tent, "view"),
        ("visit-b", None, tent, "view"),
    ]
    for minutes, (key, user, product, kind) in enumerate(rows):
        EventFactory(
            session_key=key,
            user=user,
            product=product,
            kind=kind,
            created_at=now - timedelta(minutes=10 - minutes),
        )
    EventFactory(session_key="visit-a", product=tent, kind="impression")
    return tent, stove, shopper


@pytest.mark.parametrize("chunk_rows", [2, 1000])
def test_events_keep_their_rows_and_visit_keys_across_chunks(browsing, monkeypatch, chunk_rows):
    tent, stove, shopper = browsing
    monkeypatch.setattr(inputs, "CHUNK_ROWS", chunk_rows)

    found = inputs.events(["view", "cart_add"])

    assert isinstance(found["session_key"].dtype, pd.CategoricalDtype)
    assert sorted(
        zip(
            found["session_key"].astype(str),
            found["product_id"],
            found["kind"].astype(str),
            strict=True,
        )
    ) == sorted(
        [
            ("visit-a", tent.pk, "view"),
            ("visit-b", stove.pk, "view"),
            ("visit-a", stove.pk, "cart_add"),
            ("visit-c", tent.pk, "view"),
            ("visit-b", tent.pk, "view"),
        ]
    )
    assert found.loc[found["session_key"] == "visit-c", "user_id"].tolist() == [shopper.pk]
    stored = Event.objects.filter(kind__in=["view", "cart_add"]).order_by("created_at")
    assert [when.floor("s") for when in found["created_at"].sort_values()] == [
        pd.Timestamp(event.created_at).floor("s") for event in stored
    ]


def test_categorical_visit_keys_give_the_same_interactions_as_plain_text(browsing):
    events = inputs.events(["view", "cart_add"])
    lines = inputs.order_lines()
    as_text = events.assign(
        session_key=events["session_key"].astype(str), kind=events["kind"].astype(str)
    )

    pd.testing.assert_frame_equal(interactions(events, lines), interactions(as_text, lines))
    assert set(interactions(events, lines)["visitor"]) == {
        "svisit-a",
        "svisit-b",
        f"u{browsing[2].pk}",
    }

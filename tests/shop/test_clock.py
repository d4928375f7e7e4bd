"""shop.clock: what bands and sales counts treat as now."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from shop import clock
from shop.models import Order
from tests.factories import OrderFactory


def test_empty_means_now():
    before = timezone.now()
    assert before <= clock.as_of("") <= timezone.now()


def test_the_setting_is_read_when_no_value_is_given(settings):
    settings.TAILOR_AS_OF = "2011-12-10"
    assert clock.as_of() == datetime(2011, 12, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-12-10", datetime(2011, 12, 10, tzinfo=UTC)),
        ("2011-12-09T12:50:00", datetime(2011, 12, 9, 12, 50, tzinfo=UTC)),
        ("2011-12-09T12:50:00+01:00", datetime(2011, 12, 9, 11, 50, tzinfo=UTC)),
    ],
)
def test_dates_and_times_are_read_in_utc_unless_they_carry_an_offset(text, expected):
    assert clock.as_of(text) == expected


def test_anything_else_is_a_value_error():
    with pytest.raises(ValueError):
        clock.as_of("yesterday")


@pytest.mark.django_db
def test_latest_order_is_one_second_after_the_last_order_not_cancelled():
    last = datetime(2011, 12, 9, 12, 50, tzinfo=UTC)
    OrderFactory(created_at=last - timedelta(days=3))
    OrderFactory(created_at=last)
    OrderFactory(created_at=last + timedelta(days=1), status=Order.Status.CANCELLED)

    assert clock.as_of(clock.LATEST_ORDER) == last + timedelta(seconds=1)


@pytest.mark.django_db
def test_latest_order_without_orders_is_now():
    before = timezone.now()
    assert before <= clock.as_of(clock.LATEST_ORDER) <= timezone.now()

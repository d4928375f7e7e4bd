"""The notification tasks: a fan-out enqueues its next batch until every follower is done,
stalled fan-outs resume from their cursor, and digests go out once per shopper."""

from datetime import timedelta

import pytest
from django.utils import timezone

from preferences import tasks
from preferences.models import (
    DeliverySetting,
    Email,
    Notification,
    ProductChange,
    Subscription,
    Topic,
)
from tests.factories import UserFactory
from tests.preferences.factories import ProductChangeFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db
FAN_OUT = "preferences.tasks.fan_out"


@pytest.fixture
def drop():
    change = ProductChangeFactory()
    for _ in range(3):
        SubscriptionFactory(product=change.product)
    return change


def test_a_fan_out_enqueues_the_next_batch_while_followers_remain(
        drop, settings, published, mailoutbox):
    settings.TAILOR_FAN_OUT_BATCH = 2
    users = sorted(Subscription.objects.values_list("user_id", flat=True))

    tasks.fan_out(drop.pk)

    assert published == [(FAN_OUT, [drop.pk, users[1]])]
    tasks.fan_out(drop.pk, users[1])
    assert published == [(FAN_OUT, [drop.pk, users[1]])]  # nothing left: no next batch
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == users
    assert len(mailoutbox) == 3


def test_a_fan_out_run_twice_notifies_once(drop, mailoutbox):
    tasks.fan_out(drop.pk)
    tasks.fan_out(drop.pk)

    assert Notification.objects.count() == 3
    assert len(mailoutbox) == 3


def test_stalled_fan_outs_resume_from_their_cursor(published):
    old = timezone.now() - timedelta(minutes=30)
    stalled = ProductChangeFactory(done_through_user=41)
    fresh = ProductChangeFactory()
    finished = ProductChangeFactory(fanned_out_at=old)
    ProductChange.objects.filter(pk__in=[stalled.pk, finished.pk]).update(created_at=old)
    moving = ProductChangeFactory(progressed_at=timezone.now())
    ProductChange.objects.filter(pk=moving.pk).update(created_at=old)

    assert tasks.resume_fan_outs() == 1

    assert published == [(FAN_OUT, [stalled.pk, 41])]
    assert tasks.resume_fan_outs(idle_seconds=0) == 3
    assert {args[0] for _, args in published[1:]} == {stalled.pk, fresh.pk, moving.pk}


def test_send_digests_enqueues_one_digest_per_shopper_waiting(drop, published, mailoutbox):
    daily = UserFactory()
    SubscriptionFactory(user=daily, product=drop.product)
    DeliverySetting.objects.create(user=daily, topic=Topic.PRICE, email=Email.DAILY)
    tasks.fan_out(drop.pk)

    assert tasks.send_digests() == 1

    assert published == [("preferences.tasks.send_digest", [daily.pk])]
    tasks.send_digest(daily.pk)
    tasks.send_digest(daily.pk)
    assert [m.subject for m in mailoutbox if m.to == [daily.email]] == [
        "Your Tailor digest: 1 update"]
    assert tasks.send_digests() == 0

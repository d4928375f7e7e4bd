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
EMAILS = "preferences.tasks.send_instant_emails"


@pytest.fixture
def drop():
    change = ProductChangeFactory()
    for _ in range(3):
        SubscriptionFactory(product=change.product)
    return change


def test_a_fan_out_enqueues_the_next_batch_then_the_emails_of_every_span(
    drop, settings, published, mailoutbox
):
    settings.TAILOR_FAN_OUT_BATCH = 2
    ada, bob, cy = sorted(Subscription.objects.values_list("user_id", flat=True))

    tasks.fan_out(drop.pk)
    assert published == [(FAN_OUT, [drop.pk, bob])]
    tasks.fan_out(drop.pk, bob)

    assert published[1:] == [(EMAILS, [drop.pk, 0, bob]), (EMAILS, [drop.pk, bob, cy])]
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == [ada, bob, cy]
    assert mailoutbox == []
    tasks.send_instant_emails(drop.pk, 0, bob)
    tasks.send_instant_emails(drop.pk, bob, cy)
    tasks.send_instant_emails(drop.pk, 0, cy)
    assert len(mailoutbox) == 3


def test_a_fan_out_run_twice_notifies_once_and_enqueues_the_emails_once(drop, published):
    tasks.fan_out(drop.pk)
    tasks.fan_out(drop.pk)

    assert Notification.objects.count() == 3
    assert [name for name, _ in published] == [EMAILS]


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


def test_instant_emails_left_waiting_are_sent_again(drop, published, mailoutbox):
    tasks.fan_out(drop.pk)
    published.clear()  # the e-mail tasks were lost
    ProductChange.objects.filter(pk=drop.pk).update(
        fanned_out_at=timezone.now() - timedelta(minutes=30)
    )

    assert tasks.resume_fan_outs() == 1

    [(name, [change_id, after_user, through_user])] = published
    assert (name, change_id, after_user) == (EMAILS, drop.pk, 0)
    tasks.send_instant_emails(change_id, after_user, through_user)
    assert len(mailoutbox) == 3
    assert tasks.resume_fan_outs(idle_seconds=0) == 0


def test_send_digests_enqueues_one_digest_per_shopper_waiting(drop, published, mailoutbox):
    daily = UserFactory()
    SubscriptionFactory(user=daily, product=drop.product)
    DeliverySetting.objects.create(user=daily, topic=Topic.PRICE, email=Email.DAILY)
    tasks.fan_out(drop.pk)
    published.clear()

    assert tasks.send_digests() == 1

    assert published == [("preferences.tasks.send_digest", [daily.pk])]
    tasks.send_digest(daily.pk)
    tasks.send_digest(daily.pk)
    assert [m.subject for m in mailoutbox if m.to == [daily.email]] == [
        "Your Tailor digest: 1 update"
    ]
    assert tasks.send_digests() == 0

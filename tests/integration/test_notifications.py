"""Notifications end to end on the real services: a price change committed in PostgreSQL fans
out through Redis to real Celery workers, and each follower hears exactly once — when the task
runs twice, when two workers race, and when a worker is killed halfway and the task retried."""

import email
import os
import re
import time
from collections import Counter
from decimal import Decimal as D
from email import policy

import pytest
import redis
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import reverse

from preferences.models import Notification, ProductChange, Subscription
from preferences.tasks import fan_out
from tests.conftest import CeleryWorker
from tests.factories import ProductFactory, UserFactory
from tests.integration.helpers import wait_for
from tests.integration.test_bands import forget_unacked

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
SEPARATOR = re.compile(rb"\n-{79}\n")


def sent_mails(*workers: CeleryWorker) -> list:
    """Every message the workers' file e-mail backend wrote (several per file), parsed."""
    messages = []
    for path in {path for worker in workers for path in worker.mail_dir.iterdir()}:
        for raw in SEPARATOR.split(path.read_bytes()):
            message = email.message_from_bytes(raw.strip() + b"\n", policy=policy.default)
            if message["To"]:
                messages.append(message)
    return messages


def add_followers(product, count: int) -> list[User]:
    users = User.objects.bulk_create(
        [
            User(username=f"follower{n:04d}", email=f"follower{n:04d}@example.com")
            for n in range(count)
        ]
    )
    Subscription.objects.bulk_create(
        [
            Subscription(user=user, kind=Subscription.Kind.PRICE_DROP, product=product)
            for user in users
        ]
    )
    return users


def lower_price(product, price: str) -> ProductChange:
    """Save a lower price as the admin does: in a transaction, fanned out on commit."""
    product.price = D(price)
    with transaction.atomic():
        product.save()
    return ProductChange.objects.filter(product=product).latest("pk")


def delivered(change, followers: int) -> bool:
    notifications = Notification.objects.filter(change=change)
    return (
        ProductChange.objects.filter(pk=change.pk, fanned_out_at__isnull=False).exists()
        and notifications.count() == followers
        and not notifications.filter(email="instant", email_claimed_at__isnull=True).exists()
    )


def idle(*workers: CeleryWorker) -> bool:
    """Nothing queued, and every notification task a worker received has finished."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    if client.llen(workers[0].queue):
        return False
    logs = "".join(worker.log() for worker in workers)
    received = len(re.findall(r"preferences\.tasks\.\w+\[[^\]]+\] received", logs))
    return received == len(re.findall(r"preferences\.tasks\.\w+\[[^\]]+\] succeeded", logs))


def settled(*workers: CeleryWorker, quiet: float = 1.0) -> bool:
    """``idle`` twice, ``quiet`` seconds apart (a batch may enqueue the next in between)."""
    if not idle(*workers):
        return False
    time.sleep(quiet)
    return idle(*workers)


def assert_each_heard_once(change, users, mails):
    assert Counter(
        Notification.objects.filter(change=change).values_list("user_id", flat=True)
    ) == Counter(user.pk for user in users)
    assert Counter(str(message["To"]) for message in mails) == Counter(user.email for user in users)


def test_an_admin_lowers_a_price_and_the_follower_hears_once_in_the_inbox_and_by_email(
    celery_worker, admin_client
):
    ada = UserFactory(username="ada", email="ada@example.com")
    tent = ProductFactory(name="Ridge tent", slug="ridge-tent", price=D("50.00"), stock=4)
    shopper = Client()
    shopper.force_login(ada)
    shopper.post(reverse("preferences:follow"), {"kind": "price_drop", "target": tent.pk})

    response = admin_client.post(
        reverse("admin:shop_product_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(tent.pk),
            "form-0-price": "39.00",
            "form-0-compare_at_price": "",
            "form-0-stock": "4",
            "form-0-is_active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302

    change = ProductChange.objects.get()
    assert wait_for(lambda: delivered(change, 1)), f"worker log:\n{celery_worker.log()}"
    inbox = shopper.get(reverse("preferences:inbox"))
    assert [n.title for n in inbox.context["page_obj"]] == [
        "Ridge tent dropped to €39.00 (was €50.00)"
    ]
    assert '<span class="badge" aria-label="1 unread">1</span>' in inbox.content.decode()
    assert wait_for(lambda: settled(celery_worker))
    [mail] = sent_mails(celery_worker)
    assert mail["To"] == "ada@example.com"
    assert mail["Subject"].strip() == "Ridge tent dropped to €39.00 (was €50.00)"
    assert (
        mail["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/account/unsubscribe/")
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_same_fan_out_run_twice_notifies_and_mails_each_follower_once(celery_worker):
    tent = ProductFactory(price=D("50.00"))
    users = add_followers(tent, 60)

    change = lower_price(tent, "45.00")
    fan_out.delay(change.pk)

    assert wait_for(lambda: delivered(change, 60)), celery_worker.log()
    assert wait_for(lambda: settled(celery_worker))
    assert len(re.findall(r"fan_out\[[^\]]+\] succeeded", celery_worker.log())) == 2
    assert_each_heard_once(change, users, sent_mails(celery_worker))


def test_two_workers_racing_through_the_same_fan_out_notify_each_follower_once(
    celery_worker, tmp_path
):
    celery_worker.env["FAN_OUT_BATCH"] = "25"
    celery_worker.restart()
    (tmp_path / "second").mkdir()
    second = CeleryWorker(
        queue=celery_worker.queue,
        env=celery_worker.env,
        mail_dir=celery_worker.mail_dir,
        log_dir=tmp_path / "second",
    )
    tent = ProductFactory(price=D("50.00"))
    users = add_followers(tent, 300)
    try:
        second.start()
        change = lower_price(tent, "45.00")
        fan_out.delay(change.pk)  # two chains of 12 batches, one on each worker

        assert wait_for(lambda: delivered(change, 300), timeout=60), second.log()
        assert wait_for(lambda: settled(celery_worker, second), timeout=60)
    finally:
        second.stop()
    both = celery_worker.log() + second.log()
    assert re.search(r"fan_out\[[^\]]+\] succeeded", celery_worker.log())
    assert re.search(r"fan_out\[[^\]]+\] succeeded", second.log()), both
    assert_each_heard_once(change, users, sent_mails(celery_worker))


def test_a_worker_killed_mid_fan_out_and_retried_notifies_each_follower_once(celery_worker):
    celery_worker.env["FAN_OUT_BATCH"] = "20"
    celery_worker.restart()
    tent = ProductFactory(price=D("50.00"))
    users = add_followers(tent, 400)
    try:
        change = lower_price(tent, "45.00")
        notified = Notification.objects.filter(change=change)
        started = wait_for(lambda: notified.exists(), timeout=30, interval=0.002)
        assert started, f"the fan-out never started; worker log:\n{celery_worker.log()}"
        celery_worker.kill()
        assert notified.count() < 400, "the fan-out finished before the kill: make it longer"

        # The killed worker's message comes back once it is older than the visibility
        # timeout: the next worker restores it as it starts.
        celery_worker.env["CELERY_VISIBILITY_TIMEOUT"] = "1"
        time.sleep(1.5)
        celery_worker.start()
        assert wait_for(lambda: delivered(change, 400), timeout=60), celery_worker.log()
        assert wait_for(lambda: settled(celery_worker))
    finally:
        forget_unacked(celery_worker.queue)

    assert Counter(notified.values_list("user_id", flat=True)) == Counter(u.pk for u in users)
    mails = Counter(str(message["To"]) for message in sent_mails(celery_worker))
    assert max(mails.values()) == 1  # never twice
    # An e-mail claimed by the killed worker but not yet sent stays unsent (never sent twice);
    # it is marked claimed, and its notification is in the inbox.
    unsent = notified.exclude(user__email__in=list(mails))
    assert not unsent.filter(email_claimed_at__isnull=True).exists()
    assert unsent.count() <= 100, unsent.count()

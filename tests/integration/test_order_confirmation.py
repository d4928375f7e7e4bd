"""An order placed through the site is confirmed by a real Celery worker over Redis."""

import pytest
from django.urls import reverse

from shop.models import Order
from tests.factories import ProductFactory
from tests.integration.helpers import CHECKOUT, wait_for

pytestmark = pytest.mark.integration


def test_worker_mails_the_confirmation_of_a_placed_order(
    require_postgres, require_redis, transactional_db, celery_worker, client
):
    product = ProductFactory(name="Brass lantern", stock=3)
    client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 2})

    response = client.post(reverse("shop:checkout"), CHECKOUT)

    order = Order.objects.get()
    assert response["Location"] == order.get_absolute_url()
    sent = wait_for(
        lambda: Order.objects.filter(pk=order.pk, confirmation_sent_at__isnull=False).exists()
    )
    assert sent, f"no confirmation after 20 s; worker log:\n{celery_worker.log()}"
    mails = celery_worker.mails()
    assert len(mails) == 1
    assert f"Subject: Your Tailor order {order.number}" in mails[0]
    assert "To: ada@example.com" in mails[0]
    assert "2 x Brass lantern" in mails[0]

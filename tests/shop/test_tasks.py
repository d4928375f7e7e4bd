import pytest

from shop.tasks import send_order_confirmation
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    order = OrderFactory(email="ada@example.com", full_name="Ada Lovelace")
    OrderLineFactory(order=order, product_name="Brass lantern", quantity=2)
    return order


def test_confirmation_mails_the_order_to_the_shopper(order, mailoutbox):
    send_order_confirmation(order.pk)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ada@example.com"]
    assert order.number in mail.subject
    assert order.number in mail.body
    assert "2 x Brass lantern" in mail.body


def test_confirmation_marks_the_order_sent(order):
    send_order_confirmation(order.pk)
    order.refresh_from_db()
    assert order.confirmation_sent_at is not None


def test_confirmation_sent_twice_mails_once(order, mailoutbox):
    send_order_confirmation(order.pk)
    order.refresh_from_db()
    first_sent_at = order.confirmation_sent_at

    send_order_confirmation(order.pk)

    assert len(mailoutbox) == 1
    order.refresh_from_db()
    assert order.confirmation_sent_at == first_sent_at


def test_confirmation_for_a_missing_order_does_nothing(mailoutbox):
    send_order_confirmation(123_456)
    assert mailoutbox == []

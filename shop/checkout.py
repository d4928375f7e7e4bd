"""Placing an order: freeze prices, take stock atomically, empty the cart."""

from django.db import transaction
from django.db.models import F

from .cards import forget_cards
from .cart import Cart
from .models import Order, OrderLine, Product
from .tasks import send_order_confirmation


class CheckoutError(Exception):
    """The order cannot be placed; the message is meant for the shopper."""


def place_order(cart: Cart, *, details: dict, user=None, session_key: str = "") -> Order:
    """Create an order from the cart, or raise CheckoutError and change nothing.

    Stock is taken with one conditional UPDATE per product (``stock >= quantity``), in product id
    order so two checkouts never wait on each other in a cycle. When two shoppers race for the
    last item, exactly one UPDATE matches; the other shopper's whole transaction rolls back.
    """
    lines = sorted(cart.lines(), key=lambda line: line.product.pk)
    if not lines:
        raise CheckoutError("Your cart is empty.")
    with transaction.atomic():
        for line in lines:
            taken = Product.objects.filter(
                pk=line.product.pk, is_active=True, stock__gte=line.quantity
            ).update(stock=F("stock") - line.quantity)
            if not taken:
                raise CheckoutError(
                    f"Sorry, there are not enough “{line.product.name}” left in stock. "
                    "Please change the quantity in your cart."
                )
        order = Order.objects.create(
            user=user if user and user.is_authenticated else None,
            session_key=session_key,
            total=Cart.total(lines),
            **details,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=line.product,
                product_name=line.product.name,
                unit_price=line.product.price,
                quantity=line.quantity,
            )
            for line in lines
        )
        # robust: a broker outage must not turn a committed order into an error page.
        transaction.on_commit(lambda: send_order_confirmation.delay(order.pk), robust=True)
        # Cards show stock; the conditional UPDATEs above bypass the save signal.
        sold = [line.product.pk for line in lines]
        transaction.on_commit(lambda: forget_cards(sold), robust=True)
    cart.clear()
    return order

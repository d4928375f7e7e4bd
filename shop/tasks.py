from datetime import timedelta

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from . import clock
from .models import Order, OrderLine, Product

SALES_WINDOW_DAYS = 30


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_order_confirmation(order_id: int) -> None:
    """E-mail the shopper their order; marks it sent, so a retry or a second run sends nothing."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .prefetch_related("lines")
            .filter(pk=order_id, confirmation_sent_at__isnull=True)
            .first()
        )
        if order is None:
            return
        body = render_to_string("shop/email/order_confirmation.txt", {"order": order})
        send_mail(f"Your Tailor order {order.number}", body, None, [order.email])
        order.confirmation_sent_at = timezone.now()
        order.save(update_fields=["confirmation_sent_at"])


@shared_task
def refresh_sales_counts(as_of: str | None = None) -> int:
    """Set ``Product.units_sold`` to the units sold in the last 30 days; return rows changed.

    The 30 days end at ``clock.as_of(as_of)``: now, unless ``TAILOR_AS_OF`` (or ``as_of``)
    says otherwise. Counts order lines of orders not cancelled. One UPDATE, which rewrites only
    the products whose number changed (others sold nothing: 0). Running it again gives the same
    numbers.
    """
    until = clock.as_of(as_of)
    since = until - timedelta(days=SALES_WINDOW_DAYS)
    sold = (
        OrderLine.objects.filter(
            product=OuterRef("pk"), order__created_at__gte=since, order__created_at__lt=until
        )
        .exclude(order__status=Order.Status.CANCELLED)
        .values("product")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    fresh = Coalesce(Subquery(sold), Value(0), output_field=IntegerField())
    return Product.objects.filter(~Q(units_sold=fresh)).update(units_sold=fresh)

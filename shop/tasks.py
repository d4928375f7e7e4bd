from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Order


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_order_confirmation(order_id: int) -> None:
    """E-mail the shopper their order; marks it sent, so a retry or a second run sends nothing."""
    with transaction.atomic():
        order = (Order.objects.select_for_update().prefetch_related("lines")
                 .filter(pk=order_id, confirmation_sent_at__isnull=True).first())
        if order is None:
            return
        body = render_to_string("shop/email/order_confirmation.txt", {"order": order})
        send_mail(f"Your Tailor order {order.number}", body, None, [order.email])
        order.confirmation_sent_at = timezone.now()
        order.save(update_fields=["confirmation_sent_at"])

"""Tracked events: what visitors view, cart and buy. Bands build on these."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField


class Event(models.Model):
    class Kind(models.TextChoices):
        VIEW = "view", "Product view"
        CART_ADD = "cart_add", "Add to cart"
        PURCHASE = "purchase", "Purchase"
        IMPRESSION = "impression", "Band impression"
        CLICK = "click", "Band click"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    session_key = models.CharField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="events",
    )
    product = models.ForeignKey(
        "shop.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    country = CountryField(blank=True)
    page = models.CharField(max_length=20, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["session_key", "kind", "-created_at"]),
            models.Index(fields=["user", "kind", "-created_at"]),
            models.Index(fields=["kind", "created_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.session_key[:8]} at {self.created_at:%Y-%m-%d %H:%M}"

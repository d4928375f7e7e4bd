"""What shoppers choose for themselves: listing defaults and saved searches.

Both belong to a user, or — for an anonymous shopper — to their browser's *owner key* (a random
token kept in the session data, see ``preferences.owners``), and move to the account on log-in.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shop.models import Colour, Material, Product


class OwnedQuerySet(models.QuerySet):
    def owned_by(self, owner):
        """Rows of an ``Owner`` (user, else owner key); none for an owner with neither."""
        if owner.user_id:
            return self.filter(user_id=owner.user_id)
        if owner.key:
            return self.filter(user__isnull=True, owner_key=owner.key)
        return self.none()


class Owned(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    owner_key = models.CharField(max_length=40, blank=True, db_index=True,
                                 help_text="The anonymous browser's key, until it logs in.")

    objects = OwnedQuerySet.as_manager()

    class Meta:
        abstract = True


class Preference(Owned):
    """A shopper's saved listing defaults. Empty fields mean "the shop's default"."""

    class Sort(models.TextChoices):
        RECOMMENDED = "recommended", "Recommended for you"
        BEST_SELLING = "best_selling", "Best selling"
        NEWEST = "newest", "Newest"
        PRICE_ASC = "price", "Price: low to high"
        PRICE_DESC = "-price", "Price: high to low"
        DISCOUNT = "discount", "Biggest discount"
        NAME = "name", "Name"

    sort = models.CharField(max_length=14, choices=Sort.choices, blank=True)
    page_size = models.PositiveSmallIntegerField(null=True, blank=True)
    colours = models.ManyToManyField(Colour, blank=True, related_name="+")
    materials = models.ManyToManyField(Material, blank=True, related_name="+")
    audience = models.CharField(max_length=8, choices=Product.Audience.choices, blank=True)
    price_max = models.DecimalField("price ceiling", max_digits=10, decimal_places=2, null=True,
                                    blank=True)
    in_stock_only = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(user__isnull=False),
                                    name="one_preference_per_user"),
            models.UniqueConstraint(fields=["owner_key"],
                                    condition=Q(user__isnull=True) & ~Q(owner_key=""),
                                    name="one_preference_per_owner_key"),
        ]

    def __str__(self):
        return f"Preferences of {self.user or self.owner_key[:8]}"


class SavedSearch(Owned):
    """A named listing: its canonical query string, as the listing writes it."""

    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True,
                             help_text="Canonical query string, without the leading ?.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name_plural = "saved searches"

    def __str__(self):
        return self.name

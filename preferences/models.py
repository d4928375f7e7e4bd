"""What shoppers choose for themselves: listing defaults, saved searches and notifications.

Preferences and saved searches belong to a user, or — for an anonymous shopper — to their
browser's *owner key* (a random token kept in the session data, see ``preferences.owners``), and
move to the account on log-in. Following (``Subscription``) needs an account; a ``ProductChange``
becomes at most one ``Notification`` per shopper (``preferences.notifications`` plans them,
``preferences.delivery`` stores and sends them).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shop.models import Brand, Category, Colour, Material, Product


class OwnedQuerySet(models.QuerySet):
    def owned_by(self, owner):
        """Rows of an ``Owner`` (user, else owner key); none for an owner with neither."""
        if owner.user_id:
            return self.filter(user_id=owner.user_id)
        if owner.key:
            return self.filter(user__isnull=True, owner_key=owner.key)
        return self.none()


class Owned(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner_key = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        help_text="The anonymous browser's key, until it logs in.",
    )

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
    price_max = models.DecimalField(
        "price ceiling", max_digits=10, decimal_places=2, null=True, blank=True
    )
    in_stock_only = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(user__isnull=False), name="one_preference_per_user"
            ),
            models.UniqueConstraint(
                fields=["owner_key"],
                condition=Q(user__isnull=True) & ~Q(owner_key=""),
                name="one_preference_per_owner_key",
            ),
        ]

    def __str__(self):
        return f"Preferences of {self.user or self.owner_key[:8]}"


class SavedSearch(Owned):
    """A named listing: its canonical query string, as the listing writes it."""

    name = models.CharField(max_length=80)
    query = models.CharField(
        max_length=1000, blank=True, help_text="Canonical query string, without the leading ?."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name_plural = "saved searches"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        url = reverse("shop:products")
        return f"{url}?{self.query}" if self.query else url


class HiddenProduct(Owned):
    """A product the shopper said "Not interested" to: never in their bands again."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product"],
                condition=Q(user__isnull=False),
                name="one_hidden_product_per_user",
            ),
            models.UniqueConstraint(
                fields=["owner_key", "product"],
                condition=Q(user__isnull=True) & ~Q(owner_key=""),
                name="one_hidden_product_per_owner_key",
            ),
        ]

    def __str__(self):
        return f"{self.product} hidden for {self.user or self.owner_key[:8]}"


# --- Notifications ----------------------------------------------------------------------------


class Topic(models.TextChoices):
    """What a notification is about; each has its own channels (``DeliverySetting``)."""

    PRICE = "price", "Price drops"
    STOCK = "stock", "Back in stock"
    ARRIVALS = "arrivals", "New arrivals from brands and categories"
    SEARCHES = "searches", "New products matching your saved searches"


class Email(models.TextChoices):
    OFF = "off", "No e-mail"
    INSTANT = "instant", "At once"
    DAILY = "daily", "In a daily digest"


class Subscription(models.Model):
    """A shopper follows a product, a brand, a category or one of their saved searches."""

    class Kind(models.TextChoices):
        PRICE_DROP = "price_drop", "Any price drop"
        PRICE_BELOW = "price_below", "Price drops below a price"
        BACK_IN_STOCK = "back_in_stock", "Back in stock"
        BRAND = "brand", "New arrivals from a brand"
        CATEGORY = "category", "New arrivals in a category"
        SEARCH = "search", "New products matching a saved search"

    # Keyed by the kind as stored (a str); the Kind members are those strs.
    TOPICS: dict[str, Topic] = {
        Kind.PRICE_DROP: Topic.PRICE,
        Kind.PRICE_BELOW: Topic.PRICE,
        Kind.BACK_IN_STOCK: Topic.STOCK,
        Kind.BRAND: Topic.ARRIVALS,
        Kind.CATEGORY: Topic.ARRIVALS,
        Kind.SEARCH: Topic.SEARCHES,
    }
    # The field that holds each kind's target; the others stay empty.
    TARGETS: dict[str, str] = {
        Kind.PRICE_DROP: "product",
        Kind.PRICE_BELOW: "product",
        Kind.BACK_IN_STOCK: "product",
        Kind.BRAND: "brand",
        Kind.CATEGORY: "category",
        Kind.SEARCH: "search",
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Targets: no index of their own, the unique constraints below lead with them.
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    search = models.ForeignKey(
        SavedSearch,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    price_below = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Only for “price drops below a price”.",
    )
    is_active = models.BooleanField("on", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Target first: the fan-out walks one target's followers in user order.
            models.UniqueConstraint(
                fields=["product", "user", "kind"],
                condition=Q(product__isnull=False),
                name="one_subscription_per_product_kind",
            ),
            models.UniqueConstraint(
                fields=["brand", "user"],
                condition=Q(brand__isnull=False),
                name="one_subscription_per_brand",
            ),
            models.UniqueConstraint(
                fields=["category", "user"],
                condition=Q(category__isnull=False),
                name="one_subscription_per_category",
            ),
            models.UniqueConstraint(
                fields=["search"],
                condition=Q(search__isnull=False),
                name="one_subscription_per_search",
            ),
            models.CheckConstraint(
                name="subscription_target_matches_kind",
                condition=(
                    Q(
                        kind__in=["price_drop", "price_below", "back_in_stock"],
                        product__isnull=False,
                        brand__isnull=True,
                        category__isnull=True,
                        search__isnull=True,
                    )
                    | Q(
                        kind="brand",
                        product__isnull=True,
                        brand__isnull=False,
                        category__isnull=True,
                        search__isnull=True,
                    )
                    | Q(
                        kind="category",
                        product__isnull=True,
                        brand__isnull=True,
                        category__isnull=False,
                        search__isnull=True,
                    )
                    | Q(
                        kind="search",
                        product__isnull=True,
                        brand__isnull=True,
                        category__isnull=True,
                        search__isnull=False,
                    )
                ),
            ),
            models.CheckConstraint(
                name="subscription_price_below_set_and_positive",
                condition=(
                    Q(kind="price_below", price_below__gt=0)
                    | (~Q(kind="price_below") & Q(price_below__isnull=True))
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(kind="search"), name="subscription_search_by_user"
            )
        ]

    def __str__(self):
        return f"{self.user} follows {self.target} ({self.get_kind_display().lower()})"

    @property
    def topic(self) -> str:
        return self.TOPICS[self.kind]

    @property
    def target(self):
        return getattr(self, self.TARGETS[self.kind])

    @property
    def target_url(self) -> str:
        return self.target.get_absolute_url()


class NotificationSettings(models.Model):
    """A shopper's switch for all notifications at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    paused = models.BooleanField("pause all", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Notification settings of {self.user}"


class DeliverySetting(models.Model):
    """How a shopper hears about one topic. No row: ``DEFAULT_DELIVERY``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique constraint's
    topic = models.CharField(max_length=10, choices=Topic.choices)
    inbox = models.BooleanField("in-site inbox", default=True)
    email = models.CharField("e-mail", max_length=8, choices=Email.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="one_delivery_setting_per_topic")
        ]

    def __str__(self):
        return f"{self.get_topic_display()} for {self.user}"


class ProductChange(models.Model):
    """A committed product change that followers may hear about; the fan-out's to-do list.

    Written in the transaction that saved the product, so a change is never lost to a broker
    outage: ``resume_fan_outs`` picks up the ones left unfinished.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    is_new = models.BooleanField("new arrival", default=False)
    old_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    new_price = models.DecimalField(max_digits=10, decimal_places=2)
    old_stock = models.PositiveIntegerField(null=True, blank=True)
    new_stock = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    done_through_user = models.BigIntegerField(
        default=0, help_text="Followers with a lower or equal user id have been notified."
    )
    progressed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last batch of followers was done."
    )
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(fanned_out_at__isnull=True),
                name="product_change_unfinished",
            )
        ]

    def __str__(self):
        return f"Change {self.pk} of product {self.product_id}"


class NotificationQuerySet(models.QuerySet):
    def inbox_of(self, user_id: int):
        """The shopper's inbox, newest first."""
        return self.filter(user_id=user_id, in_inbox=True).order_by("-created_at", "-pk")

    def unread(self):
        return self.filter(read_at__isnull=True)

    def mark_read(self) -> int:
        """Mark the unread ones read now; how many changed (a second call changes none)."""
        return self.unread().update(read_at=timezone.now())


class Notification(models.Model):
    """What one shopper hears about one change: at most one per (shopper, change)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    change = models.ForeignKey(
        ProductChange, on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique constraint's
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Subscription.Kind.choices)
    title = models.CharField(max_length=200)
    in_inbox = models.BooleanField(default=True)
    email = models.CharField("e-mail", max_length=8, choices=Email.choices, default=Email.OFF)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=(
            "Set just before sending; without “e-mailed at” it means the sender stopped midway."
        ),
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "user"], name="one_notification_per_change_and_user"
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "-created_at", "-id"],
                condition=Q(in_inbox=True),
                name="notification_inbox",
            ),
            models.Index(
                fields=["user"],
                condition=Q(in_inbox=True, read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["user"],
                condition=Q(email="daily", email_claimed_at__isnull=True),
                name="notification_digest_due",
            ),
            models.Index(
                fields=["change", "user"],
                condition=Q(email="instant", email_claimed_at__isnull=True),
                name="notification_email_due",
            ),
        ]

    def __str__(self):
        return self.title

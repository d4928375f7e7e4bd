"""The catalog (categories, brands, colours, materials, products), shoppers and orders."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField


class SlugNamedManager(models.Manager):
    """Natural keys by slug, so fixtures read well and survive re-loading."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class SlugNamed(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)

    objects = SlugNamedManager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Category(SlugNamed):
    """Two levels: a department (parent is None) and its categories."""

    class Icon(models.TextChoices):
        TENT = "tent"
        CAMERA = "camera"
        SHIRT = "shirt"
        SHOE = "shoe"
        HOME = "home"
        POT = "pot"
        BALL = "ball"
        TOY = "toy"

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    icon = models.CharField(max_length=12, choices=Icon.choices, default=Icon.HOME)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def get_absolute_url(self):
        return reverse("shop:category", args=[self.slug])

    @property
    def is_department(self):
        return self.parent_id is None


class Brand(SlugNamed):
    def get_absolute_url(self):
        return reverse("shop:brand", args=[self.slug])


class Colour(SlugNamed):
    hex = models.CharField(max_length=7, help_text="Swatch colour, like #c0392b.")


class Material(SlugNamed):
    pass


class ProductQuerySet(models.QuerySet):
    def get_by_natural_key(self, sku):
        return self.get(sku=sku)

    def active(self):
        return self.filter(is_active=True)

    def for_cards(self):
        """What a product card shows, in one query."""
        return self.select_related("brand", "category", "colour")

    def search(self, text):
        text = text.strip()
        if not text:
            return self.none()
        return self.filter(models.Q(name__icontains=text) | models.Q(description__icontains=text))


FACET_KEYS = ["colour", "material", "brand", "category", "audience", "price"]
FACET_COLUMNS = [*FACET_KEYS, "stock", "compare_at_price"]


def _facet_key(key: str) -> list[str]:
    """A facet index's key: the facet's column, then the price, so a price range narrows the
    scan instead of filtering every entry of the chosen value."""
    return [key] if key == "price" else [key, "price"]


class Priced:
    """Stock and sale figures from ``price``, ``compare_at_price`` and ``stock``: shared by the
    model and its cached card (``shop.cards.ProductCard``), so both show the same numbers."""

    __slots__ = ()

    @property
    def in_stock(self):
        return self.stock > 0

    @property
    def on_sale(self):
        return self.compare_at_price is not None and self.compare_at_price > self.price

    @property
    def discount_percent(self):
        if not self.on_sale:
            return 0
        return int((1 - self.price / self.compare_at_price) * 100)


class Product(Priced, models.Model):
    class Audience(models.TextChoices):
        WOMEN = "women", "Women"
        MEN = "men", "Men"
        UNISEX = "unisex", "Unisex"
        KIDS = "kids", "Kids"

    sku = models.CharField("SKU", max_length=32, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    colour = models.ForeignKey(Colour, on_delete=models.PROTECT, related_name="products")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="products")
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.UNISEX)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    compare_at_price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The earlier price; above the price, the product shows as on sale.",
    )
    stock = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    units_sold = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Units sold in the last 30 days, refreshed by a Celery task; sorts by "
        "best selling.",
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["is_active", "category", "price"]),
            models.Index(fields=["is_active", "-created_at"]),
            models.Index(fields=["is_active", "-units_sold"]),
            models.Index(
                fields=["name", "id"],
                condition=models.Q(is_active=True),
                name="product_active_name",
            ),
            # Facet counts group active products by one attribute while the other filters
            # apply; covering indexes let PostgreSQL answer them from the index alone
            # (benchmarks/listing.py: 175 → 46 ms at 100,000 products), keyed by the facet and
            # the price so a price range narrows the scan (a facet query: 8.4 → 4.3 ms).
            *[
                models.Index(
                    fields=_facet_key(key),
                    include=[k for k in FACET_COLUMNS if k not in _facet_key(key)],
                    condition=models.Q(is_active=True),
                    name=f"product_facet_{key}",
                )
                for key in FACET_KEYS
            ],
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_gte_0"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("shop:product", args=[self.slug])

    def natural_key(self):
        return (self.sku,)

    @property
    def image_url(self):
        """A generated SVG picture, from the department's icon and the product's colour."""
        return reverse("shop:product-image", args=[self.category.icon, self.colour.hex.lstrip("#")])


class Shopper(models.Model):
    """What the shop keeps about a registered shopper beyond the auth user.

    The privacy choices made while logged in live here too, so they follow the shopper to any
    browser; log-in copies them into the session (``personalization.privacy``), which pages read.
    """

    class Consent(models.TextChoices):
        UNDECIDED = "", "Not decided"
        ACCEPTED = "accepted", "Accepted"
        REFUSED = "refused", "Refused"
        OPTED_IN = "opted-in", "Accepted despite Global Privacy Control"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shopper"
    )
    country = CountryField("ship-to country", blank=True)
    tracking_consent = models.CharField(
        max_length=10, choices=Consent.choices, blank=True, default=Consent.UNDECIDED
    )
    personalization_off = models.BooleanField(default=False)
    is_demo = models.BooleanField(default=False, help_text="Created by seed_demo.")

    def __str__(self):
        return str(self.user)


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    full_name = models.CharField(max_length=120)
    email = models.EmailField()
    address = models.TextField()
    country = CountryField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLACED)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    external_key = models.CharField(
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Imported orders: the source and its order number, like "
        '"online-retail:536365". Empty for the shop\'s own orders.',
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("shop:order", args=[self.pk])

    @property
    def number(self):
        return f"T{self.pk:07d}"


class OrderLine(models.Model):
    """A line with its price frozen at purchase time."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    product_name = models.CharField(max_length=120)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="one_line_per_product"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="line_quantity_gte_1"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"

    @property
    def subtotal(self):
        return self.unit_price * self.quantity

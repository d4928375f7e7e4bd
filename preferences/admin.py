from django.contrib import admin
from django.db import transaction
from django.db.models import Q

from .models import (
    DeliverySetting,
    Email,
    Notification,
    NotificationSettings,
    Preference,
    ProductChange,
    SavedSearch,
    Subscription,
)
from .tasks import fan_out


class OwnedAdmin(admin.ModelAdmin):
    raw_id_fields = ["user"]
    list_select_related = ["user"]

    @admin.display(description="owner", ordering="user__username")
    def owner(self, row):
        return row.user or f"anonymous {row.owner_key[:8]}…"


class OwnerKindFilter(admin.SimpleListFilter):
    """Rows of accounts, or of anonymous browsers that have not logged in yet."""

    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("account", "An account"), ("anonymous", "An anonymous browser")]

    def queryset(self, request, queryset):
        if self.value() == "account":
            return queryset.filter(user__isnull=False)
        if self.value() == "anonymous":
            return queryset.filter(user__isnull=True)
        return queryset


@admin.register(Preference)
class PreferenceAdmin(OwnedAdmin):
    list_display = [
        "__str__",
        "owner",
        "sort",
        "page_size",
        "audience",
        "price_max",
        "in_stock_only",
        "updated_at",
    ]
    list_filter = [OwnerKindFilter, "sort", "audience", "in_stock_only", "page_size"]
    search_fields = ["user__username", "user__email", "owner_key"]
    filter_horizontal = ["colours", "materials"]
    readonly_fields = ["updated_at"]
    date_hierarchy = "updated_at"


@admin.register(SavedSearch)
class SavedSearchAdmin(OwnedAdmin):
    list_display = ["name", "owner", "query", "created_at"]
    list_filter = [OwnerKindFilter, "created_at"]
    search_fields = ["name", "query", "user__username", "user__email", "owner_key"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"


# --- Notifications ----------------------------------------------------------------------------


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "target", "price_below", "is_active", "created_at"]
    list_filter = ["kind", "is_active", "created_at"]
    list_editable = ["is_active"]
    search_fields = [
        "user__username",
        "user__email",
        "product__name",
        "brand__name",
        "category__name",
        "search__name",
    ]
    list_select_related = ["user", "product", "brand", "category", "search"]
    raw_id_fields = ["user", "product", "search"]
    autocomplete_fields = ["brand", "category"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"

    @admin.display(description="follows")
    def target(self, row):
        return row.target


class EmailStateFilter(admin.SimpleListFilter):
    """Where a notification's e-mail stands; "claimed, not sent" means a sender stopped midway."""

    title = "e-mail state"
    parameter_name = "email_state"
    STATES = {
        "none": Q(email=Email.OFF),
        "waiting": ~Q(email=Email.OFF) & Q(email_claimed_at__isnull=True),
        "claimed": Q(email_claimed_at__isnull=False, emailed_at__isnull=True),
        "sent": Q(emailed_at__isnull=False),
    }

    def lookups(self, request, model_admin):
        return [
            ("none", "No e-mail wanted"),
            ("waiting", "Waiting to be sent"),
            ("claimed", "Claimed, not sent"),
            ("sent", "Sent"),
        ]

    def queryset(self, request, queryset):
        state = self.STATES.get(self.value())
        return queryset.filter(state) if state is not None else queryset


class ReadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("yes", "Read"), ("no", "Unread")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "user",
        "reason",
        "in_inbox",
        "email",
        "read_at",
        "emailed_at",
        "created_at",
    ]
    list_filter = ["reason", "in_inbox", "email", EmailStateFilter, ReadFilter, "created_at"]
    search_fields = ["title", "user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "change", "subscription"]
    readonly_fields = [
        "user",
        "change",
        "subscription",
        "reason",
        "title",
        "in_inbox",
        "email",
        "created_at",
        "read_at",
        "email_claimed_at",
        "emailed_at",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # notifications come from product changes, never by hand


class FannedOutFilter(admin.SimpleListFilter):
    title = "fan-out"
    parameter_name = "fanned_out"

    def lookups(self, request, model_admin):
        return [("yes", "Finished"), ("no", "Not finished")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(fanned_out_at__isnull=self.value() == "no")
        return queryset


@admin.register(ProductChange)
class ProductChangeAdmin(admin.ModelAdmin):
    """Changes are made by saving products (their price in the product list, say)."""

    list_display = [
        "__str__",
        "product",
        "is_new",
        "old_price",
        "new_price",
        "old_stock",
        "new_stock",
        "created_at",
        "done_through_user",
        "fanned_out_at",
    ]
    list_filter = ["is_new", FannedOutFilter, "created_at"]
    search_fields = ["product__name", "product__sku"]
    list_select_related = ["product"]
    readonly_fields = [
        "product",
        "is_new",
        "old_price",
        "new_price",
        "old_stock",
        "new_stock",
        "created_at",
        "done_through_user",
        "progressed_at",
        "fanned_out_at",
    ]
    date_hierarchy = "created_at"
    actions = ["resume_fan_out"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Resume the fan-out of the selected unfinished changes")
    def resume_fan_out(self, request, queryset):
        rows = list(
            queryset.filter(fanned_out_at__isnull=True).values_list("pk", "done_through_user")
        )
        for change_id, cursor in rows:
            transaction.on_commit(
                lambda args=(change_id, cursor): fan_out.delay(*args), robust=True
            )
        self.message_user(request, f"Queued {len(rows)} fan-out(s); finished ones were skipped.")


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "paused", "updated_at"]
    list_filter = ["paused"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]


@admin.register(DeliverySetting)
class DeliverySettingAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "inbox", "email"]
    list_filter = ["topic", "inbox", "email"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]

from django.contrib import admin

from .models import Preference, SavedSearch


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
    list_display = ["__str__", "owner", "sort", "page_size", "audience", "price_max",
                    "in_stock_only", "updated_at"]
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

from django.contrib import admin

from .models import Brand, Category, Colour, Material, Order, OrderLine, Product, Shopper


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "icon", "position"]
    list_editable = ["position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


@admin.register(Brand, Material)
class SlugNamedAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Colour)
class ColourAdmin(SlugNamedAdmin):
    list_display = ["name", "slug", "hex"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "sku",
        "brand",
        "category",
        "colour",
        "material",
        "audience",
        "price",
        "compare_at_price",
        "stock",
        "is_active",
    ]
    list_editable = ["price", "compare_at_price", "stock", "is_active"]
    list_filter = [
        "is_active",
        "audience",
        ("category", admin.RelatedOnlyFieldListFilter),
        "colour",
        "material",
        ("brand", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "sku", "description", "brand__name"]
    list_select_related = ["brand", "category", "colour", "material"]
    autocomplete_fields = ["brand", "category"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "created_at"
    list_per_page = 50


@admin.register(Shopper)
class ShopperAdmin(admin.ModelAdmin):
    list_display = ["user", "country", "is_demo"]
    list_filter = ["country", "is_demo"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]
    readonly_fields = ["product", "product_name", "unit_price", "quantity"]
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "full_name", "email", "country", "status", "total", "created_at"]
    list_filter = ["status", "country", "created_at"]
    search_fields = ["id", "full_name", "email", "user__username", "external_key"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    readonly_fields = ["total", "confirmation_sent_at", "external_key"]
    inlines = [OrderLineInline]

    def get_search_results(self, request, queryset, search_term):
        """Also find an order by the number shoppers see, like T0000042."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().upper()
        if term.startswith("T") and term[1:].isdigit():
            found |= queryset.filter(pk=int(term[1:]))
        return found, may_have_duplicates

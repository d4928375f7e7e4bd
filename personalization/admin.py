from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from . import insights_admin
from .bands import PageContext, forget_cached_bands, preview_band
from .forms import PreviewForm
from .models import Band, BandResult, Event
from .tasks import recompute_band
from .visitors import Visitor


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "session_key",
        "user",
        "product",
        "band",
        "country",
        "page",
    ]
    list_filter = ["kind", "page", "band"]
    search_fields = ["session_key", "user__username", "product__name"]
    raw_id_fields = ["user", "product", "band"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "product", "band"]
    show_full_result_count = False


@admin.register(Band)
class BandAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "placement",
        "position",
        "algorithm",
        "is_enabled",
        "item_count",
        "last_computed_at",
        "duration",
        "context_count",
        "result_count",
        "preview_link",
        "variant_of",
    ]
    list_editable = ["position", "is_enabled"]
    list_filter = ["placement", "algorithm", "is_enabled"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["pinned_products", "blocked_products"]
    list_select_related = ["fallback", "variant_test"]
    actions = ["recompute_now", "evaluate"]
    change_list_template = "admin/personalization/band/change_list.html"
    readonly_fields = [
        "last_computed_at",
        "last_duration_ms",
        "context_count",
        "result_count",
        "current_version",
        "preview_link",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "algorithm", "placement", "position", "is_enabled"]}),
        (
            "What it shows",
            {
                "fields": [
                    "item_count",
                    "lookback_days",
                    "min_support",
                    "metric",
                    "count_by",
                    "options",
                ]
            },
        ),
        (
            "Exclusions, pins and blocks",
            {
                "fields": [
                    "exclude_out_of_stock",
                    "exclude_purchased",
                    "exclude_current",
                    "pinned_products",
                    "blocked_products",
                ]
            },
        ),
        ("Cold start", {"fields": ["fallback", "min_items"]}),
        (
            "Recompute",
            {
                "fields": [
                    "schedule",
                    "last_computed_at",
                    "last_duration_ms",
                    "context_count",
                    "result_count",
                    "current_version",
                    "preview_link",
                ]
            },
        ),
    ]

    @admin.display(description="took")
    def duration(self, band):
        if band.last_duration_ms is None:
            return "—"
        return f"{band.last_duration_ms / 1000:.1f} s"

    @admin.display(description="A/B test")
    def variant_of(self, band):
        test = getattr(band, "variant_test", None)  # None when the band is no test's variant
        if test is None:
            return ""
        url = reverse("admin:personalization_abtest_change", args=[test.pk])
        return format_html('<a href="{}">variant B of test {}</a>', url, test.pk)

    @admin.display(description="preview")
    def preview_link(self, band):
        if band.pk is None:
            return "—"
        url = reverse("admin:personalization_band_preview", args=[band.pk])
        return format_html('<a href="{}">Preview as shopper…</a>', url)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(forget_cached_bands)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.sync_schedule()

    @admin.action(description="Recompute now")
    def recompute_now(self, request, queryset):
        computed = [band for band in queryset if not band.is_live]
        for band in computed:
            transaction.on_commit(lambda pk=band.pk: recompute_band.delay(pk))
        skipped = len(queryset) - len(computed)
        self.message_user(
            request,
            f"Queued a recompute of {len(computed)} band(s)"
            + (f"; {skipped} live band(s) need none." if skipped else "."),
            messages.SUCCESS,
        )

    @admin.action(description="Evaluate offline (time split, against best sellers)")
    def evaluate(self, request, queryset):
        return insights_admin.evaluate_action(self, request, queryset)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        performance = self.admin_site.admin_view(
            lambda request: insights_admin.performance_view(self, request)
        )
        refresh = self.admin_site.admin_view(
            require_POST(lambda request: insights_admin.refresh_view(self, request))
        )
        return [
            path("<int:band_id>/preview/", preview, name="personalization_band_preview"),
            path("performance/", performance, name="personalization_band_performance"),
            path("performance/refresh/", refresh, name="personalization_band_performance_refresh"),
            *super().get_urls(),
        ]

    def preview_view(self, request, band_id):
        """Render the band as a chosen shopper (or an anonymous visitor) would see it."""
        band = get_object_or_404(Band, pk=band_id)
        form = PreviewForm(request.GET or None, band=band)
        shown = None
        if form.is_valid():
            shown = _preview(band, form.cleaned_data)
        return TemplateResponse(
            request,
            "admin/personalization/band/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "band": band,
                "form": form,
                "shown": shown,
                "title": f"Preview “{band.title}”",
            },
        )


def _preview(band, data):
    user = data.get("shopper")
    product = data.get("product")
    visitor = Visitor(
        session_key="",
        user_id=user.pk if user else None,
        country=data.get("country")
        or (user.shopper.country.code if user and hasattr(user, "shopper") else ""),
        personalization_on=True,
        tracking_allowed=False,
    )
    page = PageContext(
        band.placement,
        product=product,
        category_id=data["category"].pk if data.get("category") else None,
    )
    return preview_band(band, visitor, page)


@admin.register(BandResult)
class BandResultAdmin(admin.ModelAdmin):
    """Read-only: each row is one context's ranked items in one version of a band."""

    list_display = ["band", "version", "context", "item_count", "first_items"]
    list_filter = ["band"]
    search_fields = ["context"]
    list_select_related = ["band"]
    show_full_result_count = False

    @admin.display(description="items")
    def item_count(self, result):
        return len(result.items)

    @admin.display(description="first items (product id: reason)")
    def first_items(self, result):
        return "; ".join(f"{pid}: {reason}" for pid, _, reason in result.items[:3])

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

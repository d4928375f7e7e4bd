from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "session_key", "user", "product", "country", "page"]
    list_filter = ["kind", "page", "country"]
    search_fields = ["session_key", "user__username", "product__name"]
    raw_id_fields = ["user", "product"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "product"]
    show_full_result_count = False

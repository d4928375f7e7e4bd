from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Tailor admin"
admin.site.site_title = "Tailor admin"
admin.site.index_title = "Tune the shop"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("personalization.urls")),
    path("account/", include("preferences.urls")),
    path("", include("shop.urls")),
]

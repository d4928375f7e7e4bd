from django.urls import path

from . import privacy_views, views

app_name = "personalization"

urlpatterns = [
    path("go/", views.band_click, name="click"),
    path("your-shop/", privacy_views.your_shop, name="your-shop"),
    path("your-shop/consent/", privacy_views.consent, name="consent"),
    path("your-shop/personalization/", privacy_views.switch, name="switch"),
    path("your-shop/country/", privacy_views.country, name="country"),
    path("your-shop/picks/", privacy_views.onboarding, name="onboarding"),
    path("your-shop/export/", privacy_views.export, name="export"),
    path("your-shop/delete/", privacy_views.delete, name="delete"),
]

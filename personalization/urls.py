from django.urls import path

from . import views

app_name = "personalization"

urlpatterns = [
    path("go/", views.band_click, name="click"),
]

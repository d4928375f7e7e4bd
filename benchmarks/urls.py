"""The site's URLs plus the ceiling page the page benchmark compares against."""

from django.urls import include, path

from benchmarks.ceiling import ceiling

urlpatterns = [
    path("bench/ceiling/", ceiling, name="bench-ceiling"),
    path("", include("config.urls")),
]

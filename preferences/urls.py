from django.urls import path

from . import views

app_name = "preferences"

urlpatterns = [
    path("", views.account, name="account"),
    path("preferences/", views.edit, name="edit"),
    path("preferences/suggest/", views.suggest, name="suggest"),
    path("preferences/reset/", views.reset, name="reset"),
    path("searches/", views.saved_searches, name="saved-searches"),
    path("searches/save/", views.save_search, name="save-search"),
    path("searches/<int:pk>/rename/", views.rename_search, name="rename-search"),
    path("searches/<int:pk>/delete/", views.delete_search, name="delete-search"),
]

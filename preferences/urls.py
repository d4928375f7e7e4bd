from django.urls import path

from . import inbox_views, subscription_views, views

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
    path("hidden/<int:product_id>/", views.not_interested, name="not-interested"),
    path("hidden/<int:product_id>/show/", views.show_again, name="show-again"),
    path("notifications/", inbox_views.inbox, name="inbox"),
    path("notifications/<int:pk>/read/", inbox_views.mark_read, name="mark-read"),
    path("notifications/read-all/", inbox_views.mark_all_read, name="mark-all-read"),
    path("notifications/settings/", inbox_views.notification_settings, name="settings"),
    path("notifications/pause/", inbox_views.pause, name="pause"),
    path("follow/", subscription_views.follow, name="follow"),
    path("unfollow/", subscription_views.unfollow, name="unfollow"),
    path(
        "subscriptions/<int:pk>/switch/",
        subscription_views.switch_subscription,
        name="switch-subscription",
    ),
    path(
        "subscriptions/<int:pk>/delete/",
        subscription_views.delete_subscription,
        name="delete-subscription",
    ),
    path("unsubscribe/<str:token>/", subscription_views.unsubscribe_view, name="unsubscribe"),
]

"""The shopper's notification inbox and notification settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .channels import delivery_of, is_paused, save_delivery, set_paused
from .forms import DeliveryForm, PauseForm
from .models import Notification, Subscription
from .views import next_or

INBOX_PAGE = 25
SUBSCRIPTIONS_PAGE = 50


@login_required
@require_safe
def inbox(request):
    notifications = Notification.objects.inbox_of(request.user.pk).select_related("change__product")
    page = Paginator(notifications, INBOX_PAGE).get_page(request.GET.get("page"))
    return render(request, "preferences/inbox.html", {"page_obj": page})


@login_required
@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(Notification.objects.inbox_of(request.user.pk), pk=pk)
    Notification.objects.filter(pk=notification.pk).mark_read()
    return redirect(next_or(request, reverse("preferences:inbox")))


@login_required
@require_POST
def mark_all_read(request):
    count = Notification.objects.inbox_of(request.user.pk).mark_read()
    messages.success(
        request,
        f"Marked {count} notification{'s' if count != 1 else ''} read."
        if count
        else "Nothing was unread.",
    )
    return redirect("preferences:inbox")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request):
    """Channels per topic (POST saves them), the pause switch and every subscription."""
    form = DeliveryForm(
        request.POST if request.method == "POST" else None,
        initial=DeliveryForm.initial_from(delivery_of(request.user.pk)),
    )
    if form.is_bound and form.is_valid():
        save_delivery(request.user.pk, form.choices())
        messages.success(request, "Saved how you hear about each kind of news.")
        return redirect("preferences:settings")
    return _settings_page(request, form, status=400 if form.is_bound else 200)


def _settings_page(request, form, *, status=200):
    followed = Subscription.objects.filter(user=request.user).select_related(
        "product", "brand", "category", "search"
    )
    page = Paginator(followed, SUBSCRIPTIONS_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "preferences/notification_settings.html",
        {
            "form": form,
            "page_obj": page,
            "paused": is_paused(request.user.pk),
        },
        status=status,
    )


@login_required
@require_POST
def pause(request):
    form = PauseForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "preferences/notice.html",
            {
                "title": "That didn’t work",
                "text": form.errors["paused"][0],
                "back": reverse("preferences:settings"),
            },
            status=400,
        )
    paused = form.cleaned_data["paused"]
    set_paused(request.user.pk, paused)
    messages.success(
        request,
        "All notifications are paused until you resume them."
        if paused
        else "Notifications are back on.",
    )
    return redirect("preferences:settings")

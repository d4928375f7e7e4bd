"""Following and unfollowing from the shop's pages, switching subscriptions, and unsubscribing
from an e-mail's signed link (no log-in)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import subscriptions
from .forms import FollowForm, SwitchForm
from .models import Subscription
from .unsubscribe import BadToken, subscription_of, target_of, unsubscribe
from .views import next_or

KEPT_PARAMETERS = ("kind", "target", "price_below", "next")


def _is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


@require_http_methods(["GET", "HEAD", "POST"])
def follow(request):
    """POST follows; GET shows the same action to confirm (where log-in brings a shopper back).

    Without an account the shopper is sent to log in, then back to this action.
    """
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    if not request.user.is_authenticated:
        return _to_login(request, f"{reverse('preferences:follow')}?{_kept(data)}")
    form = FollowForm(data, user=request.user, check_price=posted)
    if not form.is_valid():
        return _refused_follow(request, form)
    thing, kind = form.cleaned_data["object"], form.cleaned_data["kind"]
    if not posted:
        return _confirm_page(request, form, thing, kind)
    try:
        subscription = subscriptions.follow(
            request.user, kind, thing, form.cleaned_data.get("price_below")
        )
    except subscriptions.TooManySubscriptions as error:
        form.add_error(None, str(error))
        return _refused_follow(request, form)
    return _answer(request, thing, kind, subscriptions.promise(subscription))


@login_required
@require_POST
def unfollow(request):
    form = FollowForm(request.POST, user=request.user, check_price=False)
    if not form.is_valid():
        return _refused_follow(request, form)
    thing, kind = form.cleaned_data["object"], form.cleaned_data["kind"]
    if subscriptions.unfollow(request.user, kind, thing):
        text = f"You no longer follow {thing.name} ({subscriptions.LABELS[kind].lower()})."
    else:
        text = f"You weren’t following {thing.name} for that."
    return _answer(request, thing, kind, text)


def _answer(request, thing, kind, text):
    """htmx: the refreshed follow panel; otherwise the message and back to the page."""
    if _is_htmx(request):
        return _panel(request, thing, kind, note=text)
    messages.success(request, text)
    return redirect(next_or(request, thing.get_absolute_url()))


def _panel(request, thing, kind, *, note="", errors=()):
    panel = subscriptions.follow_panel(
        request.user, errors=errors, **{Subscription.TARGETS[kind]: thing}
    )
    return render(
        request,
        "includes/follow.html",
        {"panel": panel, "next": next_or(request, thing.get_absolute_url()), "note": note},
    )


def _confirm_page(request, form, thing, kind):
    following = Subscription.objects.filter(
        user=request.user, kind=kind, is_active=True, **{Subscription.TARGETS[kind]: thing}
    )
    return render(
        request,
        "preferences/follow.html",
        {
            "form": form,
            "thing": thing,
            "label": subscriptions.LABELS[kind],
            "next": next_or(request, ""),
            "already": following.exists(),
        },
    )


def _refused_follow(request, form):
    """Why following was refused: 404 when the target isn't there, else 400; htmx gets the
    panel with the errors when there is a target to show it for."""
    thing = form.cleaned_data.get("object")
    if thing is not None and _is_htmx(request):
        errors = [error for errors in form.errors.values() for error in errors]
        return _panel(request, thing, form.cleaned_data["kind"], errors=errors)
    return render(
        request,
        "preferences/follow.html",
        {
            "form": form,
            "thing": thing,
            "next": next_or(request, ""),
        },
        status=404 if form.missing else 400,
    )


def _kept(data) -> str:
    return urlencode({name: data[name][:200] for name in KEPT_PARAMETERS if data.get(name)})


def _to_login(request, back: str):
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = redirect_to_login(back).url
        return response
    return redirect_to_login(back)


@login_required
@require_POST
def switch_subscription(request, pk):
    subscription = get_object_or_404(Subscription, pk=pk, user=request.user)
    form = SwitchForm(request.POST)
    if not form.is_valid():
        return _refused(request, form.errors["active"][0])
    subscription.is_active = form.cleaned_data["active"]
    subscription.save(update_fields=["is_active"])
    state = "on" if subscription.is_active else "off"
    messages.success(request, f"Notifications about {subscription.target.name} are {state}.")
    return redirect(next_or(request, reverse("preferences:settings")))


@login_required
@require_POST
def delete_subscription(request, pk):
    subscription = get_object_or_404(
        Subscription.objects.select_related("product", "brand", "category", "search"),
        pk=pk,
        user=request.user,
    )
    subscription.delete()
    messages.success(request, f"You no longer follow {subscription.target.name}.")
    return redirect(next_or(request, reverse("preferences:settings")))


def _refused(request, text: str, status: int = 400):
    return render(
        request,
        "preferences/notice.html",
        {
            "title": "That didn’t work",
            "text": text,
            "back": reverse("preferences:settings"),
        },
        status=status,
    )


@csrf_exempt  # RFC 8058: mail clients POST without a session; the signed token is the proof.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request, token):
    """GET: what the link stops, with a button; POST (one click, or that button): stop it."""
    try:
        target = target_of(token)
    except BadToken as error:
        return render(
            request,
            "preferences/notice.html",
            {
                "title": "This link can’t be used",
                "text": str(error),
                "back": reverse("preferences:settings"),
            },
            status=400,
        )
    subscription = subscription_of(target) if target.subscription_id is not None else None
    exists = subscription is not None or (
        target.subscription_id is None
        and get_user_model().objects.filter(pk=target.user_id).exists()
    )
    done = request.method == "POST" and exists and unsubscribe(target)
    return render(
        request,
        "preferences/unsubscribe.html",
        {
            "subscription": subscription,
            "digest": target.subscription_id is None,
            "exists": exists,
            "posted": request.method == "POST",
            "changed": done,
        },
    )

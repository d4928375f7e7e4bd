"""The shopper's view of the shop's knowledge: "Your shop", consent, the personalization
switch, their country, onboarding picks, export and deletion.

Every form here posts with CSRF and works without JavaScript. None takes an id of whose data to
act on: export and delete only ever reach the requesting shopper's own (``personal_data``).
"""

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from preferences.models import HiddenProduct, Preference, SavedSearch, Subscription
from preferences.owners import owner_for
from shop.currency import currency_for

from .bands import PERSONAL_ALGORITHMS, enabled_bands
from .explanations import USES, country_signal
from .forms import ConsentForm, CountryForm, PicksForm, SwitchForm
from .personal_data import erase_personal_data, personal_data
from .privacy import choose_country, set_consent, set_personalization
from .profile import inferred_profile
from .visitors import ACCEPTED, OPTED_IN, PICKS_KEY, REFUSED

CONSENT_CHOICES = {"accept": ACCEPTED, "refuse": REFUSED, "opt-in": OPTED_IN}
RECENT_EVENTS = 10
LISTED = 20


def _back(request, default="personalization:your-shop") -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


@require_safe
def your_shop(request):
    visitor = request.visitor
    return render(
        request,
        "personalization/your_shop.html",
        {
            "profile": inferred_profile(visitor, recent=RECENT_EVENTS),
            "country_note": country_signal(visitor),
            "currency": currency_for(visitor.country),
            "bands_using": _bands_using(),
            "country_form": CountryForm(
                initial={"country": visitor.country if visitor.country_chosen else ""}
            ),
            **_what_you_told(visitor, owner_for(request)),
        },
    )


def _what_you_told(visitor, owner) -> dict:
    """The shopper's own settings for the right-hand column, a query each."""
    found = {
        "preference": Preference.objects.owned_by(owner)
        .prefetch_related("colours", "materials")
        .first(),
        "searches": list(SavedSearch.objects.owned_by(owner)[:LISTED]),
        "subscriptions": list(
            Subscription.objects.filter(user_id=visitor.user_id).select_related(
                "product", "brand", "category", "search"
            )[:LISTED]
        )
        if visitor.user_id
        else [],
        "hidden": list(HiddenProduct.objects.owned_by(owner).select_related("product")[:LISTED]),
    }
    return {**found, "told": _told(visitor, **found)}


def _told(visitor, preference, searches, subscriptions, hidden) -> list[str]:
    """What the shopper told the shop, in a few words each, for the page's opening lines."""
    told = ["your listing preferences"] if preference else []
    if searches:
        told.append(f"{len(searches)} saved search{'es' if len(searches) != 1 else ''}")
    if subscriptions:
        told.append(
            f"{len(subscriptions)} thing{'s' if len(subscriptions) != 1 else ''} you follow"
        )
    if hidden:
        told.append(f"{len(hidden)} product{'s' if len(hidden) != 1 else ''} you don’t want")
    if visitor.picks:
        told.append("what you are shopping for")
    if visitor.country_chosen:
        told.append("your ship-to country")
    return told


def _bands_using() -> list[tuple]:
    """``(band title, placement, what of the shopper's it uses, personal?)`` per enabled band."""
    bands = sorted(
        (b for b in enabled_bands().values() if not b.is_variant),
        key=lambda b: (b.placement, b.position, b.pk),
    )
    return [
        (b.title, b.get_placement_display(), USES[b.algorithm], b.algorithm in PERSONAL_ALGORITHMS)
        for b in bands
    ]


@require_POST
def consent(request):
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to accept or refuse tracking.")
        return redirect(_back(request))
    choice = CONSENT_CHOICES[form.cleaned_data["choice"]]
    response = redirect(_back(request))
    set_consent(request, response, choice)
    messages.success(
        request,
        "Thanks: the shop will learn from what you browse. Switch it off any time on “Your shop”."
        if choice != REFUSED
        else "The shop tracks nothing about you. Change your mind any time on “Your shop”.",
    )
    return response


@require_POST
def switch(request):
    form = SwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to switch personalization on or off.")
        return redirect(_back(request))
    on = form.cleaned_data["personalization"] == "on"
    set_personalization(request, on)
    messages.success(
        request,
        "Personalization is on: bands follow what you browse again."
        if on
        else "Personalization is off: you see what every shopper sees, and nothing is recorded.",
    )
    return redirect(_back(request))


@require_POST
def country(request):
    form = CountryForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("country", ["Choose a country."])))
        return redirect(_back(request))
    code = form.cleaned_data["country"]
    choose_country(request, code)
    messages.success(
        request,
        "Your ship-to country is saved." if code else "The shop will guess your country again.",
    )
    return redirect(_back(request))


@require_POST
def onboarding(request):
    if "skip" in request.POST:
        request.session[PICKS_KEY] = []
        return redirect(_back(request, "shop:home"))
    form = PicksForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(_back(request, "shop:home"))
    request.session[PICKS_KEY] = [
        ["category", c.pk, c.name] for c in form.cleaned_data["categories"]
    ] + [["colour", c.pk, c.name] for c in form.cleaned_data["colours"]]
    messages.success(request, "Thanks: the shop starts from your picks until it knows you better.")
    return redirect(_back(request, "shop:home"))


@require_safe
def export(request):
    data = personal_data(request)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2), content_type="application/json"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="tailor-my-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def delete(request):
    if request.method != "POST":
        return render(request, "personalization/delete.html")
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm, or go back: nothing was deleted.")
        return render(request, "personalization/delete.html", status=400)
    removed = erase_personal_data(request)
    still = (
        " Tracking is still allowed, so what you browse from now on is recorded afresh: "
        "“Stop tracking” below if you’d rather not."
        if request.visitor.tracking_allowed
        else ""
    )
    messages.success(
        request,
        (
            "Deleted everything the shop knew about you. Your orders stay as the shop's "
            "records, no longer linked to you."
            if removed
            else "There was nothing left to delete."
        )
        + still,
    )
    return redirect("personalization:your-shop")

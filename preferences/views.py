"""The shopper's own pages: listing preferences, saved searches and the account."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shop.models import Product

from .defaults import listing_params, saved_preference
from .filters import ProductFilter, catalog_options
from .forms import PreferenceForm, RenameForm, SavedSearchForm
from .hidden import hide, unhide
from .models import Preference, SavedSearch
from .owners import owner_for
from .subscriptions import FollowPanel, follow_panel, search_follows
from .suggestions import Noticed, noticed_tastes

# Each listed search costs its own count query: the account page stops at this many.
ACCOUNT_SEARCHES = 20
SEARCHES_PER_PAGE = 50
NOTHING_NOTICED = Noticed()


@dataclass(frozen=True)
class SearchRow:
    search: SavedSearch
    url: str
    count: int | None = None
    follow: FollowPanel | None = None


def listing_url(query: str) -> str:
    """The product listing filtered by a canonical ``query``."""
    url = reverse("shop:products")
    return f"{url}?{query}" if query else url


@require_http_methods(["GET", "HEAD", "POST"])
def edit(request):
    saved = saved_preference(request)
    chosen = listing_params(saved)
    form = PreferenceForm(
        request.POST if request.method == "POST" else None,
        instance=saved or Preference(),
        personalization_on=request.visitor.personalization_on,
    )
    if form.is_bound and form.is_valid():
        form.save_for(owner_for(request, create=True))
        messages.success(request, "Saved. Listings now start from your preferences.")
        return redirect("preferences:edit")
    return _edit_page(request, form, saved, chosen, status=400 if form.is_bound else 200)


@require_safe
def suggest(request):
    """The preferences form pre-filled (not saved) with what the shop noticed."""
    if not request.visitor.personalization_on:
        messages.info(
            request, "Personalization is off, so the shop has noticed nothing to suggest."
        )
        return redirect("preferences:edit")
    noticed = noticed_tastes(request.visitor)
    if not noticed:
        messages.info(
            request,
            "The shop hasn’t noticed any colours or materials you like yet: "
            "browse a few products, then try again.",
        )
        return redirect("preferences:edit")
    saved = saved_preference(request)
    form = PreferenceForm(
        instance=saved or Preference(),
        initial={"colours": noticed.colour_ids, "materials": noticed.material_ids},
    )
    return _edit_page(request, form, saved, listing_params(saved), noticed=noticed)


def _edit_page(request, form, saved, chosen, *, noticed=NOTHING_NOTICED, status=200):
    return render(
        request,
        "preferences/edit.html",
        {
            "form": form,
            "saved": saved,
            "chosen": chosen,
            "noticed": noticed,
            "personalization_on": request.visitor.personalization_on,
        },
        status=status,
    )


@require_POST
def reset(request):
    Preference.objects.owned_by(owner_for(request)).delete()
    messages.success(request, "Back to the shop’s defaults.")
    return redirect(next_or(request, reverse("preferences:edit")))


@require_POST
def save_search(request):
    """Save (or, under a name already used, update) a listing's query, then show it again."""
    form = SavedSearchForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "preferences/save_search.html",
            {
                "form": form,
                "listing_url": listing_url(""),
            },
            status=400,
        )
    owner = owner_for(request, create=True)
    name, query = form.cleaned_data["name"], form.cleaned_data["query"]
    search = SavedSearch.objects.owned_by(owner).filter(name=name).first()
    if search is None:
        SavedSearch.objects.create(name=name, query=query, **owner.fields())
        messages.success(request, f"Saved “{name}”. Find it again under your saved searches.")
    else:
        SavedSearch.objects.filter(pk=search.pk).update(query=query)
        messages.success(request, f"Updated your saved search “{name}”.")
    return redirect(listing_url(query))


@require_safe
def saved_searches(request):
    searches = SavedSearch.objects.owned_by(owner_for(request))
    page = Paginator(searches, SEARCHES_PER_PAGE).get_page(request.GET.get("page"))
    return _searches_page(request, page)


def _searches_page(request, page, *, renaming=None, rename_form=None, status=200):
    follows = search_follows(request.user, page)
    return render(
        request,
        "preferences/saved_searches.html",
        {
            "page_obj": page,
            "renaming": renaming,
            "rename_form": rename_form,
            "rows": [
                SearchRow(
                    s,
                    listing_url(s.query),
                    follow=follow_panel(request.user, search=s, subscriptions=follows[s.pk]),
                )
                for s in page
            ],
        },
        status=status,
    )


@require_POST
def rename_search(request, pk):
    owned = SavedSearch.objects.owned_by(owner_for(request))
    search = get_object_or_404(owned, pk=pk)
    form = RenameForm(request.POST, others=owned.exclude(pk=pk))
    if not form.is_valid():
        page = Paginator(owned, SEARCHES_PER_PAGE).get_page(request.GET.get("page"))
        return _searches_page(request, page, renaming=search, rename_form=form, status=400)
    old_name, search.name = search.name, form.cleaned_data["name"]
    search.save(update_fields=["name"])
    messages.success(request, f"Renamed “{old_name}” to “{search.name}”.")
    return redirect(next_or(request, reverse("preferences:saved-searches")))


@require_POST
def delete_search(request, pk):
    search = get_object_or_404(SavedSearch.objects.owned_by(owner_for(request)), pk=pk)
    search.delete()
    messages.success(request, f"Deleted your saved search “{search.name}”.")
    return redirect(next_or(request, reverse("preferences:saved-searches")))


@login_required
@require_safe
def account(request):
    owner = owner_for(request)
    searches = list(SavedSearch.objects.owned_by(owner)[: ACCOUNT_SEARCHES + 1])
    shown = searches[:ACCOUNT_SEARCHES]
    follows = search_follows(request.user, shown)
    return render(
        request,
        "preferences/account.html",
        {
            "rows": [
                SearchRow(
                    search,
                    listing_url(search.query),
                    count,
                    follow_panel(request.user, search=search, subscriptions=follows[search.pk]),
                )
                for search, count in zip(shown, result_counts(request, shown), strict=True)
            ],
            "more_searches": len(searches) > ACCOUNT_SEARCHES,
            "has_preferences": Preference.objects.owned_by(owner).exists(),
            "listing_url": listing_url(""),
        },
    )


def result_counts(request, searches) -> list[int]:
    """How many active products each saved search finds now, as the listing filters them.

    One count query per search, plus the catalog options once (none for no searches).
    """
    if not searches:
        return []
    options = catalog_options()
    return [_result_count(request, search.query, options) for search in searches]


def _result_count(request, query: str, options) -> int:
    data = QueryDict(query, mutable=True)
    # Sorting never changes a count, and "recommended" would cost a query of its own.
    data.pop("sort", None)
    filterset = ProductFilter(
        data, queryset=Product.objects.active(), request=request, options=options
    )
    return filterset.qs.count()


def next_or(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_POST
def not_interested(request, product_id):
    """Hide a product from this shopper's bands from now on. htmx gets an empty answer (the
    card goes); a plain form comes back to the page with a notice."""
    product = get_object_or_404(Product, pk=product_id)
    hide(owner_for(request, create=True), product)
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    messages.success(
        request,
        f"You won’t see {product.name} in your bands again. Undo it on “Your shop”.",
    )
    return redirect(next_or(request, reverse("shop:home")))


@require_POST
def show_again(request, product_id):
    if unhide(owner_for(request), product_id):
        messages.success(request, "It may show in your bands again.")
    else:
        messages.info(request, "That product was not hidden.")
    return redirect(next_or(request, reverse("personalization:your-shop")))

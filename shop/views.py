"""Storefront pages: home, listings, product, cart, checkout, orders and accounts."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST, require_safe

from personalization.bands import PageContext, bands_for
from personalization.lifecycle import Stage, stage_of
from personalization.models import Placement
from personalization.tracking import (
    record_cart_add,
    record_impressions,
    record_purchase,
    record_view,
)
from personalization.visitors import PICKS_KEY, VISIT_KEY
from preferences.hidden import hidden_ids
from preferences.listing import build_listing
from preferences.owners import owner_for
from preferences.subscriptions import follow_panel

from .cards import new_arrivals
from .cart import Cart
from .checkout import CheckoutError, place_order
from .context_processors import colours, departments
from .forms import CheckoutForm, QuantityForm, SignupForm
from .models import Brand, Category, Order, Product, Shopper
from .pictures import HEX_COLOUR, product_svg

LAST_ORDERS_SESSION_KEY = "last_orders"
NEW_ARRIVALS = 8


def _bands(request, placement, **page):
    """The placement's bands for this visitor, with one impression recorded per band shown."""
    hidden = hidden_ids(owner_for(request))
    shown = bands_for(request.visitor, PageContext(placement, hidden_ids=hidden, **page))
    record_impressions(request, [s.band for s in shown], page=placement)
    return shown


def home(request):
    return render(
        request,
        "shop/home.html",
        {
            "bands": _bands(request, Placement.HOME),
            "new_arrivals": new_arrivals(NEW_ARRIVALS),
            "onboarding": _onboarding(request),
        },
    )


def _onboarding(request):
    """The "What are you shopping for?" options for a new visitor who has not answered yet."""
    visitor = request.visitor
    if not visitor.personalization_on or PICKS_KEY in request.session:
        return None
    if stage_of(visitor) != Stage.NEW:
        return None
    return {"departments": departments(), "colours": colours()}


def _is_htmx(request):
    """An htmx swap of the results (a history restore wants the whole page)."""
    return bool(
        request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    )


def _listing_page(request, listing, *, title, template_context=None):
    """Render a listing: the whole page, or only its results for an htmx swap."""
    if listing.redirect_url:
        return redirect(listing.redirect_url)
    htmx = _is_htmx(request)
    template = "shop/product_list.html#results" if htmx else "shop/product_list.html"
    response = render(
        request,
        template,
        {
            "title": title,
            "listing": listing,
            "page_obj": listing.page,
            "htmx": htmx,
            **(template_context or {}),
        },
    )
    if htmx:
        response["HX-Push-Url"] = listing.url
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
def products(request):
    listing = build_listing(request, Product.objects.active())
    return _listing_page(request, listing, title="All products")


@require_safe
def category(request, slug):
    category = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    listing = build_listing(request, Product.objects.active(), fixed={"category": slug})
    if listing.redirect_url or _is_htmx(request):
        return _listing_page(request, listing, title=category.name)
    return _listing_page(
        request,
        listing,
        title=category.name,
        template_context={
            "category": category,
            "follow": follow_panel(request.user, category=category),
            "bands": _bands(request, Placement.CATEGORY, category_id=category.pk),
            "subcategories": listing.filterset.options.children(category.pk),
        },
    )


@require_safe
def brand(request, slug):
    brand = get_object_or_404(Brand, slug=slug)
    listing = build_listing(request, Product.objects.active(), fixed={"brand": slug})
    if listing.redirect_url or _is_htmx(request):
        return _listing_page(request, listing, title=brand.name, template_context={"brand": brand})
    return _listing_page(
        request,
        listing,
        title=brand.name,
        template_context={"brand": brand, "follow": follow_panel(request.user, brand=brand)},
    )


@require_safe
def search(request):
    listing = build_listing(request, Product.objects.active(), required=("q",))
    query = (listing.filterset.cleaned.get("q") or "") if listing.filterset else ""
    return _listing_page(
        request,
        listing,
        title=f"Results for “{query}”" if query else "Search",
        template_context={"query": query},
    )


def product_detail(request, slug):
    product = get_object_or_404(
        Product.objects.active().select_related("brand", "category__parent", "colour", "material"),
        slug=slug,
    )
    cart = Cart(request.session)
    record_view(request, product)
    return render(
        request,
        "shop/product_detail.html",
        {
            "product": product,
            "form": QuantityForm(product=product),
            "in_cart": cart.quantity_of(product.pk),
            "bands": _bands(request, Placement.PRODUCT, product=product),
            "follow": follow_panel(request.user, product=product),
        },
    )


@require_GET
@cache_control(max_age=86400 * 30, public=True)
def product_image(request, icon, hex_colour):
    if icon not in Category.Icon.values or not HEX_COLOUR.match(f"#{hex_colour}"):
        raise Http404("No such picture.")
    return HttpResponse(product_svg(icon, f"#{hex_colour}"), content_type="image/svg+xml")


def cart_detail(request):
    cart = Cart(request.session)
    lines = cart.lines()
    return render(
        request,
        "shop/cart.html",
        {
            "lines": lines,
            "total": Cart.total(lines),
            "bands": _bands(
                request, Placement.CART, cart_product_ids=tuple(line.product.pk for line in lines)
            ),
        },
    )


@require_POST
def cart_add(request, product_id):
    product = get_object_or_404(Product.objects.active(), pk=product_id)
    cart = Cart(request.session)
    form = QuantityForm(request.POST, product=product, already_in_cart=cart.quantity_of(product.pk))
    if not form.is_valid():
        return render(
            request,
            "shop/product_detail.html",
            {
                "product": product,
                "form": form,
                "in_cart": cart.quantity_of(product.pk),
            },
            status=400,
        )
    quantity = form.cleaned_data["quantity"]
    cart.add(product.pk, quantity)
    record_cart_add(request, product, quantity)
    messages.success(request, f"Added {quantity} × {product.name} to your cart.")
    return redirect(_safe_next(request, reverse("shop:cart")))


@require_POST
def cart_update(request, product_id):
    cart = Cart(request.session)
    if not cart.quantity_of(product_id):
        raise Http404("That product is not in your cart.")
    product = Product.objects.active().filter(pk=product_id).first()
    if product is None or "remove" in request.POST:
        cart.remove(product_id)
        messages.info(request, "Removed from your cart.")
        return redirect("shop:cart")
    form = QuantityForm(request.POST, product=product)
    if form.is_valid():
        cart.set(product.pk, form.cleaned_data["quantity"])
        messages.success(request, f"Updated {product.name}.")
        return redirect("shop:cart")
    lines = cart.lines()
    return render(
        request,
        "shop/cart.html",
        {
            "lines": lines,
            "total": Cart.total(lines),
            "error_product": product,
            "form": form,
        },
        status=400,
    )


def checkout(request):
    cart = Cart(request.session)
    lines = cart.lines()
    if not lines:
        messages.info(request, "Your cart is empty — add something before checking out.")
        return redirect("shop:cart")
    form = CheckoutForm(request.POST or None, initial=_checkout_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            order = place_order(
                cart,
                details=form.cleaned_data,
                user=request.user,
                session_key=request.session.get(VISIT_KEY, ""),
            )
        except CheckoutError as error:
            messages.error(request, str(error))
            return redirect("shop:cart")
        record_purchase(request, order.lines.all())
        request.session[LAST_ORDERS_SESSION_KEY] = [
            order.pk,
            *request.session.get(LAST_ORDERS_SESSION_KEY, []),
        ][:20]
        return redirect(order)
    return render(
        request,
        "shop/checkout.html",
        {
            "form": form,
            "lines": lines,
            "total": Cart.total(lines),
        },
    )


def _checkout_initial(request):
    if not request.user.is_authenticated:
        return {}
    shopper = Shopper.objects.filter(user=request.user).first()
    return {
        "full_name": request.user.get_full_name(),
        "email": request.user.email,
        "country": shopper.country if shopper else "",
    }


def order_detail(request, pk):
    """An order is shown to its owner, or to the session that placed it as a guest."""
    owned = Q(user=request.user) if request.user.is_authenticated else Q(pk__in=[])
    placed_here = Q(pk__in=request.session.get(LAST_ORDERS_SESSION_KEY, []), user__isnull=True)
    order = get_object_or_404(
        Order.objects.filter(owned | placed_here).prefetch_related("lines"), pk=pk
    )
    return render(request, "shop/order_detail.html", {"order": order})


@login_required
def order_list(request):
    orders = Order.objects.filter(user=request.user).prefetch_related("lines")
    page = Paginator(orders, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "shop/order_list.html",
        {
            "page_obj": page,
            "bands": _bands(request, Placement.ACCOUNT),
        },
    )


def signup(request):
    if request.user.is_authenticated:
        return redirect("shop:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            Shopper.objects.create(user=user, country=form.cleaned_data.get("country") or "")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to Tailor, {user.username}!")
        return redirect(_safe_next(request, reverse("shop:home")))
    return render(request, "registration/signup.html", {"form": form})


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default

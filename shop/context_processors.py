from django.core.cache import cache

from .cart import Cart
from .currency import currency_for
from .models import Category, Colour

DEPARTMENTS_CACHE_KEY = "shop:departments:v2"
COLOURS_CACHE_KEY = "shop:colours:v1"


def departments():
    """``(name, url, slug)`` of the top-level categories for the navigation, cached: the header
    is on every page."""
    found = cache.get(DEPARTMENTS_CACHE_KEY)
    if found is None:
        found = [
            (c.name, c.get_absolute_url(), c.slug) for c in Category.objects.filter(parent=None)
        ]
        cache.set(DEPARTMENTS_CACHE_KEY, found, 600)
    return found


def colours():
    """``(name, slug)`` of every colour, cached."""
    found = cache.get(COLOURS_CACHE_KEY)
    if found is None:
        found = list(Colour.objects.values_list("name", "slug"))
        cache.set(COLOURS_CACHE_KEY, found, 600)
    return found


def storefront(request):
    def display_currency():
        visitor = getattr(request, "visitor", None)
        return currency_for(visitor.country) if visitor is not None else None

    return {
        "nav_departments": departments,
        "cart_count": len(Cart(request.session)) if hasattr(request, "session") else 0,
        "display_currency": display_currency,
    }

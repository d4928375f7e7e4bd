from django.core.cache import cache

from .cart import Cart
from .models import Category

DEPARTMENTS_CACHE_KEY = "shop:departments:v1"


def departments():
    """Top-level categories for the navigation, cached: the header is on every page."""
    found = cache.get(DEPARTMENTS_CACHE_KEY)
    if found is None:
        found = [(c.name, c.get_absolute_url()) for c in Category.objects.filter(parent=None)]
        cache.set(DEPARTMENTS_CACHE_KEY, found, 600)
    return found


def storefront(request):
    return {
        "nav_departments": departments,
        "cart_count": len(Cart(request.session)) if hasattr(request, "session") else 0,
    }

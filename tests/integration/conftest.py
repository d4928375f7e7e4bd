"""What every integration test shares: a Redis cache without entries from earlier runs."""

import pytest
from django.core.cache import cache

# Cached by id: bands, their results, product cards, the navigation, colours, hidden products.
CACHED_BY_ID = ("band*", "card*", "shop:departments*", "shop:colours*", "hidden:*")


@pytest.fixture(autouse=True)
def _no_cache_from_other_runs():
    """The Redis cache outlives test databases, whose ids start again at 1 in every session."""
    for pattern in CACHED_BY_ID:
        cache.delete_pattern(pattern)
    yield
    for pattern in CACHED_BY_ID:
        cache.delete_pattern(pattern)

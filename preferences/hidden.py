"""Products a shopper said "Not interested" to, read once a request from the cache."""

from django.core.cache import cache
from django.db import IntegrityError, transaction

from .models import HiddenProduct
from .owners import Owner

HIDDEN_CACHE_SECONDS = 3600


def _cache_key(owner: Owner) -> str:
    return f"hidden:u{owner.user_id}" if owner.user_id else f"hidden:o{owner.key}"


def hidden_ids(owner: Owner) -> frozenset[int]:
    """The owner's hidden product ids; no query on a cache hit, none for an owner without keys."""
    if not owner.user_id and not owner.key:
        return frozenset()
    key = _cache_key(owner)
    found = cache.get(key)
    if found is None:
        found = frozenset(
            HiddenProduct.objects.owned_by(owner).values_list("product_id", flat=True)
        )
        cache.set(key, found, HIDDEN_CACHE_SECONDS)
    return found


def hide(owner: Owner, product) -> bool:
    """Hide ``product`` for ``owner``; False when it already was (hiding twice is harmless)."""
    try:
        with transaction.atomic():
            HiddenProduct.objects.create(product=product, **owner.fields())
    except IntegrityError:
        return False
    finally:
        forget_hidden(owner)
    return True


def unhide(owner: Owner, product_id: int) -> int:
    deleted, _ = HiddenProduct.objects.owned_by(owner).filter(product_id=product_id).delete()
    forget_hidden(owner)
    return deleted


def forget_hidden(owner: Owner) -> None:
    if owner.user_id or owner.key:
        transaction.on_commit(lambda: cache.delete(_cache_key(owner)))
        cache.delete(_cache_key(owner))

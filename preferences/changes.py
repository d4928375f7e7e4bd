"""Product changes that followers may hear about, caught as products are saved.

``shop`` knows nothing of notifications, so these are receivers of ``Product``'s ``pre_save`` and
``post_save`` signals (connected in ``PreferencesConfig.ready``). ``pre_save`` reads the stored
price, stock and active flag with one primary-key lookup — locked (``SELECT … FOR UPDATE``) when
the save runs in a transaction, as the admin's do, so two admins saving at once each compare with
what the other committed, where values remembered at load time would be stale. ``post_save``
writes a ``ProductChange`` in the same transaction when the change is news and somebody follows
it, and enqueues its fan-out once that transaction commits.

Writes that bypass ``save()`` — ``QuerySet.update`` (checkout taking stock,
``refresh_sales_counts``), ``bulk_create`` (``seed_demo``), fixtures — notify nobody.
"""

from django.db import transaction
from django.db.models import Q, Subquery

from shop.models import Category, Product

from .models import ProductChange, Subscription
from .notifications import is_newsworthy
from .tasks import fan_out

WATCHED = ("price", "stock", "is_active")
STORED = "_stored_for_notifications"
Kind = Subscription.Kind


def remember_stored(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    """``pre_save``: keep the stored values of ``WATCHED`` on the instance (None when new)."""
    setattr(instance, STORED, None)
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(WATCHED):
        return
    rows = Product.objects.using(using).filter(pk=instance.pk)
    if transaction.get_connection(using).in_atomic_block:
        rows = rows.select_for_update()
    setattr(instance, STORED, rows.values(*WATCHED).first())


def record_change(sender, instance, created, raw=False, using=None, **kwargs):
    """``post_save``: store a newsworthy, followed change and fan it out after the commit."""
    before = None if created else getattr(instance, STORED, None)
    if raw or (before is None and not created):
        return
    after = {
        name: Product._meta.get_field(name).to_python(getattr(instance, name)) for name in WATCHED
    }
    if not is_newsworthy(before, after) or not followed(instance, created, using):
        return
    change = ProductChange.objects.using(using).create(
        product=instance,
        is_new=created,
        new_price=after["price"],
        new_stock=after["stock"],
        old_price=before["price"] if before else None,
        old_stock=before["stock"] if before else None,
    )
    # robust: a broker outage must not fail the save; resume_fan_outs picks the change up.
    # (A lambda, not a partial: Django names the callback when it logs a failure.)
    transaction.on_commit(lambda: enqueue_fan_out(change.pk), using=using, robust=True)


def followed(product: Product, created: bool, using=None) -> bool:
    """Whether any switched-on subscription could hear about this product's change."""
    if not created:
        rows = Q(product_id=product.pk)
    else:
        department = Category.objects.using(using).filter(pk=product.category_id)
        rows = (
            Q(kind=Kind.BRAND, brand_id=product.brand_id)
            | Q(kind=Kind.CATEGORY, category_id=product.category_id)
            | Q(kind=Kind.CATEGORY, category_id=Subquery(department.values("parent_id")))
            | Q(kind=Kind.SEARCH)
        )
    return Subscription.objects.using(using).filter(rows, is_active=True).exists()


def enqueue_fan_out(change_id: int) -> None:
    fan_out.delay(change_id)

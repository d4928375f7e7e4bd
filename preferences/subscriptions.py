"""Following: what a page's follow buttons show, and following or unfollowing something.

Pages ask ``follow_panel(user, product=…)`` (or ``brand=``, ``category=``, ``search=``): one query
for a logged-in shopper, none for an anonymous one, whose buttons lead to the log-in page.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction

from .models import Subscription
from .notifications import euros

Kind = Subscription.Kind
MAX_SUBSCRIPTIONS = 500
PANEL_KINDS = {
    "product": (Kind.PRICE_DROP, Kind.PRICE_BELOW, Kind.BACK_IN_STOCK),
    "brand": (Kind.BRAND,),
    "category": (Kind.CATEGORY,),
    "search": (Kind.SEARCH,),
}
LABELS = {
    Kind.PRICE_DROP: "Price drops",
    Kind.PRICE_BELOW: "Price below a price you name",
    Kind.BACK_IN_STOCK: "Back in stock",
    Kind.BRAND: "New arrivals",
    Kind.CATEGORY: "New arrivals",
    Kind.SEARCH: "New matches",
}


class TooManySubscriptions(Exception):
    """The shopper follows ``MAX_SUBSCRIPTIONS`` things already."""


@dataclass(frozen=True)
class FollowOption:
    kind: str
    label: str
    subscription: Subscription | None = None


@dataclass(frozen=True)
class FollowPanel:
    """The follow buttons for one thing: a product, a brand, a category or a saved search."""

    target: str
    target_id: int
    name: str
    options: list[FollowOption]
    errors: list[str] = field(default_factory=list)
    price: Decimal | None = None

    @property
    def dom_id(self) -> str:
        return f"follow-{self.target}-{self.target_id}"


def target_field(kind: str) -> str:
    return Subscription.TARGETS[kind]


def follow_panel(
    user, *, product=None, brand=None, category=None, search=None, subscriptions=None, errors=()
) -> FollowPanel:
    """The panel for the one thing given. ``subscriptions``: the shopper's subscriptions to it,
    when already loaded (``search_follows``); else one query, none when logged out."""
    target, thing = next(
        (name, value)
        for name, value in (
            ("product", product),
            ("brand", brand),
            ("category", category),
            ("search", search),
        )
        if value is not None
    )
    if subscriptions is None:
        subscriptions = (
            list(Subscription.objects.filter(user_id=user.pk, **{target: thing}))
            if user.is_authenticated
            else []
        )
    by_kind = {row.kind: row for row in subscriptions}
    return FollowPanel(
        target,
        thing.pk,
        thing.name,
        [FollowOption(kind, LABELS[kind], by_kind.get(kind)) for kind in PANEL_KINDS[target]],
        list(errors),
        price=product.price if product is not None else None,
    )


def search_follows(user, searches) -> dict[int, list[Subscription]]:
    """The shopper's subscriptions to each of ``searches`` by search id, in one query."""
    found: dict[int, list[Subscription]] = {search.pk: [] for search in searches}
    if user.is_authenticated and found:
        for row in Subscription.objects.filter(user_id=user.pk, search_id__in=list(found)):
            if row.search_id is not None:
                found[row.search_id].append(row)
    return found


def follow(user, kind: str, target, price_below: Decimal | None = None) -> Subscription:
    """Follow ``target`` for ``kind`` (switched on; a new price replaces the old one).

    Raises ``TooManySubscriptions`` past ``MAX_SUBSCRIPTIONS``. Two requests racing to create
    the same subscription both end with the one row.
    """
    lookup = {"user": user, "kind": kind, target_field(kind): target}
    values = {"is_active": True, "price_below": price_below if kind == Kind.PRICE_BELOW else None}
    updated = Subscription.objects.filter(**lookup)
    if updated.update(**values):
        return updated.get()
    if Subscription.objects.filter(user=user).count() >= MAX_SUBSCRIPTIONS:
        raise TooManySubscriptions(
            f"You follow {MAX_SUBSCRIPTIONS} things already: unfollow "
            "some in your notification settings first."
        )
    try:
        with transaction.atomic():
            return Subscription.objects.create(**lookup, **values)
    except IntegrityError:
        updated.update(**values)
        return updated.get()


def unfollow(user, kind: str, target) -> bool:
    """Stop following; whether there was anything to stop."""
    deleted, _ = Subscription.objects.filter(
        user=user, kind=kind, **{target_field(kind): target}
    ).delete()
    return bool(deleted)


def promise(subscription: Subscription) -> str:
    """What the shopper will hear about, for the message after following."""
    name = subscription.target.name
    return {
        Kind.PRICE_DROP: f"You’ll hear when {name} gets cheaper.",
        Kind.PRICE_BELOW: f"You’ll hear when {name} drops below "
        f"{euros(subscription.price_below or Decimal(0))}.",
        Kind.BACK_IN_STOCK: f"You’ll hear when {name} is back in stock.",
        Kind.BRAND: f"You’ll hear about new arrivals from {name}.",
        Kind.CATEGORY: f"You’ll hear about new arrivals in {name}.",
        Kind.SEARCH: f"You’ll hear about new products matching “{name}”.",
    }[Kind(subscription.kind)]

"""Which notifications a product change causes: pure functions over plain values, no ORM.

A change is newsworthy (``is_newsworthy``) when an active product is created (a new arrival), its
price goes down, or its stock comes back from zero. ``hits`` says whether one subscription hears
about a change; ``planned_notifications`` turns a batch of subscriptions into at most one
notification per shopper, each under the key ``(change id, user id)`` that the database keeps
unique, so planning the same change again (a retry, a second worker) plans the same keys.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .models import Email, Subscription, Topic

Kind = Subscription.Kind
TITLE_LENGTH = 200


@dataclass(frozen=True)
class ProductFacts:
    """What matching and headlines need to know about a product, as it is after the change."""

    id: int
    name: str
    price: Decimal
    stock: int
    brand_id: int
    category_id: int
    parent_id: int | None = None
    is_active: bool = True
    description: str = ""
    brand_slug: str = ""
    category_slug: str = ""
    parent_slug: str = ""
    colour_slug: str = ""
    material_slug: str = ""
    audience: str = ""
    compare_at_price: Decimal | None = None


@dataclass(frozen=True)
class Change:
    """``old_*`` are None for a new product."""

    id: int
    product: ProductFacts
    is_new: bool
    new_price: Decimal
    new_stock: int
    old_price: Decimal | None = None
    old_stock: int | None = None


@dataclass(frozen=True)
class Follow:
    """A subscription. ``criteria``: a saved search's valid filters (``search_criteria``)."""

    id: int
    user_id: int
    kind: str
    product_id: int | None = None
    brand_id: int | None = None
    category_id: int | None = None
    price_below: Decimal | None = None
    is_active: bool = True
    can_email: bool = True  # the shopper has an e-mail address
    target_name: str = ""
    criteria: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    inbox: bool
    email: str


DEFAULT_DELIVERY: dict[str, Delivery] = {
    Topic.PRICE: Delivery(inbox=True, email=Email.INSTANT),
    Topic.STOCK: Delivery(inbox=True, email=Email.INSTANT),
    Topic.ARRIVALS: Delivery(inbox=True, email=Email.DAILY),
    Topic.SEARCHES: Delivery(inbox=True, email=Email.DAILY),
}
# When one change hits several of a shopper's subscriptions, the most specific one speaks.
PRIORITY = (
    Kind.PRICE_BELOW,
    Kind.PRICE_DROP,
    Kind.BACK_IN_STOCK,
    Kind.SEARCH,
    Kind.CATEGORY,
    Kind.BRAND,
)


@dataclass(frozen=True)
class Planned:
    change_id: int
    user_id: int
    subscription_id: int
    reason: str
    title: str
    in_inbox: bool
    email: str

    @property
    def key(self) -> tuple[int, int]:
        """The idempotency key: one notification per change and shopper."""
        return (self.change_id, self.user_id)


def is_newsworthy(before: Mapping | None, after: Mapping) -> bool:
    """``before``/``after``: a product's ``price``, ``stock``, ``is_active``; ``before`` is None
    for a product just created. Inactive products are never news."""
    if not after["is_active"]:
        return False
    if before is None:
        return True
    return after["price"] < before["price"] or (before["stock"] == 0 and after["stock"] > 0)


def hits(change: Change, follow: Follow) -> bool:
    """Whether ``follow`` (switched on or not) is about ``change``.

    A price below X is heard once per crossing: the old price was at least X, the new one is
    under it. Following a department hears about its categories' new arrivals.
    """
    product = change.product
    if not product.is_active:
        return False
    if follow.kind in (Kind.PRICE_DROP, Kind.PRICE_BELOW, Kind.BACK_IN_STOCK):
        return (
            follow.product_id == product.id and not change.is_new and _product_hit(change, follow)
        )
    if not change.is_new:
        return False
    if follow.kind == Kind.BRAND:
        return follow.brand_id == product.brand_id
    if follow.kind == Kind.CATEGORY:
        return follow.category_id in (product.category_id, product.parent_id)
    return follow.kind == Kind.SEARCH and matches_search(follow.criteria, product)


def _product_hit(change: Change, follow: Follow) -> bool:
    if follow.kind == Kind.BACK_IN_STOCK:
        return change.old_stock == 0 and change.new_stock > 0
    dropped = change.old_price is not None and change.new_price < change.old_price
    if follow.kind == Kind.PRICE_DROP:
        return dropped
    threshold = follow.price_below
    return (
        dropped
        and threshold is not None
        and change.old_price is not None
        and change.old_price >= threshold > change.new_price
    )


def matches_search(criteria: Mapping, product: ProductFacts) -> bool:
    """Whether the listing filtered by ``criteria`` (a saved search's valid values, as
    ``ProductFilter``'s form cleans them) lists ``product``; empty values filter nothing."""
    checks = {
        "q": lambda text: (
            text.upper() in product.name.upper() or text.upper() in product.description.upper()
        ),
        "category": lambda slug: slug in (product.category_slug, product.parent_slug),
        "price_min": lambda low: product.price >= low,
        "price_max": lambda high: product.price <= high,
        "colour": lambda slugs: product.colour_slug in slugs,
        "material": lambda slugs: product.material_slug in slugs,
        "brand": lambda slugs: product.brand_slug in slugs,
        "audience": lambda values: product.audience in values,
        "in_stock": lambda _: product.stock > 0,
        "on_sale": lambda _: (
            product.compare_at_price is not None and product.compare_at_price > product.price
        ),
    }
    return all(
        check(criteria[name])
        for name, check in checks.items()
        if criteria.get(name) not in (None, "", [], ())
    )


def planned_notifications(
    change: Change,
    follows: Iterable[Follow],
    deliveries: Mapping[tuple[int, str], Delivery],
    paused: set[int],
) -> list[Planned]:
    """The notifications ``follows`` cause for ``change``, at most one per shopper, by user id.

    Skipped: subscriptions switched off, shoppers who paused everything, and shoppers whose
    channels for the topic are all off (e-mail counts as off without an address).
    ``deliveries`` maps (user id, topic) to the shopper's choice; a missing pair means
    ``DEFAULT_DELIVERY``.
    """
    best: dict[int, Follow] = {}
    for follow in follows:
        if not follow.is_active or follow.user_id in paused or not hits(change, follow):
            continue
        current = best.get(follow.user_id)
        if current is None or PRIORITY.index(follow.kind) < PRIORITY.index(current.kind):
            best[follow.user_id] = follow
    planned = []
    for user_id in sorted(best):
        follow = best[user_id]
        topic = Subscription.TOPICS[follow.kind]
        delivery = deliveries.get((user_id, topic), DEFAULT_DELIVERY[topic])
        email = delivery.email if follow.can_email else Email.OFF
        if delivery.inbox or email != Email.OFF:
            planned.append(
                Planned(
                    change.id,
                    user_id,
                    follow.id,
                    follow.kind,
                    headline(change, follow),
                    delivery.inbox,
                    email,
                )
            )
    return planned


def headline(change: Change, follow: Follow) -> str:
    """One line saying what changed, as the inbox and the e-mail subject show it."""
    product, now = change.product, euros(change.new_price)
    was = euros(change.old_price) if change.old_price is not None else ""
    below = euros(follow.price_below) if follow.price_below is not None else ""
    text: str = {
        Kind.PRICE_BELOW: lambda: f"{product.name} is now {now}, below your {below} (was {was})",
        Kind.PRICE_DROP: lambda: f"{product.name} dropped to {now} (was {was})",
        Kind.BACK_IN_STOCK: lambda: f"{product.name} is back in stock at {now}",
        Kind.BRAND: lambda: f"New from {follow.target_name}: {product.name}, {now}",
        Kind.CATEGORY: lambda: f"New in {follow.target_name}: {product.name}, {now}",
        Kind.SEARCH: lambda: f"New for your search “{follow.target_name}”: {product.name}, {now}",
    }[Kind(follow.kind)]()
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


def euros(amount: Decimal) -> str:
    return f"€{amount:,.2f}"

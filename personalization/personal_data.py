"""Everything the shop holds about the requesting shopper: exported as JSON, or deleted.

Both work only on the request's own visitor (their account, else this browser's visit and owner
keys): nothing in a request can name anyone else. Deleting removes tracked events, the
per-visitor band results and their cache entries, hidden products, preferences, saved searches,
subscriptions, notifications and the choices kept on the account; orders stay as the shop's
records but lose their link to the shopper. Deleting twice deletes nothing the second time.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from preferences.hidden import forget_hidden
from preferences.models import (
    DeliverySetting,
    HiddenProduct,
    Notification,
    NotificationSettings,
    Preference,
    SavedSearch,
    Subscription,
)
from preferences.owners import OWNER_KEY, Owner
from shop.models import Order, Shopper
from shop.views import LAST_ORDERS_SESSION_KEY

from .algorithms import context
from .models import Band, BandResult, Event
from .profile import inferred_profile
from .visitors import COUNTRY_KEY, PICKS_KEY, VISIT_KEY


@dataclass(frozen=True)
class Subject:
    """Whose data: the account, and this browser's keys."""

    user_id: int | None
    visit_key: str
    owner_key: str

    @classmethod
    def of(cls, request) -> "Subject":
        user = request.user
        return cls(
            user_id=user.pk if user.is_authenticated else None,
            visit_key=request.session.get(VISIT_KEY, ""),
            owner_key=request.session.get(OWNER_KEY, ""),
        )

    @property
    def owner(self) -> Owner:
        return Owner(user_id=self.user_id, key=self.owner_key)

    def events(self):
        mine = Q(pk__in=[])
        if self.user_id:
            mine |= Q(user_id=self.user_id)
        if self.visit_key:
            mine |= Q(session_key=self.visit_key, user__isnull=True)
        return Event.objects.filter(mine)

    def orders(self):
        mine = Q(pk__in=[])
        if self.user_id:
            mine |= Q(user_id=self.user_id)
        if self.visit_key:
            mine |= Q(session_key=self.visit_key)
        return Order.objects.filter(mine)

    def band_contexts(self) -> list[str]:
        keys = [f"u{self.user_id}"] if self.user_id else []
        keys += [f"s{self.visit_key}"] if self.visit_key else []
        return [context("visitor", key) for key in keys]

    def user_rows(self, model):
        return model.objects.filter(user_id=self.user_id) if self.user_id else model.objects.none()


def personal_data(request) -> dict:
    """Everything tracked about and set by the requesting shopper, as JSON-ready values."""
    subject, visitor = Subject.of(request), request.visitor
    owner = subject.owner
    profile = inferred_profile(visitor, recent=0)
    return {
        "exported_at": timezone.now().isoformat(),
        "account": _account(request),
        "tracked": {
            "events": [
                {**row, "created_at": row["created_at"].isoformat()}
                for row in subject.events()
                .order_by("created_at", "pk")
                .values("kind", "product_id", "product__name", "band__slug", "page", "created_at")
            ],
        },
        "inferred": {
            "lifecycle_stage": profile.stage,
            "top_categories": profile.categories,
            "top_colours": profile.colours,
            "top_materials": profile.materials,
            "price_range": [str(p) for p in profile.price_range or ()],
            "country": visitor.country,
            "country_source": "chosen" if visitor.country_chosen else "guessed",
        },
        "choices": {
            "tracking_consent": visitor.consent or "undecided",
            "personalization_on": visitor.personalization_on,
            "chosen_country": request.session.get(COUNTRY_KEY, ""),
            "onboarding_picks": [list(pick) for pick in visitor.picks],
            "preferences": _preferences(owner),
            "saved_searches": list(
                SavedSearch.objects.owned_by(owner).values("name", "query", "created_at")
            ),
            "hidden_products": list(
                HiddenProduct.objects.owned_by(owner).values("product_id", "product__name")
            ),
            "subscriptions": list(
                subject.user_rows(Subscription).values(
                    "kind", "product_id", "brand_id", "category_id", "search_id", "is_active"
                )
            ),
            "notification_settings": list(subject.user_rows(NotificationSettings).values("paused")),
            "delivery_settings": list(
                subject.user_rows(DeliverySetting).values("topic", "inbox", "email")
            ),
        },
        "notifications": list(
            subject.user_rows(Notification).values("title", "reason", "created_at", "read_at")
        ),
        "orders": [
            {
                "number": order.number,
                "created_at": order.created_at.isoformat(),
                "status": order.status,
                "total": str(order.total),
                "lines": [
                    {"product": line.product_name, "quantity": line.quantity}
                    for line in order.lines.all()
                ],
            }
            for order in subject.orders().prefetch_related("lines")
        ],
    }


def _account(request) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    shopper = Shopper.objects.filter(user=user).first()
    return {
        "username": user.username,
        "email": user.email,
        "date_joined": user.date_joined.isoformat(),
        "ship_to_country": str(shopper.country) if shopper else "",
    }


def _preferences(owner) -> dict | None:
    found = Preference.objects.owned_by(owner).prefetch_related("colours", "materials").first()
    if found is None:
        return None
    return {
        "sort": found.sort,
        "page_size": found.page_size,
        "colours": [c.name for c in found.colours.all()],
        "materials": [m.name for m in found.materials.all()],
        "audience": found.audience,
        "price_max": str(found.price_max) if found.price_max is not None else None,
        "in_stock_only": found.in_stock_only,
    }


def erase_personal_data(request) -> int:
    """Delete the requesting shopper's data; how many rows went (0 the second time)."""
    subject = Subject.of(request)
    owner = subject.owner
    contexts = subject.band_contexts()
    with transaction.atomic():
        removed = subject.events().delete()[0]
        removed += BandResult.objects.filter(context__in=contexts).delete()[0] if contexts else 0
        for model in (HiddenProduct, Preference, SavedSearch):
            removed += model.objects.owned_by(owner).delete()[0]
        for theirs in (Notification, Subscription, NotificationSettings, DeliverySetting):
            removed += subject.user_rows(theirs).delete()[0]
        removed += subject.orders().update(user=None, session_key="")
        if subject.user_id:
            Shopper.objects.filter(user_id=subject.user_id).update(country="")
    _forget_cached(contexts)
    forget_hidden(owner)
    for key in (VISIT_KEY, OWNER_KEY, COUNTRY_KEY, PICKS_KEY, LAST_ORDERS_SESSION_KEY):
        request.session.pop(key, None)
    return removed


def _forget_cached(contexts) -> None:
    """Drop the cached rows of the per-visitor contexts, for every version a reader may hold."""
    if not contexts:
        return
    keys = [
        f"band:{pk}:v{version}:{ctx}"
        for pk, current, last in Band.objects.values_list("pk", "current_version", "last_version")
        for version in {current, last, max(current - 1, 0)}
        for ctx in contexts
    ]
    cache.delete_many(keys)
    # On Redis, also any older version's entry still within its hour (a scan: deletion is rare).
    delete_pattern = getattr(cache, "delete_pattern", None)
    if delete_pattern is not None:
        for ctx in contexts:
            delete_pattern(f"band:*:{ctx}")

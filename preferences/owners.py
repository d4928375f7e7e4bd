"""Who owns a preference or saved search: the user, else the anonymous browser's owner key."""

import secrets
from dataclasses import dataclass

from django.db import transaction

from .models import HiddenProduct, Preference, SavedSearch

OWNER_KEY = "owner_key"


@dataclass(frozen=True)
class Owner:
    user_id: int | None
    key: str

    def fields(self) -> dict:
        """Model fields that make a new row belong to this owner."""
        return {"user_id": self.user_id} if self.user_id else {"owner_key": self.key}


def owner_for(request, *, create=False) -> Owner:
    """The request's owner. ``create`` gives an anonymous browser a key (kept in its session)."""
    user_id = request.user.pk if request.user.is_authenticated else None
    key = request.session.get(OWNER_KEY, "")
    if create and not user_id and not key:
        key = request.session[OWNER_KEY] = secrets.token_hex(16)
    return Owner(user_id=user_id, key=key)


def join_on_login(sender, request, user, **kwargs):
    """Signal receiver: what this browser saved anonymously now belongs to the account.

    Saved searches and hidden products all move (a product hidden on both sides once).
    Preferences move only when the account has none yet: a shopper's considered account
    settings win over a passing anonymous session's.
    """
    key = request.session.get(OWNER_KEY) if request is not None else None
    if not key:
        return
    with transaction.atomic():
        SavedSearch.objects.filter(user__isnull=True, owner_key=key).update(user=user, owner_key="")
        hidden = HiddenProduct.objects.filter(user__isnull=True, owner_key=key)
        hidden.filter(
            product__in=HiddenProduct.objects.filter(user=user).values("product")
        ).delete()
        hidden.update(user=user, owner_key="")
        anonymous = Preference.objects.filter(user__isnull=True, owner_key=key)
        if Preference.objects.filter(user=user).exists():
            anonymous.delete()
        else:
            anonymous.update(user=user, owner_key="")
    from .hidden import forget_hidden

    forget_hidden(Owner(user_id=user.pk, key=""))

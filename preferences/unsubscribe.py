"""Signed one-click unsubscribe links: they need no log-in and stop only what they were made for.

A token signs its target — one subscription of one shopper, or one shopper's daily digest — with
``TimestampSigner`` under a salt of its own. It cannot be forged, changed to point at another
subscription or shopper, or used as any other signed value of the site, and it expires after
``TAILOR_UNSUBSCRIBE_DAYS``. Applying a token twice changes nothing the second time.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

from .channels import delivery_of, save_delivery
from .models import Email, Subscription
from .notifications import Delivery

SALT = "preferences.unsubscribe"


class BadToken(Exception):
    """The link cannot be used; the message is meant for the shopper."""


@dataclass(frozen=True)
class Target:
    """One subscription of a shopper, or (``subscription_id`` None) their daily digest."""

    user_id: int
    subscription_id: int | None = None


def token_for(target: Target) -> str:
    signer = signing.TimestampSigner(salt=SALT)
    return signer.sign_object({"u": target.user_id, "s": target.subscription_id})


def target_of(token: str) -> Target:
    """The token's target; ``BadToken`` when it is tampered with, malformed or expired."""
    signer = signing.TimestampSigner(salt=SALT)
    max_age = timedelta(days=settings.TAILOR_UNSUBSCRIBE_DAYS)
    try:
        value = signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadToken(
            "This unsubscribe link has expired. Log in to change your notification settings."
        ) from error
    except (signing.BadSignature, ValueError) as error:
        raise BadToken(
            "This unsubscribe link is not valid: it may have been cut short or "
            "changed. Log in to change your notification settings."
        ) from error
    user_id, subscription_id = (
        (value.get("u"), value.get("s")) if isinstance(value, dict) else (None, None)
    )
    if not isinstance(user_id, int) or not isinstance(subscription_id, int | None):
        raise BadToken("This unsubscribe link is not valid.")
    return Target(user_id, subscription_id)


def subscription_of(target: Target) -> Subscription | None:
    """The target's subscription, if it still exists and still belongs to that shopper."""
    if target.subscription_id is None:
        return None
    return (
        Subscription.objects.select_related("product", "brand", "category", "search")
        .filter(pk=target.subscription_id, user_id=target.user_id)
        .first()
    )


def unsubscribe(target: Target) -> bool:
    """Switch the subscription off, or the shopper's digest e-mails; whether anything changed."""
    if target.subscription_id is not None:
        return bool(
            Subscription.objects.filter(
                pk=target.subscription_id,
                user_id=target.user_id,
                is_active=True,
            ).update(is_active=False)
        )
    return stop_digests(target.user_id)


def stop_digests(user_id: int) -> bool:
    """Topics delivered by daily digest get no e-mail any more (their inbox choice stays)."""
    daily = {
        topic: Delivery(delivery.inbox, Email.OFF)
        for topic, delivery in delivery_of(user_id).items()
        if delivery.email == Email.DAILY
    }
    save_delivery(user_id, daily)
    return bool(daily)

"""The e-mails notifications send: one per instant notification, one daily digest per shopper.

Each carries a signed one-click unsubscribe link (``preferences.unsubscribe``) in its text and in
the ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers (RFC 8058), so a mail client can
unsubscribe with one POST. Links are absolute, from ``TAILOR_SITE_URL``.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from .unsubscribe import Target, token_for

DIGEST_LISTED = 50


def absolute(path: str) -> str:
    return settings.TAILOR_SITE_URL.rstrip("/") + path


def unsubscribe_url(target: Target) -> str:
    return absolute(reverse("preferences:unsubscribe", args=[token_for(target)]))


def notification_email(notification) -> EmailMessage:
    """The e-mail of one notification, loaded with its ``user``, ``subscription`` (and the
    subscription's target) and ``change.product``."""
    url = unsubscribe_url(Target(notification.user_id, notification.subscription_id))
    body = render_to_string(
        "preferences/email/notification.txt",
        {
            "user": notification.user,
            "notification": notification,
            "subscription": notification.subscription,
            "product_url": absolute(notification.change.product.get_absolute_url()),
            "unsubscribe_url": url,
            "settings_url": absolute(reverse("preferences:settings")),
        },
    )
    return _message(notification.title, body, notification.user.email, url)


def digest_email(user, notifications: list) -> EmailMessage:
    """One shopper's daily digest of ``notifications`` (newest first, each with
    ``change.product`` loaded); lists the first ``DIGEST_LISTED``."""
    url = unsubscribe_url(Target(user.pk))
    listed = [
        (item, absolute(item.change.product.get_absolute_url()))
        for item in notifications[:DIGEST_LISTED]
    ]
    body = render_to_string(
        "preferences/email/digest.txt",
        {
            "user": user,
            "listed": listed,
            "more": len(notifications) - len(listed),
            "inbox_url": absolute(reverse("preferences:inbox")),
            "unsubscribe_url": url,
            "settings_url": absolute(reverse("preferences:settings")),
        },
    )
    count = len(notifications)
    return _message(
        f"Your Tailor digest: {count} update{'s' if count != 1 else ''}", body, user.email, url
    )


def _message(subject: str, body: str, to: str, unsubscribe: str) -> EmailMessage:
    return EmailMessage(
        " ".join(subject.split()),
        body,
        None,
        [to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )

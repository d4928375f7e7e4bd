"""The shopper's privacy choices: tracking consent, the personalization switch, their country.

A choice is kept where the next request reads it without a query: consent in a signed cookie
(and the session), the switch and the country in the session. A logged-in shopper's choices are
also saved on their account (``Shopper``) and copied back into the session when they log in, so
they follow them to any browser.
"""

from django.conf import settings

from shop.models import Shopper

from .visitors import (
    CONSENT_COOKIE,
    CONSENT_KEY,
    CONSENT_MAX_AGE,
    CONSENT_SALT,
    CONSENTS,
    COUNTRY_KEY,
    PERSONALIZATION_OFF_KEY,
    consent_of,
)


def _save_on_account(request, **fields):
    if request.user.is_authenticated:
        Shopper.objects.update_or_create(user=request.user, defaults=fields)


def set_consent(request, response, consent: str) -> None:
    """Record the visitor's decision (one of ``CONSENTS``) for this browser and account."""
    assert consent in CONSENTS
    response.set_signed_cookie(
        CONSENT_COOKIE,
        consent,
        salt=CONSENT_SALT,
        max_age=CONSENT_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    if request.user.is_authenticated:
        request.session[CONSENT_KEY] = consent
        _save_on_account(request, tracking_consent=consent)


def set_personalization(request, on: bool) -> None:
    if on:
        request.session.pop(PERSONALIZATION_OFF_KEY, None)
    else:
        request.session[PERSONALIZATION_OFF_KEY] = True
    _save_on_account(request, personalization_off=not on)


def choose_country(request, code: str) -> None:
    """``code``: a known ISO country code, or ``""`` to go back to the guess."""
    if code:
        request.session[COUNTRY_KEY] = code
    else:
        request.session.pop(COUNTRY_KEY, None)
    _save_on_account(request, country=code)


def restore_choices_on_login(sender, request, user, **kwargs):
    """Signal receiver: the account's choices apply in this browser; a decision made here
    before logging in is kept on an account that had none."""
    if request is None:
        return
    shopper = Shopper.objects.filter(user=user).first()
    if shopper is None:
        return
    here = consent_of(request)
    if shopper.tracking_consent:
        request.session[CONSENT_KEY] = shopper.tracking_consent
    elif here:
        request.session[CONSENT_KEY] = here
        Shopper.objects.filter(pk=shopper.pk).update(tracking_consent=here)
    if shopper.personalization_off:
        request.session[PERSONALIZATION_OFF_KEY] = True
    if shopper.country:
        request.session[COUNTRY_KEY] = str(shopper.country)

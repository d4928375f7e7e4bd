"""Who is browsing: session, user, country, and whether the shop may track and personalize.

Tracking needs the visitor's consent (``CONSENT_COOKIE``, a signed cookie; for a logged-in
shopper the choice on their account, copied into the session at log-in as ``CONSENT_KEY``).
Until they decide, nothing is tracked and no visit key is made. ``Sec-GPC: 1`` (and the older
``DNT: 1``) refuse tracking unless the shopper explicitly opted in despite it (``OPTED_IN``).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.signing import get_cookie_signer
from django.utils.functional import SimpleLazyObject
from django_countries import countries

PERSONALIZATION_OFF_KEY = "personalization_off"
CONSENT_KEY = "tracking_consent"
COUNTRY_KEY = "country"
VISIT_KEY = "visit_key"
PICKS_KEY = "onboarding_picks"
CONSENT_COOKIE = "tailor_consent"
CONSENT_SALT = "tailor.consent"
CONSENT_MAX_AGE = 365 * 86400
ACCEPTED, REFUSED, OPTED_IN = "accepted", "refused", "opted-in"
CONSENTS = frozenset({ACCEPTED, REFUSED, OPTED_IN})


@dataclass(frozen=True)
class Visitor:
    session_key: str
    user_id: int | None
    country: str
    personalization_on: bool
    tracking_allowed: bool
    consent: str = ""  # "" until the visitor decides, else one of CONSENTS
    privacy_signal: bool = False  # the browser sends Sec-GPC: 1 or DNT: 1
    country_chosen: bool = False  # the shopper chose it; else it is a guess from the language
    # What a new visitor said they are shopping for: ``(kind, id, name)``, kind "category" or
    # "colour".
    picks: tuple = ()
    # For a tracked visitor seen for the first time: makes their visit key now (it is otherwise
    # made by their first tracked event), so an A/B test assigns them the same variant on their
    # first page as on the next ones. Their history starts now: ``session_key`` stays empty.
    new_visit_key: Callable[[], str] | None = field(default=None, compare=False, repr=False)
    # What this request has already read about the visitor (their latest views), shared by the
    # bands, the lifecycle stage and the notices so each is read once per request.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        """``u<user id>`` for a logged-in shopper, ``s<visit key>`` otherwise ('' if untracked)."""
        if self.user_id:
            return f"u{self.user_id}"
        return f"s{self.session_key}" if self.session_key else ""

    @property
    def test_key(self) -> str:
        """Whom an A/B test assigns: ``key``; for a new tracked visitor, their new visit key."""
        if self.key or self.new_visit_key is None:
            return self.key
        return f"s{self.new_visit_key()}"

    @property
    def consent_pending(self) -> bool:
        """Show the first-visit notice: undecided, and no browser signal deciding for them."""
        return not self.consent and not self.privacy_signal


def country_from_language(accept_language: str) -> str:
    """A guess from the first language tag with a known region: ``fr-FR,fr;q=0.9`` → ``FR``."""
    for part in accept_language[:200].split(","):
        tag = part.split(";")[0].strip().replace("_", "-")
        pieces = tag.split("-")
        if len(pieces) >= 2 and len(pieces[-1]) == 2 and pieces[-1].isalpha():
            code = pieces[-1].upper()
            if code in countries:
                return code
    return ""


def consent_of(request) -> str:
    """The visitor's decision: the session's (a logged-in shopper's account), else the signed
    cookie's; ``""`` when undecided, and for a cookie that is tampered with or unknown."""
    found = request.session.get(CONSENT_KEY)
    if found not in CONSENTS:
        found = request.get_signed_cookie(CONSENT_COOKIE, default="", salt=CONSENT_SALT)
    return found if found in CONSENTS else ""


def consent_cookie(consent: str = ACCEPTED) -> str:
    """The consent cookie's value for ``consent``, signed as ``set_signed_cookie`` signs it:
    what a browser that answered the notice sends (tests and benchmarks use it too)."""
    return get_cookie_signer(salt=CONSENT_COOKIE + CONSENT_SALT).sign(consent)


def tracking_permitted(consent: str, privacy_signal: bool) -> bool:
    if privacy_signal:
        return consent == OPTED_IN
    return consent in (ACCEPTED, OPTED_IN)


def visitor_for(request) -> Visitor:
    session = request.session
    user = request.user
    user_id = user.pk if user.is_authenticated else None
    personalization_on = not session.get(PERSONALIZATION_OFF_KEY, False)
    signal = request.headers.get("Sec-GPC") == "1" or request.headers.get("DNT") == "1"
    consent = consent_of(request)
    tracking_allowed = personalization_on and tracking_permitted(consent, signal)
    chosen = session.get(COUNTRY_KEY, "")
    country = chosen or country_from_language(request.headers.get("Accept-Language", ""))
    visit_key = session.get(VISIT_KEY, "")
    return Visitor(
        session_key=visit_key,
        user_id=user_id,
        country=country,
        personalization_on=personalization_on,
        tracking_allowed=tracking_allowed,
        consent=consent,
        privacy_signal=signal,
        country_chosen=bool(chosen),
        picks=picks_of(session),
        new_visit_key=None
        if visit_key or not tracking_allowed
        else (lambda: visit_key_of(session)),
    )


def picks_of(session) -> tuple:
    found = session.get(PICKS_KEY)
    if not isinstance(found, list):
        return ()
    return tuple(
        (kind, pk, name)
        for kind, pk, name in (p for p in found if isinstance(p, list) and len(p) == 3)
        if kind in ("category", "colour") and isinstance(pk, int)
    )


def visit_key_of(session) -> str:
    """The session's visit key, made and stored in it the first time it is asked for."""
    key = session.get(VISIT_KEY)
    if not key:
        key = session[VISIT_KEY] = secrets.token_hex(16)
    return key


class VisitorMiddleware:
    """Sets ``request.visitor``, resolved lazily so pages that never ask pay nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.visitor = SimpleLazyObject(lambda: visitor_for(request))
        return self.get_response(request)

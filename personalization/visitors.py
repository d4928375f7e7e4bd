"""Who is browsing: session, user, country, and whether the shop may track and personalize."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import SimpleLazyObject

PERSONALIZATION_OFF_KEY = "personalization_off"
TRACKING_OPT_IN_KEY = "tracking_opt_in"
COUNTRY_KEY = "country"
VISIT_KEY = "visit_key"


@dataclass(frozen=True)
class Visitor:
    session_key: str
    user_id: int | None
    country: str
    personalization_on: bool
    tracking_allowed: bool
    # For a tracked visitor seen for the first time: makes their visit key now (it is otherwise
    # made by their first tracked event), so an A/B test assigns them the same variant on their
    # first page as on the next ones. Their history starts now: ``session_key`` stays empty.
    new_visit_key: Callable[[], str] | None = field(default=None, compare=False, repr=False)

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


def country_from_language(accept_language: str) -> str:
    """A guess from the first language tag with a region: ``fr-FR,fr;q=0.9`` → ``FR``."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().replace("_", "-")
        pieces = tag.split("-")
        if len(pieces) >= 2 and len(pieces[-1]) == 2 and pieces[-1].isalpha():
            return pieces[-1].upper()
    return ""


def visitor_for(request) -> Visitor:
    session = request.session
    user = request.user
    user_id = user.pk if user.is_authenticated else None
    personalization_on = not session.get(PERSONALIZATION_OFF_KEY, False)
    # Sec-GPC (and the older DNT) count as a refusal unless the shopper opted in.
    refused = request.headers.get("Sec-GPC") == "1" or request.headers.get("DNT") == "1"
    tracking_allowed = personalization_on and (not refused or session.get(TRACKING_OPT_IN_KEY))
    country = session.get(COUNTRY_KEY) or country_from_language(
        request.headers.get("Accept-Language", "")
    )
    visit_key = session.get(VISIT_KEY, "")
    return Visitor(
        session_key=visit_key,
        user_id=user_id,
        country=country,
        personalization_on=personalization_on,
        tracking_allowed=bool(tracking_allowed),
        new_visit_key=None
        if visit_key or not tracking_allowed
        else (lambda: visit_key_of(session)),
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

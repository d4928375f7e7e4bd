"""Who is browsing: session, user, country, and whether the shop may track and personalize."""

from dataclasses import dataclass

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

    @property
    def key(self) -> str:
        """``u<user id>`` for a logged-in shopper, ``s<visit key>`` otherwise ('' if untracked)."""
        if self.user_id:
            return f"u{self.user_id}"
        return f"s{self.session_key}" if self.session_key else ""


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
    return Visitor(
        session_key=session.get(VISIT_KEY, ""), user_id=user_id, country=country,
        personalization_on=personalization_on, tracking_allowed=bool(tracking_allowed),
    )


class VisitorMiddleware:
    """Sets ``request.visitor``, resolved lazily so pages that never ask pay nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.visitor = SimpleLazyObject(lambda: visitor_for(request))
        return self.get_response(request)

"""A listing page's state, from the URL (or the shopper's saved defaults) to facets and chips.

Bad input never fails the page: a parameter that cannot be used is ignored and a ``Notice`` says
which and why ("Ignored price_min=abc: enter a number."); the rest still applies. Only a query
string longer than ``MAX_QUERY_STRING`` is refused outright (``BadRequest``, a 400): no form of
ours makes one, and reading it costs more than answering it. Django itself answers 400 past
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (1,000) parameters.

The canonical query string lists parameters in ``ORDER``, repeated values sorted and
de-duplicated, empty values and ``page=1`` dropped; ``defaults=off`` stays only when nothing else
is set.
"""

import re
import unicodedata
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.paginator import Page, Paginator
from django.http import QueryDict

from shop.cards import CARD_FIELDS, ProductCard

from .defaults import listing_params, saved_preference
from .facets import Chip, Facet, chips, facets, total
from .filters import ProductFilter, catalog_options, sort_choices

MAX_QUERY_STRING = 4096
MAX_VALUE_LENGTH = 200
SHOWN_LENGTH = 40
PAGE_SIZES = ("12", "24", "48", "96")
FILTERS = (
    "q",
    "category",
    "price_min",
    "price_max",
    "colour",
    "material",
    "brand",
    "audience",
    "in_stock",
    "on_sale",
)
ORDER = (*FILTERS, "sort", "page_size", "defaults", "page")
MULTIPLE = frozenset({"colour", "material", "brand", "audience"})
PAGE_NUMBER = re.compile(r"[0-9]{1,12}")
# Parameters the listing reads itself (the FilterSet's form checks the others).
CHECKS = {
    "page_size": (lambda value: value in PAGE_SIZES, "choose 12, 24, 48 or 96."),
    "defaults": (lambda value: value == "off", "use defaults=off."),
    "page": (lambda value: PAGE_NUMBER.fullmatch(value) and int(value) > 0, "not a page number."),
}

Params = dict[str, list[str]]


@dataclass
class Notice:
    text: str
    ignored: bool = True


@dataclass(frozen=True)
class Asked:
    """What a request asks for: ``shown``, its own parameters or else the saved defaults."""

    shown: Params
    explicit: Params  # the URL's own
    fixed: dict[str, str]
    defaults_in_use: bool

    def without(self, names) -> "Asked":
        return replace(
            self,
            shown={k: v for k, v in self.shown.items() if k not in names},
            explicit={k: v for k, v in self.explicit.items() if k not in names},
        )

    def data(self) -> QueryDict:
        return as_querydict({**self.shown, **{k: [v] for k, v in self.fixed.items()}})


@dataclass
class Listing:
    """What a listing page shows. ``redirect_url`` set: answer with it, nothing else is filled."""

    path: str
    filterset: ProductFilter | None = None
    page: Page | None = None
    facets: list[Facet] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    query: str = ""  # the URL's own valid parameters, canonical
    search_query: str = ""  # what is shown, canonical, as a /products/ query (fixed ones too)
    defaults_in_use: bool = False
    redirect_url: str = ""
    params: QueryDict = field(default_factory=QueryDict)  # ``query`` without page: page links
    clear_url: str = ""
    sort: str = ""
    sort_options: list[tuple[str, str]] = field(default_factory=list)
    page_size: int = 0

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def page_sizes(self) -> list[int]:
        return [int(size) for size in PAGE_SIZES]

    @property
    def sort_note(self) -> str:
        return self.filterset.sort_note if self.filterset else ""


def build_listing(request, products, *, fixed=None, required=()) -> Listing:
    """The listing of ``products`` for this request.

    ``fixed``: filter values the page sets (``{"category": "tents"}``); the URL may not change
    them and they get no facet or chip. ``required``: filters without which nothing is listed
    (the search page needs ``q``). Raises ``BadRequest`` for an oversized query string.
    """
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
        raise BadRequest("The address is too long.")
    options = catalog_options()
    asked, notices = asked_for(request, options, fixed or {})
    filterset = ProductFilter(asked.data(), products, request=request, options=options)
    notices += form_notices(filterset)
    asked = asked.without(filterset.errors)
    listing = Listing(request.path, query=canonical_query(asked.explicit), notices=notices)
    listing.redirect_url = redirect_url(request, listing)
    if listing.redirect_url:
        return listing
    if any(not filterset.cleaned.get(name) for name in required):
        filterset.queryset = filterset.queryset.none()
    return filled(listing, request, filterset, asked)


def filled(listing: Listing, request, filterset, asked: Asked) -> Listing:
    """``listing`` with its page, facets, chips and links."""
    listing.filterset, listing.defaults_in_use = filterset, asked.defaults_in_use
    listing.page_size = int(asked.shown.get("page_size", [settings.TAILOR_PAGE_SIZE])[0])
    number = int(asked.explicit.get("page", ["1"])[0])
    link = linker(request.path, asked.without({"page"}).shown, asked.defaults_in_use)
    listing.facets = facets(filterset, hidden=asked.fixed, link=link)
    listing.page = paginated(
        filterset.qs.for_cards().only(*CARD_FIELDS),
        number,
        listing.page_size,
        listing,
        count=total(listing.facets, filterset),
    )
    asked = asked.without({"page"})
    active = canonical_params({k: v for k, v in asked.shown.items() if k in FILTERS})
    listing.chips = chips(filterset, active, link=link)
    listing.clear_url = link({name: [] for name in FILTERS})
    listing.params = as_querydict(canonical_params(asked.explicit))
    listing.search_query = canonical_query(asked.data(), keep_defaults=False)
    listing.sort_options = sort_choices(getattr(request, "visitor", None))
    requested = filterset.cleaned.get("sort")
    listing.sort = requested if requested in dict(listing.sort_options) else filterset.sort_applied
    return listing


# --- Reading the request --------------------------------------------------------------------


def asked_for(request, options, fixed) -> tuple[Asked, list[Notice]]:
    """The URL's usable parameters; when it sets nothing but a page, the saved defaults."""
    params, notices = screened(request.GET, options, fixed)
    saved = {} if set(params) - {"page"} else listing_params(saved_preference(request))
    if saved:
        saved, more = screened(as_querydict(saved), options, fixed)
        notices += more
    return Asked({**saved, **params}, params, fixed, bool(saved)), notices


def screened(query: QueryDict, options, fixed) -> tuple[Params, list[Notice]]:
    """The parameters worth validating, and a notice for each one left out.

    Left out: unknown or fixed names, over-long values, control characters, several values
    where one is expected, unknown slugs (one by one: the other values still apply), and bad
    ``page_size``, ``page`` or ``defaults`` values. Empty values are dropped silently.
    """
    params, notices = {}, []
    for name, values in query.lists():
        values = list(dict.fromkeys(value for value in values if value != ""))
        problem = name_problem(name, fixed) if values else None
        if problem:
            notices.append(ignored(name, values, problem))
            continue
        kept = []
        for value in values:
            problem = value_problem(name, value, options)
            if problem:
                notices.append(ignored(name, [value], problem))
            else:
                kept.append(value)
        if len(kept) > 1 and name not in MULTIPLE:
            notices.append(ignored(name, kept, f"give one value, not {len(kept)}."))
        elif kept:
            params[name] = kept
    return params, notices


def name_problem(name: str, fixed) -> str | None:
    if name in fixed:
        return f"this page already sets the {name}."
    return None if name in ORDER else "not an option on this page."


def value_problem(name: str, value: str, options) -> str | None:
    if len(value) > MAX_VALUE_LENGTH:
        return f"longer than {MAX_VALUE_LENGTH} characters."
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        return "contains control characters."
    if name in CHECKS:
        valid, message = CHECKS[name]
        return None if valid(value) else message
    if name in MULTIPLE and value not in options.slugs(name):
        return ProductFilter.base_filters[name].extra["error_messages"]["invalid_choice"]
    return None


def form_notices(filterset) -> list[Notice]:
    """A notice for each value the filter set's form rejected."""
    notices = []
    for name, errors in filterset.errors.items():
        message = str(errors[0])
        notices.append(
            ignored(name, filterset.data.getlist(name), message[:1].lower() + message[1:])
        )
    return notices


def ignored(name: str, values: list[str], reason: str) -> Notice:
    pairs = ", ".join(f"{shown(name)}={shown(value)}" for value in values) or shown(name)
    return Notice(f"Ignored {pairs}: {reason}")


def shown(text: str) -> str:
    """``text`` safe to quote in a notice: control characters replaced, long text cut."""
    text = "".join(
        "\ufffd" if unicodedata.category(char) in ("Cc", "Cs") else char for char in text
    )
    return text if len(text) <= SHOWN_LENGTH else f"{text[:SHOWN_LENGTH]}…"


# --- Canonical URLs -------------------------------------------------------------------------


def canonical(params, *, keep_defaults=True) -> list[tuple[str, str]]:
    """``params`` (a dict or QueryDict of lists) as (name, value) pairs; see the docstring."""
    pairs = []
    for name in ORDER:
        given = params.getlist(name) if isinstance(params, QueryDict) else params.get(name, [])
        values = [value for value in given if value != ""]
        values = sorted(set(values)) if name in MULTIPLE else values[:1]
        pairs += [(name, value) for value in values if (name, value) != ("page", "1")]
    if not keep_defaults or any(name not in ("defaults", "page") for name, _ in pairs):
        pairs = [(name, value) for name, value in pairs if name != "defaults"]
    return pairs


def canonical_query(params, *, keep_defaults=True) -> str:
    return urlencode(canonical(params, keep_defaults=keep_defaults))


def canonical_params(params) -> Params:
    grouped: dict[str, list[str]] = {}
    for name, value in canonical(params):
        grouped.setdefault(name, []).append(value)
    return grouped


def as_querydict(params: Params) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in params.items():
        query.setlist(name, list(values))
    return query


def redirect_url(request, listing: Listing) -> str:
    """The canonical URL for a plain GET whose valid query string is not canonical, else ""."""
    if request.method not in ("GET", "HEAD") or request.headers.get("HX-Request"):
        return ""
    if any(notice.ignored for notice in listing.notices):
        return ""
    given = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    return "" if given == parse_qsl(listing.query) else listing.url


def linker(path: str, shown: Params, defaults_in_use: bool):
    """A function from changes (``{name: values}``) to the canonical URL of the result."""

    def link(changes: Params) -> str:
        query = canonical_query({**shown, **changes})
        if not query and defaults_in_use:
            query = "defaults=off"  # else the saved defaults would come straight back
        return f"{path}?{query}" if query else path

    return link


def paginated(queryset, number: int, size: int, listing: Listing, *, count=None) -> Page:
    """Page ``number``, or the last page with a notice when it is past the end.

    ``count``: the number of products when already known (saves a COUNT query).
    """
    paginator = Paginator(queryset, size)
    if count is not None:
        paginator.count = count
    if number > paginator.num_pages:
        listing.notices.append(
            Notice(
                f"Page {shown(str(number))} is past the end; showing "
                f"the last page, {paginator.num_pages}."
            )
        )
        number = paginator.num_pages
    page = paginator.page(number)
    page.object_list = [ProductCard.of(product) for product in page.object_list]
    return page

"""Facet counts and active-filter chips for a listing.

Counts are layered: a facet's counts keep every *other* active filter, so choosing Red does not
zero out Blue. Each facet is one GROUP BY query (price bands one aggregate query), whatever the
number of its options; labels come from the ``CatalogOptions`` the filter set already holds.
Counts no shopper's filter narrows (the whole page's) are cached for ``BASE_COUNTS_SECONDS``.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q

from shop.models import Product

FIELDS = {
    "category": "category_id",
    "brand": "brand_id",
    "colour": "colour_id",
    "material": "material_id",
    "audience": "audience",
}
LEGENDS = {
    "q": "Search",
    "category": "Category",
    "brand": "Brand",
    "colour": "Colour",
    "material": "Material",
    "audience": "For",
    "price": "Price",
}
# (lowest, highest), both inclusive like price_min and price_max; None: no ceiling.
PRICE_BANDS = ((0, 25), (25, 50), (50, 100), (100, 250), (250, None))
BASE_COUNTS_SECONDS = 60
OWN = {"price": {"price_min", "price_max"}}  # the filters a facet ignores: by default its own

Link = Callable[[dict[str, list[str]]], str]


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool = False
    swatch: str = ""
    depth: int = 0
    href: str = ""
    input_id: str = ""

    @property
    def shown(self) -> bool:
        """Worth a line: it would find something, or it is chosen (so it can be unchosen)."""
        return bool(self.count or self.selected)


@dataclass
class Facet:
    name: str
    legend: str
    options: list[FacetOption]
    multiple: bool = True

    def __post_init__(self):
        for option in self.options:
            option.input_id = f"f-{self.name}-{option.value or 'all'}"

    @property
    def input_type(self) -> str:
        return "checkbox" if self.multiple else "radio"


@dataclass
class Chip:
    name: str
    value: str
    label: str
    href: str


def option_counts(filterset, name: str) -> dict:
    """Products per value of ``name`` (an id, or the audience) with the other filters kept."""
    field = FIELDS[name]
    # COUNT(*), not COUNT(id): PostgreSQL can then answer from a covering index alone.
    rows = filterset.filtered_without(name).values(field).annotate(n=Count("*"))
    return {row[field]: row["n"] for row in rows}


def price_band_counts(filterset) -> list[int]:
    """Products in each of ``PRICE_BANDS`` with the filters other than price kept."""
    bands = {
        f"band{i}": Count("price", filter=band_condition(low, high))
        for i, (low, high) in enumerate(PRICE_BANDS)
    }
    counts = filterset.filtered_without("price_min", "price_max").aggregate(**bands)
    return [counts[f"band{i}"] or 0 for i in range(len(PRICE_BANDS))]


def counts_of(filterset, name: str):
    return price_band_counts(filterset) if name == "price" else option_counts(filterset, name)


def band_condition(low, high) -> Q:
    return Q(price__gte=low) & (Q(price__lte=high) if high is not None else Q())


def facets(filterset, *, hidden=(), link: Link) -> list[Facet]:
    """The facets to show, in page order; ``hidden`` (the page's fixed filters) are left out."""
    builders = {
        "category": category_facet,
        "brand": slug_facet,
        "colour": slug_facet,
        "material": slug_facet,
        "audience": audience_facet,
    }
    names = [name for name in builders if name not in hidden]
    counts = facet_counts(filterset, [*names, "price"], hidden)
    shown = [builders[name](filterset, name, counts[name]) for name in names]
    return shown + [price_facet(filterset, counts["price"], link)]


def total(shown: list[Facet], filterset) -> int | None:
    """How many products the listing finds, if a facet can tell without another query.

    A facet whose own filter is unused counts every listed product once (each has exactly one
    colour, material, brand and audience), so its counts add up to the listing's size.
    """
    active = filterset.active()
    for facet in shown:
        if facet.name in ("audience", "colour", "material", "brand") and facet.name not in active:
            return sum(option.count for option in facet.options)
    return None


def facet_counts(filterset, names, fixed) -> dict:
    """Each facet's counts, except the cached ones, in as few queries as the filters allow.

    A facet that no filter of the shopper narrows shows the counts of the page's whole
    catalog: the same for everyone, and the dearest to count (every product is read). Those
    come from the cache, at most ``BASE_COUNTS_SECONDS`` old. The others keep every active
    filter but their own, so the facets whose own filter is unused all count the same
    products: on PostgreSQL they share one query (``shared_option_counts``).
    """
    active = filterset.active() - set(fixed)
    key = base_counts_key(filterset, fixed)
    base = {name for name in names if key and not active - OWN.get(name, {name})}
    cached = cache.get(key, {}) if base else {}
    counts = {name: cached[name] for name in base if name in cached}
    unused = [
        name
        for name in names
        if name not in counts and name in FIELDS and name not in filterset.active()
    ]
    if len(unused) > 1 and connection.vendor == "postgresql":
        counts.update(shared_option_counts(filterset, unused))
    counts.update({name: counts_of(filterset, name) for name in names if name not in counts})
    fresh = {name: counts[name] for name in base if name not in cached}
    if fresh:
        cache.set(key, {**cached, **fresh}, BASE_COUNTS_SECONDS)
    return {name: counts[name] for name in names}


def shared_option_counts(filterset, names) -> dict[str, dict]:
    """``option_counts`` of several facets whose own filters are unused, in one query: one
    pass over the filtered products with a GROUPING SETS per facet (PostgreSQL)."""
    fields = [FIELDS[name] for name in names]
    products = filterset.filtered_without().values(*fields)
    counts: dict[str, dict] = {name: {} for name in names}
    if products.query.is_empty():  # an empty search: no SQL to wrap, nothing to count
        return counts
    inner, params = products.query.sql_with_params()
    columns = [connection.ops.quote_name(field) for field in fields]
    sql = (
        f"SELECT {', '.join(columns)}, GROUPING({', '.join(columns)}), COUNT(*) "
        f"FROM ({inner}) AS filtered "
        f"GROUP BY GROUPING SETS ({', '.join(f'({column})' for column in columns)})"
    )
    # GROUPING() sets a bit, from the last column up, for each column not grouped by.
    which = {
        (2 ** len(fields) - 1) ^ (1 << (len(fields) - 1 - i)): name for i, name in enumerate(names)
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for *values, grouping, count in cursor.fetchall():
            name = which[grouping]
            counts[name][values[names.index(name)]] = count
    return counts


def base_counts_key(filterset, fixed) -> str | None:
    """The cache key of the page's whole-catalog counts; None for an empty listing."""
    query = filterset.queryset.query
    if query.is_empty():
        return None
    page = f"{query}|{sorted(fixed.items()) if fixed else ''}"
    return f"listing:base-counts:v1:{hashlib.sha1(page.encode()).hexdigest()}"


def slug_facet(filterset, name: str, counts: dict) -> Facet:
    chosen = set(filterset.cleaned.get(name) or ())
    return Facet(
        name,
        LEGENDS[name],
        [
            FacetOption(
                item.slug,
                item.name,
                counts.get(item.pk, 0),
                item.slug in chosen,
                swatch=getattr(item, "hex", ""),
            )
            for item in filterset.options.of(name)
        ],
    )


def audience_facet(filterset, name: str, counts: dict) -> Facet:
    chosen = set(filterset.cleaned.get(name) or ())
    return Facet(
        name,
        LEGENDS[name],
        [
            FacetOption(value, label, counts.get(value, 0), value in chosen)
            for value, label in Product.Audience.choices
        ],
    )


def category_facet(filterset, name: str, counts: dict) -> Facet:
    """Departments (counting their categories), and the categories of the chosen department."""
    options = filterset.options
    selected = filterset.cleaned.get(name) or ""
    chosen = options.by_slug(name).get(selected)
    open_id = chosen and (chosen.parent_id or chosen.pk)
    items = [FacetOption("", "All categories", sum(counts.values()), not selected)]
    for department in (item for item in options.categories if item.parent_id is None):
        children = options.children(department.pk)
        total = counts.get(department.pk, 0) + sum(counts.get(c.pk, 0) for c in children)
        items.append(
            FacetOption(department.slug, department.name, total, department.slug == selected)
        )
        if department.pk == open_id:
            items += [
                FacetOption(c.slug, c.name, counts.get(c.pk, 0), c.slug == selected, depth=1)
                for c in children
            ]
    return Facet(name, LEGENDS[name], items, multiple=False)


def price_facet(filterset, counts: list[int], link: Link) -> Facet:
    """Price bands as links that set (or, when chosen, clear) both price bounds."""
    low, high = filterset.cleaned.get("price_min"), filterset.cleaned.get("price_max")
    items = []
    for (band_low, band_high), count in zip(PRICE_BANDS, counts, strict=True):
        chosen = low == band_low and high == (None if band_high is None else Decimal(band_high))
        bounds = {
            "price_min": [str(band_low)],
            "price_max": [str(band_high)] if band_high is not None else [],
        }
        items.append(
            FacetOption(
                f"{band_low}-{band_high or ''}",
                band_label(band_low, band_high),
                count,
                chosen,
                href=link({"price_min": [], "price_max": []} if chosen else bounds),
            )
        )
    return Facet("price", LEGENDS["price"], items, multiple=False)


def band_label(low, high) -> str:
    if high is None:
        return f"€{low} and more"
    return f"Up to €{high}" if low == 0 else f"€{low} to €{high}"


def chips(filterset, params: dict[str, list[str]], *, link: Link) -> list[Chip]:
    """A removable chip per active filter value in ``params``, linking to the URL without it."""
    found = []
    for name, values in params.items():
        for value in values:
            label = chip_label(filterset, name, value)
            if label:
                rest = [other for other in values if other != value]
                found.append(Chip(name, value, label, link({name: rest})))
    return found


def chip_label(filterset, name: str, value: str) -> str:
    if name in ("colour", "material", "brand", "category"):
        return f"{LEGENDS[name]}: {filterset.options.by_slug(name)[value].name}"
    labels = {
        "q": lambda: f"Search: “{value.strip()}”",
        "audience": lambda: f"For: {Product.Audience(value).label}",
        "price_min": lambda: f"From €{Decimal(value):.2f}",
        "price_max": lambda: f"Up to €{Decimal(value):.2f}",
        "in_stock": lambda: "In stock",
        "on_sale": lambda: "On sale",
    }
    return labels[name]() if name in labels else ""

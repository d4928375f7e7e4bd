"""The catalog's filters and sort orders: ``ProductFilter``, over active products.

Values come as strings, as in a URL. A value the form rejects is left out of the filtering (the
listing says so, see ``preferences.listing``); the others still apply. Colours, materials, brands
and categories are chosen by slug and filtered by id, from ``CatalogOptions`` (cached; one
query per kind when not), so validating and filtering add no queries of their own.
"""

from dataclasses import dataclass

import django_filters
from django import forms
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, FloatField, Subquery, Value, When
from django.db.models.functions import Cast
from django.http import QueryDict

from personalization.algorithms import context
from personalization.models import Algorithm, Band, BandResult
from shop.models import Brand, Category, Colour, Material, Product

from .hidden import hidden_ids
from .owners import owner_for

RECOMMENDED_CAP = 100
OPTIONS_CACHE_KEY = "catalog:options:v1"
OPTIONS_CACHE_SECONDS = 600
SEARCH_MAX_LENGTH = 100
DEFAULT_SORT = "name"
RECOMMENDED_LABEL = "Recommended for you — picked by the shop"
SORTS = {
    "recommended": RECOMMENDED_LABEL,
    "best_selling": "Best selling",
    "newest": "Newest",
    "price": "Price: low to high",
    "-price": "Price: high to low",
    "discount": "Biggest discount",
    "name": "Name",
}
ORDERINGS = {
    "price": ("price", "pk"),
    "-price": ("-price", "pk"),
    "newest": ("-created_at", "pk"),
    "best_selling": ("-units_sold", "pk"),
    "name": ("name", "pk"),
}
# Price over earlier price: the smaller, the bigger the discount; products not on sale come last.
PRICE_RATIO = Case(
    When(
        compare_at_price__gt=F("price"),
        then=Cast("price", FloatField()) / Cast("compare_at_price", FloatField()),
    ),
    default=Value(1.0),
    output_field=FloatField(),
)
NO_RECOMMENDATIONS = (
    "We don’t know your taste well enough yet, so these are sorted by best selling instead."
)
PERSONALIZATION_OFF = (
    "You switched personalization off, so “Recommended for you” is sorted by best selling instead."
)


@dataclass(frozen=True)
class CatalogOptions:
    """Every colour, material, brand and category, in display order."""

    colours: list[Colour]
    materials: list[Material]
    brands: list[Brand]
    categories: list[Category]

    def slugs(self, name: str) -> set[str]:
        """The values ``name`` accepts, one by one: slugs, or the audiences."""
        if name == "audience":
            return set(Product.Audience.values)
        return {item.slug for item in self.of(name)}

    def of(self, name: str) -> list:
        lists: dict[str, list] = {
            "colour": self.colours,
            "material": self.materials,
            "brand": self.brands,
            "category": self.categories,
        }
        return lists[name]

    def by_slug(self, name: str) -> dict:
        return {item.slug: item for item in self.of(name)}

    def children(self, category_id: int) -> list[Category]:
        return [item for item in self.categories if item.parent_id == category_id]


def catalog_options() -> CatalogOptions:
    """From the cache, else four small queries, whatever the number of options. Saving or
    deleting a colour, material, brand or category forgets it (``forget_catalog_options``)."""
    options = cache.get(OPTIONS_CACHE_KEY)
    if options is None:
        options = CatalogOptions(
            list(Colour.objects.all()),
            list(Material.objects.all()),
            list(Brand.objects.all()),
            list(Category.objects.all()),
        )
        cache.set(OPTIONS_CACHE_KEY, options, OPTIONS_CACHE_SECONDS)
    return options


def forget_catalog_options(**kwargs):
    """post_save / post_delete receiver for the option models: forgotten once committed."""
    transaction.on_commit(lambda: cache.delete(OPTIONS_CACHE_KEY), robust=True)


def recommendations(visitor_key: str) -> list[int]:
    """Product ids of the first enabled "for you" band for a visitor, best first; one query."""
    band = Band.objects.filter(is_enabled=True, algorithm=Algorithm.FOR_YOU).order_by("pk")
    items = (
        BandResult.objects.filter(
            band=Subquery(band.values("pk")[:1]),
            version=F("band__current_version"),
            context=context("visitor", visitor_key),
        )
        .values_list("items", flat=True)
        .first()
    )
    return [item[0] for item in (items or [])[:RECOMMENDED_CAP]]


class ListingForm(forms.Form):
    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_min", "above the maximum price.")
            self.add_error("price_max", "below the minimum price.")
        return data


class PriceFilter(django_filters.NumberFilter):
    def get_max_validator(self):
        return None  # max_digits already refuses what no price could reach


def price_filter(lookup):
    return PriceFilter(
        field_name="price",
        lookup_expr=lookup,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={
            "invalid": "enter a number.",
            "min_value": "a price can’t be negative.",
            "max_digits": "that is more than any price here.",
            "max_decimal_places": "use at most two decimals.",
            "max_whole_digits": "that is more than any price here.",
        },
    )


ONE, MULTIPLE = django_filters.ChoiceFilter, django_filters.MultipleChoiceFilter


def choice(filter_class, method, choices=(), message="no such option."):
    return filter_class(method=method, choices=choices, error_messages={"invalid_choice": message})


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="matching", max_length=SEARCH_MAX_LENGTH)
    category = choice(ONE, "in_category", message="no such category.")
    price_min = price_filter("gte")
    price_max = price_filter("lte")
    colour = choice(MULTIPLE, "with_slugs", message="no such colour.")
    material = choice(MULTIPLE, "with_slugs", message="no such material.")
    brand = choice(MULTIPLE, "with_slugs", message="no such brand.")
    audience = choice(
        MULTIPLE, "for_audience", Product.Audience.choices, "choose women, men, unisex or kids."
    )
    in_stock = choice(ONE, "only_in_stock", [("true", "In stock only")], "use in_stock=true.")
    on_sale = choice(ONE, "only_on_sale", [("true", "On sale only")], "use on_sale=true.")
    sort = choice(ONE, "sorted_later", list(SORTS.items()), "no such sort order.")

    class Meta:
        model = Product
        fields: list[str] = []
        form = ListingForm

    def __init__(self, data=None, queryset=None, *, request=None, options=None):
        """``options``: a ``CatalogOptions`` (loaded here when not given). No data: no filter."""
        if queryset is None:
            queryset = Product.objects.active()
        super().__init__(QueryDict() if data is None else data, queryset, request=request)
        self.options = options or catalog_options()
        for name in ("colour", "material", "brand", "category"):
            self.filters[name].extra["choices"] = [(o.slug, o.name) for o in self.options.of(name)]
        self.sort_applied = DEFAULT_SORT
        self.sort_note = ""

    @property
    def cleaned(self) -> dict:
        """The valid values by filter name; a rejected value is missing (see ``errors``)."""
        self.form.is_valid()
        return self.form.cleaned_data

    def active(self) -> set[str]:
        """The names of the filters in use (valid and not empty); sorting is not a filter."""
        return {
            name
            for name, value in self.cleaned.items()
            if name != "sort" and value not in (None, "", [], ())
        }

    def filtered_without(self, *names):
        """Active products with every valid filter except ``names``, unsorted (for facets)."""
        queryset = self.queryset.all()
        for name, value in self.cleaned.items():
            if name not in names and name != "sort":
                queryset = self.filters[name].filter(queryset, value)
        return queryset.order_by()

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return self.sorted(queryset, self.form.cleaned_data.get("sort") or DEFAULT_SORT)

    def sorted(self, queryset, key):
        """``queryset`` in the order ``key`` names, ties broken by pk; notes a fallback."""
        if key == "recommended":
            ids = self.recommended_ids()
            if ids:
                self.sort_applied = key
                ranks = Case(
                    *(When(pk=pid, then=Value(rank)) for rank, pid in enumerate(ids)),
                    default=Value(len(ids)),
                )
                return queryset.alias(rank=ranks).order_by("rank", "-units_sold", "pk")
            key = "best_selling"
        self.sort_applied = key
        if key == "discount":
            return queryset.alias(ratio=PRICE_RATIO).order_by("ratio", "pk")
        return queryset.order_by(*ORDERINGS[key])

    def recommended_ids(self) -> list[int]:
        """The visitor's rows of the enabled "for you" band, best first; notes why if none."""
        visitor = getattr(self.request, "visitor", None)
        if visitor is not None and not visitor.personalization_on:
            self.sort_note = PERSONALIZATION_OFF
            return []
        ids = recommendations(visitor.key) if visitor is not None and visitor.key else []
        if ids and hasattr(self.request, "session"):
            # What the shopper said "Not interested" to is not pushed to the top either.
            hidden = hidden_ids(owner_for(self.request))
            ids = [pid for pid in ids if pid not in hidden]
        if not ids:
            self.sort_note = NO_RECOMMENDATIONS
        return ids

    def matching(self, queryset, name, value):
        return queryset.search(value)

    def in_category(self, queryset, name, slug):
        category = self.options.by_slug("category")[slug]
        ids = [category.pk, *(child.pk for child in self.options.children(category.pk))]
        return queryset.filter(category_id__in=ids)

    def with_slugs(self, queryset, name, slugs):
        by_slug = self.options.by_slug(name)
        return queryset.filter(**{f"{name}_id__in": [by_slug[slug].pk for slug in slugs]})

    def for_audience(self, queryset, name, values):
        return queryset.filter(audience__in=values)

    def only_in_stock(self, queryset, name, value):
        return queryset.filter(stock__gt=0)

    def only_on_sale(self, queryset, name, value):
        return queryset.filter(compare_at_price__gt=F("price"))

    def sorted_later(self, queryset, name, value):
        return queryset  # filter_queryset sorts last, whatever the order of the filters


def sort_choices(visitor) -> list[tuple[str, str]]:
    """The sort orders to offer: "recommended" only while personalization is on."""
    personal = visitor is not None and visitor.personalization_on
    return [(key, label) for key, label in SORTS.items() if key != "recommended" or personal]

"""The read side of bands: which items each band on a page shows to this visitor, and why.

``bands_for`` never computes anything heavy: it reads stored results (from the cache, else the
database), the visitor's own recent events for "Recently viewed", then applies pins, blocks,
exclusions (including what the shopper hid), opt-out and fallbacks. Each band comes with why it
is shown and what of the visitor's it used (``explanations``). Its query count does not grow with
the number of bands or items: the enabled bands (cached), one query for results, one for
products, at most one for the visitor's views (shared with their lifecycle stage) and one for
what they bought, and the same again once for fallbacks; a returning shopper's "Pick up" band
adds their latest cart adds, a new visitor's onboarding band the best sellers of their picks.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from django.core.cache import cache
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from shop.cards import ProductCard, cards
from shop.models import OrderLine, Product

from .algorithms import context
from .experiments import attach_tests, variant_for
from .explanations import band_signals, band_why
from .lifecycle import Stage, latest_views, own_events, stage_of
from .models import Algorithm, Band, BandResult, Event

BANDS_CACHE_KEY = "bands:enabled:v2"
BANDS_CACHE_SECONDS = 60
RESULTS_CACHE_SECONDS = 3600
CANDIDATE_MARGIN = 4
PICK_UP_CARTED = 20
# Bands read from the shopper's own data: switched off with personalization.
PERSONAL_ALGORITHMS = {
    Algorithm.RECENTLY_VIEWED,
    Algorithm.FOR_YOU,
    Algorithm.DEALS,
    Algorithm.PICK_UP,
    Algorithm.ONBOARDING,
}


@dataclass
class BandItem:
    card: ProductCard
    reason: str
    link: str = ""


@dataclass
class ShownBand:
    band: Band
    items: list[BandItem] = field(default_factory=list)
    fallback_for: Band | None = None
    why: str = ""  # what the band is, in a sentence
    signals: list[str] = field(default_factory=list)  # what of the visitor's it used

    @property
    def title(self):
        return self.band.title


@dataclass(frozen=True)
class PageContext:
    """Where the bands are shown: the placement and what the page is about."""

    placement: str
    product: Product | None = None
    category_id: int | None = None
    cart_product_ids: tuple[int, ...] = ()
    # Products the shopper said "Not interested" to: never shown in any band.
    hidden_ids: frozenset[int] = frozenset()


def enabled_bands() -> dict[int, Band]:
    """Every enabled band with its pins, blocks and A/B test, cached briefly; admin saves
    clear it."""
    bands = cache.get(BANDS_CACHE_KEY)
    if bands is None:
        bands = {
            band.pk: band
            for band in Band.objects.filter(is_enabled=True)
            .select_related("variant_test")
            .prefetch_related("pinned_products", "blocked_products")
        }
        attach_tests(bands)
        for band in bands.values():
            band.pinned_ids = [p.pk for p in band.pinned_products.all()]
            band.blocked_ids = {p.pk for p in band.blocked_products.all()}
            # Every page unpickles these: keep the ids, not the product instances.
            del band._prefetched_objects_cache
        cache.set(BANDS_CACHE_KEY, bands, BANDS_CACHE_SECONDS)
    return bands


def forget_cached_bands():
    cache.delete(BANDS_CACHE_KEY)


def bands_for(visitor, page: PageContext) -> list[ShownBand]:
    """The bands of ``page.placement`` in the admin's order, each with its items and reasons."""
    bands = enabled_bands()
    chosen = [
        band for band in bands.values() if band.placement == page.placement and not band.is_variant
    ]
    chosen.sort(key=lambda band: (band.position, band.pk))
    chosen = [_for_visitor(variant_for(band, visitor, bands), visitor, bands) for band in chosen]
    shown, seen = [], set()
    for item in _show([b for b in chosen if b is not None], visitor, page, bands):
        # A band already shown as another's fallback is not shown twice.
        if item.items and item.band.pk not in seen:
            seen.add(item.band.pk)
            shown.append(item)
    return shown


def preview_band(band, visitor, page: PageContext) -> ShownBand:
    """One band as this visitor would see it, enabled or not (for the admin's preview)."""
    band.pinned_ids = list(band.pinned_products.values_list("pk", flat=True))
    band.blocked_ids = set(band.blocked_products.values_list("pk", flat=True))
    return _show([band], visitor, page, enabled_bands())[0]


def _show(chosen, visitor, page, bands) -> list[ShownBand]:
    """Fill the chosen bands; one with too few items is replaced by its filled fallback.

    Fallbacks are read together with the chosen bands, so a page costs one read of results and
    one of cards whether or not a fallback is needed.
    """
    fallbacks = {
        band.pk: _for_visitor(bands.get(band.fallback_id), visitor, bands)
        for band in chosen
        if bands.get(band.fallback_id)
    }
    fallbacks = {pk: backup for pk, backup in fallbacks.items() if backup is not None}
    everything = {band.pk: band for band in [*chosen, *fallbacks.values()]}
    filled = {s.band.pk: s for s in _Reader(visitor, page).fill(list(everything.values()))}
    result = []
    for band in chosen:
        item, backup = filled[band.pk], fallbacks.get(band.pk)
        if len(item.items) < band.min_items and backup is not None and filled[backup.pk].items:
            shown = filled[backup.pk]
            item = ShownBand(backup, shown.items, band, shown.why, shown.signals)
        result.append(item)
    return result


def _for_visitor(band, visitor, bands):
    """With personalization off, a personal band gives way to its (non-personal) fallback."""
    if visitor.personalization_on or band.algorithm not in PERSONAL_ALGORITHMS:
        return band
    fallback = bands.get(band.fallback_id)
    if fallback is not None and fallback.algorithm not in PERSONAL_ALGORITHMS:
        return fallback
    return None


class _Reader:
    """Reads the results of several bands for one visitor and page in a fixed number of queries."""

    def __init__(self, visitor, page: PageContext):
        self.visitor = visitor
        self.page = page
        self._bought: set[int] | None = None

    def fill(self, bands) -> list[ShownBand]:
        if not bands:
            return []
        stored = [band for band in bands if not band.is_live]
        candidates = _stored_rows(stored, {band.pk: self._contexts(band) for band in stored})
        for band in bands:
            if band.is_live:
                candidates[band.pk] = self._live(band)
        wanted: set[int] = set()
        for band in bands:
            candidates[band.pk] = self._likely(band, candidates[band.pk])
            wanted.update(pid for pid, _ in candidates[band.pk])
            wanted.update(band.pinned_ids)
        if any(band.algorithm in PERSONAL_ALGORITHMS for band in bands):
            wanted.update(pid for pid, _ in self.views()[:3])
        products = cards(wanted)
        for band in bands:
            if band.algorithm == Algorithm.ONBOARDING:
                candidates[band.pk] = self._colours_first(candidates[band.pk], products)
        return [
            ShownBand(
                band,
                self._items(band, candidates[band.pk], products),
                why=band_why(band, self.visitor),
                signals=band_signals(band, self.visitor, self.page, self.views, products),
            )
            for band in bands
        ]

    def _live(self, band) -> list[tuple[int, str]]:
        if band.algorithm == Algorithm.PICK_UP:
            return self._pick_up(band)
        if band.algorithm == Algorithm.ONBOARDING:
            return self._onboarding(band)
        return self._recently_viewed(band)

    def _likely(self, band, rows) -> list[tuple[int, str]]:
        """The first rows that can still be shown, with a margin for unknown ones (stock).

        Stored rows hold three times what a band shows; loading them all as products costs more
        than the rest of the page, so known exclusions are dropped before the products query.
        """
        excluded = self._excluded(band) | band.blocked_ids
        kept = [(pid, reason) for pid, reason in rows if pid not in excluded]
        return kept[: band.item_count + CANDIDATE_MARGIN]

    def _items(self, band, rows, products) -> list[BandItem]:
        """The band's cards in order, each linking through the click tracker."""
        excluded = self._excluded(band)
        click = (
            f"{reverse('personalization:click')}?"
            f"{urlencode({'band': band.slug})}&page={quote(self.page.placement)}&product="
        )
        items, seen = [], set()
        pinned = [(pid, "Featured by the shop") for pid in band.pinned_ids]
        for pid, reason in pinned + rows:
            product = products.get(pid)
            if product is None or pid in seen or pid in excluded or pid in band.blocked_ids:
                continue
            if band.exclude_out_of_stock and not product.in_stock:
                continue
            seen.add(pid)
            items.append(BandItem(product, reason, f"{click}{pid}"))
            if len(items) == band.item_count:
                break
        return items

    def _excluded(self, band) -> set[int]:
        excluded = set(self.page.cart_product_ids) | self.page.hidden_ids
        if band.algorithm == Algorithm.PICK_UP:
            # Picking up where they left off includes what is still in their cart.
            excluded -= set(self.page.cart_product_ids)
        if band.exclude_current and self.page.product is not None:
            excluded.add(self.page.product.pk)
        if band.exclude_purchased:
            excluded |= self.bought()
        return excluded

    def bought(self) -> set[int]:
        if self._bought is None:
            self._bought = set()
            if self.visitor.user_id:
                self._bought = set(
                    OrderLine.objects.filter(order__user_id=self.visitor.user_id).values_list(
                        "product_id", flat=True
                    )
                )
        return self._bought

    def _contexts(self, band) -> list[str]:
        page, algorithm = self.page, band.algorithm
        if algorithm in {
            Algorithm.BOUGHT_TOGETHER,
            Algorithm.ALSO_VIEWED,
            Algorithm.SIMILAR,
            Algorithm.SIMILAR_FACTORS,
        }:
            ids = [page.product.pk] if page.product is not None else page.cart_product_ids[:20]
            return [context("product", pid) for pid in ids]
        if algorithm in {Algorithm.FOR_YOU, Algorithm.DEALS}:
            personal = [context("visitor", self.visitor.key)] if self.visitor.key else []
            return personal + ([""] if algorithm == Algorithm.DEALS else [])
        if algorithm == Algorithm.NEAR_YOU:
            return [context("country", self.visitor.country)] if self.visitor.country else []
        if algorithm == Algorithm.BEST_SELLERS and page.category_id:
            return [context("category", page.category_id)]
        return [""]

    def _recently_viewed(self, band) -> list[tuple[int, str]]:
        since = timezone.now() - timedelta(days=band.lookback_days)
        rows, seen = [], set()
        for pid, when in self.views():
            if when >= since and pid not in seen:
                seen.add(pid)
                rows.append((pid, _viewed(when)))
        return rows

    def _pick_up(self, band) -> list[tuple[int, str]]:
        """For a shopper back after a while: what they carted, then viewed, before leaving."""
        if stage_of(self.visitor) != Stage.RETURNING:
            return []
        carted = own_events(self.visitor).filter(kind=Event.Kind.CART_ADD)
        carted = carted.order_by("-created_at").values_list("product_id", "created_at", "user_id")
        rows, seen = [], set()
        for pid, when, user_id in list(carted[:PICK_UP_CARTED]):
            if pid not in seen and user_id == self.visitor.user_id:
                seen.add(pid)
                rows.append((pid, f"You put this in your cart {timesince(when, depth=1)} ago"))
        for pid, when in self.views():
            if pid not in seen:
                seen.add(pid)
                rows.append((pid, _viewed(when)))
        return rows

    def _onboarding(self, band) -> list[tuple[int, str]]:
        """For a new visitor who said what they are shopping for: the best sellers of the
        categories they picked, their colours first; real behaviour takes over after this
        first visit."""
        picks = self.visitor.picks
        categories = [pk for kind, pk, _ in picks if kind == "category"]
        if not categories or stage_of(self.visitor) != Stage.NEW:
            return []
        source = next(
            (b for b in enabled_bands().values() if b.algorithm == Algorithm.BEST_SELLERS),
            None,
        )
        if source is None:
            return []
        contexts = [context("category", pk) for pk in categories]
        rows = _stored_rows([source], {source.pk: contexts})[source.pk]
        names = ", ".join(name for _, _, name in picks)
        reason = f"A best seller in what you said you are shopping for ({names})"
        return [(pid, reason) for pid, _ in rows]

    def _colours_first(self, rows, products) -> list[tuple[int, str]]:
        colours = {name for kind, _, name in self.visitor.picks if kind == "colour"}
        liked = [
            row for row in rows if row[0] in products and products[row[0]].colour_name in colours
        ]
        return liked + [row for row in rows if row not in liked]

    def views(self) -> list[tuple[int, datetime]]:
        """The visitor's latest product views, newest first, read once a request."""
        return latest_views(self.visitor)


def _viewed(when) -> str:
    if timezone.now() - when < timedelta(minutes=1):
        return "You viewed this just now"
    return f"You viewed this {timesince(when, depth=1)} ago"


def _stored_rows(bands, contexts) -> dict[int, list[tuple[int, str]]]:
    """Each band's stored rows for its contexts, from the cache or one database query.

    With several contexts (a cart's products) the rows are merged: a product keeps its best
    score, best first.
    """
    keys = {
        (band.pk, ctx): f"band:{band.pk}:v{band.current_version}:{ctx}"
        for band in bands
        for ctx in contexts[band.pk]
    }
    cached = cache.get_many(list(keys.values())) if keys else {}
    found = {pair: cached[key] for pair, key in keys.items() if key in cached}
    missing = [pair for pair in keys if pair not in found]
    if missing:
        fresh = _results_from_db({band.pk: band for band in bands}, missing)
        found.update(fresh)
        cache.set_many({keys[pair]: rows for pair, rows in fresh.items()}, RESULTS_CACHE_SECONDS)
    return {
        band.pk: _merged([found[(band.pk, ctx)] for ctx in contexts[band.pk]]) for band in bands
    }


def _merged(lists) -> list[tuple[int, str]]:
    if len(lists) == 1:
        return [(pid, reason) for pid, _, reason in lists[0]]
    best: dict[int, tuple[float, str]] = {}
    for rows in lists:
        for pid, score, reason in rows:
            if pid not in best or score > best[pid][0]:
                best[pid] = (score, reason)
    return [
        (pid, reason)
        for pid, (_, reason) in sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
    ]


def _results_from_db(bands, pairs) -> dict[tuple[int, str], list[tuple[int, float, str]]]:
    """One query for every (band, context) pair; pairs without rows map to empty lists."""
    wanted = Q()
    for band_id, ctx in pairs:
        wanted |= Q(band_id=band_id, version=bands[band_id].current_version, context=ctx)
    found: dict[tuple[int, str], list] = {pair: [] for pair in pairs}
    rows = BandResult.objects.filter(wanted).values_list("band_id", "context", "items")
    for band_id, ctx, items in rows:
        found[(band_id, ctx)] = [tuple(item) for item in items]
    return found

"""Computing bands: load their inputs once per run, call each band's algorithm, return frames.

One small function per algorithm, registered in ``COMPUTERS``. They read the band's tuning
(look-back window, thresholds, options) and take their frames from the run's ``Inputs``, so bands
computed together (``recompute_bands``, the nightly run) share one load of each frame and one
collaborative model, instead of reading millions of events once per band.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone
from django_countries import countries

from . import inputs
from .algorithms import (
    also_viewed,
    best_sellers,
    bought_together,
    deals,
    empty_result,
    for_you,
    near_you,
    similar,
    trending,
)
from .models import Algorithm

# Which frames each algorithm reads, and over how many look-back windows.
NEEDS = {
    Algorithm.BEST_SELLERS: {"lines": 1},
    Algorithm.TRENDING: {"lines": 2},
    Algorithm.NEAR_YOU: {"lines": 1},
    Algorithm.BOUGHT_TOGETHER: {"lines": 1},
    Algorithm.ALSO_VIEWED: {"events": 1},
    Algorithm.SIMILAR: {},
    Algorithm.SIMILAR_FACTORS: {"lines": 1, "events": 1},
    Algorithm.FOR_YOU: {"lines": 1, "events": 1},
    Algorithm.DEALS: {"lines": 1, "events": 1},
}
_COLLABORATIVE = {"lines", "events", "products", "interactions", "reachable", "als"}
# What per-visitor "for you" rows keep beyond what the band shows (see ``_for_you``).
PERSONAL_MARGIN = 4
# Everything each algorithm keeps in a run's memo, so a run can let go of what no band left
# needs (the events frame and a trained model are hundreds of MB).
USES = {
    Algorithm.BEST_SELLERS: {"lines", "products"},
    Algorithm.TRENDING: {"lines"},
    Algorithm.NEAR_YOU: {"lines"},
    Algorithm.BOUGHT_TOGETHER: {"lines"},
    Algorithm.ALSO_VIEWED: {"events"},
    Algorithm.SIMILAR: {"products", "names"},
    Algorithm.SIMILAR_FACTORS: _COLLABORATIVE,
    Algorithm.FOR_YOU: _COLLABORATIVE,
    Algorithm.DEALS: {"lines", "events", "products", "names", "interactions", "reachable"},
}


class Inputs:
    """The input frames of one run, each loaded once over the longest window its bands need.

    ``lines(since)`` and ``events(since)`` return the rows from ``since`` on; ``memo`` keeps any
    other result the run's bands share (interactions, a trained model) under a key: a name, or
    a tuple that starts with one. ``finished(band)`` drops what no band still to come uses.
    """

    def __init__(self, bands: Iterable, now: datetime):
        self.now = now
        self._earliest: dict[str, datetime] = {}
        self._users: dict[str, int] = {}
        for band in bands:
            for frame, windows in NEEDS.get(band.algorithm, {}).items():
                since = _since(band, now, windows)
                self._earliest[frame] = min(since, self._earliest.get(frame, since))
            for name in USES.get(band.algorithm, ()):
                self._users[name] = self._users.get(name, 0) + 1
        self._memo: dict = {}

    def finished(self, band) -> None:
        for name in USES.get(band.algorithm, ()):
            self._users[name] -= 1
        unused = {name for name, count in self._users.items() if count <= 0}
        for key in [key for key in self._memo if _name(key) in unused]:
            del self._memo[key]

    def lines(self, since: datetime) -> pd.DataFrame:
        frame = self.memo("lines", lambda: inputs.order_lines(since=self._from("lines", since)))
        return _from_on(frame, since)

    def events(self, since: datetime) -> pd.DataFrame:
        """Views and cart adds."""
        frame = self.memo(
            "events", lambda: inputs.events(["view", "cart_add"], since=self._from("events", since))
        )
        return _from_on(frame, since)

    def products(self) -> pd.DataFrame:
        return self.memo("products", inputs.products)

    def names(self) -> dict:
        return self.memo("names", inputs.attribute_names)

    def memo(self, key, compute: Callable):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _from(self, frame: str, since: datetime) -> datetime:
        return min(since, self._earliest.get(frame, since))


def _name(key) -> str:
    return key if isinstance(key, str) else key[0]


def _from_on(frame: pd.DataFrame, since: datetime) -> pd.DataFrame:
    if frame.empty or frame["created_at"].min() >= since:
        return frame
    return frame[frame["created_at"] >= since]


def _stored_count(band) -> int:
    """Keep more rows than the band shows: exclusions and blocks drop some at read time."""
    return band.item_count * 2


def _since(band, now, windows=1):
    return now - timedelta(days=band.lookback_days * windows)


def _best_sellers(band, run):
    return best_sellers.best_sellers(
        run.lines(_since(band, run.now)),
        now=run.now,
        days=band.lookback_days,
        count_by=band.count_by,
        product_categories=run.products(),
        top_n=_stored_count(band),
    )


def _trending(band, run):
    return trending.trending(
        run.lines(_since(band, run.now, windows=2)),
        now=run.now,
        days=band.lookback_days,
        min_volume=band.min_support,
        top_n=_stored_count(band),
    )


def _near_you(band, run):
    return near_you.popular_near_you(
        run.lines(_since(band, run.now)),
        now=run.now,
        days=band.lookback_days,
        top_n=_stored_count(band),
        country_names=dict(countries),
    )


def _bought_together(band, run):
    return bought_together.co_purchases(
        run.lines(_since(band, run.now)),
        min_support=band.min_support,
        metric=band.metric,
        top_n=_stored_count(band),
    )


def _also_viewed(band, run):
    return also_viewed.also_viewed(
        run.events(_since(band, run.now)),
        min_support=band.min_support,
        top_n=_stored_count(band),
    )


def _similar(band, run):
    return similar.similar_by_attributes(
        run.products(), top_n=_stored_count(band), names=run.names()
    )


def _interactions(band, run) -> pd.DataFrame:
    since = _since(band, run.now)
    return run.memo(
        ("interactions", since), lambda: for_you.interactions(run.events(since), run.lines(since))
    )


def reachable_visitors(frames: Iterable[pd.DataFrame], now: datetime) -> set[str]:
    """Visitor keys in the events or order-lines ``frames`` that can still come back: every
    shopper, and the anonymous visitors seen within the session cookie's lifetime (an older
    visit key died with its session, so results stored for it would never be read)."""
    alive = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    keys: set[str] = set()
    for frame in frames:
        anonymous = frame["user_id"].isna()
        keys.update(f"u{int(user)}" for user in frame.loc[~anonymous, "user_id"].unique())
        keys.update(
            f"s{key}"
            for key in frame.loc[anonymous & (frame["created_at"] >= alive), "session_key"].unique()
            if key
        )
    return keys


def _visitors(band, run) -> set[str]:
    since = _since(band, run.now)
    return run.memo(
        ("reachable", since),
        lambda: reachable_visitors([run.events(since), run.lines(since)], run.now),
    )


def _trained(band, run):
    """The ALS model of the band's window and options, trained once per run for every band
    that uses it ("Recommended for you", similar products by factors)."""
    options = _als_options(band)
    key = ("als", _since(band, run.now), tuple(sorted(options.items())))
    return run.memo(key, lambda: for_you.trained(_interactions(band, run), **options))


def _product_names(run) -> dict[int, str]:
    catalog = run.products()
    return dict(zip(catalog["product_id"], catalog["name"], strict=True))


def _als_options(band) -> dict:
    allowed = {"factors", "iterations", "regularization", "alpha"}
    return {key: value for key, value in band.options.items() if key in allowed}


def _for_you(band, run):
    """Per-visitor rows leave out what the visitor already touched, so the read side rarely
    drops any: a margin above what the band shows is enough."""
    return for_you.recommended_for_you(
        _interactions(band, run),
        product_names=_product_names(run),
        model=_trained(band, run),
        top_n=band.item_count + PERSONAL_MARGIN,
        only_visitors=_visitors(band, run),
        min_interactions=band.options.get("min_interactions", 2),
    ).results


def _similar_factors(band, run):
    model = _trained(band, run)
    if model is None:
        return empty_result()
    return similar.similar_by_factors(
        np.asarray(model.model.item_factors), model.product_ids, top_n=_stored_count(band)
    )


def _deals(band, run):
    catalog = run.products()
    found = _interactions(band, run)
    found = found[found["visitor"].isin(_visitors(band, run))]
    return deals.best_deals(
        catalog,
        deals.affinities(found, catalog),
        top_n=_stored_count(band),
        min_discount=band.options.get("min_discount", 0.05),
        names=run.names(),
    )


COMPUTERS = {
    Algorithm.BEST_SELLERS: _best_sellers,
    Algorithm.TRENDING: _trending,
    Algorithm.NEAR_YOU: _near_you,
    Algorithm.BOUGHT_TOGETHER: _bought_together,
    Algorithm.ALSO_VIEWED: _also_viewed,
    Algorithm.SIMILAR: _similar,
    Algorithm.SIMILAR_FACTORS: _similar_factors,
    Algorithm.FOR_YOU: _for_you,
    Algorithm.DEALS: _deals,
}


def band_results(band, now=None, run: Inputs | None = None) -> pd.DataFrame:
    """The band's ranked result frame, computed now. ``run`` shares inputs with other bands."""
    run = run or Inputs([band], now or timezone.now())
    return COMPUTERS[band.algorithm](band, run)

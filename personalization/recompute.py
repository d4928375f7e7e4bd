"""Computing one band: load its inputs, call its algorithm, return the ranked result frame.

One small function per algorithm, registered in ``COMPUTERS``. They read the band's tuning
(look-back window, thresholds, options) and nothing else from the database than their inputs.
"""

from datetime import timedelta

import pandas as pd
from django.utils import timezone
from django_countries import countries

from . import inputs
from .algorithms import (
    also_viewed,
    best_sellers,
    bought_together,
    deals,
    for_you,
    near_you,
    similar,
    trending,
)
from .models import Algorithm

EVENT_KINDS = ["view", "cart_add"]


def _stored_count(band) -> int:
    """Keep more rows than the band shows: exclusions and blocks drop some at read time."""
    return band.item_count * 2


def _since(band, now, windows=1):
    return now - timedelta(days=band.lookback_days * windows)


def _best_sellers(band, now):
    return best_sellers.best_sellers(
        inputs.order_lines(since=_since(band, now)), now=now, days=band.lookback_days,
        count_by=band.count_by, product_categories=inputs.products(), top_n=_stored_count(band),
    )


def _trending(band, now):
    return trending.trending(
        inputs.order_lines(since=_since(band, now, windows=2)), now=now, days=band.lookback_days,
        min_volume=band.min_support, top_n=_stored_count(band),
    )


def _near_you(band, now):
    return near_you.popular_near_you(
        inputs.order_lines(since=_since(band, now)), now=now, days=band.lookback_days,
        top_n=_stored_count(band), country_names=dict(countries),
    )


def _bought_together(band, now):
    return bought_together.co_purchases(
        inputs.order_lines(since=_since(band, now)), min_support=band.min_support,
        metric=band.metric, top_n=_stored_count(band),
    )


def _also_viewed(band, now):
    return also_viewed.also_viewed(
        inputs.events(["view"], since=_since(band, now)), min_support=band.min_support,
        top_n=_stored_count(band),
    )


def _similar(band, now):
    return similar.similar_by_attributes(inputs.products(), top_n=_stored_count(band),
                                         names=inputs.attribute_names())


def _collaborative(band, now):
    catalog = inputs.products()
    found = for_you.interactions(
        inputs.events(EVENT_KINDS, since=_since(band, now)),
        inputs.order_lines(since=_since(band, now)),
    )
    return for_you.recommended_for_you(
        found, product_names=dict(zip(catalog["product_id"], catalog["name"], strict=True)),
        top_n=_stored_count(band), **_als_options(band),
    )


def _als_options(band) -> dict:
    allowed = {"factors", "iterations", "regularization", "alpha", "min_interactions"}
    return {key: value for key, value in band.options.items() if key in allowed}


def _for_you(band, now):
    return _collaborative(band, now).results


def _similar_factors(band, now):
    model = _collaborative(band, now)
    return similar.similar_by_factors(model.item_factors, model.product_ids,
                                      top_n=_stored_count(band))


def _deals(band, now):
    catalog = inputs.products()
    found = for_you.interactions(
        inputs.events(EVENT_KINDS, since=_since(band, now)),
        inputs.order_lines(since=_since(band, now)),
    )
    return deals.best_deals(
        catalog, deals.affinities(found, catalog), top_n=_stored_count(band),
        min_discount=band.options.get("min_discount", 0.05), names=inputs.attribute_names(),
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


def band_results(band, now=None) -> pd.DataFrame:
    """The band's ranked result frame, computed now. Live bands have none to compute."""
    return COMPUTERS[band.algorithm](band, now or timezone.now())

"""What each band earns, per day: impressions, clicks, and the carts, orders and revenue that
followed a click. Pure: frames in, frames out (``rollup.py`` loads and stores them).

Attribution, precisely. A click on band X for product P by visit key S at time t *leads to*:

- a cart add: a ``cart_add`` event of P by S at t or later;
- an order line: a line of P in an order (not cancelled) placed by S (``Order.session_key``) at
  t or later; its revenue is the line's quantity × unit price.

and only within ``window`` after the click (the visit key's lifetime). Each cart add and each
order line is credited once, to the band of the *latest* such click before it (last click
wins), so repeated clicks never count a purchase twice and the bands' revenues add up to at most
the shop's. An order counts once per band however many of its lines that band is credited with.
Figures are dated by the UTC day they happened: a click on its day, a cart add or an order on
its own day, even when the click came the day before.
"""

import pandas as pd

FIGURES = ["impressions", "clicks", "carts", "orders", "revenue"]
COLUMNS = ["band_id", "day", *FIGURES]


def daily_figures(
    impressions: pd.DataFrame,
    clicks: pd.DataFrame,
    carts: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    start,
    end,
    window: pd.Timedelta,
) -> pd.DataFrame:
    """One row per (band, day) in ``[start, end)`` with any figure, ordered by band and day.

    - ``impressions``: ``band_id``, ``day`` (date), ``impressions`` (already counted per day);
    - ``clicks``: ``band_id``, ``session_key``, ``product_id``, ``created_at``; clicks before
      ``start`` (back to ``start - window``) are needed to credit what follows them, and only
      clicks in ``[start, end)`` are counted;
    - ``carts``: ``session_key``, ``product_id``, ``created_at`` (``cart_add`` events);
    - ``lines``: ``order_id``, ``session_key``, ``product_id``, ``quantity``, ``price``,
      ``created_at`` (the order's).

    Times are UTC ``datetime64``; ``start`` and ``end`` are UTC timestamps at midnight. Returns
    ``COLUMNS``: counts as ints, ``revenue`` as float; ``day`` as ``datetime.date``.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    counted = clicks[(clicks["created_at"] >= start) & (clicks["created_at"] < end)]
    parts = [
        impressions[["band_id", "day", "impressions"]],
        _per_day(counted, clicks=("band_id", "size")),
        _per_day(credited(clicks, _between(carts, start, end), window), carts=("band_id", "size")),
        _orders(credited(clicks, _between(lines, start, end), window)),
    ]
    return _combined([part for part in parts if not part.empty])


def _combined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The figures of ``parts`` summed per (band, day); a figure a part lacks counts 0."""
    if not parts:
        return pd.DataFrame(
            {name: pd.Series(dtype="object" if name == "day" else "int64") for name in COLUMNS}
        ).astype({"revenue": "float64"})
    found = pd.concat(parts, ignore_index=True).reindex(columns=COLUMNS)
    found = found.groupby(["band_id", "day"], as_index=False)[FIGURES].sum(min_count=1)
    found = found.fillna(0).astype(
        {**dict.fromkeys(FIGURES[:-1], "int64"), "band_id": "int64", "revenue": "float64"}
    )
    return found.sort_values(["band_id", "day"], ignore_index=True)[COLUMNS]


def credited(clicks: pd.DataFrame, outcomes: pd.DataFrame, window: pd.Timedelta) -> pd.DataFrame:
    """``outcomes`` (cart adds or order lines) that followed a click, each with the ``band_id``
    of the latest click on the same product by the same visit key at or before it, within
    ``window`` (of clicks at the same moment, the last in ``clicks``). Outcomes no click led to
    are dropped; each kept outcome appears once."""
    if outcomes.empty or clicks.empty:
        return outcomes.iloc[0:0].assign(band_id=pd.Series(dtype="int64"))
    keys = ["session_key", "product_id"]
    left = outcomes.astype({"product_id": "int64"}).sort_values("created_at", kind="stable")
    right = clicks[["band_id", *keys, "created_at"]].astype({"product_id": "int64"})
    right = right.sort_values("created_at", kind="stable")
    matched = pd.merge_asof(
        left,
        right,
        on="created_at",
        by=keys,
        direction="backward",
        tolerance=window,
        allow_exact_matches=True,
    )
    return matched.dropna(subset=["band_id"]).astype({"band_id": "int64"})


def _between(frame: pd.DataFrame, start, end) -> pd.DataFrame:
    return frame[(frame["created_at"] >= start) & (frame["created_at"] < end)]


def _per_day(frame: pd.DataFrame, **figure) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame()
    return (
        frame.assign(day=_days(frame["created_at"]))
        .groupby(["band_id", "day"], as_index=False)
        .agg(**figure)
    )


def _orders(lines: pd.DataFrame) -> pd.DataFrame:
    if lines.empty:
        return pd.DataFrame()
    lines = lines.assign(day=_days(lines["created_at"]), revenue=lines["quantity"] * lines["price"])
    return lines.groupby(["band_id", "day"], as_index=False).agg(
        orders=("order_id", "nunique"), revenue=("revenue", "sum")
    )


def _days(times: pd.Series) -> pd.Series:
    return times.dt.tz_convert("UTC").dt.date

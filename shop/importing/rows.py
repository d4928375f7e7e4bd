"""From a chunk's text to order lines: the columns every format produces, and the row checks.

A format renames its columns to ``TEXT_COLUMNS`` and calls ``order_lines``. The lines frame has
``COLUMNS``: ``line``; ``order_key``, ``sku``, ``description`` (text, stripped); ``quantity``
(int64, negative for a return); ``unit_price`` (float64, rounded to cents); ``ordered_at``
(UTC); ``customer`` ("" for a guest); ``country`` (ISO code, "" when unknown) and
``country_text`` (as written); ``colour``, ``material``, ``category`` (as written, "" when the
file has none); ``is_return``. Rows that fail a check go to ``problems`` instead, with the line
and the first reason found, in file order.
"""

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
from django_countries import countries

TEXT_COLUMNS = [
    "order_key",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "ordered_at",
    "customer",
    "country",
    "colour",
    "material",
    "category",
]
COLUMNS = [
    "line",
    "order_key",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "ordered_at",
    "customer",
    "country",
    "country_text",
    "colour",
    "material",
    "category",
    "is_return",
]


@dataclass
class Parsed:
    """A chunk's order lines, its bad rows (``line``, ``reason``) and the rows skipped on
    purpose (non-product codes), counted by what they were."""

    lines: pd.DataFrame
    problems: pd.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)


def no_problems() -> pd.DataFrame:
    return pd.DataFrame({"line": pd.Series(dtype="int64"), "reason": pd.Series(dtype="str")})


def order_lines(
    text: pd.DataFrame, *, local_time: str, date_formats=(), labels: dict[str, str], returns=None
) -> Parsed:
    """Check and convert ``text`` (``TEXT_COLUMNS``, ``line``, ``problem``).

    ``local_time`` is the zone of times written without an offset; ``date_formats`` are tried
    (strptime style) on dates that are not ISO 8601. ``labels`` name the order and product
    columns in reasons ("invoice number", "stock code"). ``returns`` marks extra return rows
    (a boolean Series); rows with a negative quantity are always returns.
    """
    reason = text["problem"].astype("str").copy()
    quantity = whole_numbers(text["quantity"])
    price = pd.to_numeric(stripped(text["unit_price"]), errors="coerce")
    moments = times(text["ordered_at"], local_time, date_formats)
    checks = [
        (text["order_key"] == "", lambda _: f"empty {labels['order_key']}"),
        (text["sku"] == "", lambda _: f"empty {labels['sku']}"),
        (quantity.isna(), lambda i: f"quantity is not a whole number: {text.at[i, 'quantity']!r}"),
        (quantity == 0, lambda _: "quantity is zero"),
        (price.isna(), lambda i: f"price is not a number: {text.at[i, 'unit_price']!r}"),
        (price < 0, lambda i: f"negative price: {text.at[i, 'unit_price']}"),
        (moments.isna(), lambda i: f"bad date: {text.at[i, 'ordered_at']!r}"),
    ]
    for failed, why in checks:
        for index in failed[failed & (reason == "")].index:
            reason.at[index] = why(index)
    good = reason == ""
    problems = pd.DataFrame(
        {"line": text.loc[~good, "line"].astype("int64"), "reason": reason[~good].astype("str")}
    ).reset_index(drop=True)
    is_return = quantity < 0
    if returns is not None:
        is_return |= returns
    lines = pd.DataFrame(
        {
            "line": text["line"],
            "order_key": text["order_key"],
            "sku": text["sku"],
            "description": text["description"],
            "quantity": quantity.fillna(0).astype("int64"),
            "unit_price": price.fillna(0).round(2).astype("float64"),
            "ordered_at": moments,
            "customer": customer_ids(text["customer"]),
            "country": country_codes(text["country"]),
            "country_text": text["country"],
            "colour": text["colour"],
            "material": text["material"],
            "category": text["category"],
            "is_return": is_return.astype(bool),
        }
    )[good].reset_index(drop=True)
    return Parsed(lines, problems)


def per_value(text: pd.Series, convert) -> pd.Series:
    """``convert`` (Series → Series of text) run once per distinct value: a column of half a
    million rows repeats a few thousand values."""
    codes, uniques = pd.factorize(text)
    converted = convert(pd.Series(uniques, dtype="str")).to_numpy(dtype=object)
    return pd.Series(converted[codes], index=text.index, dtype="str")


def stripped(text: pd.Series, *, upper: bool = False) -> pd.Series:
    """The values without surrounding spaces (and in upper case with ``upper``)."""
    return per_value(text, lambda s: s.str.strip().str.upper() if upper else s.str.strip())


def whole_numbers(text: pd.Series) -> pd.Series:
    """Numbers without a fraction ("12", "-3", "12.0") as float64; NaN for anything else."""
    numbers = pd.to_numeric(stripped(text), errors="coerce")
    return numbers.where(numbers.notna() & (numbers == numbers.round()) & (numbers.abs() < 2**31))


def times(text: pd.Series, local_time: str, formats=()) -> pd.Series:
    """Date-times in UTC; NaT where unreadable. ISO 8601 first, then each of ``formats``.

    A time with an offset is converted; one without is read in ``local_time`` (in the hour
    that occurs twice when clocks go back, the second one; a time skipped when they go
    forward moves forward).
    """
    clean = stripped(text)
    found = pd.to_datetime(clean, format="ISO8601", errors="coerce", utc=True)
    for pattern in formats:
        missing = found.isna() & (clean != "")
        if missing.any():
            found[missing] = pd.to_datetime(
                clean[missing], format=pattern, errors="coerce", utc=True
            )
    if local_time == "UTC":
        return found
    wall = found.dt.tz_localize(None)
    local = wall.dt.tz_localize(
        local_time, ambiguous=np.zeros(len(wall), bool), nonexistent="shift_forward"
    )
    return local.dt.tz_convert("UTC")


def customer_ids(text: pd.Series) -> pd.Series:
    """Stripped, and "17850.0" (a spreadsheet's number) read as "17850"."""
    return per_value(text, lambda s: s.str.strip().str.replace(r"^(\d+)\.0+$", r"\1", regex=True))


def country_codes(text: pd.Series) -> pd.Series:
    """ISO 3166 codes for country names or codes; "" for what no country is known by."""
    return per_value(text, lambda s: s.map(lambda value: country_code(value.strip())))


@cache
def country_code(name: str) -> str:
    """ "United Kingdom", "GB" or "GBR" → "GB"; the data set's "EIRE", "RSA" and "USA" too."""
    if not name:
        return ""
    alias = COUNTRY_ALIASES.get(name.upper())
    if alias:
        return alias
    code = countries.alpha2(name) if len(name) in (2, 3) else ""
    return code or countries.by_name(name) or ""


# Names the Online Retail data set uses that are not a country's English name. "Channel
# Islands" (Jersey and Guernsey), "European Community" and "Unspecified" stay unknown.
COUNTRY_ALIASES = {"EIRE": "IE", "RSA": "ZA", "USA": "US", "UK": "GB"}

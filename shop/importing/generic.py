"""The ``generic`` format: the least a shop's order export needs, for any other source.

Required columns: ``order_id``, ``product_id``, ``product_name``, ``quantity``, ``price`` (per
unit) and ``ordered_at`` (ISO 8601; UTC unless it carries an offset). Optional:
``customer_id`` (empty: a guest), ``country`` (a name or an ISO code), ``colour``, ``material``
and ``category`` (the shop's names or slugs, e.g. "Red", "stainless-steel", "mugs"; otherwise
recognised from the product name, else "Other"). A negative quantity is a return. Product ids
are kept as written and become SKUs, so they can match the shop's own products.
"""

import pandas as pd

from .rows import Parsed, order_lines, stripped

SOURCE = "generic"
BRAND = "Imported"
COLUMNS = {
    "order_id": "order_key",
    "product_id": "sku",
    "product_name": "description",
    "quantity": "quantity",
    "price": "unit_price",
    "ordered_at": "ordered_at",
}
OPTIONAL = {
    "customer_id": "customer",
    "country": "country",
    "colour": "colour",
    "material": "material",
    "category": "category",
}
LABELS = {"order_key": "order id", "sku": "product id"}


def lines(chunk: pd.DataFrame) -> Parsed:
    """A chunk's order lines (see ``rows.order_lines``); absent optional columns are ""."""
    text = chunk.rename(columns={**COLUMNS, **OPTIONAL})
    for name in OPTIONAL.values():
        text[name] = stripped(text[name]) if name in text else ""
    for name in ("order_key", "sku", "description"):
        text[name] = stripped(text[name])
    return order_lines(text, local_time="UTC", labels=LABELS)

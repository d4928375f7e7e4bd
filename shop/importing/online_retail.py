"""The ``online-retail`` format: the UCI "Online Retail" data set's columns and rules.

Columns ``InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID,
Country`` (any order; others are ignored). An invoice is an order, a stock code a product (upper
case: "85049a" and "85049A" are one), a customer id a shopper; a row without one is a guest's.
Invoices starting with "C" (cancellations) and negative quantities are returns. Postage,
carriage, manual adjustments, discounts, samples, bank charges, fees, commission, pads and gift
vouchers are not products: their rows are skipped and counted by code. Times without an offset
are UK time; dates are ISO ("2010-12-01 08:26:00") or the US style of some copies
("12/1/2010 8:26").
"""

import pandas as pd

from .rows import Parsed, order_lines, stripped

SOURCE = "online-retail"
BRAND = "Online Retail"
COLUMNS = {
    "InvoiceNo": "order_key",
    "StockCode": "sku",
    "Description": "description",
    "Quantity": "quantity",
    "InvoiceDate": "ordered_at",
    "UnitPrice": "unit_price",
    "CustomerID": "customer",
    "Country": "country",
}
OPTIONAL = ()
LABELS = {"order_key": "invoice number", "sku": "stock code"}
LOCAL_TIME = "Europe/London"
DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")
NOT_PRODUCTS = {
    "POST",
    "DOT",
    "C2",
    "M",
    "D",
    "S",
    "B",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "PADS",
}
VOUCHER_PREFIX = "GIFT_"


def is_product(codes: pd.Series) -> pd.Series:
    """False for the codes that are charges, adjustments or vouchers rather than products."""
    return ~(codes.isin(NOT_PRODUCTS) | codes.str.startswith(VOUCHER_PREFIX))


def lines(chunk: pd.DataFrame) -> Parsed:
    """A chunk's order lines (see ``rows.order_lines``), with non-product rows skipped.

    Rows that cannot be read are problems even when their code is a non-product one.
    """
    text = chunk.rename(columns=COLUMNS)
    text["sku"] = stripped(text["sku"], upper=True)
    text["order_key"] = stripped(text["order_key"], upper=True)
    text["description"] = stripped(text["description"])
    for name in ("colour", "material", "category"):
        text[name] = ""
    skip = ~is_product(text["sku"]) & (text["problem"] == "")
    skipped = text.loc[skip, "sku"].value_counts()
    text = text[~skip].reset_index(drop=True)
    parsed = order_lines(
        text,
        local_time=LOCAL_TIME,
        date_formats=DATE_FORMATS,
        labels=LABELS,
        returns=text["order_key"].str.startswith("C"),
    )
    parsed.skipped = {str(code): int(count) for code, count in skipped.items()}
    return parsed

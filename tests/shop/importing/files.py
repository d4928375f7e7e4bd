"""Small order files written by the tests: rows in, a file path out."""

import csv
import gzip
from pathlib import Path

ONLINE_RETAIL = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
GENERIC = [
    "order_id",
    "product_id",
    "product_name",
    "quantity",
    "price",
    "ordered_at",
    "customer_id",
    "country",
    "colour",
    "material",
    "category",
]


def write_csv(path: Path, rows, header=ONLINE_RETAIL) -> Path:
    """``rows`` (sequences of values) under ``header``, as UTF-8 CSV; .gz paths are gzipped."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def sale(
    invoice, code, description, quantity, when, price, customer="17850", country="United Kingdom"
):
    """One Online Retail row; ``when`` like "2011-06-01 10:00:00" (UK time)."""
    return [invoice, code, description, quantity, when, price, customer, country]


# A small shop's week: two customers and a guest, a cancellation, postage and a duplicate line.
WEEK = [
    sale("536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, "2011-06-01 10:00:00", 2.55),
    sale("536365", "71053", "WHITE METAL LANTERN", 6, "2011-06-01 10:00:00", 3.39),
    sale("536365", "POST", "POSTAGE", 1, "2011-06-01 10:00:00", 18.0),
    sale(
        "536366",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER",
        2,
        "2011-06-02 11:30:00",
        2.95,
        customer="12583",
        country="EIRE",
    ),
    sale(
        "536366",
        "22633",
        "HAND WARMER UNION JACK",
        6,
        "2011-06-02 11:30:00",
        1.85,
        customer="12583",
        country="EIRE",
    ),
    sale("536367", "71053", "WHITE METAL LANTERN", 1, "2011-06-03 09:15:00", 4.25, customer=""),
    sale("536367", "71053", "WHITE METAL LANTERN", 1, "2011-06-03 09:15:00", 4.25, customer=""),
    sale("536368", "22633", "HAND WARMER UNION JACK", 12, "2011-06-04 14:00:00", 1.85),
    sale("C536369", "22633", "HAND WARMER UNION JACK", -12, "2011-06-04 15:00:00", 1.85),
    sale(
        "536370",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER ",
        4,
        "2011-06-05 16:45:00",
        2.55,
        customer="12583",
        country="EIRE",
    ),
]

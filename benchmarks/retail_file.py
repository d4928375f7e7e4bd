"""A generated order file in the shape of the UCI Online Retail data set, for the import benchmark.

``write_file(path, rows, seed)`` writes exactly ``rows`` data rows, the same ones for the same
seed: stock codes with Zipf popularity and upper-case descriptions that name colours and
materials, invoices of about twenty lines in time order over a year, wholesale customers who come
back, about a quarter of the rows by guests, about 2 % of them cancellations of earlier lines,
postage and other non-product codes, and a few bad rows (unreadable dates and quantities, empty
stock codes, bytes that are not UTF-8). Nothing of the real data set is used.
"""

import csv
import math
import random
from bisect import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

HEADER = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
SHAPE: dict[str, Any] = {
    "codes": 4_000,
    "customers": 5_000,
    "lines_per_invoice": 20,
    "guest_share": 0.25,
    "cancel_share": 0.23,
    "zipf": 0.6,
    "non_product_share": 0.005,
    "bad_rows": 40,
}
START = datetime(2010, 12, 1, 8, 0)
DAYS = 374
COLOURS = ["RED", "PINK", "BLUE", "WHITE", "IVORY", "GREEN", "BLACK", "CREAM", "PURPLE", "YELLOW"]
MATERIALS = ["WOODEN", "GLASS", "CERAMIC", "ENAMEL", "ZINC", "PAPER", "FELT", "METAL"]
MOTIFS = [
    "HEART",
    "RETROSPOT",
    "VINTAGE",
    "BIRD",
    "FLOWER",
    "STAR",
    "SPACEBOY",
    "DOLLY",
    "ROSE",
    "PAISLEY",
    "POLKADOT",
    "CHRISTMAS",
    "WOODLAND",
    "REGENCY",
]
NOUNS = [
    "T-LIGHT HOLDER",
    "MUG",
    "CUSHION COVER",
    "LANTERN",
    "JUMBO BAG",
    "CAKE TIN",
    "PHOTO FRAME",
    "WALL CLOCK",
    "LUNCH BOX",
    "DOORMAT",
    "CANDLE",
    "TEA TOWEL",
    "BUNTING",
    "NOTEBOOK",
    "JIGSAW",
    "BOWL",
    "GARLAND",
]
COUNTRIES = [
    "Germany",
    "France",
    "EIRE",
    "Spain",
    "Netherlands",
    "Belgium",
    "Switzerland",
    "Portugal",
    "Australia",
    "Norway",
    "Channel Islands",
    "Unspecified",
]
NON_PRODUCTS = ["POST", "POST", "DOT", "M", "C2", "D", "S", "BANK CHARGES"]
QUANTITIES = [1, 2, 3, 4, 6, 8, 10, 12, 24, 48]
QUANTITY_WEIGHTS = list(accumulate([10, 12, 6, 6, 14, 5, 5, 22, 8, 3]))


@dataclass(frozen=True)
class Code:
    code: str
    description: str
    price: float


def catalog(rng: random.Random, count: int) -> list[Code]:
    """Stock codes, most popular first; prices log-uniform between 0.29 and 15."""
    codes = []
    for n in range(count):
        words = [rng.choice(COLOURS)] if rng.random() < 0.5 else []
        words += [rng.choice(MATERIALS)] if rng.random() < 0.3 else []
        words += [rng.choice(MOTIFS), rng.choice(NOUNS)]
        suffix = rng.choice("ABCDEFG") if rng.random() < 0.15 else ""
        price = round(math.exp(rng.uniform(math.log(0.29), math.log(15))), 2)
        codes.append(Code(f"{20000 + n * 17 % 70000}{suffix}", " ".join(words), price))
    return codes


def write_file(path: Path, rows: int, seed: int = 42) -> dict:
    """Write the file; return what it holds (rows by kind, invoices, codes, customers)."""
    rng = random.Random(f"retail:{seed}")
    codes = catalog(rng, SHAPE["codes"])
    popularity = list(accumulate(1 / (rank + 1) ** SHAPE["zipf"] for rank in range(len(codes))))
    loyalty = list(accumulate(1 / (rank + 1) ** 0.5 for rank in range(SHAPE["customers"])))
    invoices = round(rows / SHAPE["lines_per_invoice"])
    counts: dict[str, Any] = {
        "rows": 0,
        "guest rows": 0,
        "cancellation rows": 0,
        "non-product rows": 0,
        "bad rows": 0,
        "invoices": 0,
        "customers": set(),
    }
    bad_at = set(rng.sample(range(rows), SHAPE["bad_rows"]))
    with path.open("w", newline="", encoding="utf-8", errors="surrogateescape") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for number in range(invoices * 2):
            if counts["rows"] >= rows:
                break
            at = START + timedelta(minutes=int(DAYS * 24 * 60 * number / invoices))
            for row, kind in invoice_rows(rng, codes, popularity, loyalty, 536365 + number, at):
                if counts["rows"] >= rows:
                    break
                if counts["rows"] in bad_at:
                    row, kind = spoiled(rng, row), "bad rows"
                writer.writerow(row)
                counts["rows"] += 1
                counts[kind] = counts.get(kind, 0) + 1
                counts["guest rows"] += row[6] == ""
                if row[6]:
                    counts["customers"].add(row[6])
            counts["invoices"] += 1
    counts["customers"], counts["codes"] = len(counts["customers"]), len(codes)
    return counts


def invoice_rows(rng, codes, popularity, loyalty, number: int, at: datetime):
    """An invoice's rows and their kind, then (sometimes) a cancellation of a few of them."""
    guest = rng.random() < SHAPE["guest_share"]
    customer = "" if guest else str(12346 + bisect(loyalty, rng.random() * loyalty[-1]))
    country = "United Kingdom" if rng.random() < 0.9 else rng.choice(COUNTRIES)
    when = f"{at:%Y-%m-%d %H:%M:%S}"
    size = max(1, min(200, round(rng.expovariate(1 / (SHAPE["lines_per_invoice"] - 1))) + 1))
    lines = []
    for _ in range(size):
        if rng.random() < SHAPE["non_product_share"]:
            lines.append(
                (
                    [
                        str(number),
                        rng.choice(NON_PRODUCTS),
                        "POSTAGE",
                        1,
                        when,
                        18.0,
                        customer,
                        country,
                    ],
                    "non-product rows",
                )
            )
            continue
        item = codes[bisect(popularity, rng.random() * popularity[-1])]
        quantity = QUANTITIES[bisect(QUANTITY_WEIGHTS, rng.random() * QUANTITY_WEIGHTS[-1])]
        price = round(item.price * (1.3 if guest else 0.85 if quantity >= 24 else 1), 2)
        lines.append(
            (
                [
                    str(number),
                    item.code,
                    item.description,
                    quantity,
                    when,
                    price,
                    customer,
                    country,
                ],
                "purchase rows",
            )
        )
    yield from lines
    if not guest and rng.random() < SHAPE["cancel_share"]:
        later = f"{at + timedelta(minutes=rng.randrange(5, 600)):%Y-%m-%d %H:%M:%S}"
        for row, kind in rng.sample(lines, min(len(lines), rng.randrange(1, 5))):
            if kind == "purchase rows":
                yield (
                    [f"C{number}", row[1], row[2], -row[3], later, row[5], customer, country],
                    "cancellation rows",
                )


def spoiled(rng, row: list) -> list:
    """The row with one of the faults an importer must report."""
    row = list(row)
    fault = rng.randrange(4)
    if fault == 0:
        row[4] = "2011-02-30 25:61:00"
    elif fault == 1:
        row[3] = "twelve"
    elif fault == 2:
        row[1] = ""
    else:
        row[2] = "BROKEN \udcff\udcfe DESCRIPTION"
    return row

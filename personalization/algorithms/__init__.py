"""Band algorithms: pure functions over pandas frames and scipy matrices, one module each.

Every algorithm returns a *result frame* with the columns of ``RESULT_COLUMNS``:

- ``context`` (str): who or where the row is for — ``""`` for everyone, ``"product:<id>"``,
  ``"category:<id>"``, ``"country:<ISO code>"`` or ``"visitor:<visitor key>"`` (see ``context``);
- ``product_id`` (int): the product to show;
- ``score`` (float): higher is better; only the order within a context matters;
- ``reason`` (str): the short sentence the page shows beside the item.

Rows are ranked: grouped by context, best score first, ties broken by product id, at most
``top_n`` per context. No ORM, no Celery, no settings in here.
"""

import pandas as pd

RESULT_COLUMNS = ["context", "product_id", "score", "reason"]


def context(kind: str, key) -> str:
    """The context string for a product, category, country or visitor key."""
    return f"{kind}:{key}"


def empty_result() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "context": pd.Series(dtype="str"),
            "product_id": pd.Series(dtype="int64"),
            "score": pd.Series(dtype="float64"),
            "reason": pd.Series(dtype="str"),
        }
    )


def ranked(rows: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """Order rows by context, score (descending) and product id; keep ``top_n`` per context."""
    if rows.empty:
        return empty_result()
    rows = rows.sort_values(
        ["context", "score", "product_id"], ascending=[True, False, True], kind="mergesort"
    )
    rows = rows.groupby("context", sort=False).head(top_n)
    return (
        rows[RESULT_COLUMNS]
        .astype({"product_id": "int64", "score": "float64"})
        .reset_index(drop=True)
    )

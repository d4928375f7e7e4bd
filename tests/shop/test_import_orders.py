"""manage.py import_orders: files in, orders, products and shoppers out; bad input answered."""

import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from personalization.models import BandResult
from shop.models import Brand, Colour, Order, OrderLine, Product, Shopper
from tests.conftest import BASE_DIR, database_url
from tests.factories import ProductFactory
from tests.shop.importing.files import GENERIC, WEEK, sale, write_csv

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_orders", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot():
    """Every row an import writes, comparable across runs."""
    return {
        "orders": sorted(
            Order.objects.values_list(
                "external_key",
                "user__username",
                "full_name",
                "country",
                "status",
                "total",
                "created_at",
            )
        ),
        "lines": sorted(
            OrderLine.objects.values_list(
                "order__external_key", "product__sku", "product_name", "unit_price", "quantity"
            )
        ),
        "products": sorted(
            Product.objects.values_list(
                "sku",
                "slug",
                "name",
                "price",
                "stock",
                "brand__slug",
                "category__slug",
                "colour__slug",
                "material__slug",
                "created_at",
            )
        ),
        "shoppers": sorted(Shopper.objects.values_list("user__username", "country")),
    }


@pytest.fixture
def week(tmp_path):
    return write_csv(tmp_path / "week.csv", WEEK)


def test_invoices_become_orders_dated_as_in_the_file(week):
    run(week)

    orders = {o.external_key: o for o in Order.objects.all()}
    assert sorted(orders) == [
        "online-retail:536365",
        "online-retail:536366",
        "online-retail:536367",
        "online-retail:536368",
        "online-retail:536370",
    ]
    first = orders["online-retail:536365"]
    assert first.created_at == datetime(2011, 6, 1, 9, 0, tzinfo=UTC)  # 10:00 in London
    assert (first.user.username, first.country, first.status) == (
        "online-retail-17850",
        "GB",
        Order.Status.SHIPPED,
    )
    assert first.total == Decimal("35.64")
    assert sorted(first.lines.values_list("product__sku", "quantity")) == [
        ("71053", 6),
        ("85123A", 6),
    ]


def test_guest_rows_become_orders_without_a_user(week):
    run(week)

    guest = Order.objects.get(external_key="online-retail:536367")
    assert guest.user is None and guest.full_name == "Guest"
    assert list(guest.lines.values_list("quantity", "unit_price")) == [(2, Decimal("4.25"))]


def test_customers_become_shoppers_with_their_country_and_no_password(week):
    run(week)

    shoppers = {s.user.username: s for s in Shopper.objects.select_related("user")}
    assert sorted(shoppers) == ["online-retail-12583", "online-retail-17850"]
    assert shoppers["online-retail-12583"].country == "IE"
    assert not any(s.user.has_usable_password() for s in shoppers.values())


def test_stock_codes_become_products_priced_at_their_most_common_price(week):
    run(week)

    heart = Product.objects.select_related("brand", "category", "colour", "material").get(
        sku="85123A"
    )
    assert heart.name == "White Hanging Heart T-Light Holder"
    assert heart.price == Decimal("2.55")
    assert (heart.brand.name, heart.category.slug, heart.colour.slug, heart.material.slug) == (
        "Online Retail",
        "candles",
        "white",
        "other",
    )
    assert heart.stock > 0 and heart.is_active
    assert heart.created_at == datetime(2011, 6, 1, 9, 0, tzinfo=UTC)
    # The line keeps the price that customer paid.
    assert OrderLine.objects.get(
        order__external_key="online-retail:536366", product=heart
    ).unit_price == Decimal("2.95")
    assert not Product.objects.filter(sku="POST").exists()


def test_a_cancelled_invoice_is_not_a_purchase(week):
    run(week)

    returned = Order.objects.get(external_key="online-retail:536368")
    assert returned.status == Order.Status.CANCELLED
    assert not Order.objects.filter(external_key__contains="C536369").exists()


def test_the_summary_counts_what_was_read_skipped_and_stored(week):
    out = run(week)

    assert "Imported week.csv (online-retail): 10 rows" in out
    assert "Orders: 5 in the file (1 by guests, 1 returned in full and stored as cancelled)" in out
    assert "5 new, 0 imported before; 7 order lines written." in out
    assert "Products: 3 (3 new)" in out
    assert "Shoppers: 2 (2 new)" in out
    assert "Returns: 1 rows, 12 units; 12 units taken off earlier purchases" in out
    assert "Skipped: 1 rows with non-product codes (POST 1)." in out
    assert "Bad rows: 0." in out
    assert "TAILOR_AS_OF=latest-order" in out


def test_running_again_on_the_same_file_changes_nothing(week):
    run(week)
    first = snapshot()

    out = run(week)

    assert snapshot() == first
    assert "0 new, 5 imported before; 0 order lines written." in out


def test_a_longer_file_adds_only_its_new_orders(tmp_path):
    run(write_csv(tmp_path / "june-1-3.csv", WEEK[:7]))
    earlier = snapshot()

    out = run(write_csv(tmp_path / "june-1-5.csv", WEEK))

    later = snapshot()
    assert set(earlier["orders"]) < set(later["orders"])
    assert {o[0] for o in set(later["orders"]) - set(earlier["orders"])} == {
        "online-retail:536368",
        "online-retail:536370",
    }
    assert set(earlier["lines"]) < set(later["lines"])
    assert "2 new, 3 imported before" in out


def test_bad_rows_are_reported_by_line_and_the_import_goes_on(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            *WEEK[:2],
            sale("536371", "85123A", "HEART", 1, "2011-02-30 10:00", 1),
            sale("536371", "85123A", "HEART", "a dozen", "2011-06-01 10:00", 1),
            sale("536371", "", "HEART", 1, "2011-06-01 10:00", 1),
        ],
    )
    with path.open("ab") as out:
        out.write(b"536372,22633,HAND WARMER \xa3,1,2011-06-01 10:00,1,17850,United Kingdom\n")

    out = run(path)

    assert "Bad rows: 4, skipped:" in out
    assert "line 4: bad date: '2011-02-30 10:00'" in out
    assert "line 5: quantity is not a whole number: 'a dozen'" in out
    assert "line 6: empty stock code" in out
    assert "line 7: broken encoding (not UTF-8)" in out
    assert list(Order.objects.values_list("external_key", flat=True)) == ["online-retail:536365"]


def test_strict_stops_at_the_first_bad_row_and_writes_nothing(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv", [*WEEK, sale("536371", "85123A", "HEART", "x", "2011-06-01 10:00", 1)]
    )

    with pytest.raises(
        CommandError,
        match=r"Line 12: quantity is not a whole number: 'x'\. "
        r"Nothing was imported",
    ):
        run(path, "--strict")

    assert not Order.objects.exists() and not Product.objects.exists()
    assert not User.objects.exists()


def test_dry_run_says_what_would_be_added_and_writes_nothing(week):
    out = run(week, "--dry-run")

    assert "Checked (dry run, nothing written) week.csv" in out
    assert "5 would be new" in out
    assert not Order.objects.exists() and not Product.objects.exists()


def test_limit_reads_only_the_first_rows(week):
    out = run(week, "--limit", "3")

    assert "3 rows" in out
    assert Order.objects.count() == 1


def test_a_gzipped_file_imports_like_a_plain_one(tmp_path):
    run(write_csv(tmp_path / "week.csv.gz", WEEK))

    assert Order.objects.count() == 5


def test_an_xlsx_file_imports_like_its_csv(tmp_path, week):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(
        [
            "InvoiceNo",
            "StockCode",
            "Description",
            "Quantity",
            "InvoiceDate",
            "UnitPrice",
            "CustomerID",
            "Country",
        ]
    )
    for row in WEEK:
        invoice, code, description, quantity, when, price, customer, country = row
        book.active.append(
            [
                int(invoice) if invoice.isdigit() else invoice,
                code,
                description,
                quantity,
                datetime.fromisoformat(when),
                price,
                float(customer) if customer else None,
                country,
            ]
        )
    book.save(tmp_path / "week.xlsx")
    run(week)
    from_csv = snapshot()
    Order.objects.all().delete()

    run(tmp_path / "week.xlsx")

    assert snapshot()["orders"] == from_csv["orders"]
    assert snapshot()["lines"] == from_csv["lines"]


def test_a_generic_file_uses_the_values_it_gives_and_the_shops_own_skus(tmp_path):
    own = ProductFactory(sku="MUG-1", name="Our mug", price=Decimal("9.00"))
    path = write_csv(
        tmp_path / "export.csv",
        [
            ["A-1", "MUG-1", "Mug", "2", "8.50", "2024-03-01T10:00:00Z", "c-7", "NL", "", "", ""],
            [
                "A-1",
                "LMP-2",
                "Desk lamp",
                "1",
                "40",
                "2024-03-01T10:00:00Z",
                "c-7",
                "NL",
                "Teal",
                "Aluminium",
                "Lamps",
            ],
            [
                "A-2",
                "LMP-2",
                "Desk lamp",
                "1",
                "40",
                "2024-03-02T10:00:00Z",
                "",
                "Germany",
                "Crimson",
                "",
                "",
            ],
        ],
        GENERIC,
    )

    run(path, "--format", "generic")

    own.refresh_from_db()
    assert (own.name, own.price) == ("Our mug", Decimal("9.00"))  # left as the shop had it
    lamp = Product.objects.get(sku="LMP-2")
    assert (lamp.colour.slug, lamp.material.slug, lamp.category.slug, lamp.brand.name) == (
        "teal",
        "aluminium",
        "lamps",
        "Imported",
    )
    assert sorted(Order.objects.values_list("external_key", "user__username", "country")) == [
        ("generic:A-1", "generic-c-7", "NL"),
        ("generic:A-2", None, "DE"),
    ]
    assert OrderLine.objects.get(product=own).unit_price == Decimal("8.50")


def test_units_sold_are_refreshed_after_an_import(week, settings):
    settings.TAILOR_AS_OF = "latest-order"

    out = run(week)

    assert (
        "Next: `python manage.py recompute_bands` computes the bands as of "
        "TAILOR_AS_OF=latest-order." in out
    )

    # Returned in full: the hand warmers' 12 units count for nothing.
    assert dict(Product.objects.values_list("sku", "units_sold")) == {
        "85123A": 12,
        "71053": 8,
        "22633": 6,
    }


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("orders.csv", "", "the file is empty"),
        (
            "orders.csv",
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
            "no rows after the header",
        ),
        ("orders.csv", "invoice,sku\n1,2\n", "needs the columns .* missing: InvoiceNo, StockCode"),
        ("orders.json", "{}", "unknown file type"),
    ],
)
def test_files_that_cannot_be_imported_get_a_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        run(path)
    assert not Order.objects.exists()


def test_a_missing_file_or_an_unknown_format_gets_a_clear_error(tmp_path, week):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "missing.csv")
    with pytest.raises(CommandError, match="invalid choice: 'shopify'"):
        run(week, "--format", "shopify")


def test_the_import_brand_is_created_once(week, tmp_path):
    run(week)
    run(
        write_csv(
            tmp_path / "more.csv",
            [
                sale(
                    "536400", "21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 1, "2011-07-01 10:00", 4
                )
            ],
        )
    )

    assert Brand.objects.filter(name="Online Retail").count() == 1
    assert Product.objects.get(sku="21730").material.slug == "glass"


# --- After an import ---------------------------------------------------------------------------


def bought_together_week():
    """Eight customers; six buy the heart with the lantern, and everyone buys hand warmers."""
    rows = []
    for n in range(8):
        invoice, when, customer = f"5400{n:02d}", f"2011-06-{n + 1:02d} 10:00:00", f"1{n:04d}"
        rows.append(sale(invoice, "22633", "HAND WARMER UNION JACK", 6, when, 1.85, customer))
        if n < 6:
            rows.append(
                sale(
                    invoice, "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2, when, 2.55, customer
                )
            )
            rows.append(sale(invoice, "71053", "WHITE METAL LANTERN", 1, when, 3.39, customer))
    return rows


def test_recompute_bands_after_an_import_fills_the_bands_and_the_storefront_shows_them(
    tmp_path, client
):
    run(write_csv(tmp_path / "june.csv", bought_together_week()))
    heart, lantern = Product.objects.get(sku="85123A"), Product.objects.get(sku="71053")

    call_command(
        "recompute_bands", "--as-of", "latest-order", stdout=io.StringIO(), stderr=io.StringIO()
    )

    best = BandResult.objects.get(band__slug="best-sellers", context="")
    assert set(Product.objects.filter(pk__in=best.product_ids).values_list("sku", flat=True)) == {
        "22633",
        "85123A",
        "71053",
    }
    together = BandResult.objects.get(band__slug="bought-together", context=f"product:{heart.pk}")
    assert together.product_ids[0] == lantern.pk
    home = client.get("/").content.decode()
    assert "Best sellers" in home and "Hand Warmer Union Jack" in home
    page = client.get(heart.get_absolute_url()).content.decode()
    assert "Frequently bought together" in page and "White Metal Lantern" in page
    white = client.get("/products/", {"colour": "white"}).content.decode()
    assert "White Metal Lantern" in white and "Hand Warmer" not in white


# --- An interrupted import ---------------------------------------------------------------------

LINES_PER_ORDER = 3


def many_orders(count: int):
    """``count`` invoices of three lines each, a minute apart, by 50 customers."""
    rows = []
    for n in range(count):
        when = f"2011-03-{1 + n // 1440:02d} {n // 60 % 24:02d}:{n % 60:02d}:00"
        for k in range(LINES_PER_ORDER):
            code = f"{20000 + (n * 7 + k * 13) % 300}"
            rows.append(
                sale(
                    f"{600000 + n}", code, f"PRODUCT {code}", 1 + k, when, 1.25, f"{13000 + n % 50}"
                )
            )
    return rows


def test_a_killed_import_leaves_complete_orders_and_a_rerun_completes_it(
    require_postgres, transactional_db, tmp_path
):
    from django.db import connection
    from django.db.models import Count, Sum

    orders = 3000
    path = write_csv(tmp_path / "big.csv", many_orders(orders))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CONN_MAX_AGE": "0",
        "TAILOR_VAR_DIR": str(tmp_path / "var"),
    }
    child = subprocess.Popen(
        [sys.executable, "manage.py", "import_orders", str(path), "--batch-size", "5", "-v0"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not Order.objects.exists() and child.poll() is None:
            assert time.monotonic() < deadline, "the import stored no order in two minutes"
            time.sleep(0.01)
    finally:
        child.kill()
        _, errors = child.communicate(timeout=30)

    stored = Order.objects.count()
    assert 0 < stored < orders, f"not interrupted midway ({stored} orders): {errors[-2000:]!r}"
    counted = Order.objects.annotate(lines_=Count("lines"), sum_=Sum("lines__quantity"))
    assert set(counted.values_list("lines_", "sum_")) == {(LINES_PER_ORDER, 6)}

    out = run(path)

    assert Order.objects.count() == orders
    assert f"{orders - stored:,} new, {stored:,} imported before" in out
    assert OrderLine.objects.count() == orders * LINES_PER_ORDER
    assert set(Order.objects.annotate(lines_=Count("lines")).values_list("lines_", flat=True)) == {
        LINES_PER_ORDER
    }
    assert Shopper.objects.count() == 50


def test_a_rerun_keeps_what_admins_changed_in_the_reference_data(week):
    run(week)
    Colour.objects.filter(slug="white").update(name="Snow white")

    run(week)

    assert Colour.objects.get(slug="white").name == "Snow white"

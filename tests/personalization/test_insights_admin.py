"""The insights pages in Django admin: performance, evaluations, A/B tests; every bad input
gets a message and changes nothing."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from personalization.models import ABTest, Algorithm, Band, BandDay, Evaluation, Placement
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory
from tests.personalization.factories import BandFactory

pytestmark = pytest.mark.django_db

PERFORMANCE = "admin:personalization_band_performance"
TODAY = timezone.now().astimezone(UTC).date()


def days_ago(n):
    return TODAY - timedelta(days=n)


@pytest.fixture
def figures():
    """Two bands with a week of figures; the second has a running test with a variant."""
    best = BandFactory(title="Best sellers")
    fbt = BandFactory(
        title="Bought together", algorithm=Algorithm.BOUGHT_TOGETHER, placement=Placement.PRODUCT
    )
    test = ABTest.objects.start(fbt, 50, {"metric": Band.Metric.CONFIDENCE})
    ABTest.objects.filter(pk=test.pk).update(started_at=timezone.now() - timedelta(days=6))
    test.refresh_from_db()
    for n in range(7):
        BandDay.objects.create(
            band=best,
            day=days_ago(n),
            impressions=100,
            clicks=3,
            carts=1,
            orders=1,
            revenue=Decimal("20.00"),
        )
        BandDay.objects.create(
            band=fbt,
            day=days_ago(n),
            impressions=200,
            clicks=10,
            orders=2,
            revenue=Decimal("50.00"),
        )
        BandDay.objects.create(
            band=test.variant,
            day=days_ago(n),
            impressions=200,
            clicks=18,
            orders=3,
            revenue=Decimal("70.00"),
        )
    return {"best": best, "fbt": fbt, "test": test}


# --- Performance -------------------------------------------------------------------------------


def test_band_list_links_to_the_insights_pages_and_marks_variants(admin_client, figures):
    page = admin_client.get(reverse("admin:personalization_band_changelist")).content.decode()

    for name in (
        PERFORMANCE,
        "admin:personalization_evaluation_changelist",
        "admin:personalization_abtest_changelist",
    ):
        assert reverse(name) in page
    assert f"variant B of test {figures['test'].pk}" in page


def test_performance_page_shows_totals_charts_and_tests_in_a_few_queries(
    admin_client, figures, django_assert_max_num_queries
):
    # Session, user, the days' rows, the tests, the tests' days.
    with django_assert_max_num_queries(5):
        response = admin_client.get(reverse(PERFORMANCE))

    assert response.status_code == 200
    page = response.context["page"]
    totals = {
        band.label: (band.impressions, band.clicks, band.orders, band.revenue)
        for band in page.bands
    }
    assert totals["Best sellers"] == (700, 21, 7, Decimal("140.00"))
    assert totals["Bought together"] == (1400, 70, 14, Decimal("350.00"))
    html = response.content.decode()
    assert 'id="ctr-chart"' in html and 'id="revenue-chart"' in html
    assert "vendor/chart.umd.js" in html
    assert "3.00%" in html  # Best sellers' CTR in the table, readable without JavaScript.
    # The test: 70/1400 against 126/1400 clicks is a clear difference.
    found = page.tests[0]
    assert (found["control"]["clicks"], found["variant"]["clicks"]) == (70, 126)
    assert found["ctr"].significant
    assert "significant at 95%: the variant does better" in html


def test_performance_csv_has_the_same_rows_as_the_page(admin_client, figures):
    url = reverse(PERFORMANCE)
    response = admin_client.get(url, {"start": days_ago(2), "end": TODAY, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3 * 3
    best = [row for row in rows if row["title"] == "Best sellers"]
    assert {(row["impressions"], row["clicks"], row["ctr"], row["revenue"]) for row in best} == {
        ("100", "3", "0.030000", "20.00")
    }
    assert any(row["title"].endswith(f"variant B of test {figures['test'].pk}") for row in rows)


def test_performance_without_figures_says_so(admin_client):
    response = admin_client.get(reverse(PERFORMANCE))

    assert response.status_code == 200
    assert "No figures for these days." in response.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "The start date is after the end date"),
        ({"start": "1900-01-01", "end": "1900-01-05"}, "Choose days between 2000-01-01 and today"),
        ({"start": "9999-01-01", "end": "9999-12-31"}, "Choose days between 2000-01-01 and today"),
        ({"start": "2020-01-01", "end": "2023-01-01"}, "Choose at most 366 days"),
        ({"start": "2026-13-45"}, "Enter a valid date"),
        ({"end": "yesterday"}, "Enter a valid date"),
    ],
)
def test_bad_date_ranges_get_a_clear_message_not_an_error(admin_client, query, message):
    response = admin_client.get(reverse(PERFORMANCE), query)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "page" not in response.context


def test_bad_dates_in_a_csv_request_get_a_400_with_the_reason(admin_client):
    response = admin_client.get(
        reverse(PERFORMANCE), {"start": "2026-03-10", "end": "2026-03-01", "format": "csv"}
    )

    assert response.status_code == 400
    assert "The start date is after the end date" in response.content.decode()


def test_refresh_figures_queues_a_roll_up_of_the_days_once_committed(
    admin_client, published, django_capture_on_commit_callbacks
):
    url = reverse("admin:personalization_band_performance_refresh")
    start, end = days_ago(3).isoformat(), TODAY.isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"start": start, "end": end}, follow=True)

    assert published == [("personalization.tasks.roll_up_band_figures", [start, end])]
    assert f"Refreshing the figures of {start} to {end}" in response.content.decode()


def test_refresh_with_bad_dates_or_a_get_queues_nothing(
    admin_client, published, django_capture_on_commit_callbacks
):
    url = reverse("admin:personalization_band_performance_refresh")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"start": "2026-03-10", "end": "2026-03-01"}, follow=True)
        got = admin_client.get(url)

    assert "The start date is after the end date" in response.content.decode()
    assert got.status_code == 405
    assert published == []


# --- Evaluate ----------------------------------------------------------------------------------


@pytest.fixture
def orders():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for day in range(10):
        placed = OrderFactory(created_at=start + timedelta(days=day))
        OrderLineFactory(order=placed, product=ProductFactory())


def evaluate(client, bands, **data):
    return client.post(
        reverse("admin:personalization_band_changelist"),
        {"action": "evaluate", "_selected_action": [band.pk for band in bands], **data},
        follow=True,
    )


def test_evaluate_asks_for_a_cutoff_and_k_first(admin_client, orders):
    band = BandFactory()

    response = evaluate(admin_client, [band])

    assert response.status_code == 200
    assert response.templates[0].name == "admin/personalization/band/evaluate.html"
    assert response.context["form"].initial["cutoff"] == date(2026, 3, 2)
    assert not Evaluation.objects.exists()


def test_evaluate_stores_the_parameters_and_queues_the_task_once_committed(
    admin_client, orders, published, django_capture_on_commit_callbacks
):
    band = BandFactory(
        slug="fbt", algorithm=Algorithm.BOUGHT_TOGETHER, metric="confidence", options={"note": 1}
    )
    live = BandFactory(algorithm=Algorithm.RECENTLY_VIEWED)

    with django_capture_on_commit_callbacks(execute=True):
        response = evaluate(admin_client, [band, live], apply="1", cutoff="2026-03-06", k="5")

    evaluation = Evaluation.objects.get()
    assert (evaluation.cutoff, evaluation.k) == (datetime(2026, 3, 6, tzinfo=UTC), 5)
    assert [b["slug"] for b in evaluation.parameters["bands"]] == ["fbt"]
    assert evaluation.parameters["bands"][0]["metric"] == "confidence"
    assert published == [("personalization.tasks.evaluate_bands", [evaluation.pk])]
    assert response.request["PATH_INFO"] == reverse(
        "admin:personalization_evaluation_change", args=[evaluation.pk]
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"cutoff": "2026-03-06", "k": "0"}, "K must be from 1 to 100."),
        ({"cutoff": "2026-03-06", "k": "101"}, "K must be from 1 to 100."),
        ({"cutoff": "2026-03-06", "k": "ten"}, "Enter a whole number."),
        ({"cutoff": "2026-04-30", "k": "10"}, "choose a cut-off with orders before it and after"),
        ({"cutoff": "2026-01-01", "k": "10"}, "choose a cut-off with orders before it and after"),
        ({"cutoff": "0001-01-01", "k": "10"}, "choose a cut-off with orders before it and after"),
        ({"cutoff": "not a day", "k": "10"}, "Enter a valid date."),
    ],
)
def test_evaluate_with_bad_parameters_says_why_and_stores_nothing(
    admin_client, orders, data, message
):
    response = evaluate(admin_client, [BandFactory()], apply="1", **data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Evaluation.objects.exists()


def test_evaluate_without_orders_says_there_is_nothing_to_evaluate(admin_client):
    response = evaluate(admin_client, [BandFactory()], apply="1", cutoff="2026-03-06", k="5")

    assert "There are no orders yet: there is nothing to evaluate on." in (
        response.content.decode()
    )
    assert not Evaluation.objects.exists()


def test_evaluating_only_live_bands_is_refused_with_a_message(admin_client, orders):
    live = BandFactory(algorithm=Algorithm.RECENTLY_VIEWED)

    response = evaluate(admin_client, [live])

    assert "there is nothing to evaluate" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_evaluation_page_shows_the_table_and_chart_in_a_few_queries(
    admin_client, django_assert_max_num_queries
):
    scores = {"hit_rate": 0.4, "precision": 0.04, "recall": 0.3}
    plain = {"hit_rate": 0.2, "precision": 0.02, "recall": 0.15}
    evaluation = Evaluation.objects.create(
        cutoff=datetime(2026, 3, 6, tzinfo=UTC),
        k=10,
        status=Evaluation.Status.DONE,
        parameters={"bands": [{"title": "FBT"}], "baseline": "Best sellers"},
        results=[
            {
                "slug": "fbt",
                "title": "FBT",
                "algorithm": "bought_together",
                "algorithm_label": "Frequently bought together",
                "protocol": "hidden item",
                "cases": 50,
                "covered": 40,
                "scores": scores,
                "baseline": plain,
                "note": "",
                "lookback_days": 30,
                "min_support": 2,
                "metric": "lift",
                "options": {},
            }
        ],
    )

    with django_assert_max_num_queries(3):
        response = admin_client.get(
            reverse("admin:personalization_evaluation_change", args=[evaluation.pk])
        )
    listing = admin_client.get(reverse("admin:personalization_evaluation_changelist"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "40.0%" in html and "20.0%" in html and 'id="evaluation-chart"' in html
    assert "FBT: hit rate 40.0% (baseline 20.0%)" in listing.content.decode()


def test_a_pending_evaluation_page_reloads_itself(admin_client):
    evaluation = Evaluation.objects.create(cutoff=datetime(2026, 3, 6, tzinfo=UTC), k=10)

    html = admin_client.get(
        reverse("admin:personalization_evaluation_change", args=[evaluation.pk])
    ).content.decode()

    assert 'http-equiv="refresh"' in html


# --- A/B tests ---------------------------------------------------------------------------------


ADD_TEST = "admin:personalization_abtest_add"


def test_starting_a_test_makes_the_variant_and_queues_its_computation(
    admin_client, published, django_capture_on_commit_callbacks
):
    band = BandFactory(algorithm=Algorithm.FOR_YOU, options={"factors": 32})

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(ADD_TEST),
            {"band": band.pk, "variant_share": "20", "options": '{"factors": 128}'},
            follow=True,
        )

    test = ABTest.objects.get()
    assert (test.band, test.variant_share, test.variant.options) == (band, 20, {"factors": 128})
    assert published == [("personalization.tasks.recompute_band", [test.variant_id])]
    assert "until it has results everyone sees the control" in response.content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"variant_share": "0", "min_support": "5"}, "between 1 and 99 percent"),
        ({"variant_share": "100", "min_support": "5"}, "between 1 and 99 percent"),
        ({"variant_share": "-5", "min_support": "5"}, "between 1 and 99 percent"),
        ({"variant_share": "half", "min_support": "5"}, "Enter a whole number."),
        ({"variant_share": "50"}, "The variant is tuned exactly like the control"),
        ({"variant_share": "50", "options": "[1, 2]"}, "Options must be a JSON object"),
        ({"variant_share": "50", "options": "{factors: 1"}, "Options must be JSON"),
        ({"variant_share": "50", "lookback_days": "0"}, "greater than or equal to 1"),
    ],
)
def test_starting_a_test_with_bad_input_says_why_and_creates_nothing(admin_client, data, message):
    band = BandFactory()

    response = admin_client.post(reverse(ADD_TEST), {"band": band.pk, **data})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ABTest.objects.exists()
    assert Band.objects.count() == 1


def test_a_band_with_a_running_test_cannot_start_another(admin_client, figures):
    response = admin_client.post(
        reverse(ADD_TEST), {"band": figures["fbt"].pk, "variant_share": "50", "min_support": "9"}
    )

    assert "This band already has a running test: end it first." in response.content.decode()
    assert ABTest.objects.count() == 1


def test_test_page_shows_both_sides_in_a_few_queries(
    admin_client, figures, django_assert_max_num_queries
):
    url = reverse("admin:personalization_abtest_change", args=[figures["test"].pk])

    with django_assert_max_num_queries(4):
        response = admin_client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "5.00% (" in html and "9.00% (" in html
    assert "End: promote the variant (B)" in html
    listing = admin_client.get(reverse("admin:personalization_abtest_changelist"))
    assert listing.status_code == 200


def test_promoting_the_variant_ends_the_test_and_recomputes_the_control(
    admin_client, figures, published, django_capture_on_commit_callbacks
):
    test = figures["test"]
    url = reverse("admin:personalization_abtest_end", args=[test.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"winner": "variant"}, follow=True)
        again = admin_client.post(url, {"winner": "control"}, follow=True)

    test.refresh_from_db()
    figures["fbt"].refresh_from_db()
    assert (test.winner, test.is_running) == ("variant", False)
    assert figures["fbt"].metric == Band.Metric.CONFIDENCE
    assert published == [("personalization.tasks.recompute_band", [figures["fbt"].pk])]
    assert "now has the variant&#x27;s tuning" in response.content.decode()
    assert "This test had already ended: nothing changed." in again.content.decode()


def test_ending_with_a_bad_winner_or_a_get_changes_nothing(admin_client, figures):
    url = reverse("admin:personalization_abtest_end", args=[figures["test"].pk])

    response = admin_client.post(url, {"winner": "both"}, follow=True)
    got = admin_client.get(url)

    assert "Choose the control or the variant." in response.content.decode()
    assert got.status_code == 405
    assert ABTest.objects.get().is_running

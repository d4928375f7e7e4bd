"""Band insights in Django admin: the performance page, the "Evaluate" action and the
evaluations, and A/B tests (start, compare, end by promoting a side).

``BandAdmin`` (admin.py) routes its ``performance/`` URLs and its "Evaluate" action here.
"""

import io

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from . import evaluations, performance
from .bands import forget_cached_bands
from .insight_forms import DaysForm, EndTestForm, EvaluateForm, StartTestForm
from .models import ABTest, Evaluation
from .tasks import evaluate_bands, recompute_band, roll_up_band_figures


def page(model_admin, request, template, title, **context):
    return TemplateResponse(
        request,
        f"admin/personalization/{template}",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": title,
            **context,
        },
    )


# --- Band performance ---------------------------------------------------------------------------


def performance_view(model_admin, request):
    """Per band and day over a chosen range, from the daily summary; ``?format=csv`` for CSV."""
    form = DaysForm(DaysForm.with_defaults(request.GET))
    if not form.is_valid():
        if request.GET.get("format") == "csv":
            return HttpResponse(
                " ".join(form.non_field_errors()) or "Bad dates.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return page(model_admin, request, "band/performance.html", "Band performance", form=form)
    found = performance.figures(form.cleaned_data["start"], form.cleaned_data["end"])
    if request.GET.get("format") == "csv":
        return _csv(found)
    query = urlencode({"start": found.first, "end": found.last})
    return page(
        model_admin,
        request,
        "band/performance.html",
        "Band performance",
        form=form,
        page=found,
        charts=performance.charts(found),
        query=query,
    )


def _csv(found):
    out = io.StringIO()
    performance.write_csv(found, out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="band-performance-{found.first}-{found.last}.csv"'
    )
    return response


def refresh_view(model_admin, request):
    """POST: queue a roll-up of the chosen days, then go back to the page."""
    form = DaysForm(request.POST)
    if not form.is_valid():
        model_admin.message_user(
            request,
            " ".join(form.non_field_errors()) or "Those dates are not valid.",
            messages.ERROR,
        )
        return redirect("admin:personalization_band_performance")
    first, last = (form.cleaned_data[name].isoformat() for name in ("start", "end"))
    transaction.on_commit(lambda: roll_up_band_figures.delay(first, last))
    model_admin.message_user(
        request,
        f"Refreshing the figures of {first} to {last}: reload this page in a moment.",
        messages.SUCCESS,
    )
    url = reverse("admin:personalization_band_performance")
    return redirect(f"{url}?{urlencode({'start': first, 'end': last})}")


# --- Offline evaluation -------------------------------------------------------------------------


def evaluate_action(model_admin, request, queryset):
    """Ask for a cut-off and K, then store an Evaluation and queue it."""
    bands = list(queryset.order_by("placement", "position", "pk"))
    computed = [band for band in bands if not band.is_live]
    if not computed:
        model_admin.message_user(
            request,
            "Recently viewed bands are read live at each request: "
            "there is nothing to evaluate. Choose computed bands.",
            messages.WARNING,
        )
        return None
    bounds = evaluations.history_bounds()
    form = EvaluateForm(request.POST if "apply" in request.POST else None, bounds=bounds)
    if form.is_valid():
        evaluation = Evaluation.objects.create(
            cutoff=form.cleaned_data["cutoff"],
            k=form.cleaned_data["k"],
            parameters={
                "bands": [evaluations.snapshot(band) for band in computed],
                "seed": evaluations.HIDE_SEED,
                "baseline": evaluations.BASELINE,
            },
        )
        transaction.on_commit(lambda: evaluate_bands.delay(evaluation.pk))
        model_admin.message_user(request, f"{evaluation} queued.", messages.SUCCESS)
        return redirect("admin:personalization_evaluation_change", evaluation.pk)
    return page(
        model_admin,
        request,
        "band/evaluate.html",
        "Evaluate bands",
        form=form,
        bands=computed,
        skipped=[band for band in bands if band.is_live],
        bounds=bounds,
        action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
    )


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    """Read-only: evaluations are made by the bands' "Evaluate" action."""

    list_display = ["__str__", "created_at", "status", "band_list", "best"]
    list_filter = ["status"]

    @admin.display(description="bands")
    def band_list(self, evaluation):
        return ", ".join(evaluation.band_titles)

    @admin.display(description="best against the baseline")
    def best(self, evaluation):
        judged = [row for row in evaluation.results if "scores" in row]
        if not judged:
            return evaluation.message[:80] or "—"
        top = judged[0]
        return (
            f"{top['title']}: hit rate {top['scores']['hit_rate']:.1%} "
            f"(baseline {top['baseline']['hit_rate']:.1%})"
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        evaluation = get_object_or_404(Evaluation, pk=object_id)
        if not self.has_view_permission(request, evaluation):
            raise PermissionDenied
        judged = [row for row in evaluation.results if "scores" in row]
        return page(
            self,
            request,
            "evaluation/detail.html",
            str(evaluation),
            evaluation=evaluation,
            judged=judged,
            chart=_evaluation_chart(judged),
            skipped=[row for row in evaluation.results if "scores" not in row],
            original=evaluation,
        )


def _evaluation_chart(judged) -> dict:
    labels = [f"{row['title']} ({row['slug']})" for row in judged]
    return {
        "type": "bar",
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "label": "Band: hit rate@K (%)",
                    "data": [round(100 * row["scores"]["hit_rate"], 2) for row in judged],
                },
                {
                    "label": "Best-seller baseline: hit rate@K (%)",
                    "data": [round(100 * row["baseline"]["hit_rate"], 2) for row in judged],
                },
            ],
        },
        "options": {"indexAxis": "y", "maintainAspectRatio": False},
    }


# --- A/B tests ----------------------------------------------------------------------------------


@admin.register(ABTest)
class ABTestAdmin(admin.ModelAdmin):
    """Start a test (add), compare its sides (change page), end it by promoting a side."""

    list_display = [
        "__str__",
        "band",
        "variant",
        "variant_share",
        "started_at",
        "ended_at",
        "winner",
    ]
    list_select_related = ["band", "variant"]

    def has_delete_permission(self, request, obj=None):
        return False  # Kept as the history of the bands' tuning.

    def get_urls(self):
        end = self.admin_site.admin_view(require_POST(self.end_view))
        return [
            path("<int:test_id>/end/", end, name="personalization_abtest_end"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StartTestForm(request.POST or None, initial={"band": request.GET.get("band")})
        if request.method == "POST" and form.is_valid():
            test = ABTest.objects.start(
                form.cleaned_data["band"],
                form.cleaned_data["variant_share"],
                form.cleaned_data["tuning"],
            )
            transaction.on_commit(forget_cached_bands)
            transaction.on_commit(lambda: recompute_band.delay(test.variant_id))
            self.message_user(
                request,
                f"Started {test}. The variant is being computed; until "
                "it has results everyone sees the control.",
                messages.SUCCESS,
            )
            return redirect("admin:personalization_abtest_change", test.pk)
        return page(self, request, "abtest/start.html", "Start an A/B test", form=form, add=True)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        test = get_object_or_404(ABTest.objects.select_related("band", "variant"), pk=object_id)
        if not self.has_view_permission(request, test):
            raise PermissionDenied
        return page(
            self,
            request,
            "abtest/detail.html",
            str(test),
            test=test,
            found=performance.test_figures(test),
            original=test,
            can_end=self.has_change_permission(request, test) and test.is_running,
        )

    def end_view(self, request, test_id):
        """POST: end the test keeping the chosen side."""
        test = get_object_or_404(ABTest, pk=test_id)
        if not self.has_change_permission(request, test):
            raise PermissionDenied
        form = EndTestForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Choose the control or the variant.", messages.ERROR)
        elif not test.end(form.cleaned_data["winner"]):
            self.message_user(
                request, "This test had already ended: nothing changed.", messages.WARNING
            )
        else:
            self.message_user(request, _after_ending(test), messages.SUCCESS)
        return redirect("admin:personalization_abtest_change", test.pk)


def _after_ending(test) -> str:
    """Once committed: forget the cached bands, recompute a control that took the variant's
    tuning. Returns what to tell the admin."""
    transaction.on_commit(forget_cached_bands)
    if test.winner == ABTest.Winner.VARIANT:
        transaction.on_commit(lambda: recompute_band.delay(test.band_id))
        return (
            f"Ended: “{test.band}” now has the variant's tuning and is being recomputed; "
            "the variant band is disabled."
        )
    return f"Ended: “{test.band}” keeps its tuning; the variant band is disabled."

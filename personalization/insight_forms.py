"""Forms of the insights admin pages: a range of days, an evaluation's cut-off and K, an A/B
test's variant. Each bad input gets a message saying what to do instead."""

import json
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.utils import timezone

from . import evaluations
from .insight_models import TUNING, ABTest
from .models import Algorithm, Band

EARLIEST = date(2000, 1, 1)
DEFAULT_DAYS = 30
MAX_DAYS = 366
DATE = forms.DateInput(attrs={"type": "date"})


class DaysForm(forms.Form):
    """A range of whole UTC days, the last ``DEFAULT_DAYS`` by default (``with_defaults``)."""

    start = forms.DateField(required=False, widget=DATE, label="From")
    end = forms.DateField(required=False, widget=DATE, label="To (included)")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = timezone.now().astimezone(UTC).date()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("The start date is after the end date: swap them.")
        if start < EARLIEST or end > today + timedelta(days=1):
            raise forms.ValidationError(f"Choose days between {EARLIEST} and today.")
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        data.update(start=start, end=end)
        return data

    @staticmethod
    def with_defaults(query) -> dict:
        """``query`` with the default days filled in where it has none, so the form shows
        the days it uses."""
        today = timezone.now().astimezone(UTC).date()
        return {
            "start": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
            "end": today.isoformat(),
            **{name: query[name] for name in ("start", "end") if query.get(name)},
        }


class EvaluateForm(forms.Form):
    """An evaluation's cut-off day and K; the cut-off must leave orders on both sides."""

    cutoff = forms.DateField(
        widget=DATE,
        label="Cut-off",
        help_text="Train on what happened before this day (midnight UTC); "
        "judge on the orders placed from it on.",
    )
    k = forms.IntegerField(
        label="K",
        initial=10,
        help_text="How many items each list shows.",
        error_messages={
            "min_value": "K must be from 1 to 100.",
            "max_value": "K must be from 1 to 100.",
        },
        min_value=1,
        max_value=100,
    )

    def __init__(self, *args, bounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.bounds = bounds
        if bounds is not None and not self.is_bound:
            first, last = bounds
            default = max(first.date() + timedelta(days=1), last.date() - timedelta(days=13))
            self.initial.setdefault("cutoff", default)

    def clean_cutoff(self):
        cutoff = datetime.combine(self.cleaned_data["cutoff"], time(), tzinfo=UTC)
        problem = evaluations.cutoff_problem(cutoff, self.bounds)
        if problem:
            raise forms.ValidationError(problem)
        return cutoff


class StartTestForm(forms.Form):
    """A test of ``band`` against a variant; empty tuning fields keep the control's value."""

    band = forms.ModelChoiceField(
        queryset=Band.objects.filter(variant_test__isnull=True), label="Control band (A)"
    )
    variant_share = forms.IntegerField(
        label="Visitors who see the variant (%)",
        initial=50,
        min_value=1,
        max_value=99,
        error_messages={
            "min_value": "The split must be between 1 and 99 percent.",
            "max_value": "The split must be between 1 and 99 percent.",
        },
    )
    algorithm = forms.ChoiceField(
        required=False,
        choices=[("", "— same as the control —"), *Algorithm.choices],
    )
    item_count = forms.IntegerField(required=False, min_value=1, max_value=48)
    lookback_days = forms.IntegerField(required=False, min_value=1, max_value=3650)
    min_support = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    metric = forms.ChoiceField(required=False, choices=[("", "— same —"), *Band.Metric.choices])
    count_by = forms.ChoiceField(required=False, choices=[("", "— same —"), *Band.CountBy.choices])
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='e.g. {"factors": 128}; empty: the control\'s options.',
    )

    def clean_options(self):
        text = self.cleaned_data["options"].strip()
        if not text:
            return None
        try:
            options = json.loads(text)
        except ValueError:
            raise forms.ValidationError('Options must be JSON, like {"factors": 32}.') from None
        if not isinstance(options, dict):
            raise forms.ValidationError('Options must be a JSON object, like {"factors": 32}.')
        return options

    def clean(self):
        data = super().clean()
        band = data.get("band")
        if band is None or self.errors:
            return data
        if ABTest.objects.filter(band=band, ended_at__isnull=True).exists():
            raise forms.ValidationError("This band already has a running test: end it first.")
        data["tuning"] = {
            name: data[name] if data.get(name) not in ("", None) else getattr(band, name)
            for name in TUNING
        }
        if all(data["tuning"][name] == getattr(band, name) for name in TUNING):
            raise forms.ValidationError(
                "The variant is tuned exactly like the control: change "
                "its algorithm or a parameter."
            )
        return data


class EndTestForm(forms.Form):
    winner = forms.ChoiceField(choices=ABTest.Winner.choices)

"""Running an offline evaluation: compute each band as of the cut-off, judge it on later orders.

The metrics and protocols are pure (``algorithms/evaluation.py``); this module loads the
history, computes each band with the recompute's own code over inputs that end at the cut-off,
and stores the findings on the ``Evaluation`` row.
"""

import logging

import pandas as pd
from django.db.models import Max, Min
from django.utils import timezone

from shop.models import Order

from . import inputs
from .algorithms import context
from .algorithms import evaluation as metrics
from .insight_models import TUNING
from .models import Algorithm, Band, Evaluation
from .recompute import Inputs, band_results

logger = logging.getLogger(__name__)
PRODUCT_ALGORITHMS = {
    Algorithm.BOUGHT_TOGETHER,
    Algorithm.ALSO_VIEWED,
    Algorithm.SIMILAR,
    Algorithm.SIMILAR_FACTORS,
}
PERSONAL_ALGORITHMS = {Algorithm.FOR_YOU}
HIDE_SEED = 0
BASELINE = "Best sellers: most units sold before the cut-off, the same list for every order"


class EvaluationError(Exception):
    """The evaluation cannot run; the message is meant for the admin."""


class TrainingInputs(Inputs):
    """A run's inputs cut at its ``now`` (the cut-off): nothing from after it is seen."""

    def lines(self, since):
        frame = super().lines(since)
        return frame[frame["created_at"] < self.now]

    def events(self, since):
        frame = super().events(since)
        return frame[frame["created_at"] < self.now]


def history_bounds() -> tuple | None:
    """The first and last times of orders that are not cancelled; None without orders."""
    found = Order.objects.exclude(status=Order.Status.CANCELLED).aggregate(
        first=Min("created_at"), last=Max("created_at")
    )
    return None if found["first"] is None else (found["first"], found["last"])


def cutoff_problem(cutoff, bounds) -> str | None:
    """Why ``cutoff`` cannot split the history ``bounds`` (from ``history_bounds``), or None."""
    if bounds is None:
        return "There are no orders yet: there is nothing to evaluate on."
    first, last = bounds
    if not first < cutoff <= last:
        return (
            f"The orders run from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC: "
            "choose a cut-off with orders before it and after it."
        )
    return None


def snapshot(band) -> dict:
    """What an evaluation records of a band: who it is and its tuning."""
    return {
        "id": band.pk,
        "slug": band.slug,
        "title": band.title,
        **{name: getattr(band, name) for name in TUNING},
    }


def evaluated_band(found: dict, k: int) -> Band:
    """An unsaved band tuned as ``found`` (a ``snapshot``), keeping at least ``k`` items."""
    band = Band(
        pk=found["id"],
        slug=found["slug"],
        title=found["title"],
        **{name: found[name] for name in TUNING},
    )
    band.item_count = max(band.item_count, k)
    return band


def run(evaluation_id: int) -> None:
    """Run the evaluation and store its results, or its failure with the reason (never raises
    for bad data). Running it again recomputes the same results."""
    evaluation = Evaluation.objects.get(pk=evaluation_id)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.RUNNING, started_at=timezone.now(), message=""
    )
    outcome: dict[str, object] = {"status": Evaluation.Status.DONE, "message": ""}
    try:
        outcome["results"] = evaluate(evaluation.cutoff, evaluation.k, evaluation.parameters)
    except EvaluationError as error:
        outcome.update(status=Evaluation.Status.FAILED, message=str(error), results=[])
    except Exception as error:
        logger.exception("Evaluation %s failed", evaluation.pk)
        outcome.update(
            status=Evaluation.Status.FAILED,
            results=[],
            message=f"The evaluation failed: {type(error).__name__}: {error}",
        )
    Evaluation.objects.filter(pk=evaluation.pk).update(finished_at=timezone.now(), **outcome)


def evaluate(cutoff, k: int, parameters: dict) -> list[dict]:
    """One result dict per band of ``parameters["bands"]`` (see ``Evaluation.results``), the
    best hit rate relative to the baseline first."""
    problem = cutoff_problem(cutoff, history_bounds())
    if problem:
        raise EvaluationError(problem)
    lines = inputs.order_lines()
    before, after = metrics.time_split(lines, cutoff)
    cases = metrics.orders(after)
    if cases.empty:
        raise EvaluationError("No orders were placed after the cut-off: choose an earlier one.")
    baseline = metrics.baseline_list(before)
    bands = [evaluated_band(found, k) for found in parameters["bands"]]
    run_inputs = TrainingInputs([band for band in bands if not band.is_live], cutoff)
    found = [
        _judge(tuning, band, run_inputs, cases, baseline, k)
        for tuning, band in zip(parameters["bands"], bands, strict=True)
    ]
    return sorted(found, key=_lift, reverse=True)


def _judge(tuning: dict, band, run_inputs, cases, baseline, k) -> dict:
    """One band's result dict; ``tuning`` is its snapshot as the admin set it."""
    row = {**tuning, "algorithm_label": band.get_algorithm_display()}
    if band.is_live:
        return {**row, "protocol": "", "note": "Read live at each request: nothing to evaluate."}
    lists = metrics.ranked_lists(band_results(band, run=run_inputs))
    if band.algorithm in PRODUCT_ALGORITHMS:
        hidden = metrics.hidden_items(cases, HIDE_SEED)
        judged = metrics.judge_hidden(
            hidden, lists, lambda pid: context("product", pid), baseline, k
        )
        protocol = "hidden item"
    else:
        chosen = _population(band, run_inputs, cases)
        judged = metrics.judge_orders(chosen, _contexts(band, chosen, lists), lists, baseline, k)
        protocol = "orders"
    band_scores, plain = judged
    note = "" if lists else "No results as of the cut-off: its look-back window holds no data."
    if not band_scores.cases:
        note = "No later order fits this band's protocol."
    return {
        **row,
        "protocol": protocol,
        "cases": band_scores.cases,
        "covered": band_scores.covered,
        "scores": _figures(band_scores),
        "baseline": _figures(plain),
        "note": note,
    }


def _population(band, run_inputs, cases):
    """The orders a band's lists can be judged on: for a personal band, the orders of visitors
    it could know (seen in its look-back window before the cut-off)."""
    if band.algorithm not in PERSONAL_ALGORITHMS:
        return cases
    since = run_inputs.now - pd.Timedelta(days=band.lookback_days)
    known = _visitor_keys(run_inputs.events(since)) | _visitor_keys(run_inputs.lines(since))
    return cases[cases["visitor"].isin(known)]


def _visitor_keys(frame) -> set[str]:
    users = frame["user_id"].dropna().astype("int64").unique()
    sessions = frame.loc[frame["user_id"].isna(), "session_key"].unique()
    return {f"u{user}" for user in users} | {f"s{key}" for key in sessions if key}


def _contexts(band, cases, lists) -> list[str]:
    """The context each order's shopper would be shown, as the read side picks it: their
    country's, their own (for deals, else everyone's deals), or everyone's."""
    if band.algorithm == Algorithm.NEAR_YOU:
        return [context("country", code) for code in cases["country"]]
    if band.algorithm == Algorithm.FOR_YOU:
        return [context("visitor", key) for key in cases["visitor"]]
    if band.algorithm == Algorithm.DEALS:
        mine = [context("visitor", key) for key in cases["visitor"]]
        return [ctx if ctx in lists else "" for ctx in mine]
    return [""] * len(cases)


def _figures(found: metrics.Scores) -> dict:
    return {"hit_rate": found.hit_rate, "precision": found.precision, "recall": found.recall}


def _lift(row: dict) -> float:
    if "scores" not in row:
        return -1.0
    plain = row["baseline"]["hit_rate"]
    mine = row["scores"]["hit_rate"]
    return mine / plain if plain else (float("inf") if mine else 0.0)

"""Formatting the insights pages' rates: ``{{ value|percent }}``, ``{{ rate|with_interval }}``."""

from django import template

register = template.Library()


@register.filter
def percent(value, digits=2) -> str:
    """0.0321 → "3.21%"; None (no impressions) → "—"."""
    if value is None:
        return "—"
    return f"{100 * value:.{int(digits)}f}%"


@register.filter
def with_interval(found) -> str:
    """An ``experiments.Rate`` as "3.21% (2.80–3.70%)", or "—" without trials."""
    if found is None or found.value is None:
        return "—"
    return f"{percent(found.value)} ({percent(found.low)}–{percent(found.high)})"

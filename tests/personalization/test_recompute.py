"""The recompute run's own rules (the algorithms have their own tests)."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.conf import settings
from django.utils import timezone

from personalization.recompute import Inputs, band_results, reachable_visitors

NOW = pd.Timestamp("2026-06-01 12:00", tz="UTC")
COOKIE_AGE = timedelta(seconds=settings.SESSION_COOKIE_AGE)


def frame(*rows):
    return pd.DataFrame(list(rows), columns=["session_key", "user_id", "created_at"])


def test_shoppers_can_always_come_back_anonymous_visitors_only_while_their_session_lives():
    events = frame(
        ("fresh", np.nan, NOW - COOKIE_AGE + timedelta(hours=1)),
        ("expired", np.nan, NOW - COOKIE_AGE - timedelta(hours=1)),
        ("old-session-of-7", 7.0, NOW - timedelta(days=80)),
        ("", np.nan, NOW),
    )
    lines = frame(("guest", np.nan, NOW - timedelta(days=1)), ("x", 9.0, NOW - timedelta(days=60)))

    assert reachable_visitors([events, lines], NOW) == {"sfresh", "u7", "sguest", "u9"}


def test_no_rows_no_visitors():
    assert reachable_visitors([frame()], NOW) == set()


@pytest.mark.django_db
def test_a_run_lets_go_of_inputs_once_no_band_left_needs_them(default_bands):
    for_you, best = default_bands["recommended-for-you"], default_bands["best-sellers"]
    run = Inputs([for_you, best], timezone.now())
    band_results(for_you, run=run)
    band_results(best, run=run)
    names = {key if isinstance(key, str) else key[0] for key in run._memo}
    assert {"events", "lines", "interactions", "als"} <= names

    run.finished(for_you)

    names = {key if isinstance(key, str) else key[0] for key in run._memo}
    assert "lines" in names and "products" in names
    assert not names & {"events", "interactions", "als", "reachable"}
    run.finished(best)
    assert run._memo == {}

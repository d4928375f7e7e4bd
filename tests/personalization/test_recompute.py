"""The recompute run's own rules (the algorithms have their own tests)."""

from datetime import timedelta

import numpy as np
import pandas as pd
from django.conf import settings

from personalization.recompute import reachable_visitors

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

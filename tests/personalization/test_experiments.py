"""A/B assignment and the comparison of two rates: pure, no database."""

import hashlib
from collections import Counter
from types import SimpleNamespace

import pytest

from personalization.experiments import (
    RunningTest,
    bucket,
    compare,
    rate,
    sees_variant,
    variant_for,
)

VISITORS = [f"s{n:032x}" for n in range(100_000)]


def test_bucket_is_the_same_on_every_call_and_in_range():
    first = [bucket("salt-a", key) for key in VISITORS[:1000]]
    again = [bucket("salt-a", key) for key in VISITORS[:1000]]

    assert first == again
    assert all(0 <= value < 100 for value in first)


def test_bucket_is_fixed_across_processes():
    # A literal: Python's hash() would change from one process to the next, SHA-256 does not.
    expected = int.from_bytes(hashlib.sha256(b"salt-a:u42").digest()[:8], "big") * 100 / 2**64

    assert bucket("salt-a", "u42") == expected


@pytest.mark.parametrize("share", [1, 10, 25, 50, 90])
def test_assignment_over_100000_visitors_is_within_one_percent_of_the_split(share):
    seen = sum(sees_variant("test-salt", key, share) for key in VISITORS)

    assert abs(seen / len(VISITORS) * 100 - share) < 1


def test_assignments_of_two_tests_are_independent():
    pairs = Counter(
        (sees_variant("first", key, 50), sees_variant("second", key, 30)) for key in VISITORS
    )

    # Each cell of the joint distribution is close to the product of the marginals.
    first = sum(n for (a, _), n in pairs.items() if a) / len(VISITORS)
    second = sum(n for (_, b), n in pairs.items() if b) / len(VISITORS)
    for a in (True, False):
        for b in (True, False):
            expected = (first if a else 1 - first) * (second if b else 1 - second)
            assert abs(pairs[(a, b)] / len(VISITORS) - expected) < 0.01


def test_a_visitor_without_a_key_always_sees_the_control():
    assert not sees_variant("salt", "", 99)


def band(pk, *, current_version=1, algorithm="best_sellers", running_test=None):
    return SimpleNamespace(
        pk=pk,
        current_version=current_version,
        running_test=running_test,
        is_live=algorithm == "recently_viewed",
    )


def visitor(key):
    return SimpleNamespace(test_key=key)


def test_variant_for_swaps_in_the_variant_for_assigned_visitors_only():
    control = band(1, running_test=RunningTest("salt", 50, variant_id=2))
    variant = band(2)
    bands = {1: control, 2: variant}

    shown = Counter(variant_for(control, visitor(key), bands).pk for key in VISITORS[:2000])

    assert set(shown) == {1, 2}
    assert all(
        variant_for(control, visitor(key), bands).pk == (2 if sees_variant("salt", key, 50) else 1)
        for key in VISITORS[:200]
    )


def test_a_variant_not_yet_computed_is_never_shown():
    control = band(1, running_test=RunningTest("salt", 99, variant_id=2))
    bands = {1: control, 2: band(2, current_version=0)}

    assert {variant_for(control, visitor(key), bands).pk for key in VISITORS[:200]} == {1}


def test_a_band_without_a_test_or_with_a_disabled_variant_is_shown_as_is():
    plain = band(1)
    orphan = band(3, running_test=RunningTest("salt", 99, variant_id=4))

    assert variant_for(plain, visitor("s1"), {1: plain}) is plain
    assert variant_for(orphan, visitor("s1"), {3: orphan}) is orphan


# --- Rates and the z-test ----------------------------------------------------------------------


def test_wilson_interval_matches_a_hand_worked_case():
    # 10 of 100: p = 0.1, z² / n = 0.0384; centre = 0.1192 / 1.0384, half-width 0.0617 / 1.0384.
    found = rate(10, 100)

    assert found.value == 0.1
    assert found.low == pytest.approx(0.05523, abs=1e-4)
    assert found.high == pytest.approx(0.17437, abs=1e-4)


def test_wilson_interval_stays_within_zero_and_one():
    assert rate(0, 20).low == 0.0
    assert rate(20, 20).high == pytest.approx(1.0)
    assert rate(0, 0).value is None


def test_z_test_matches_a_hand_worked_case():
    # 100/1000 against 130/1000: pooled 0.115, error sqrt(0.115·0.885·0.002) = 0.014267,
    # z = 0.03 / 0.014267 = 2.1027, two-sided p = 0.0355.
    found = compare((100, 1000), (130, 1000))

    assert found.z == pytest.approx(2.1027, abs=1e-3)
    assert found.p_value == pytest.approx(0.0355, abs=1e-3)
    assert found.significant
    assert found.verdict == "significant at 95%: the variant does better"


def test_a_small_difference_is_not_significant_yet():
    found = compare((100, 1000), (105, 1000))

    assert not found.significant
    assert found.verdict == "not significant yet"


@pytest.mark.parametrize(
    "control, variant", [((0, 0), (5, 10)), ((0, 10), (0, 10)), ((10, 10), (5, 5))]
)
def test_no_trials_or_nothing_to_tell_apart_gives_no_verdict(control, variant):
    found = compare(control, variant)

    assert found.p_value is None
    assert found.verdict == "not enough data yet"

"""A/B tests of bands: which variant a visitor sees, and whether the variants' rates differ.

Pure: no ORM, no settings. A test pits a band (the control, A) against a variant band (B) that
takes its place for ``share`` percent of visitors.

- ``bucket`` / ``sees_variant``: deterministic assignment from the test's salt and the visitor's
  key, the same on every request, process and machine, and unrelated between two tests.
- ``attach_tests`` / ``variant_for``: the read side's part, on the cached enabled bands, so a
  page pays no query for a running test.
- ``rate`` / ``compare``: a proportion with its 95% Wilson interval, and a two-proportion z-test.
"""

import hashlib
import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


def bucket(salt: str, visitor_key: str) -> float:
    """The visitor's place in the test, a number in [0, 100).

    The first 8 bytes of SHA-256(``"<salt>:<visitor key>"``) scaled to [0, 100): fixed for a
    salt and key (unlike Python's ``hash``, which changes with each process), uniform over keys,
    and, with two different salts, two unrelated numbers for the same visitor.
    """
    digest = hashlib.sha256(f"{salt}:{visitor_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") * 100 / 2**64


def sees_variant(salt: str, visitor_key: str, share: float) -> bool:
    """Whether the visitor is in the ``share`` percent of visitors who see the variant.

    A visitor without a key (not tracked) always sees the control: their impressions are not
    recorded, so showing them the variant would teach nothing.
    """
    return bool(visitor_key) and bucket(salt, visitor_key) < share


@dataclass(frozen=True)
class RunningTest:
    """What the read side needs of a running test, kept on the control band in the cache."""

    salt: str
    share: int
    variant_id: int


def attach_tests(bands: dict) -> None:
    """Mark the tests among ``bands`` (enabled bands by id, read with ``variant_test``).

    A band that is some test's variant gets ``is_variant = True``: it is never shown on its own,
    only in its control's place. A control whose test is running and whose variant is among
    ``bands`` gets ``running_test``; every other band gets ``running_test = None``.
    """
    for band in bands.values():
        band.is_variant, band.running_test = False, None
    for band in bands.values():
        # The reverse one-to-one raises an AttributeError subclass when there is no test.
        test = getattr(band, "variant_test", None)
        if test is None:
            continue
        band.is_variant = True
        control = bands.get(test.band_id)
        if test.ended_at is None and control is not None:
            control.running_test = RunningTest(test.salt, test.variant_share, band.pk)


def variant_for(band, visitor, bands: dict):
    """The band shown in ``band``'s place to ``visitor``: the variant of its running test when
    the test assigns the visitor to it and the variant can show something (computed, or live),
    else ``band`` itself."""
    test = getattr(band, "running_test", None)
    if test is None:
        return band
    variant = bands.get(test.variant_id)
    if variant is None or not (variant.is_live or variant.current_version):
        return band
    return variant if sees_variant(test.salt, visitor.test_key, test.share) else band


@dataclass(frozen=True)
class Rate:
    """``successes`` out of ``trials``; ``value``, ``low`` and ``high`` are None without trials."""

    successes: int
    trials: int
    value: float | None
    low: float | None
    high: float | None


def rate(successes: int, trials: int) -> Rate:
    """The proportion with its 95% Wilson score interval (sound near 0 and with few trials,
    where the normal approximation gives intervals below zero)."""
    if trials <= 0:
        return Rate(successes, 0, None, None, None)
    p = successes / trials
    spread = Z_95**2 / trials
    centre = (p + spread / 2) / (1 + spread)
    half = Z_95 * math.sqrt(p * (1 - p) / trials + spread / trials / 4) / (1 + spread)
    return Rate(successes, trials, p, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Comparison:
    control: Rate
    variant: Rate
    z: float | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05

    @property
    def verdict(self) -> str:
        if self.p_value is None:
            return "not enough data yet"
        if not self.significant:
            return "not significant yet"
        better = (
            "variant"
            if self.variant.successes * self.control.trials
            > (self.control.successes * self.variant.trials)
            else "control"
        )
        return f"significant at 95%: the {better} does better"


def compare(control: tuple[int, int], variant: tuple[int, int]) -> Comparison:
    """Two-proportion z-test (pooled, two-sided) of ``(successes, trials)`` pairs.

    No trials on a side, or a pooled rate of 0 or 1 (nothing to tell apart), gives ``z`` and
    ``p_value`` None. Trials are taken as independent: one visitor's repeated impressions are
    not, so the p-value is somewhat optimistic for visitors who return often.
    """
    a, b = rate(*control), rate(*variant)
    if not a.trials or not b.trials:
        return Comparison(a, b, None, None)
    pooled = (a.successes + b.successes) / (a.trials + b.trials)
    if pooled in (0, 1):
        return Comparison(a, b, None, None)
    error = math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials))
    z = (b.successes / b.trials - a.successes / a.trials) / error
    return Comparison(a, b, z, math.erfc(abs(z) / math.sqrt(2)))

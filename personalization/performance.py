"""The band performance page's numbers, read from the daily summary only (``BandDay``).

``figures(first, last)`` makes every table, chart and CSV row of the page in three queries
whatever the number of events: the days' rows, the A/B tests that overlap them, and those
tests' own days.
"""

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from .experiments import compare, rate
from .insight_models import TUNING, ABTest, BandDay

COUNTS = ["impressions", "clicks", "carts", "orders"]
CSV_HEADER = ["day", "band", "title", "impressions", "clicks", "ctr", "carts", "orders", "revenue"]


@dataclass
class Totals:
    band_id: int
    label: str
    slug: str
    impressions: int = 0
    clicks: int = 0
    carts: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0")
    days: dict = field(default_factory=dict)

    def add(self, row: dict) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + row[name])
        self.revenue += row["revenue"]

    @property
    def ctr(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None


@dataclass
class Page:
    first: date
    last: date
    bands: list[Totals]
    rows: list[dict]
    tests: list[dict]

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def figures(first: date, last: date) -> Page:
    """Per band (most revenue first) and per band and day, the figures of ``first`` to
    ``last``, and the A/B tests running in those days, each over its own whole run."""
    tests = list(
        ABTest.objects.select_related("band", "variant").filter(
            Q(ended_at__isnull=True) | Q(ended_at__date__gte=first), started_at__date__lte=last
        )
    )
    variants = {test.variant_id: test for test in tests}
    rows = list(
        BandDay.objects.filter(day__range=(first, last))
        .values("band_id", "band__title", "band__slug", "day", *COUNTS, "revenue")
        .order_by("band__placement", "band__position", "band_id", "day")
    )
    bands: dict[int, Totals] = {}
    for row in rows:
        row["label"] = _label(row["band__title"], variants.get(row["band_id"]))
        row["ctr"] = row["clicks"] / row["impressions"] if row["impressions"] else None
        totals = bands.setdefault(
            row["band_id"], Totals(row["band_id"], row["label"], row["band__slug"])
        )
        totals.add(row)
        totals.days[row["day"]] = row["ctr"]
    ranked = sorted(bands.values(), key=lambda t: (-t.revenue, -t.impressions, t.label))
    return Page(first, last, ranked, rows, _tests(tests))


def _label(title: str, test) -> str:
    return f"{title} — variant B of test {test.pk}" if test else title


def _tests(tests) -> list[dict]:
    if not tests:
        return []
    earliest = min(test.started_at.date() for test in tests)
    ids = {pk for test in tests for pk in (test.band_id, test.variant_id)}
    days = list(
        BandDay.objects.filter(band_id__in=ids, day__gte=earliest).values(
            "band_id", "day", *COUNTS, "revenue"
        )
    )
    return [_test(test, days) for test in tests]


def test_figures(test) -> dict:
    """One test's figures (as in ``figures``), in one query."""
    return _tests([test])[0]


def _test(test, days) -> dict:
    """A test's figures per side from its start day to its end day (or today), with rates,
    95% intervals and the z-tests."""
    last = test.ended_at.date() if test.ended_at else date.max
    sides = {}
    for side, band_id in (("control", test.band_id), ("variant", test.variant_id)):
        mine = [
            row
            for row in days
            if row["band_id"] == band_id and test.started_at.date() <= row["day"] <= last
        ]
        sides[side] = {name: sum(row[name] for row in mine) for name in [*COUNTS, "revenue"]}
        sides[side]["ctr"] = rate(sides[side]["clicks"], sides[side]["impressions"])
        sides[side]["order_rate"] = rate(sides[side]["orders"], sides[side]["impressions"])
    control, variant = sides["control"], sides["variant"]
    return {
        "test": test,
        "control": control,
        "variant": variant,
        "changes": changes(test),
        "ctr": compare(
            (control["clicks"], control["impressions"]), (variant["clicks"], variant["impressions"])
        ),
        "orders": compare(
            (control["orders"], control["impressions"]), (variant["orders"], variant["impressions"])
        ),
    }


def changes(test) -> list[str]:
    """How the variant's tuning differs from the control's: "metric: lift → confidence"."""
    return [
        f"{test.band._meta.get_field(name).verbose_name}: {getattr(test.band, name)} → "
        f"{getattr(test.variant, name)}"
        for name in TUNING
        if getattr(test.band, name) != getattr(test.variant, name)
    ]


def charts(page: Page) -> dict:
    """Chart.js configurations: daily CTR per band (lines), revenue per band (bars)."""
    labels = [day.isoformat() for day in page.days]
    lines = [
        {
            "label": band.label,
            "spanGaps": True,
            "data": [
                None if band.days.get(day) is None else round(100 * band.days[day], 3)
                for day in page.days
            ],
        }
        for band in page.bands
    ]
    return {
        "ctr": {
            "type": "line",
            "data": {"labels": labels, "datasets": lines},
            "options": {
                "maintainAspectRatio": False,
                "scales": {
                    "y": {"title": {"display": True, "text": "CTR (%)"}, "beginAtZero": True}
                },
            },
        },
        "revenue": {
            "type": "bar",
            "data": {
                "labels": [band.label for band in page.bands],
                "datasets": [
                    {
                        "label": "Revenue after a click (€)",
                        "data": [float(band.revenue) for band in page.bands],
                    }
                ],
            },
            "options": {"indexAxis": "y", "maintainAspectRatio": False},
        },
    }


def write_csv(page: Page, out) -> None:
    """The page's daily rows as CSV: one line per band and day, ``CSV_HEADER`` first."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in page.rows:
        ctr = "" if row["ctr"] is None else f"{row['ctr']:.6f}"
        writer.writerow(
            [
                row["day"].isoformat(),
                row["band__slug"],
                row["label"],
                *[row[name] for name in COUNTS[:2]],
                ctr,
                *[row[name] for name in COUNTS[2:]],
                f"{row['revenue']:.2f}",
            ]
        )

"""Daily band figures and attribution: pure, literal frames, hand-worked answers."""

from datetime import date

import pandas as pd

from personalization.insights import COLUMNS, credited, daily_figures

WINDOW = pd.Timedelta(days=14)
START, END = pd.Timestamp("2026-03-02", tz="UTC"), pd.Timestamp("2026-03-04", tz="UTC")


def at(text):
    return pd.Timestamp(text, tz="UTC")


def clicks(*rows):
    return pd.DataFrame(
        [
            {"band_id": b, "session_key": s, "product_id": p, "created_at": at(t)}
            for b, s, p, t in rows
        ],
        columns=["band_id", "session_key", "product_id", "created_at"],
    )


def carts(*rows):
    return pd.DataFrame(
        [{"session_key": s, "product_id": p, "created_at": at(t)} for s, p, t in rows],
        columns=["session_key", "product_id", "created_at"],
    )


def lines(*rows):
    return pd.DataFrame(
        [
            {
                "order_id": o,
                "session_key": s,
                "product_id": p,
                "quantity": q,
                "price": price,
                "created_at": at(t),
            }
            for o, s, p, q, price, t in rows
        ],
        columns=["order_id", "session_key", "product_id", "quantity", "price", "created_at"],
    )


def impressions(*rows):
    return pd.DataFrame(
        [{"band_id": b, "day": date.fromisoformat(d), "impressions": n} for b, d, n in rows],
        columns=["band_id", "day", "impressions"],
    )


def figures(**frames):
    found = daily_figures(
        frames.get("impressions", impressions()),
        frames.get("clicks", clicks()),
        frames.get("carts", carts()),
        frames.get("lines", lines()),
        start=START,
        end=END,
        window=WINDOW,
    )
    return [tuple(row) for row in found.itertuples(index=False)]


def test_a_click_then_an_order_in_the_same_visit_counts_once_even_after_repeated_clicks():
    found = figures(
        impressions=impressions((1, "2026-03-02", 10)),
        clicks=clicks((1, "s1", 7, "2026-03-02 10:00"), (1, "s1", 7, "2026-03-02 10:05")),
        carts=carts(("s1", 7, "2026-03-02 10:06")),
        lines=lines(
            (100, "s1", 7, 2, 12.5, "2026-03-02 10:30"), (100, "s1", 8, 1, 99.0, "2026-03-02 10:30")
        ),
    )

    # Two clicks, one cart add, one order; revenue only from the clicked product's line.
    assert found == [(1, date(2026, 3, 2), 10, 2, 1, 1, 25.0)]


def test_only_the_same_visit_key_product_and_later_times_are_credited():
    found = figures(
        clicks=clicks((1, "s1", 7, "2026-03-02 10:00")),
        carts=carts(
            ("s2", 7, "2026-03-02 10:06"),
            ("s1", 8, "2026-03-02 10:06"),
            ("s1", 7, "2026-03-02 09:59"),
        ),
        lines=lines(
            (100, "s2", 7, 1, 10.0, "2026-03-02 11:00"), (101, "s1", 7, 1, 10.0, "2026-03-02 09:00")
        ),
    )

    assert found == [(1, date(2026, 3, 2), 0, 1, 0, 0, 0.0)]


def test_the_latest_click_before_a_purchase_takes_the_credit():
    found = figures(
        clicks=clicks((1, "s1", 7, "2026-03-02 10:00"), (2, "s1", 7, "2026-03-02 10:10")),
        lines=lines((100, "s1", 7, 1, 10.0, "2026-03-02 10:20")),
    )

    assert found == [
        (1, date(2026, 3, 2), 0, 1, 0, 0, 0.0),
        (2, date(2026, 3, 2), 0, 1, 0, 1, 10.0),
    ]


def test_an_order_the_next_day_is_dated_by_the_order_and_credited_from_an_earlier_click():
    # The click came before the rolled-up days: it is not counted, but it earns the order.
    found = figures(
        clicks=clicks((3, "s1", 7, "2026-02-25 23:00")),
        lines=lines((100, "s1", 7, 3, 5.0, "2026-03-03 08:00")),
    )

    assert found == [(3, date(2026, 3, 3), 0, 0, 0, 1, 15.0)]


def test_a_click_older_than_the_window_earns_nothing():
    found = figures(
        clicks=clicks((3, "s1", 7, "2026-02-10 23:00")),
        lines=lines((100, "s1", 7, 1, 5.0, "2026-03-03 08:00")),
    )

    assert found == []


def test_one_order_with_two_credited_lines_counts_as_one_order_for_the_band():
    found = figures(
        clicks=clicks((1, "s1", 7, "2026-03-02 10:00"), (1, "s1", 8, "2026-03-02 10:01")),
        lines=lines(
            (100, "s1", 7, 1, 10.0, "2026-03-02 10:20"), (100, "s1", 8, 2, 4.0, "2026-03-02 10:20")
        ),
    )

    assert found == [(1, date(2026, 3, 2), 0, 2, 0, 1, 18.0)]


def test_nothing_in_gives_an_empty_frame_with_the_columns():
    found = daily_figures(
        impressions(), clicks(), carts(), lines(), start=START, end=END, window=WINDOW
    )

    assert list(found.columns) == COLUMNS
    assert found.empty


def test_credited_keeps_each_outcome_once():
    found = credited(
        clicks(
            (1, "s1", 7, "2026-03-02 10:00"),
            (2, "s1", 7, "2026-03-02 10:01"),
            (1, "s1", 7, "2026-03-02 10:02"),
        ),
        carts(("s1", 7, "2026-03-02 10:03"), ("s1", 7, "2026-03-02 10:04")),
        WINDOW,
    )

    assert found["band_id"].tolist() == [1, 1]

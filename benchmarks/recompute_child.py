"""The recompute benchmark's child processes, one job each, so each has its own peak memory.

    python -m benchmarks.recompute_child load|bands|idle|band ID|all|inputs|fbt|fpgrowth ORDERS

The parent sets the environment (database, Redis, settings) and reads the last line of stdout,
a JSON object. Timers wrap the app's functions from outside; the app's code is not changed.
"""

import argparse
import gc
import json
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from benchmarks.services import setup_django


def _print(result: dict) -> None:
    sys.stdout.write(json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


def load(args) -> dict:
    from django.db import connection

    from benchmarks import scale_data
    from personalization.demo import BENCHMARK_PARAMS, Params

    params = Params(**{**BENCHMARK_PARAMS.__dict__, "days": args.days})
    until = datetime.combine(date.fromisoformat(args.until), datetime.min.time(), tzinfo=UTC)
    result = scale_data.load(args.seed, args.products, args.shoppers, until, params)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_dataset (signature text, loaded_at timestamptz, details jsonb)"
        )
        cursor.execute(
            "INSERT INTO bench_dataset VALUES (%s, now(), %s)", [args.signature, json.dumps(result)]
        )
    return result


def default_bands(_args) -> dict:
    """The shipped default bands, as `setup_bands` adds them to an empty table: the benchmark
    measures the defaults, not whatever an earlier run left tuned."""
    from django.core.management import call_command

    from personalization.models import Band

    Band.objects.all().delete()
    call_command("setup_bands", stdout=sys.stderr)
    return {"bands": computed_bands()}


def computed_bands() -> list[dict]:
    from personalization.models import LIVE_ALGORITHMS, Band

    bands = Band.objects.filter(is_enabled=True).exclude(algorithm__in=LIVE_ALGORITHMS)
    return [
        {
            "id": band.pk,
            "slug": band.slug,
            "algorithm": band.algorithm,
            "lookback_days": band.lookback_days,
        }
        for band in bands
    ]


def idle(_args) -> dict:
    """The same imports and one query: the memory every band's process starts with."""
    import personalization.recompute  # noqa: F401
    import personalization.tasks  # noqa: F401
    from personalization.models import Band

    return {"bands": Band.objects.count()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timers:
    """Time spent loading input frames (``inputs.frame``) and storing results (``replace``)."""

    def __init__(self):
        from personalization import inputs
        from personalization.models import BandResultQuerySet

        self.frames, self.store, self.copy_store, self.last = [], 0.0, None, {}
        self.write = None
        # The COPY probe runs inside the timed call; its time is taken out of every figure.
        self.started, self.excluded = time.perf_counter(), 0.0
        frame, replace = inputs.frame, BandResultQuerySet.replace

        def timed_frame(*args, **kwargs):
            started = time.perf_counter()
            found = frame(*args, **kwargs)
            self.frames.append([round(time.perf_counter() - started, 2), len(found)])
            self.progress("loading")
            return found

        def timed_replace(queryset, band, rows, **kwargs):
            if len(rows) >= COPY_PROBE_ROWS:
                probe_started = time.perf_counter()
                self.copy_store = copy_store(band.pk, rows)
                self.excluded += time.perf_counter() - probe_started
            self.progress("storing", rows=len(rows), copy_store_seconds=self.copy_store)
            started = time.perf_counter()
            try:
                return replace(queryset, band, rows, **kwargs)
            finally:
                self.store += time.perf_counter() - started

        inputs.frame = timed_frame
        BandResultQuerySet.replace = timed_replace
        # The rows' insert, when the store step has it as its own method (the rest of the store
        # is numbering the version, switching to it and deleting the old one).
        write = getattr(BandResultQuerySet, "_write", None)
        if write is not None:

            def timed_write(queryset, *args, **kwargs):
                started = time.perf_counter()
                try:
                    return write(queryset, *args, **kwargs)
                finally:
                    self.write = (self.write or 0.0) + time.perf_counter() - started

            BandResultQuerySet._write = timed_write

    def progress(self, step: str, **extra) -> None:
        """A partial result line, so a run stopped at its time limit still tells where it was."""
        elapsed = time.perf_counter() - self.started - self.excluded
        load_seconds = sum(took for took, _ in self.frames)
        self.last = {
            "step": step,
            "elapsed": round(elapsed, 2),
            "load_seconds": round(load_seconds, 2),
            "frames": self.frames,
            "compute_seconds": round(elapsed - load_seconds, 2),
            "peak_mb_so_far": round(_peak_mb()),
            **extra,
        }
        _print({"partial": self.last})


def band(args) -> dict:
    from personalization.models import Band
    from personalization.tasks import recompute_band

    timers = Timers()
    started = time.perf_counter()
    recompute_band(args.band_id)
    seconds = time.perf_counter() - started - timers.excluded
    done = Band.objects.get(pk=args.band_id)
    load_seconds = sum(took for took, _ in timers.frames)
    result = {
        "seconds": round(seconds, 2),
        "load_seconds": round(load_seconds, 2),
        "store_seconds": round(timers.store, 2),
        "compute_seconds": round(seconds - load_seconds - timers.store, 2),
        "frames": timers.frames,
        "contexts": done.context_count,
        "rows": done.result_count,
    }
    if timers.copy_store is not None:
        result["copy_store_seconds"] = timers.copy_store
    if timers.write is not None:
        result["write_seconds"] = round(timers.write, 2)
    if timers.last.get("step") == "storing":
        result["peak_before_store_mb"] = timers.last["peak_mb_so_far"]
    return result


COPY_PROBE_ROWS = 100_000


def copy_store(band_id: int, rows) -> float:
    """What writing the same results with COPY takes: a temporary table shaped like the results
    table, with its lookup index and no foreign key, filled by COPY in one transaction. (Not the
    app's code path: the floor of the store step.)"""
    from django.db import connection, transaction

    from personalization.models import packed_items

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE probe_result ON COMMIT DROP AS SELECT band_id, version, "
            "context, items FROM personalization_bandresult LIMIT 0"
        )
        cursor.execute("CREATE UNIQUE INDEX ON probe_result (band_id, version, context)")
        with cursor.cursor.copy("COPY probe_result FROM STDIN") as copy:
            for ctx, items in packed_items(rows):
                copy.write_row((band_id, 0, ctx, json.dumps(items)))
    return round(time.perf_counter() - started, 2)


def every_band(_args) -> dict:
    """Every enabled computed band in one run sharing its inputs: the task ``recompute_all_bands``
    (and ``manage.py recompute_bands``) runs it, in this process."""
    from personalization.models import Band
    from personalization.tasks import recompute_all_bands

    timers = Timers()
    started = time.perf_counter()
    recompute_all_bands()
    seconds = time.perf_counter() - started - timers.excluded
    done = Band.objects.filter(pk__in=[found["id"] for found in computed_bands()])
    return {
        "seconds": round(seconds, 2),
        "load_seconds": round(sum(took for took, _ in timers.frames), 2),
        "store_seconds": round(timers.store, 2),
        "frames": timers.frames,
        "bands": [
            [
                band.slug,
                round((band.last_duration_ms or 0) / 1000, 2),
                band.context_count,
                band.result_count,
            ]
            for band in done.order_by("pk")
        ],
    }


def inputs_frames(_args) -> dict:
    """Each input frame, after the bare transfer of its query's rows (the floor): the same SQL
    through ``COPY (…) TO STDOUT (FORMAT csv)`` into a buffer, nothing parsed."""
    from personalization import inputs
    from personalization.models import Event
    from shop.models import OrderLine

    jobs: dict[str, tuple[Callable[[], Any], Any]] = {
        "order_lines()": (
            inputs.order_lines,
            OrderLine.objects.exclude(order__status="cancelled").values_list(
                "order_id",
                "product_id",
                "quantity",
                "unit_price",
                "order__created_at",
                "order__user_id",
                "order__session_key",
                "order__country",
            ),
        ),
        'events(["view", "cart_add"])': (
            lambda: inputs.events(["view", "cart_add"]),
            Event.objects.filter(kind__in=["view", "cart_add"], product__isnull=False).values_list(
                "session_key", "user_id", "product_id", "kind", "created_at"
            ),
        ),
        "products()": (inputs.products, None),
    }
    results: dict[str, dict] = {}
    for name, (make, bare) in jobs.items():
        floor = None if bare is None else copy_out(bare)
        started = time.perf_counter()
        found = make()
        seconds = round(time.perf_counter() - started, 2)
        results[name] = {
            "rows": len(found),
            "seconds": seconds,
            "bare_fetch_seconds": floor,
            "frame_mb": round(found.memory_usage(deep=True).sum() / 2**20),
        }
        del found
        gc.collect()
    return results


def copy_out(queryset) -> float:
    """Seconds to move the query's rows out as CSV bytes, unparsed."""
    import io

    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    started = time.perf_counter()
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        # PostgreSQL's operations only (this benchmark needs PostgreSQL).
        statement = connection.ops.compose_sql(sql, params)  # type: ignore[attr-defined]
        with cursor.cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
    return round(time.perf_counter() - started, 2)


def basket_product(order_ids, product_ids):
    """The floor: the binary orders × products CSR and BᵀB, nothing else."""
    import numpy as np
    import pandas as pd
    from scipy import sparse

    rows, _ = pd.factorize(order_ids)
    columns, products = pd.factorize(product_ids, sort=True)
    matrix = sparse.csr_array(
        (np.ones(len(rows), dtype=np.int32), (rows, columns)), shape=(rows.max() + 1, len(products))
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix, matrix.T.tocsr() @ matrix


def _median_time(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return round(sorted(times)[len(times) // 2], 3)


def _together_band():
    from personalization.models import Algorithm, Band, Placement

    return Band.objects.get(algorithm=Algorithm.BOUGHT_TOGETHER, placement=Placement.PRODUCT)


def fbt(args) -> dict:
    """co_purchases against the bare sparse product on the same baskets."""
    from personalization import inputs

    settings = _together_band()
    lines = inputs.order_lines()
    return _compare(lines, settings, args.runs)


def _compare(lines, settings, runs: int) -> dict:
    from personalization.algorithms.bought_together import co_purchases

    order_ids, product_ids = lines["order_id"].to_numpy(), lines["product_id"].to_numpy()
    _, together = basket_product(order_ids, product_ids)
    found = co_purchases(
        lines,
        min_support=settings.min_support,
        metric=settings.metric,
        top_n=settings.item_count * 3,
    )
    return {
        "orders": int(lines["order_id"].nunique()),
        "lines": len(lines),
        "products": int(lines["product_id"].nunique()),
        "pairs": int(together.nnz - (together.diagonal() > 0).sum()),
        "result_rows": len(found),
        "min_support": settings.min_support,
        "metric": settings.metric,
        "top_n": settings.item_count * 3,
        "co_purchases_seconds": _median_time(
            lambda: co_purchases(
                lines,
                min_support=settings.min_support,
                metric=settings.metric,
                top_n=settings.item_count * 3,
            ),
            runs,
        ),
        "bare_seconds": _median_time(lambda: basket_product(order_ids, product_ids), runs),
    }


def fpgrowth(args) -> dict:
    """mlxtend on a random sample of ``args.orders`` orders; co_purchases on the same sample."""
    import numpy as np
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules
    from mlxtend.frequent_patterns import fpgrowth as mine

    from personalization import inputs

    lines = inputs.order_lines()
    orders = np.unique(lines["order_id"].to_numpy())
    chosen = np.random.default_rng(0).choice(
        orders, size=min(args.orders, len(orders)), replace=False
    )
    lines = lines[lines["order_id"].isin(chosen)].reset_index(drop=True)
    result = _compare(lines, _together_band(), 5)
    count = result["orders"]
    started = time.perf_counter()
    matrix, _ = basket_product(lines["order_id"].to_numpy(), lines["product_id"].to_numpy())
    onehot = pd.DataFrame.sparse.from_spmatrix(matrix.astype(bool))
    result["onehot_seconds"] = round(time.perf_counter() - started, 2)
    _print({"partial": result})
    started = time.perf_counter()
    itemsets = mine(onehot, min_support=2 / count, max_len=2)
    result["fpgrowth_seconds"] = round(time.perf_counter() - started, 2)
    result["itemsets"] = len(itemsets)
    _print({"partial": result})
    started = time.perf_counter()
    rules = association_rules(itemsets, num_itemsets=count, metric="lift", min_threshold=0.0)
    result["rules_seconds"] = round(time.perf_counter() - started, 2)
    result["rules"] = len(rules)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    jobs = parser.add_subparsers(dest="job", required=True)
    loading = jobs.add_parser("load")
    for name in ("seed", "products", "shoppers", "days"):
        loading.add_argument(f"--{name}", type=int, required=True)
    loading.add_argument("--until", required=True)
    loading.add_argument("--signature", required=True)
    jobs.add_parser("bands")
    jobs.add_parser("default-bands")
    jobs.add_parser("idle")
    one = jobs.add_parser("band")
    one.add_argument("band_id", type=int)
    jobs.add_parser("all")
    jobs.add_parser("inputs")
    together = jobs.add_parser("fbt")
    together.add_argument("--runs", type=int, default=5)
    sample = jobs.add_parser("fpgrowth")
    sample.add_argument("orders", type=int)
    args = parser.parse_args()
    setup_django({})
    handlers = {
        "load": load,
        "bands": lambda _: {"bands": computed_bands()},
        "default-bands": default_bands,
        "idle": idle,
        "band": band,
        "all": every_band,
        "inputs": inputs_frames,
        "fbt": fbt,
        "fpgrowth": fpgrowth,
    }
    _print(handlers[args.job](args))


if __name__ == "__main__":
    main()

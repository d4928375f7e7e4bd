"""Run the benchmarks and rewrite their sections of BENCHMARKS.md (`make bench`).

    .venv/bin/python benchmarks/run.py                      # all, about 20 minutes
    .venv/bin/python benchmarks/run.py --only pages   # one: pages, tracking, recompute, listing,
                                                      # import, notifications or als
    .venv/bin/python benchmarks/run.py --quick              # smaller data, a few minutes

Each benchmark runs in its own process (each configures Django for its own database) with a
time limit; one that fails leaves its section as it was and the others still run.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import report  # noqa: E402
from benchmarks.services import PYTHON, kill_group  # noqa: E402

# Name: (module, time limit in seconds for a full run).
BENCHMARKS = {
    "pages": ("benchmarks.pages", 900),
    "tracking": ("benchmarks.tracking", 600),
    "recompute": ("benchmarks.recompute", 1800),
    "als": ("benchmarks.als_choice", 900),
    "listing": ("benchmarks.listing", 900),
    "import": ("benchmarks.import_orders", 900),
    "notifications": ("benchmarks.notifications", 900),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run Tailor's benchmarks.")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(BENCHMARKS),
        help="Run only this benchmark (repeat for several).",
    )
    parser.add_argument(
        "--quick", action="store_true", help="Smaller data and shorter measurements."
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="recompute, notifications: rebuild the data set even if it exists.",
    )
    args = parser.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)
    report.write_intro()
    failed = []
    for name in chosen:
        module, limit = BENCHMARKS[name]
        flags = (["--quick"] if args.quick else []) + (
            ["--fresh"] if args.fresh and name in ("recompute", "notifications") else []
        )
        # tracking reuses the database pages just seeded.
        if name == "tracking" and "pages" in chosen:
            flags.append("--reuse")
        print(f"== {name}", flush=True)
        started = time.monotonic()
        env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
        # Its own process group, so a time limit or Ctrl-C also stops the servers it started.
        child = subprocess.Popen(
            [PYTHON, "-m", module, *flags], cwd=REPO, env=env, start_new_session=True
        )
        try:
            ok = child.wait(timeout=limit) == 0
        except subprocess.TimeoutExpired:
            print(f"{name}: stopped after {limit} s", flush=True)
            ok = False
        finally:
            kill_group(child)
        print(
            f"== {name}: {'done' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        if not ok:
            failed.append(name)
    if failed:
        print(f"Failed: {', '.join(failed)} (their sections of BENCHMARKS.md were not changed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""BENCHMARKS.md: the intro, and one section per benchmark between markers.

A benchmark rewrites only its own section, so running one leaves the others' figures in place.
"""

import os
import platform
import re
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCUMENT = REPO / "BENCHMARKS.md"
ORDER = ("pages", "tracking", "recompute", "als", "listing", "import", "notifications")

INTRO = """\
# Benchmarks

Measured figures for Tailor's request path, band recomputes, order imports and notification
fan-out, written by the scripts in `benchmarks/`. Run them all with `make bench` (about 30 minutes
on 2 cores), or one with `.venv/bin/python benchmarks/run.py --only NAME` (NAME: pages, tracking,
recompute, als, listing, import, notifications); `--quick` runs a smaller version in a few
minutes (its figures are marked as such). They need PostgreSQL on 127.0.0.1:5432 (user
`postgres`, trust auth), Redis on 127.0.0.1:6379 and `wrk` (`apt-get install wrk`) for the pages;
they create their own databases (`tailor_bench`, `tailor_scale`, `tailor_listing_bench`,
`tailor_import_bench`, `tailor_notify_bench`) and use Redis databases 12 to 14 and 4
(notifications, on a queue of its own), never 0.

**Why ratios.** The machine these run on is small (2 cores) and shared, so absolute times drift
from one run to the next by 10–30%. Every benchmark therefore measures a *baseline* in the same
run, side by side with the thing measured, and the targets are stated as ratios to it where
possible:

- pages: a *ceiling page* (`/bench/ceiling/`, `benchmarks/ceiling.py`) that renders the home
  page's own template with the same number of cards, built once, with no database access and
  no tracking;
- tracking: the same calls and the same request path with tracking switched off;
- recompute: an idle process with the same imports (memory), the rows' bare transfer
  (`COPY … TO STDOUT`, unparsed) for the input frames, and the bare sparse product BᵀB for
  "Frequently bought together";
- import: the file's bare parse (`pd.read_csv`, all text) and its rows' bare `COPY` into a table
  without indexes;
- notifications: the bare `INSERT … SELECT` of the same notification rows in one statement
  (time), and the worker's RSS when idle (memory).

Times are medians unless stated; p99 is the 99th percentile. Each section states its date,
machine, command and data size. Targets come from the issues; a missed target says so.
"""


def machine() -> str:
    """CPU count, RAM, CPU model, Python and the load average when the benchmark started."""
    memory_kb = _meminfo().get("MemTotal", 0)
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs (nproc), {memory_kb / 1024 / 1024:.1f} GB RAM"
        f"{', ' + model if model else ''}; Python {platform.python_version()}; "
        f"load average at start {load}"
    )


def _meminfo() -> dict[str, int]:
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return {}
    return {line.split(":")[0]: int(line.split()[1]) for line in lines if line.split()[1:]}


def postgres_version() -> str:
    try:
        found = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return found.stdout.strip().split()[0] if found.stdout.strip() else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def code_version() -> str:
    """The commit measured, and whether the working tree differed from it (read-only git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if not head:
        return "unknown"
    return f"`{head}`" + (f" with {len(changed)} uncommitted changed file(s)" if changed else "")


def header(title: str, command: str, data: str, quick: bool) -> list[str]:
    """The lines every section starts with."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## {title}", ""]
    if quick:
        lines += [
            "**Quick run (`--quick`): smaller data and shorter measurements than the full "
            "benchmark; figures are indicative only.**",
            "",
        ]
    lines += [
        f"- Date: {now}",
        f"- Machine: {machine()}; PostgreSQL {postgres_version()}",
        f"- Command: `{command}`; code: {code_version()}",
        f"- Data: {data}",
        "",
    ]
    return lines


def table(columns: list[str], rows: list[list]) -> list[str]:
    """A Markdown table; cells are turned into text as they are."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(" --- " for _ in columns) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def verdict(met: bool | None) -> str:
    if met is None:
        return "not measured"
    return "**met**" if met else "**missed**"


def percentile(values, fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` fall (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def ensure_document() -> str:
    """The document's text, created with the intro and empty sections when missing."""
    text = DOCUMENT.read_text() if DOCUMENT.exists() else INTRO
    if not text.startswith("# Benchmarks"):
        text = INTRO + "\n" + text
    for name in ORDER:
        if _start(name) not in text:
            text = text.rstrip("\n") + (
                f"\n\n{_start(name)}\n## {name.title()}\n\nNot run yet.\n{_end(name)}\n"
            )
    return text


def write_intro() -> None:
    """Replace the intro (everything before the first section) with the current one."""
    text = ensure_document()
    first = min(text.index(_start(name)) for name in ORDER)
    DOCUMENT.write_text(INTRO + "\n" + text[first:])


def write_section(name: str, lines: list[str]) -> None:
    """Replace the section ``name`` with ``lines``; the other sections stay as they are."""
    text = ensure_document()
    body = "\n".join(lines).rstrip("\n")
    pattern = re.compile(re.escape(_start(name)) + r".*?" + re.escape(_end(name)), re.DOTALL)
    text = pattern.sub(lambda _: f"{_start(name)}\n{body}\n{_end(name)}", text)
    DOCUMENT.write_text(text)


def _start(name: str) -> str:
    return f"<!-- bench:{name}:start -->"


def _end(name: str) -> str:
    return f"<!-- bench:{name}:end -->"

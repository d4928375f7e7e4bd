"""Timing calls in-process: per-call milliseconds, interleaved so drift hits every variant."""

import time

BLOCK = 100


def time_calls(call, iterations: int) -> list[float]:
    """Milliseconds per call."""
    times = []
    for _ in range(iterations):
        started = time.perf_counter_ns()
        call()
        times.append((time.perf_counter_ns() - started) / 1e6)
    return times


def interleaved(calls: dict, iterations: int, block: int = BLOCK) -> dict[str, list[float]]:
    """Each call ``iterations`` times, in alternating blocks, so drift hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(max(1, iterations // block)):
        for name, call in calls.items():
            times[name] += time_calls(call, min(block, iterations))
    return times

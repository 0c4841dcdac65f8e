"""Timing and memory helpers shared by the benchmarks."""

from __future__ import annotations

import contextlib
import json
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
MB = 1024 * 1024


def progress(message: str) -> None:
    print(message, flush=True)


def median_seconds(fn: Callable[[], T], repeat: int = 7, warmup: int = 1) -> tuple[float, T]:
    """Median wall time of ``fn`` over ``repeat`` runs (after ``warmup``), and its last result.

    The median, not the mean: a 2-core shared machine has noisy outliers.
    """
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result  # type: ignore[return-value]


def interleaved_medians(
    fns: dict[str, Callable[[], Any]], rounds: int = 3, block: int = 3
) -> tuple[dict[str, float], dict[str, float], dict[str, Any]]:
    """Median seconds of each function over ``rounds`` × ``block`` runs, and its last result.

    Each round runs every function ``block`` times back to back, the rounds
    cycling through the functions: figures compared as ratios see the same
    machine load (it drifts from second to second on a shared 2-core machine),
    while runs after the first of a block are warm, as repeated timings are.
    Also returned: the median of the first run of each block, right after the
    other functions evicted the caches ("cold").
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    cold: dict[str, list[float]] = {name: [] for name in fns}
    results: dict[str, Any] = {name: fn() for name, fn in fns.items()}  # warm-up
    for _ in range(rounds):
        for name, fn in fns.items():
            for k in range(block):
                start = time.perf_counter()
                results[name] = fn()
                elapsed = time.perf_counter() - start
                times[name].append(elapsed)
                if k == 0:
                    cold[name].append(elapsed)
    return (
        {name: statistics.median(t) for name, t in times.items()},
        {name: statistics.median(t) for name, t in cold.items()},
        results,
    )


def traced_peak_mb(fn: Callable[[], Any]) -> float:
    """Peak of memory allocated while ``fn`` runs (tracemalloc sees NumPy's buffers too)."""
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / MB


def max_rss_mb() -> float:
    """The process's peak resident set so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / MB if sys.platform == "darwin" else rss / 1024


def report(figures: dict[str, Any]) -> None:
    """The last line of every benchmark: one JSON object."""
    print(json.dumps(figures, ensure_ascii=False), flush=True)


@contextlib.contextmanager
def scratch_database(url: str, suffix: str) -> Iterator[str]:
    """A fresh ``<db>_<suffix>`` beside the PostgreSQL database of ``url`` (which need not
    exist), dropped on exit; yields its URL. Made and dropped from the maintenance database."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'govperf'}_{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

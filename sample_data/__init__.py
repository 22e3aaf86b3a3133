"""Deterministic sample landing data for the five domains."""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sample_data import contact_center, cx, ecommerce, media, retail

DOMAINS = {
    "cx": cx,
    "contact_center": contact_center,
    "ecommerce": ecommerce,
    "media": media,
    "retail": retail,
}
# the domains by the time one day of each takes to generate, longest first:
# workers that take them in this order finish at about the same time
LONGEST_FIRST = ("ecommerce", "retail", "media", "cx", "contact_center")


def generate_day(
    root: Path, day: int, seed: int = 42, scale: float = 1.0, domains: list[str] | None = None
) -> dict[str, int]:
    """Write day `day`'s landing files under `root`; returns {file: data rows}."""
    if day < 1:
        raise ValueError("days are numbered from 1")
    counts: dict[str, int] = {}
    for name in domains or list(DOMAINS):
        if name not in DOMAINS:
            raise ValueError(f"unknown domain {name!r}; known: {', '.join(DOMAINS)}")
        counts.update(DOMAINS[name].generate(Path(root), day, seed, scale))
    return counts


STATE_FILE = "_generated.json"


def generated_state(root: Path) -> dict:
    """What has been generated under `root`: {"seed", "scale", "days"} or {}."""
    path = Path(root) / STATE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def _generate_one(root: Path, day: int, domain: str, seed: int, scale: float) -> tuple[int, str, dict[str, int]]:
    return day, domain, DOMAINS[domain].generate(Path(root), day, seed, scale)


def generate_days(
    root: Path, days: list[int], seed: int = 42, scale: float = 1.0, workers: int | None = None
) -> dict[str, int]:
    """Write whole days for every domain and record them in the landing
    root's state file, which `next-day` reads to know what comes next.

    Each (day, domain) is generated on its own, from its own seeded
    generators, so `workers` processes (default: one per core) write the same
    bytes as one; day 1, which holds the backlog, goes first."""
    if any(day < 1 for day in days):
        raise ValueError("days are numbered from 1")

    def order(unit: tuple[int, str]) -> tuple[bool, int]:
        day, name = unit
        return day != 1, LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    units = sorted(((day, name) for day in days for name in DOMAINS), key=order)
    workers = max(1, min(workers or len(os.sched_getaffinity(0)), len(units)))
    args = [(root, day, name, seed, scale) for day, name in units]
    if workers == 1:
        done = [_generate_one(*a) for a in args]
    else:
        # spawn, not fork: the caller may hold threads (the benchmark's sampler, a Spark session)
        others = set(multiprocessing.active_children())
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            try:
                done = list(pool.map(_generate_one, *zip(*args)))
            except BaseException:
                # stopped (SIGTERM, Ctrl-C) or a unit failed: end the pool's workers now; leaving
                # the pool would first finish every queued unit, and a killed parent orphans them
                pool.shutdown(wait=False, cancel_futures=True)
                for worker in set(multiprocessing.active_children()) - others:
                    worker.terminate()
                raise
    by_unit = {(day, name): files for day, name, files in done}
    counts: dict[str, int] = {}
    for day in days:
        day_counts: dict[str, int] = {}
        for name in DOMAINS:
            day_counts.update(by_unit[(day, name)])
        print(f"day {day}: {len(day_counts)} landing files, {sum(day_counts.values())} rows -> {root}", flush=True)
        counts.update(day_counts)
    state = generated_state(root)
    state.update(seed=seed, scale=scale, days=sorted(set(state.get("days", [])) | set(days)))
    (Path(root) / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    return counts

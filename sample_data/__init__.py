"""Deterministic sample landing data for the five domains."""

from __future__ import annotations

import json
from pathlib import Path

from sample_data import contact_center, cx, ecommerce, media, retail

DOMAINS = {
    "cx": cx,
    "contact_center": contact_center,
    "ecommerce": ecommerce,
    "media": media,
    "retail": retail,
}


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


def generate_days(root: Path, days: list[int], seed: int = 42, scale: float = 1.0) -> dict[str, int]:
    """Write whole days for every domain and record them in the landing
    root's state file, which `next-day` reads to know what comes next."""
    counts: dict[str, int] = {}
    for day in days:
        day_counts = generate_day(root, day, seed=seed, scale=scale)
        print(f"day {day}: {len(day_counts)} landing files, {sum(day_counts.values())} rows -> {root}", flush=True)
        counts.update(day_counts)
    state = generated_state(root)
    state.update(seed=seed, scale=scale, days=sorted(set(state.get("days", [])) | set(days)))
    (Path(root) / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    return counts

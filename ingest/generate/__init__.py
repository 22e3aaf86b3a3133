"""Deterministic sample landing data for the five domains."""

from __future__ import annotations

from pathlib import Path

from ingest.generate import contact_center, cx, ecommerce, media, retail

DOMAINS = {
    "cx": cx,
    "contact_center": contact_center,
    "ecommerce": ecommerce,
    "media": media,
    "retail": retail,
}


def generate_day(root: Path, day: int, seed: int = 42, scale: float = 1.0, domains: list[str] | None = None) -> dict[str, int]:
    """Write day `day`'s landing files under `root`; returns {file: data rows}."""
    if day < 1:
        raise ValueError("days are numbered from 1")
    counts: dict[str, int] = {}
    for name in domains or list(DOMAINS):
        if name not in DOMAINS:
            raise ValueError(f"unknown domain {name!r}; known: {', '.join(DOMAINS)}")
        counts.update(DOMAINS[name].generate(Path(root), day, seed, scale))
    return counts

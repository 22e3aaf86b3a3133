"""Delete table generations no table points to any more.

On the local engine every table rebuild writes a new folder
(warehouse/<schema>/<table>/g<timestamp>_<id>) because Sail cannot replace a
Delta table in place on a Hive Metastore (docs/engine-notes.md). This is the
local stand-in for VACUUM of those old generations.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

GENERATION = re.compile(r"^g\d{8}T\d{6}_[0-9a-f]{8}(_rewritten)?$")


def live_locations(spark) -> set[Path]:
    """Locations of every table the metastore knows, as local paths."""
    live: set[Path] = set()
    for db in spark.sql("show databases").collect():
        for row in spark.sql(f"show table extended in `{db[0]}` like '*'").collect():
            match = re.search(r"^Location: (.+)$", row["information"] or "", re.MULTILINE)
            if match:
                raw = match.group(1).strip()
                live.add(Path(urlparse(raw).path if raw.startswith("file:") else raw).resolve())
    return live


def orphaned(warehouse: Path, live: set[Path], grace_s: float = 3600) -> list[Path]:
    """Generation folders under `warehouse` that no live table uses.

    A table's newest generation is kept for `grace_s` even when unregistered:
    a build running right now may be writing it before registering it.
    """
    found = []
    for table_dir in warehouse.glob("*/*"):
        gens = sorted(g for g in table_dir.glob("g*") if g.is_dir() and GENERATION.match(g.name))
        for gen in gens:
            if gen.resolve() in live:
                continue
            young = time.time() - gen.stat().st_mtime < grace_s
            if gen == gens[-1] and young:
                continue
            found.append(gen)
    return sorted(found)


def collect(spark, warehouse: Path) -> tuple[int, int]:
    """Remove orphaned generations; returns (folders removed, bytes freed)."""
    removed, freed = 0, 0
    for gen in orphaned(warehouse, live_locations(spark)):
        freed += sum(f.stat().st_size for f in gen.rglob("*") if f.is_file())
        shutil.rmtree(gen)
        removed += 1
    return removed, freed

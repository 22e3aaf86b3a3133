"""Helpers shared by the domain generators: seeded randomness, fake values,
bad-row injection and the file writers.

Every value is a pure function of (seed, domain, day), so a given day's files
are byte-identical however often, and in whatever order, they are generated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

START_DATE = date(2025, 1, 15)

FIRST_NAMES = [
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Emma",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kara",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Priya",
    "Quinn",
    "Ravi",
    "Sofia",
    "Tom",
    "Uma",
    "Victor",
    "Wen",
    "Xavier",
    "Yara",
    "Zoe",
]
LAST_NAMES = [
    "Anderson",
    "Brown",
    "Chen",
    "Davis",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Johnson",
    "Kim",
    "Lopez",
    "Martin",
    "Nguyen",
    "O'Brien",
    "Patel",
    "Quist",
    "Rossi",
    "Smith",
    "Taylor",
    "Usman",
    "Voss",
    "Walker",
    "Young",
    "Zhang",
]
CITIES = [
    ("New York", "NY"),
    ("Los Angeles", "CA"),
    ("Chicago", "IL"),
    ("Houston", "TX"),
    ("Phoenix", "AZ"),
    ("Seattle", "WA"),
    ("Denver", "CO"),
    ("Boston", "MA"),
    ("Atlanta", "GA"),
    ("Miami", "FL"),
    ("Portland", "OR"),
    ("Austin", "TX"),
]
STREETS = ["Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Cedar Ln", "Elm St", "Lake Blvd"]


def day_date(day: int) -> date:
    """Calendar date of day 1, 2, ... of the sample data."""
    return START_DATE + timedelta(days=day - 1)


def rng_for(seed: int, domain: str, part: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{domain}:{part}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def scaled(base: int, scale: float) -> int:
    return max(1, int(round(base * scale)))


def person(rng: random.Random, n: int) -> dict[str, str]:
    """A fake person with a valid email and phone."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    handle = f"{first}.{last}".lower().replace("'", "")
    return {
        "first_name": first,
        "last_name": last,
        "email": f"{handle}{n}@example.com",
        "phone": f"+1-{rng.randint(200, 989)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
    }


def address(rng: random.Random) -> dict[str, str]:
    city, state = rng.choice(CITIES)
    return {
        "address": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        "city": city,
        "state": state,
        "zip_code": f"{rng.randint(10000, 99999)}",
        "country": "US",
    }


def ts(d: date, rng: random.Random) -> datetime:
    return datetime(d.year, d.month, d.day) + timedelta(seconds=rng.randint(0, 86399))


def fmt_ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


# --- bad rows --------------------------------------------------------------


def spoil(rows: list[dict[str, Any]], rng: random.Random, spoilers: list, share: float) -> None:
    """Apply one of `spoilers` (functions that edit a row in place) to ~share of rows."""
    for row in rows:
        if rng.random() < share:
            rng.choice(spoilers)(row, rng)


def duplicate(rows: list[dict[str, Any]], rng: random.Random, share: float) -> list[dict[str, Any]]:
    """Rows with ~share of them repeated at a random later position."""
    out = list(rows)
    for row in rows:
        if rng.random() < share:
            out.insert(rng.randint(0, len(out)), dict(row))
    return out


# --- writers -------------------------------------------------------------


def write_csv(
    path: Path,
    columns: list[str],
    rows: Iterable[dict[str, Any]],
    broken_lines: list[str] = (),
    rng: random.Random | None = None,
) -> int:
    """CSV with a header; `broken_lines` are spliced in as unparseable lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    lines = []
    for row in rows:
        line = io.StringIO()
        csv.writer(line, lineterminator="").writerow(["" if row.get(c) is None else row.get(c) for c in columns])
        lines.append(line.getvalue())
    for broken in broken_lines:
        lines.insert((rng or random.Random(0)).randint(0, len(lines)), broken)
    buf.write("\n".join(lines) + ("\n" if lines else ""))
    path.write_text(buf.getvalue(), encoding="utf-8")
    return len(lines)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]], broken_lines: list[str] = (), rng=None) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(row, default=str, sort_keys=True) for row in rows]
    for broken in broken_lines:
        lines.insert((rng or random.Random(0)).randint(0, len(lines)), broken)
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    return len(lines)


def write_parquet(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, compression="snappy")
    return table.num_rows


# A day's fact rows are written in part files of at most this many rows, so
# the generator's memory stays flat at large scales (scale 100 is ~5M rows per
# fact). Up to scale 10 every fact fits one part, named as the document names it.
PART_ROWS = 500_000


def fact_parts(rng: random.Random, seed: int, domain: str, day: int, first: int, count: int):
    """(part, first id, rows, rng) for a day's `count` facts from id `first`.

    Part 0 draws from `rng`, the day's generator, which the caller goes on
    using afterwards; later parts get their own seeded generator."""
    for part, start in enumerate(range(first, first + count, PART_ROWS)):
        part_rng = rng if part == 0 else rng_for(seed, domain, f"facts:{day}:part{part}")
        yield part, start, min(PART_ROWS, first + count - start), part_rng


def part_file(path: Path, part: int) -> Path:
    """`orders_2025_01_15.csv`, then `orders_2025_01_15_part001.csv`, ..."""
    return path if part == 0 else path.with_name(f"{path.stem}_part{part:03d}{path.suffix}")


def landing_file(root: Path, domain: str, entity: str, day: int, ext: str) -> Path:
    stamp = day_date(day).strftime("%Y_%m_%d")
    return root / domain / entity / f"{entity}_{stamp}.{ext}"

"""Media analytics (media_analytics.md): assets, delivery, devices, geo and
metrics as Parquet, the shape of its bronze.raw_* tables.

Delivery is the big fact (CDN sessions); metrics is one row per asset and day.
Later days retitle or re-rate a few assets and add a day of delivery and
metrics, with ~1 % bad rows (null asset ids, negative bitrates).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa

from sample_data.common import (
    day_date,
    duplicate,
    fact_parts,
    landing_file,
    part_file,
    rng_for,
    scaled,
    spoil,
    ts,
    write_parquet,
)

DOMAIN = "media"
CONTENT_TYPES = ["movie", "series_episode", "documentary", "clip", "live_event"]
GENRES = ["drama", "comedy", "action", "news", "sports", "kids", "documentary"]
PROVIDERS = ["StudioOne", "BlueFrame", "NorthLight", "Openreel"]
CDNS = ["akamai", "cloudfront", "fastly"]
DEVICE_TYPES = {
    "smart_tv": ["Tizen", "webOS", "Android TV"],
    "mobile": ["iOS", "Android"],
    "tablet": ["iPadOS", "Android"],
    "desktop": ["Windows", "macOS", "Linux"],
    "console": ["PlayStation", "Xbox"],
}
GEO = [
    ("US", "United States", "North America"),
    ("CA", "Canada", "North America"),
    ("GB", "United Kingdom", "Europe"),
    ("DE", "Germany", "Europe"),
    ("FR", "France", "Europe"),
    ("IN", "India", "Asia"),
    ("JP", "Japan", "Asia"),
    ("BR", "Brazil", "South America"),
    ("AU", "Australia", "Oceania"),
    ("ZA", "South Africa", "Africa"),
]

SCHEMAS = {
    "assets": pa.schema(
        [
            ("asset_id", pa.string()),
            ("title", pa.string()),
            ("content_type", pa.string()),
            ("genre", pa.string()),
            ("duration_seconds", pa.int32()),
            ("release_date", pa.date32()),
            ("provider", pa.string()),
            ("maturity_rating", pa.string()),
        ]
    ),
    "devices": pa.schema(
        [
            ("device_id", pa.string()),
            ("device_type", pa.string()),
            ("os", pa.string()),
            ("os_version", pa.string()),
            ("manufacturer", pa.string()),
            ("supports_4k", pa.bool_()),
        ]
    ),
    "geo": pa.schema(
        [
            ("geo_id", pa.string()),
            ("country_code", pa.string()),
            ("country", pa.string()),
            ("region", pa.string()),
            ("city", pa.string()),
            ("latitude", pa.float64()),
            ("longitude", pa.float64()),
        ]
    ),
    "delivery": pa.schema(
        [
            ("delivery_id", pa.string()),
            ("asset_id", pa.string()),
            ("device_id", pa.string()),
            ("geo_id", pa.string()),
            ("cdn", pa.string()),
            ("event_time", pa.timestamp("us")),
            ("bitrate_kbps", pa.int32()),
            ("startup_time_ms", pa.int32()),
            ("buffering_ms", pa.int32()),
            ("error_code", pa.string()),
            ("bytes_delivered", pa.int64()),
            ("watch_seconds", pa.int32()),
        ]
    ),
    "metrics": pa.schema(
        [
            ("asset_id", pa.string()),
            ("metric_date", pa.date32()),
            ("views", pa.int64()),
            ("unique_viewers", pa.int64()),
            ("watch_time_minutes", pa.float64()),
            ("likes", pa.int64()),
            ("shares", pa.int64()),
            ("comments", pa.int64()),
            ("completion_rate", pa.float64()),
        ]
    ),
}


def sizes(scale: float) -> dict[str, int]:
    return {
        "assets": scaled(2_000, scale),
        "devices": scaled(5_000, scale),
        "geo": 300,
        "delivery": scaled(50_000, scale),
    }


def _dimensions(seed: int, scale: float):
    size = sizes(scale)
    assets, devices, geo = {}, {}, {}
    for n in range(1, size["assets"] + 1):
        rng = rng_for(seed, DOMAIN, f"asset:{n}")
        assets[f"AS{n:05d}"] = {
            "asset_id": f"AS{n:05d}",
            "title": f"Title {n}",
            "content_type": rng.choice(CONTENT_TYPES),
            "genre": rng.choice(GENRES),
            "duration_seconds": rng.randint(60, 10_800),
            "release_date": day_date(1) - timedelta(days=rng.randint(0, 3000)),
            "provider": rng.choice(PROVIDERS),
            "maturity_rating": rng.choice(["G", "PG", "PG-13", "R"]),
        }
    for n in range(1, size["devices"] + 1):
        rng = rng_for(seed, DOMAIN, f"device:{n}")
        kind = rng.choice(list(DEVICE_TYPES))
        devices[f"DV{n:06d}"] = {
            "device_id": f"DV{n:06d}",
            "device_type": kind,
            "os": rng.choice(DEVICE_TYPES[kind]),
            "os_version": f"{rng.randint(8, 17)}.{rng.randint(0, 9)}",
            "manufacturer": rng.choice(["Samsung", "Apple", "LG", "Sony", "Lenovo"]),
            "supports_4k": kind in ("smart_tv", "console") and rng.random() < 0.7,
        }
    for n in range(1, size["geo"] + 1):
        rng = rng_for(seed, DOMAIN, f"geo:{n}")
        code, country, region = GEO[(n - 1) % len(GEO)]
        geo[f"G{n:04d}"] = {
            "geo_id": f"G{n:04d}",
            "country_code": code,
            "country": country,
            "region": region,
            "city": f"{country} city {n}",
            "latitude": round(rng.uniform(-60, 70), 4),
            "longitude": round(rng.uniform(-180, 180), 4),
        }
    return assets, devices, geo


def _null_asset(row, rng):
    row["asset_id"] = None


def _negative_bitrate(row, rng):
    row["bitrate_kbps"] = -abs(row["bitrate_kbps"])


def _deliveries(
    rng, the_day, day: int, first: int, count: int, asset_ids: list, device_ids: list, geo_ids: list
) -> list[dict]:
    """One part of a day's delivery sessions, spoiled and with duplicates."""
    rows = []
    for n in range(first, first + count):
        bitrate = rng.choice([800, 1500, 3000, 6000, 12000])
        error = rng.random() < 0.02
        rows.append(
            {
                "delivery_id": f"D{n:09d}",
                "asset_id": rng.choice(asset_ids),
                "device_id": rng.choice(device_ids),
                "geo_id": rng.choice(geo_ids),
                "cdn": rng.choice(CDNS),
                "event_time": ts(the_day - timedelta(days=rng.randint(0, 6) if day == 1 else 0), rng),
                "bitrate_kbps": bitrate,
                "startup_time_ms": int(rng.expovariate(1 / 900)),
                "buffering_ms": int(rng.expovariate(1 / 400)),
                "error_code": rng.choice(["E1001", "E2002", "E5003"]) if error else None,
                "bytes_delivered": 0 if error else bitrate * 125 * rng.randint(30, 3600),
                "watch_seconds": 0 if error else rng.randint(30, 3600),
            }
        )
    spoil(rows, rng, [_null_asset, _negative_bitrate], 0.01)
    return duplicate(rows, rng, 0.005)


def generate(root: Path, day: int, seed: int, scale: float) -> dict[str, int]:
    size = sizes(scale)
    assets, devices, geo = _dimensions(seed, scale)
    changed = set(assets)
    for d in range(2, day + 1):
        rng = rng_for(seed, DOMAIN, f"changes:{d}")
        changed = set(rng.sample(sorted(assets), k=max(1, len(assets) // 50)))
        for a in sorted(changed):
            assets[a]["maturity_rating"] = rng.choice(["G", "PG", "PG-13", "R"])
            assets[a]["title"] = assets[a]["title"].split(" (")[0] + f" (remastered {d})"
    rng = rng_for(seed, DOMAIN, f"facts:{day}")
    the_day = day_date(day)
    counts = {}
    dims = {"assets": [assets[a] for a in sorted(changed)]}
    if day == 1:
        dims.update(devices=list(devices.values()), geo=list(geo.values()))
    for entity, rows in dims.items():
        path = landing_file(root, DOMAIN, entity, day, "parquet")
        counts[str(path)] = write_parquet(path, rows, SCHEMAS[entity])

    per_day = max(1, size["delivery"] // 10)
    n_rows = size["delivery"] if day == 1 else per_day
    first = 1 if day == 1 else size["delivery"] + (day - 2) * per_day + 1
    asset_ids, device_ids, geo_ids = sorted(assets), sorted(devices), sorted(geo)
    path = landing_file(root, DOMAIN, "delivery", day, "parquet")
    for part, start, count, part_rng in fact_parts(rng, seed, DOMAIN, day, first, n_rows):
        rows = _deliveries(part_rng, the_day, day, start, count, asset_ids, device_ids, geo_ids)
        counts[str(part_file(path, part))] = write_parquet(part_file(path, part), rows, SCHEMAS["delivery"])

    metrics = []
    for a in asset_ids:
        views = int(rng.expovariate(1 / 200))
        metrics.append(
            {
                "asset_id": a,
                "metric_date": the_day,
                "views": views,
                "unique_viewers": int(views * rng.uniform(0.6, 1.0)),
                "watch_time_minutes": round(views * rng.uniform(5, 60), 2),
                "likes": int(views * rng.uniform(0, 0.2)),
                "shares": int(views * rng.uniform(0, 0.05)),
                "comments": int(views * rng.uniform(0, 0.03)),
                "completion_rate": round(rng.uniform(0.1, 1.0), 3),
            }
        )
    path = landing_file(root, DOMAIN, "metrics", day, "parquet")
    counts[str(path)] = write_parquet(path, metrics, SCHEMAS["metrics"])
    return counts

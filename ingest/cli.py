"""`python -m ingest load`: landing files -> bronze tables.

The job's settings are read here, once, from the command line and the
environment the engine launcher sets (LAKE_ROOT, SPARK_REMOTE,
LAKE_TABLE_FORMAT, BRONZE_LOCATION_ROOT), and passed down.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from ingest import config as ingest_config
from ingest.archive import archive
from ingest.bronze import BronzeSchemaError
from ingest.lock import LockBusy, ingest_lock


def _landing_root(arg: str | None) -> Path:
    if arg:
        return Path(arg).resolve()
    lake = os.environ.get("LAKE_ROOT")
    if not lake:
        raise SystemExit("error: give --landing or set LAKE_ROOT (landing files live in $LAKE_ROOT/landing)")
    return Path(lake).resolve() / "landing"


def _load(args: argparse.Namespace) -> int:
    from ingest.load import Loader
    from ingest.spark import get_session

    env = os.environ
    try:
        conf = ingest_config.load(
            table_format=env.get("LAKE_TABLE_FORMAT"),
            lake_root=env.get("LAKE_ROOT"),
            location_root=env.get("BRONZE_LOCATION_ROOT"),
        )
        if args.bronze_schema:
            conf = ingest_config.with_bronze_schema(conf, args.bronze_schema)
        if args.settle_seconds is not None:
            conf = ingest_config.with_settle_seconds(conf, args.settle_seconds)
        sources = conf.select(args.source, args.domain)
    except ingest_config.ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    root = _landing_root(args.landing)
    if not root.is_dir():
        print(f"error: landing folder {root} does not exist; run `python -m sample_data` first", file=sys.stderr)
        return 2
    archive_to = Path(args.archive).resolve() if args.archive else None
    if archive_to and (archive_to == root or root in archive_to.parents):
        print(f"error: the archive {archive_to} must be outside the landing folder {root}", file=sys.stderr)
        return 2
    try:
        with ingest_lock(root, wait_s=args.wait):
            report = Loader(get_session(env.get("SPARK_REMOTE")), conf, root).run(sources)
            archived = archive(root, archive_to, report) if archive_to else []
    except LockBusy as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    except (BronzeSchemaError, ingest_config.ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(report.table())
    print(summary(report))
    if args.report:
        write_report(report, Path(args.report))
    if archive_to:
        print(f"archived {len(archived)} file(s) to {archive_to}")
    for status, advice in FAILURE_ADVICE.items():
        if report.having(status):
            print(f"error: {advice}", file=sys.stderr)
    return 1 if report.failed else 0


FAILURE_ADVICE = {
    "rejected": "some files were rejected (see the message column); fix or remove them and re-run",
    "changed": "some files changed after they were loaded; they are not reloaded: deliver corrections under new names",
    "missing": "a trigger lists files that have not arrived (status missing); they load once delivered",
}


def write_report(report, path: Path) -> None:
    """The run's outcomes as JSON, for the pipeline's alert (lakehouse/alerts.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"run_id": report.run_id, "results": [dataclasses.asdict(r) for r in report.results]}
    path.write_text(json.dumps(document, indent=1))


def summary(report) -> str:
    loaded = report.having("loaded")
    counts = {
        s: len(report.having(s)) for s in ("skipped", "waiting", "rejected", "held", "changed", "missing", "ignored")
    }
    rest = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return (
        f"{report.run_id}: {len(loaded)} files loaded, {sum(r.rows_loaded for r in loaded)} rows to bronze, "
        f"{sum(r.rows_quarantined for r in loaded)} quarantined" + (f"; files {rest}" if rest else "")
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="load new landing files into bronze Delta tables")
    load.add_argument("--landing", help="landing root (default $LAKE_ROOT/landing)")
    load.add_argument("--source", action="append", help="only this source (repeatable)")
    load.add_argument("--domain", action="append", help="only this domain (repeatable)")
    load.add_argument("--bronze-schema", help="write to this schema instead of sources.yml's bronze_schema")
    load.add_argument(
        "--settle-seconds",
        type=float,
        help="load a file once its size and mtime are unchanged this long (default: sources.yml)",
    )
    load.add_argument(
        "--wait", type=float, default=0, help="seconds to wait for another running load (default 0: exit 3)"
    )
    load.add_argument(
        "--archive",
        metavar="DIR",
        help="move files whose content is in bronze (with their trigger, once all its files are) to DIR",
    )
    load.add_argument("--report", metavar="FILE", help="also write the run's outcome per file as JSON to FILE")
    load.set_defaults(func=_load)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)

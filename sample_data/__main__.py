"""`python -m sample_data`: deterministic sample landing files for the five domains."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from sample_data import generate_day, generate_days


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sample_data", description=__doc__)
    parser.add_argument("--landing", help="landing root (default $LAKE_ROOT/landing)")
    parser.add_argument("--days", type=int, default=1, help="write days 1..N (default 1)")
    parser.add_argument("--day", type=int, help="write only day N")
    parser.add_argument("--scale", type=float, default=1.0, help="scale factor (1 = the retail document's sizes)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--domain", action="append", help="only this domain (repeatable)")
    parser.add_argument(
        "--workers", type=int, help="processes generating days and domains side by side (default: one per core)"
    )
    return parser


def _exit_on_sigterm(signum: int, frame: object) -> None:
    sys.exit(128 + signum)  # unwinds like Ctrl-C, so the worker processes are ended too


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    lake = os.environ.get("LAKE_ROOT")
    if not args.landing and not lake:
        raise SystemExit("error: give --landing or set LAKE_ROOT (landing files live in $LAKE_ROOT/landing)")
    root = Path(args.landing).resolve() if args.landing else Path(lake).resolve() / "landing"
    if args.workers is not None and args.workers < 1:
        raise SystemExit(f"error: --workers must be at least 1, got {args.workers}")
    days = [args.day] if args.day else list(range(1, args.days + 1))
    if args.domain:  # a partial day: not recorded as generated
        for day in days:
            counts = generate_day(root, day, seed=args.seed, scale=args.scale, domains=args.domain)
            print(f"day {day}: {len(counts)} files, {sum(counts.values())} rows -> {root}")
    else:
        generate_days(root, days, seed=args.seed, scale=args.scale, workers=args.workers)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    raise SystemExit(main())

"""Command line of the local platform: `python -m lakehouse <command>`."""

from __future__ import annotations

import argparse
import os
import sys

from lakehouse import engine, pipeline, settings


def _up(args: argparse.Namespace) -> int:
    conf = settings.load()
    engine.start(conf)
    for name, state in engine.status(conf).items():
        print(f"{name:10} {state}")
    print(f"lake root  {conf.lake_root}")
    return 0


def _down(args: argparse.Namespace) -> int:
    stopped = engine.stop(settings.load())
    print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    return 0


def _status(args: argparse.Namespace) -> int:
    conf = settings.load()
    report = engine.status(conf)
    for name, state in report.items():
        print(f"{name:10} {state}")
    print(f"lake root  {conf.lake_root}")
    return 0 if engine.is_running(conf) else 3


def _run(args: argparse.Namespace) -> int:
    pipeline.main_job(settings.load(), args.days, args.scale, args.seed, args.target, args.keep_engine)
    return 0


def _next_day(args: argparse.Namespace) -> int:
    day = pipeline.next_day(settings.load(), args.target, args.keep_engine)
    print(f"landed and built day {day}")
    return 0


def _dbt(args: argparse.Namespace) -> int:
    conf = settings.load()
    with pipeline.engine_running(conf, keep=args.keep_engine):
        dbt_args = args.dbt_args[1:] if args.dbt_args[:1] == ["--"] else args.dbt_args
        return pipeline.dbt(conf, dbt_args, args.target)


def _gc(args: argparse.Namespace) -> int:
    conf = settings.load()
    if conf.engine != "sail":
        print("gc: only the local engine (Sail) leaves old table generations; nothing to do")
        return 0
    if not engine.is_running(conf):
        raise engine.EngineError("the engine is not running; `python -m lakehouse up` first")
    pipeline.collect_garbage(conf)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lakehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the engine: metastore + Sail, or + Spark cluster (LAKE_ENGINE=spark)").set_defaults(func=_up)
    sub.add_parser("down", help="stop them").set_defaults(func=_down)
    sub.add_parser("status", help="report them (exit 3 when not running)").set_defaults(func=_status)
    for name, func, text in (
        ("run", _run, "main job: sample data -> bronze -> dbt build -> docs"),
        ("next-day", _next_day, "land the next day of sample data and rebuild"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--target", default=os.environ.get("DBT_TARGET"), help="dbt target (default: the engine's)")
        cmd.add_argument("--keep-engine", action="store_true", help="leave the engine running afterwards")
        if name == "run":
            cmd.add_argument("--days", type=int, default=1, help="days of sample data to generate (default 1)")
            cmd.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", "1")))
            cmd.add_argument("--seed", type=int, default=42)
        cmd.set_defaults(func=func)
    run_dbt = sub.add_parser("dbt", help="run dbt against this lake: python -m lakehouse dbt -- build -s model+")
    run_dbt.add_argument("--target", default=None)
    run_dbt.add_argument("--keep-engine", action="store_true")
    run_dbt.add_argument("dbt_args", nargs=argparse.REMAINDER)
    run_dbt.set_defaults(func=_dbt)
    sub.add_parser("gc", help="delete table generations no table uses").set_defaults(func=_gc)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (engine.EngineError, pipeline.StepFailed) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

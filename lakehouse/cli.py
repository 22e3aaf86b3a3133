"""Command line of the local platform: `python -m lakehouse <command>`."""

from __future__ import annotations

import argparse
import sys

from lakehouse import engine, settings


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lakehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the metastore and the Sail server").set_defaults(func=_up)
    sub.add_parser("down", help="stop them").set_defaults(func=_down)
    sub.add_parser("status", help="report them (exit 3 when not running)").set_defaults(func=_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except engine.EngineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

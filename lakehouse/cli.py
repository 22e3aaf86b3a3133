"""Command line of the local platform: `python -m lakehouse <command>`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from lakehouse import engine, pipeline, settings, slim_ci, warm_dbt


def _print_status(conf: settings.Settings) -> None:
    for name, state in engine.status(conf).items():
        print(f"{name:10} {state}")
    worker = warm_dbt.pid(conf)
    print(f"dbt worker {f'running (pid {worker})' if worker else 'stopped (dbt starts cold)'}")
    print(f"lake root  {conf.lake_root}")


def _up(args: argparse.Namespace) -> int:
    conf = settings.load()
    engine.start(conf)
    if not args.cold:
        try:
            warm_dbt.start(conf)
        except warm_dbt.WorkerError as err:
            print(f"warning: {err}", file=sys.stderr)
    _print_status(conf)
    return 0


def _down(args: argparse.Namespace) -> int:
    stopped = engine.stop(settings.load())
    print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    return 0


def _status(args: argparse.Namespace) -> int:
    conf = settings.load()
    _print_status(conf)
    return 0 if engine.is_running(conf) else 3


# How a pipeline command ends: 0 clean; EXIT_WITH_PROBLEMS when it built what
# was valid but a file was rejected or a critical rule breached; 2 failed; 3
# skipped because another build holds the lake.
EXIT_WITH_PROBLEMS = 4
EXIT_SKIPPED = 3


def _ended(problems: list[str]) -> int:
    return EXIT_WITH_PROBLEMS if pipeline.report_problems(problems) else 0


def _run(args: argparse.Namespace) -> int:
    problems = pipeline.main_job(
        settings.load(),
        args.days,
        args.scale,
        args.seed,
        args.target,
        args.keep_engine,
        args.all,
        not args.no_docs,
        args.wait,
    )
    return _ended(problems)


def _next_day(args: argparse.Namespace) -> int:
    day, problems = pipeline.next_day(
        settings.load(), args.target, args.keep_engine, args.all, not args.no_docs, args.wait
    )
    print(f"landed and built day {day}")
    return _ended(problems)


def _build(args: argparse.Namespace) -> int:
    conf = settings.load()
    problems: list[str] = []
    with pipeline.build_lock(conf, args.wait), pipeline.engine_running(conf, keep=args.keep_engine):
        pipeline.dbt_build(conf, args.target, args.all, problems)
    return _ended(problems)


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


def _docs(args: argparse.Namespace) -> int:
    conf = settings.load()
    if not args.no_generate:
        with pipeline.engine_running(conf, keep=args.keep_engine):
            code = pipeline.dbt(conf, ["docs", "generate"])
        if code != 0:
            return code
        pipeline.build_lineage()
    print(f"docs site: http://127.0.0.1:{args.port}/  (Ctrl-C stops it)", flush=True)
    serve = ["docs", "serve", "--host", "127.0.0.1", "--port", str(args.port), "--no-browser"]
    try:
        return pipeline.dbt(conf, serve)
    except KeyboardInterrupt:
        return 0


def _lineage(args: argparse.Namespace) -> int:
    from lakehouse import lineage

    try:
        if args.build or not (lineage.target_dir() / "lineage.json").exists():
            pipeline.build_lineage()
        data = lineage.load_saved()
        if args.column:
            print(lineage.report(data, args.column, args.direction, args.filters))
    except lineage.LineageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _serve(args: argparse.Namespace) -> int:
    from lakehouse import api

    conf = settings.load()
    # SIGTERM ends the server like Ctrl-C, so an engine this call started is stopped
    signal.signal(signal.SIGTERM, _interrupt)
    with pipeline.engine_running(conf, keep=args.keep_engine):
        print(f"CX metrics API: http://{args.host}:{args.port}/api/metrics/summary (schema {args.schema})", flush=True)
        try:
            api.serve(conf.spark_remote, args.schema, args.host, args.port)
        except KeyboardInterrupt:
            pass
    return 0


def _prod_state(args: argparse.Namespace) -> int:
    conf = settings.load()
    with pipeline.engine_running(conf, keep=args.keep_engine):
        slim_ci.build_prod_state(conf, args.state or slim_ci.default_state_dir(conf))
    return 0


def _slim_ci(args: argparse.Namespace) -> int:
    conf = settings.load()
    target_path = args.target_path or conf.lake_root / "state" / args.ci_schema
    with pipeline.engine_running(conf, keep=args.keep_engine):
        slim_ci.slim_ci(conf, args.state or slim_ci.default_state_dir(conf), args.ci_schema, target_path, args.keep)
    return 0


def _ci_teardown(args: argparse.Namespace) -> int:
    conf = settings.load()
    with pipeline.engine_running(conf, keep=args.keep_engine):
        slim_ci.teardown(conf, args.ci_schema)
    return 0


def _add_slim_ci_commands(sub) -> None:
    prod = sub.add_parser(
        "prod-state", help="build the prod target and keep its manifest as the state slim CI defers to"
    )
    prod.add_argument("--state", type=Path, help="state folder (default: <lake>/state/prod)")
    prod.set_defaults(func=_prod_state)
    slim = sub.add_parser("slim-ci", help="build state:modified+ into CI schemas, deferring to the prod state")
    slim.add_argument("--state", type=Path, help="prod state folder (default: <lake>/state/prod)")
    slim.add_argument(
        "--target-path", type=Path, help="dbt artifacts of the CI build (default: <lake>/state/<ci schema>)"
    )
    slim.add_argument("--keep", action="store_true", help="keep the CI schemas (tear down later with ci-teardown)")
    slim.set_defaults(func=_slim_ci)
    down = sub.add_parser("ci-teardown", help="drop the CI schemas of --ci-schema and their files")
    down.set_defaults(func=_ci_teardown)
    for cmd in (prod, slim, down):
        cmd.add_argument("--keep-engine", action="store_true")
    for cmd in (slim, down):
        cmd.add_argument(
            "--ci-schema", default=os.environ.get("DBT_CI_SCHEMA", "ci"), help="schema prefix (default ci)"
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lakehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser(
        "up",
        help="start the engine (metastore + Sail, or + Spark cluster with LAKE_ENGINE=spark) and a warm dbt worker",
    )
    up.add_argument("--cold", action="store_true", help="no warm dbt worker: each dbt command starts its own Python")
    up.set_defaults(func=_up)
    sub.add_parser("down", help="stop them").set_defaults(func=_down)
    sub.add_parser("status", help="report them (exit 3 when not running)").set_defaults(func=_status)
    for name, func, text in (
        ("run", _run, "main job: sample data -> bronze -> dbt build -> docs"),
        ("next-day", _next_day, "land the next day of sample data and rebuild"),
        ("build", _build, "source freshness, then dbt build of what new data or changed code reaches"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--target", default=os.environ.get("DBT_TARGET"), help="dbt target (default: the engine's)")
        cmd.add_argument("--keep-engine", action="store_true", help="leave the engine running afterwards")
        cmd.add_argument(
            "--all", action="store_true", help="build every node, not only what changed since the last build"
        )
        cmd.add_argument(
            "--wait",
            type=float,
            default=0,
            help="seconds to wait while another build writes this lake (default 0: skip, exit 3)",
        )
        if name in ("run", "next-day"):
            cmd.add_argument(
                "--no-docs", action="store_true", help="skip dbt docs generate and the column lineage after the build"
            )
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
    docs = sub.add_parser("docs", help="generate the dbt docs site and serve it on localhost")
    docs.add_argument("--port", type=int, default=int(os.environ.get("DOCS_PORT", "8080")))
    docs.add_argument("--no-generate", action="store_true", help="serve what was generated last")
    docs.add_argument("--keep-engine", action="store_true")
    docs.set_defaults(func=_docs)
    trace = sub.add_parser(
        "lineage",
        help="column lineage: upstream and downstream columns of <model>.<column> (from target/lineage.json)",
    )
    trace.add_argument("column", nargs="?", help="<model>.<column>, <source>.<table>.<column> or <unique_id>.<column>")
    trace.add_argument(
        "--build", action="store_true", help="rebuild lineage.json from dbt's manifest and catalog first"
    )
    trace.add_argument("--direction", choices=("both", "upstream", "downstream"), default="both")
    trace.add_argument("--filters", action="store_true", help="also follow columns used only to filter or join rows")
    trace.set_defaults(func=_lineage)
    serve = sub.add_parser("serve", help="serve the CX metrics API over the gold tables (lakehouse/api.py)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("API_PORT", "8000")))
    serve.add_argument("--schema", default=os.environ.get("API_SCHEMA", "gold"), help="gold schema (default gold)")
    serve.add_argument("--keep-engine", action="store_true")
    serve.set_defaults(func=_serve)
    _add_slim_ci_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except pipeline.BuildBusy as err:
        print(str(err), file=sys.stderr)
        return EXIT_SKIPPED
    except (engine.EngineError, pipeline.StepFailed) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

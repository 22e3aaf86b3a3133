"""The main job and the next-day job, as the README's commands run them.

run:      engine up -> sample data (if the landing folder is empty) -> ingest
          -> source freshness -> dbt build (seeds, silver, snapshots, gold,
          tests) of what new data or changed code reaches -> dbt docs
          -> column lineage -> clean old table generations (`--no-docs`: no
          docs and no lineage, the quicker reload when nobody reads them).
next-day: lands the day after the last one generated, then the same steps.
build:    source freshness -> dbt build of what changed (no ingest, no docs).

A bad delivery never stops the build: when ingest rejects a file (or one
changed, or a trigger's file is missing) it exits 1 after loading the rest,
and the build goes on with the valid data. So does a breached critical
data-quality rule. Either makes the run end "completed with problems"
(`python -m lakehouse` exits EXIT_WITH_PROBLEMS), naming each problem.
One build writes a lake at a time: a second waits for the lock (`--wait`) or
is skipped with a message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.lock import LockBusy, exclusive
from lakehouse import alerts, changed, engine, warm_dbt
from lakehouse.settings import REPO_ROOT, Settings, dbt_target_dir
from sample_data import generate_days, generated_state

# ingest's exit code when some files were rejected, changed or missing (the
# rest loaded): a problem to report, not a reason to stop
INGEST_HAD_PROBLEMS = 1
# the data test whose failure means a critical data-quality rule is breached
CRITICAL_ALERTS_TEST = "no_critical_alert_breached"


class StepFailed(RuntimeError):
    pass


class BuildBusy(LockBusy):
    """Another build holds the lake's build lock."""


@contextmanager
def build_lock(settings: Settings, wait_s: float) -> Iterator[None]:
    """One build (ingest and dbt) writes a lake at a time: two would replace the
    same tables at once. The second waits up to `wait_s`, then is skipped."""
    settings.lake_root.mkdir(parents=True, exist_ok=True)
    busy = (
        f"skipped: another build (pid {{holder}}) is writing the lake {settings.lake_root}; "
        "it runs again on its next schedule, or pass --wait SECONDS"
    )
    if wait_s:
        print(f"build lock: waiting up to {wait_s:g} s for any other build of this lake", flush=True)
    try:
        with exclusive(settings.lake_root / ".build.lock", busy, wait_s):
            yield
    except LockBusy as err:
        raise BuildBusy(str(err)) from None


def child_env(settings: Settings, target: str | None = None) -> dict[str, str]:
    env = {**os.environ, **settings.env(), "DBT_PROFILES_DIR": str(REPO_ROOT)}
    env["DBT_TARGET"] = target or env.get("DBT_TARGET") or settings.default_target
    # dbt-spark's session asks for Hive support, which a Spark Connect server
    # already has and cannot change: one harmless warning per connection.
    env.setdefault("PYTHONWARNINGS", "ignore::UserWarning:pyspark.sql.connect.conf")
    return env


def bin_path(name: str) -> str:
    """A console script of this Python's environment (the project venv)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def run_step(
    label: str, cmd: list[str], env: dict[str, str], problems: list[str] | None = None, problem_code: int = -1
) -> float:
    """Run one step in the repository, streaming its output; returns seconds.
    An exit with `problem_code` is noted in `problems` and the run goes on."""
    print(f"\n==> {label}: {' '.join(cmd)}", flush=True)
    started = time.monotonic()
    code = subprocess.run(cmd, cwd=REPO_ROOT, env=env).returncode
    elapsed = time.monotonic() - started
    if code == problem_code and problems is not None:
        problems.append(f"{label} exited {code}: see its report above")
    elif code != 0:
        raise StepFailed(f"{label} failed (exit {code}) after {elapsed:.1f} s")
    print(f"<== {label}: {elapsed:.1f} s", flush=True)
    return elapsed


def dbt(settings: Settings, args: list[str], target: str | None = None) -> int:
    """Run dbt against this lake, in the warm worker when `lakehouse up`
    started one; returns dbt's exit code."""
    env = child_env(settings, target)
    code = warm_dbt.run(settings, args, env, REPO_ROOT)
    if code is None:
        code = subprocess.run([bin_path("dbt"), *args], cwd=REPO_ROOT, env=env).returncode
    return code


@contextmanager
def engine_running(settings: Settings, keep: bool) -> Iterator[None]:
    """Start the engine if needed; stop it afterwards if this call started it."""
    was_running = engine.is_running(settings)
    engine.start(settings)
    try:
        yield
    finally:
        if not was_running and not keep:
            engine.stop(settings)


def generate(settings: Settings, days: list[int], scale: float, seed: int) -> float:
    started = time.monotonic()
    generate_days(settings.landing, days, seed=seed, scale=scale)
    return time.monotonic() - started


def build(
    settings: Settings,
    target: str | None,
    every_node: bool = False,
    docs: bool = True,
    problems: list[str] | None = None,
) -> dict[str, float]:
    """Ingest new landing files, then build the dbt project and, with `docs`,
    document it (docs site and column lineage). Files ingest rejected are
    added to `problems`; the build goes on with the valid data."""
    env = child_env(settings, target)
    problems = [] if problems is None else problems
    started = time.monotonic()
    report = ingest_report(settings)
    report.unlink(missing_ok=True)
    ingest_cmd = [sys.executable, "-m", "ingest", "load", "--report", str(report)]
    ingest_problems: list[str] = []
    timings = {"ingest": run_step("ingest", ingest_cmd, env, ingest_problems, problem_code=INGEST_HAD_PROBLEMS)}
    files = alerts.files_of(report)
    problems += [f"{f['status']} file {f['file']} ({f['source']}): {f['message']}" for f in files] or ingest_problems
    try:
        timings.update(dbt_build(settings, target, every_node, problems, send_alert=False))
    except StepFailed as err:  # a failed build is announced too, then fails the run
        announce(settings, [*problems, str(err)], files, time.monotonic() - started, failed=True)
        raise
    timings["alert"] = announce(settings, problems, files, time.monotonic() - started)
    if docs:
        timings["dbt docs"] = run_step("dbt docs generate", [bin_path("dbt"), "docs", "generate"], env)
        timings["lineage"] = build_lineage()
    if settings.engine == "sail":
        timings["gc"] = collect_garbage(settings)
    return timings


def dbt_build(
    settings: Settings,
    target: str | None,
    every_node: bool = False,
    problems: list[str] | None = None,
    send_alert: bool = True,
) -> dict[str, float]:
    """Source freshness, then `dbt build` of what new data or changed code
    reaches (every node when `every_node`, or when there is nothing to
    compare with); a build that succeeds becomes the state the next one
    compares with (lakehouse/changed.py)."""
    env = child_env(settings, target)
    state, current = changed.state_dir(settings, env["DBT_TARGET"]), dbt_target_dir()
    built_from = changed.fingerprint(env)  # the project as this build reads it
    timings = {"freshness": run_step("source freshness", [bin_path("dbt"), "source", "freshness"], env)}
    select, why = ([], "every node (--all)") if every_node else changed.selection(state, current, built_from)
    print(f"dbt build of {why}", flush=True)
    timings["dbt build"] = run_step("dbt build", [bin_path("dbt"), "build", *select], env)
    changed.keep(state, current, built_from)
    if problems is not None:
        problems += critical_breaches(current / "run_results.json")
        if send_alert:
            timings["alert"] = announce(settings, problems, [], timings["dbt build"])
    return timings


def ingest_report(settings: Settings) -> Path:
    return settings.lake_root / "state" / "ingest-report.json"


def announce(settings: Settings, problems: list[str], files: list[dict], seconds: float, failed: bool = False) -> float:
    """Send what went wrong in this build to the alert destination (lakehouse/alerts.py)."""
    from ingest.spark import get_session

    started = time.monotonic()
    target = dbt_target_dir()
    spark = get_session(settings.spark_remote, "lakehouse-alerts")
    try:
        rules, failed_tests = alerts.rules_of(target, spark)
        breaches = alerts.breaches_of(spark, target)
    finally:
        spark.stop()
    alert = alerts.Alert(
        run=alerts.run_id(),
        status="failed" if failed else "completed with problems" if problems else "completed",
        problems=list(problems),
        files=files,
        rules=rules,
        failed_tests=failed_tests,
        breaches=breaches,
        sla=alerts.sla_of(seconds, os.environ),
    )
    if alert.worth_sending():
        print("\n" + alerts.deliver(alert, settings.lake_root / "alerts"), flush=True)
    return time.monotonic() - started


def critical_breaches(run_results: Path) -> list[str]:
    """A problem when the build's check of the critical data-quality rules
    found a breach (the rules and their subjects are printed above by dbt)."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text())["results"]
    return [
        f"critical data-quality rule(s) breached: {r['failures']} (rpt_platform__data_quality_alerts)"
        for r in results
        if r["unique_id"].split(".")[-2:-1] == [CRITICAL_ALERTS_TEST] and r["status"] in ("warn", "fail")
    ]


def build_lineage() -> float:
    """Column lineage from the artifacts docs generate just wrote (lakehouse/lineage.py)."""
    from lakehouse import lineage

    started = time.monotonic()
    graph = lineage.build()
    _, page = lineage.write(graph)
    columns = sum(len(node["columns"]) for node in graph["nodes"].values())
    print(f"lineage: {columns} columns of {len(graph['nodes'])} nodes in {graph['seconds']:.1f} s -> {page}")
    for uid, error in graph["errors"].items():
        print(f"  lineage not traced for {uid}: {error}")
    return time.monotonic() - started


def collect_garbage(settings: Settings) -> float:
    from ingest.spark import get_session
    from lakehouse import gc

    started = time.monotonic()
    spark = get_session(settings.spark_remote, "lakehouse-gc")
    try:
        removed, freed = gc.collect(spark, settings.warehouse)
    finally:
        # Close the Spark Connect session before the engine stops: a session left
        # open retries against the stopped server and holds up interpreter exit.
        spark.stop()
    print(f"gc: removed {removed} old table generations ({freed / 1e6:.1f} MB)")
    return time.monotonic() - started


def summary(settings: Settings, timings: dict[str, float]) -> None:
    total = sum(timings.values())
    print("\nDone in {:.1f} s ({}).".format(total, ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())))
    print(f"  lake root : {settings.lake_root}")
    print(f"  landing   : {settings.landing}")
    print(
        f"  tables    : {settings.warehouse}  ({settings.table_format} on {settings.engine}; metastore in {settings.metastore})"
    )
    target = dbt_target_dir()
    if "dbt docs" not in timings:
        print("  docs      : not generated (--no-docs; `make docs` generates and serves them)")
        return
    print(f"  docs      : {target / 'index.html'}  (serve with `make docs-serve`)")
    print(f"  lineage   : {target / 'lineage.html'}  (column lineage, linked from the docs site)")


def main_job(
    settings: Settings,
    days: int,
    scale: float,
    seed: int,
    target: str | None,
    keep_engine: bool,
    every_node: bool = False,
    docs: bool = True,
    wait_s: float = 0,
) -> list[str]:
    """The main job; returns its problems (none: a clean run)."""
    timings: dict[str, float] = {}
    problems: list[str] = []
    present = generated_state(settings.landing).get("days")
    with build_lock(settings, wait_s), engine_running(settings, keep_engine):
        if not present:
            timings["generate"] = generate(settings, list(range(1, days + 1)), scale, seed)
        else:
            print(f"landing data present (days {present}); not regenerating")
        timings.update(build(settings, target, every_node, docs, problems))
    summary(settings, timings)
    return problems


def next_day(
    settings: Settings,
    target: str | None,
    keep_engine: bool,
    every_node: bool = False,
    docs: bool = True,
    wait_s: float = 0,
) -> tuple[int, list[str]]:
    """Land the next day and build it; returns the day and the run's problems."""
    state = generated_state(settings.landing)
    if not state.get("days"):
        raise StepFailed("no sample data yet: run the main command (`make run`) first")
    day = max(state["days"]) + 1
    timings: dict[str, float] = {}
    problems: list[str] = []
    with build_lock(settings, wait_s), engine_running(settings, keep_engine):
        timings["generate"] = generate(settings, [day], state["scale"], state["seed"])
        timings.update(build(settings, target, every_node, docs, problems))
    summary(settings, timings)
    return day, problems


def report_problems(problems: list[str]) -> bool:
    """Print how the run ended; True when it had problems."""
    if not problems:
        return False
    print("\ncompleted with problems:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    print("  (docs/operations.md: what happens to a bad file or row, and how to replay it)", file=sys.stderr)
    return True

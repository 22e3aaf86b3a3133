"""The main job and the next-day job, as the README's commands run them.

run:      engine up -> sample data (if the landing folder is empty) -> ingest
          -> source freshness -> dbt build (seeds, silver, snapshots, gold,
          tests) of what new data or changed code reaches -> dbt docs
          -> column lineage -> clean old table generations (`--no-docs`: no
          docs and no lineage, the quicker reload when nobody reads them).
next-day: lands the day after the last one generated, then the same steps.
build:    source freshness -> dbt build of what changed (no ingest, no docs).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lakehouse import changed, engine, warm_dbt
from lakehouse.settings import REPO_ROOT, Settings, dbt_target_dir
from sample_data import generate_days, generated_state


class StepFailed(RuntimeError):
    pass


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


def run_step(label: str, cmd: list[str], env: dict[str, str]) -> float:
    """Run one step in the repository, streaming its output; returns seconds."""
    print(f"\n==> {label}: {' '.join(cmd)}", flush=True)
    started = time.monotonic()
    code = subprocess.run(cmd, cwd=REPO_ROOT, env=env).returncode
    elapsed = time.monotonic() - started
    if code != 0:
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


def build(settings: Settings, target: str | None, every_node: bool = False, docs: bool = True) -> dict[str, float]:
    """Ingest new landing files, then build the dbt project and, with `docs`,
    document it (docs site and column lineage)."""
    env = child_env(settings, target)
    timings = {
        "ingest": run_step("ingest", [sys.executable, "-m", "ingest", "load"], env),
        **dbt_build(settings, target, every_node),
    }
    if docs:
        timings["dbt docs"] = run_step("dbt docs generate", [bin_path("dbt"), "docs", "generate"], env)
        timings["lineage"] = build_lineage()
    if settings.engine == "sail":
        timings["gc"] = collect_garbage(settings)
    return timings


def dbt_build(settings: Settings, target: str | None, every_node: bool = False) -> dict[str, float]:
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
    return timings


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
) -> None:
    timings: dict[str, float] = {}
    present = generated_state(settings.landing).get("days")
    with engine_running(settings, keep_engine):
        if not present:
            timings["generate"] = generate(settings, list(range(1, days + 1)), scale, seed)
        else:
            print(f"landing data present (days {present}); not regenerating")
        timings.update(build(settings, target, every_node, docs))
    summary(settings, timings)


def next_day(
    settings: Settings, target: str | None, keep_engine: bool, every_node: bool = False, docs: bool = True
) -> int:
    state = generated_state(settings.landing)
    if not state.get("days"):
        raise StepFailed("no sample data yet: run the main command (`make run`) first")
    day = max(state["days"]) + 1
    timings: dict[str, float] = {}
    with engine_running(settings, keep_engine):
        timings["generate"] = generate(settings, [day], state["scale"], state["seed"])
        timings.update(build(settings, target, every_node, docs))
    summary(settings, timings)
    return day

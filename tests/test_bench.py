"""The benchmark end to end at a tiny scale on Sail: every stage is measured,
the processes of each stage are sampled, each build's slowest nodes are named,
and the engine and its lake are gone afterwards. Timings are recorded, never
asserted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, run

STAGES = [
    "engine start",
    "generate day 1",
    "ingest day 1",
    "dbt build (full)",
    "dbt docs generate",
    "column lineage",
    "generate day 2",
    "ingest day 2",
    "dbt build (day 2)",
    "ingest (no new data)",
    "dbt build (no new data)",
    "dbt build --all (no new data)",
    *(
        f"loop {how}: build -s {sel} #{i}"
        for sel in ("stg_retail__products+", "rpt_retail__category_analytics")
        for how in ("warm", "cold")
        for i in (1, 2)
    ),
    "dbt snapshot (1% of keys changed)",
    "dbt snapshot (from scratch)",
]


def test_benchmark_measures_every_stage(tmp_path):
    readme = (REPO / "README.md").read_text()
    only_sail = ["--scales", "0.1", "--spark-scales", "--loop-repeats", "2"]
    result = run([sys.executable, "-m", "bench", *only_sail, "--fresh", "--out", str(tmp_path)])
    assert f"written: {tmp_path / 'benchmarks.md'}" in result.stdout

    (bench,) = json.loads((tmp_path / "benchmarks.json").read_text())["runs"]
    assert (bench["engine"], bench["scale"]) == ("sail", 0.1)
    stages = {s["name"]: s for s in bench["stages"]}
    assert list(stages) == STAGES
    assert all(s["seconds"] > 0 for s in stages.values())
    assert stages["ingest day 1"]["rows"] > stages["ingest day 2"]["rows"] > 0

    for name in ("dbt build (full)", "dbt build (day 2)", "dbt build --all (no new data)"):
        build = stages[name]
        assert {"sail", "metastore", "dbt"} <= set(build["peak_rss_mb"]), build["peak_rss_mb"]
        peaks = build["peak_rss_mb"].values()  # all together peak between the largest and the sum
        assert max(peaks) - 0.2 <= build["peak_total_rss_mb"] <= sum(peaks) + 0.2
        # models are split by how they build: rebuilt tables, incremental (new rows only), views
        assert build["node_seconds"]["model (table)"] > 0 and build["node_seconds"]["model (incremental)"] > 0
        assert build["node_seconds"]["test"] > 0 and "model" not in build["node_seconds"]
        tag = ("all-" if "--all" in name else "") + name.split("(")[1][:-1].replace(" ", "")
        kept = REPO / "bench" / ".work" / "run_results" / f"sail-scale0.1-{tag}.json"
        results = json.loads(kept.read_text())["results"]
        names = {r["unique_id"].split(".")[2] for r in results}
        assert {n for n, _ in build["slowest"]} <= names, build["slowest"]
        # dbt's own CPU: at most all cores for the whole stage
        assert build["nodes"] == len(results) and 0 < build["cpu_seconds"] <= build["seconds"] * os.cpu_count()
        # the engine's services: each did some of the build's work, together at most all cores
        services = build["service_cpu_seconds"]
        assert set(services) == {"sail", "metastore"} and min(services.values()) > 0, services
        assert sum(services.values()) <= build["seconds"] * os.cpu_count()
    assert stages["ingest day 1"]["peak_rss_mb"]["ingest"] > 0
    assert 0 < bench["day2_share_of_full_build"] < 5 and 0 < bench["no_new_data_share_of_full_build"] < 5
    assert set(bench["dbt_cpu_ms_per_node"]) == {
        "dbt build (full)",
        "dbt build (day 2)",
        "dbt build (no new data)",
        "dbt build --all (no new data)",
    }
    # the daily build with nothing new rebuilds only what reads the ingest log and the quarantine
    assert 0 < stages["dbt build (no new data)"]["nodes"] < stages["dbt build --all (no new data)"]["nodes"] / 4
    assert all(ms > 0 for ms in bench["dbt_cpu_ms_per_node"].values())
    assert bench["no_new_data_seconds_per_node"] > 0 and bench["snapshot_day2_share_of_full"] > 0
    # one snapshot alone with 1% of its keys changed: each changed key's version closed, then from scratch
    measured = bench["snapshot_changed_keys"]
    assert 0 < measured["keys"] == measured["versions_closed"]
    assert measured["node_seconds"] > 0 and measured["from_scratch_node_seconds"] > 0
    assert "`snp_ecommerce__orders` alone, 1% of keys changed: " in result.stdout
    for name in ("dbt snapshot (1% of keys changed)", "dbt snapshot (from scratch)"):
        assert stages[name]["node_seconds"]["snapshot"] > 0  # the one snapshot, besides the run's hooks
        assert set(stages[name]["node_seconds"]) <= {"snapshot", "operation"}

    # the whole project's column lineage, timed inside and outside the process
    assert 0 < bench["lineage_build_seconds"] <= stages["column lineage"]["seconds"]
    table = (tmp_path / "benchmarks.md").read_text()
    assert "| sail | delta | 0.1 |" in table
    assert "Column lineage of the whole project" in table
    # each build's CPU by process, against what the cores could give
    day2 = stages["dbt build (day 2)"]
    (line,) = [line for line in table.splitlines() if line.startswith("- dbt build (day 2):")]
    used = {"the command": day2["cpu_seconds"], **day2["service_cpu_seconds"]}
    assert all(f"{name} {sec:.1f} s" in line for name, sec in used.items()), line
    assert f"of {os.cpu_count()} cores over its {day2['seconds']:.1f} s." in line, line
    # the analyst loop: each command --loop-repeats times in the warm dbt
    # worker and as often cold, engine up; the worker's memory is sampled with the rest
    for kept in ("analyst_loop_seconds", "analyst_loop_cold_seconds"):
        loop = bench[kept]
        assert set(loop) == {"build -s stg_retail__products+", "build -s rpt_retail__category_analytics"}
        assert all(len(times) == 2 and min(times) > 0 for times in loop.values())
    assert stages["loop warm: build -s stg_retail__products+ #1"]["peak_rss_mb"]["dbt-worker"] > 0
    assert "Analyst loop with the engine up" in table and " warm " in table and " cold " in table
    # figures against targets: written to the output folder; the README only from docs/
    assert "## Figures against targets" in table and "| fixed cost per node" in table
    assert (REPO / "README.md").read_text() == readme
    assert not (REPO / "bench" / ".work" / "sail-scale0.1").exists()  # the lake is removed
    leftovers = subprocess.run(["pgrep", "-f", "sail-scale0.1"], capture_output=True, text=True).stdout
    assert not leftovers.strip(), leftovers  # and nothing of its engine runs on


class Stopped(Exception):
    pass


@pytest.mark.fast
def test_a_stopped_stage_stops_the_processes_it_started(tmp_path):
    """A benchmark stopped while a stage runs (Ctrl-C, SIGTERM: here an
    exception raised by a timer's signal) ends the stage's whole process
    group, so a stage's workers (the generator's) are not left running."""
    from bench.run import Run
    from lakehouse import engine
    from lakehouse.settings import Settings, free_port

    bench_run = Run(Settings(lake_root=tmp_path, hms_port=free_port(), sail_port=free_port()), 0.1)
    pid_file = tmp_path / "worker.pid"
    sleeper = "[sys.executable, '-c', 'import time; time.sleep(120)']"
    script = (
        "import subprocess, sys, time; "
        f"worker = subprocess.Popen({sleeper}); "
        f"open({str(pid_file)!r}, 'w').write(str(worker.pid)); time.sleep(120)"
    )

    def stop(signum, frame):
        raise Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, 3)
    try:
        with pytest.raises(Stopped):
            bench_run.stage("generate day 1", [sys.executable, "-c", script])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    worker = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while engine.process_alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    if engine.process_alive(worker):
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the stage's worker outlived the stopped benchmark")

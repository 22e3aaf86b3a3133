"""The benchmark: every stage of the pipeline at several scales, on Sail and on
Apache Spark (local[2], the driver in a Spark Connect server), with wall time,
rows per second and peak memory (RSS) of every process involved.

Each (engine, scale) gets a fresh lake under bench/.work/ on free ports. The
stages are the project's own commands, run as subprocesses, so the numbers
are what a user sees. A sampler thread reads /proc every 0.2 s and keeps the
peak RSS of each process (engine services and the running step, children
included) and of all of them together.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

from lakehouse import engine, warm_dbt
from lakehouse.pipeline import child_env
from lakehouse.settings import REPO_ROOT, Settings, delta_jars_present, free_port

WORK = REPO_ROOT / "bench" / ".work"
EVERY_NODE = "dbt build --all (no new data)"
DOCS = REPO_ROOT / "docs"  # benchmarks.json and benchmarks.md
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


# --- memory -------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The process's children, whichever of its threads started them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:  # the thread or the process ended meanwhile
            continue
    return found


def _tree_sum(pid: int, measure) -> int:
    """measure(pid) summed over a process and its live descendants; a process
    that ends while it is read counts nothing."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += measure(current)
        except (OSError, IndexError, ValueError):
            continue
        todo.extend(children(current))
    return total


def _rss(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def _cpu_ticks(pid: int) -> int:
    # the command name (field 2) may hold spaces: count fields after its ')'
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    return _tree_sum(pid, _rss)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) that a process and its live descendants
    have used so far."""
    return _tree_sum(pid, _cpu_ticks) / TICKS


class Sampler:
    """Peak RSS per named process tree, while a stage runs."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.pids: dict[str, int] = {}
        self.peaks: dict[str, int] = {}
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for name, pid in list(self.pids.items()):
                rss = tree_rss(pid)
                total += rss
                self.peaks[name] = max(self.peaks.get(name, 0), rss)
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# --- one run --------------------------------------------------------------------


def node_kind(unique_id: str, nodes: dict) -> str:
    """test, snapshot, seed, ...; models by how they build: `model (table)`
    is rebuilt from all its input every run, `model (incremental)` reads only
    new rows, `model (view)` is a definition."""
    kind = unique_id.split(".")[0]
    if kind != "model":
        return kind
    materialized = nodes.get(unique_id, {}).get("config", {}).get("materialized", "table")
    return f"model ({materialized})"


@dataclass
class Stage:
    name: str
    seconds: float
    rows: int = 0
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    peak_total_rss_mb: float = 0.0
    # CPU seconds (user + system) of the stage's own process and its children,
    # not of the engine's services
    cpu_seconds: float = 0.0
    # CPU seconds each engine service (and the warm dbt worker) used meanwhile
    service_cpu_seconds: dict[str, float] = field(default_factory=dict)
    # dbt stages: nodes run, seconds per kind of node summed over dbt's
    # threads, and the slowest nodes
    nodes: int = 0
    node_seconds: dict[str, float] = field(default_factory=dict)
    slowest: list[tuple[str, float]] = field(default_factory=list)

    @property
    def cpu_ms_per_node(self) -> float:
        return 1000 * self.cpu_seconds / self.nodes if self.nodes else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds and self.rows else 0.0


def lake_settings(engine_name: str, scale: float) -> Settings:
    root = WORK / f"{engine_name}-scale{scale:g}"
    shutil.rmtree(root, ignore_errors=True)
    if engine_name == "sail":
        return Settings(lake_root=root, hms_port=free_port(), sail_port=free_port())
    return Settings(
        lake_root=root,
        hms_port=free_port(),
        sail_port=free_port(),
        engine="spark",
        spark_connect_port=free_port(),
        # Delta, as on Sail, when setup fetched Delta Lake's jars; parquet without them
        table_format="delta" if delta_jars_present() else "parquet",
        spark_master="local[2]",
    )


# one snapshot (and its silver source) measured with a share of its keys changed
SNAPSHOT_MEASURED = ("snp_ecommerce__orders", "stg_ecommerce__orders")
SNAPSHOT_CHANGED = 0.01
# the analyst loop: a silver model with its children, and a gold model
LOOP_SELECTORS = ("stg_retail__products+", "rpt_retail__category_analytics")


class Run:
    """One engine at one scale: the stages of day 1 and day 2."""

    def __init__(self, settings: Settings, scale: float, loop_repeats: int = 3):
        self.settings = settings
        self.scale = scale
        self.loop_repeats = loop_repeats
        self.env = {
            **child_env(settings),
            "DBT_TARGET_PATH": str(settings.lake_root / "dbt_target"),
            "DBT_LOG_PATH": str(settings.lake_root / "dbt_logs"),
        }
        self.stages: list[Stage] = []
        self.lineage_seconds = 0.0
        self.loop_seconds: dict[str, list[float]] = {}
        self.cold_loop_seconds: dict[str, list[float]] = {}
        self.snapshot_keys = self.snapshot_closed = 0

    def _services(self) -> dict[str, int]:
        found = {s.name: s.pid() for s in engine.services(self.settings) if s.pid()}
        worker = warm_dbt.pid(self.settings)
        return {**found, "dbt-worker": worker} if worker else found

    def stage(self, name: str, cmd: list[str], rows: int = 0) -> Stage:
        print(f"  {self.settings.engine:5} x{self.scale:g} {name} ...", end="", flush=True)
        log = self.settings.lake_root / "bench-logs" / f"{name.replace(' ', '_')}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        services = self._services()
        with Sampler() as sampler, open(log, "w") as out:
            sampler.pids.update(services)
            cpu_before = {name: tree_cpu(pid) for name, pid in services.items()}
            started = time.monotonic()
            # its own process group, so that a stopped benchmark stops the stage's workers too
            proc = subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
            sampler.pids[name.split()[0]] = proc.pid  # generate, ingest, dbt
            try:
                # wait4: the exit status with the CPU this process and its children used
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait()
                raise
            seconds = time.monotonic() - started
            service_cpu = {name: round(tree_cpu(pid) - cpu_before[name], 2) for name, pid in services.items()}
            proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1) or (code == 1 and "ingest" not in cmd):
            raise SystemExit(f"{name} failed (exit {code}); see {log}")
        stage = Stage(
            name,
            round(seconds, 2),
            rows,
            {k: round(v / 2**20, 1) for k, v in sampler.peaks.items()},
            round(sampler.peak_total / 2**20, 1),
            round(usage.ru_utime + usage.ru_stime, 2),
            service_cpu_seconds=service_cpu,
        )
        if name.startswith(("dbt build", "dbt snapshot")):
            self._profile(stage)
        per_node = f", dbt CPU {stage.cpu_ms_per_node:.0f} ms/node" if stage.nodes else ""
        print(f" {seconds:.1f} s, peak {stage.peak_total_rss_mb:.0f} MB{per_node}", flush=True)
        self.stages.append(stage)
        return stage

    def _profile(self, stage: Stage, top: int = 8) -> None:
        """Where a dbt build's time went, from its run_results.json (kept under
        bench/.work/ for a closer look)."""
        path = Path(self.env["DBT_TARGET_PATH"]) / "run_results.json"
        tag = ("all-" if "--all" in stage.name else "") + re.sub(r"\W+", "", stage.name.split("(")[-1])
        keep = WORK / "run_results" / f"{self.settings.engine}-scale{self.scale:g}-{tag}.json"
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, keep)
        results = json.loads(path.read_text())["results"]
        nodes = json.loads((path.parent / "manifest.json").read_text())["nodes"]
        stage.nodes = len(results)
        for r in results:
            kind = node_kind(r["unique_id"], nodes)
            stage.node_seconds[kind] = round(stage.node_seconds.get(kind, 0) + r["execution_time"], 1)
        ranked = sorted(results, key=lambda r: -r["execution_time"])[:top]
        # unique ids are <kind>.<project>.<name>[.<hash of a test>]: report the name
        stage.slowest = [(r["unique_id"].split(".")[2], round(r["execution_time"], 1)) for r in ranked]

    def bronze_rows(self) -> int:
        rows = self._sql("select coalesce(sum(rows_read), 0) from bronze.ingest_file_log where status = 'loaded'")
        return int(rows[0][0])

    def execute(self) -> None:
        py, dbt = sys.executable, str(Path(sys.executable).parent / "dbt")
        landing = str(self.settings.landing)
        started = time.monotonic()
        engine.start(self.settings)
        self.stages.append(Stage("engine start", round(time.monotonic() - started, 2)))
        try:
            gen = [py, "-m", "sample_data", "--scale", f"{self.scale:g}", "--landing", landing]
            self.stage("generate day 1", [*gen, "--day", "1"])
            self.stage("ingest day 1", [py, "-m", "ingest", "load"])
            day1 = self.bronze_rows()
            self._set_rows(("generate day 1", "ingest day 1"), day1)
            # the daily build (`python -m lakehouse build`): source freshness, then
            # dbt build of what changed since the last build; on day 1 of every node
            daily = [py, "-m", "lakehouse", "build", "--keep-engine"]
            self.stage("dbt build (full)", [*daily, "--all"], rows=day1)
            self.stage("dbt docs generate", [dbt, "docs", "generate"])
            self.stage("column lineage", [py, "-m", "lakehouse", "lineage", "--build"])
            self.lineage_seconds = json.loads((Path(self.env["DBT_TARGET_PATH"]) / "lineage.json").read_text())[
                "seconds"
            ]
            self.stage("generate day 2", [*gen, "--day", "2"])
            self.stage("ingest day 2", [py, "-m", "ingest", "load"])
            day2 = self.bronze_rows() - day1
            self._set_rows(("generate day 2", "ingest day 2"), day2)
            self.stage("dbt build (day 2)", daily, rows=day2)
            # the floor: what a day costs when no file is new
            self.stage("ingest (no new data)", [py, "-m", "ingest", "load"])
            self.stage("dbt build (no new data)", daily)
            # and what walking every node costs then (a plain `dbt build`)
            self.stage(EVERY_NODE, [dbt, "build"])
            self.analyst_loop(dbt, self.loop_repeats)
            self.snapshot_of_changed_keys(dbt)
        finally:
            engine.stop(self.settings)

    def snapshot_of_changed_keys(self, dbt: str) -> None:
        """One snapshot's cost against the share of its keys that changed:
        SNAPSHOT_CHANGED of the orders' keys, spread over the whole key space
        (by hash, the worst case for the file layout), get a new status in
        silver, then the snapshot alone runs; then it is dropped and built
        from scratch from the same silver table. Run last: it edits silver
        behind dbt's back."""
        name, source = SNAPSHOT_MEASURED
        every = round(1 / SNAPSHOT_CHANGED)
        closed = f"select count(*) from snapshots.{name} where dbt_valid_to is not null"
        closed_before = self._sql(closed)[0][0]
        self.snapshot_keys = self._sql(
            f"merge into silver.{source} as o using ("
            f" select order_id from silver.{source} where pmod(xxhash64(order_id), {every}) = 0"
            ") as c on o.order_id = c.order_id when matched then update set"
            " order_status = case when o.order_status = 'cancelled' then 'returned' else 'cancelled' end,"
            " source_created_at = current_timestamp(), _built_at = current_timestamp()"
        )[0][0]
        self.stage(f"dbt snapshot ({SNAPSHOT_CHANGED:.0%} of keys changed)", [dbt, "snapshot", "-s", name])
        self.snapshot_closed = self._sql(closed)[0][0] - closed_before
        self._sql(f"drop table snapshots.{name}")
        self.stage("dbt snapshot (from scratch)", [dbt, "snapshot", "-s", name])

    def _sql(self, statement: str) -> list:
        from pyspark.sql import SparkSession

        session = SparkSession.builder.remote(self.settings.spark_remote).create()
        try:
            return session.sql(statement).collect()
        finally:
            session.stop()

    def analyst_loop(self, dbt: str, repeat: int = 3) -> None:
        """An analyst's edit-build loop with the engine up, as `make up` leaves
        it: one silver model and its children, and one gold model, each built
        `repeat` times with `python -m lakehouse dbt` (the warm dbt worker)
        and `repeat` times with dbt started cold; the wall times (dbt's start
        and parse included) are kept per command."""
        warm = [sys.executable, "-m", "lakehouse", "dbt", "--keep-engine", "--"]
        warm_dbt.start(self.settings)
        try:
            for selector in LOOP_SELECTORS:
                for label, cmd, kept in (
                    ("warm", warm, self.loop_seconds),
                    ("cold", [dbt], self.cold_loop_seconds),
                ):
                    kept[f"build -s {selector}"] = [
                        self.stage(
                            f"loop {label}: build -s {selector} #{i + 1}", [*cmd, "build", "-s", selector]
                        ).seconds
                        for i in range(repeat)
                    ]
        finally:
            warm_dbt.stop(self.settings)

    def _set_rows(self, names: tuple[str, ...], rows: int) -> None:
        for stage in self.stages:
            if stage.name in names:
                stage.rows = rows

    def stage_named(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)

    def seconds(self, name: str) -> float:
        return self.stage_named(name).seconds

    def summary(self) -> dict:
        full, day2 = self.seconds("dbt build (full)"), self.seconds("dbt build (day 2)")
        idle = self.seconds("dbt build (no new data)")
        every_node = self.stage_named(EVERY_NODE)
        snapshots = [
            self.stage_named(n).node_seconds.get("snapshot", 0.0) for n in ("dbt build (full)", "dbt build (day 2)")
        ]
        main = sum(self.seconds(n) for n in ("generate day 1", "ingest day 1", "dbt build (full)", "dbt docs generate"))
        return {
            "engine": self.settings.engine if self.settings.engine == "sail" else f"spark {self.settings.spark_master}",
            "table_format": self.settings.table_format,
            "scale": self.scale,
            "stages": [
                {**asdict(s), "rows_per_second": round(s.rows_per_second), "cpu_ms_per_node": round(s.cpu_ms_per_node)}
                for s in self.stages
            ],
            "main_job_seconds": round(main, 1),
            "day2_share_of_full_build": round(day2 / full, 3) if full else None,
            "no_new_data_share_of_full_build": round(idle / full, 3) if full else None,
            "peak_total_rss_mb": max(s.peak_total_rss_mb for s in self.stages),
            "lineage_build_seconds": self.lineage_seconds,
            "analyst_loop_seconds": self.loop_seconds,
            "analyst_loop_cold_seconds": self.cold_loop_seconds,
            # the fixed cost: every node built with nothing new, per node, in wall and in dbt's own CPU
            "no_new_data_seconds_per_node": round(every_node.seconds / every_node.nodes, 3)
            if every_node.nodes
            else None,
            "dbt_cpu_ms_per_node": {
                n: round(self.stage_named(n).cpu_ms_per_node)
                for n in ("dbt build (full)", "dbt build (day 2)", "dbt build (no new data)", EVERY_NODE)
            },
            # snapshot node time of the day-2 build against building them from scratch (day 1)
            "snapshot_day2_share_of_full": round(snapshots[1] / snapshots[0], 3) if snapshots[0] else None,
            # one snapshot run alone with 1% of its keys changed, against building it from scratch
            "snapshot_changed_keys": self.snapshot_changed_keys(),
        }

    def snapshot_changed_keys(self) -> dict:
        changed = self.stage_named(f"dbt snapshot ({SNAPSHOT_CHANGED:.0%} of keys changed)")
        scratch = self.stage_named("dbt snapshot (from scratch)")
        node = [s.node_seconds.get("snapshot", 0.0) for s in (changed, scratch)]  # without the run's hooks
        return {
            "snapshot": SNAPSHOT_MEASURED[0],
            "keys_changed": SNAPSHOT_CHANGED,
            "keys": self.snapshot_keys,
            "versions_closed": self.snapshot_closed,
            "node_seconds": node[0],
            "from_scratch_node_seconds": node[1],
            "share": round(node[0] / node[1], 3) if node[1] else None,
        }


# --- report ---------------------------------------------------------------------


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {p: version(p) for p in ("pysail", "pyspark", "dbt-core", "dbt-spark", "dbt-sail")},
    }


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand. Raw figures: "
        "[benchmarks.json](benchmarks.json).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f". Written at {results['finished_at']};"
        " each run's own time is in the JSON.",
        "",
        "## Summary",
        "",
        "| engine | table format | scale | main job (gen + ingest + build + docs) | full build | day-2 build "
        "| day 2 / full | build, no new data | every node, no new data | peak RSS, all processes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["runs"]:
        st = {s["name"]: s for s in r["stages"]}
        lines.append(
            f"| {r['engine']} | {r.get('table_format', 'parquet' if r['engine'] != 'sail' else 'delta')} | {r['scale']:g} "
            f"| {r['main_job_seconds']:.1f} s | {st['dbt build (full)']['seconds']:.1f} s "
            f"| {st['dbt build (day 2)']['seconds']:.1f} s | {r['day2_share_of_full_build']:.0%} "
            f"| {' | '.join(idle_builds(st))} | {r['peak_total_rss_mb']:.0f} MB |"
        )
    looped = [r for r in results["runs"] if r.get("analyst_loop_seconds")]
    if looped:
        lines += [
            "",
            "Analyst loop with the engine up, median wall time of 3 (target: 5 s at scale 1): "
            "`python -m lakehouse dbt` in the warm dbt worker that `make up` starts, and dbt started cold:",
            "",
        ]
        for r in looped:
            for command, times in r["analyst_loop_seconds"].items():
                cold = r.get("analyst_loop_cold_seconds", {}).get(command)
                lines.append(
                    f"- {r['engine']}, scale {r['scale']:g}: `dbt {command}` warm {_median_of(times)}"
                    + (f", cold {_median_of(cold)}" if cold else "")
                )
    traced = [r for r in results["runs"] if r.get("lineage_build_seconds")]
    if traced:
        lines += ["", "Column lineage of the whole project (target: 10 s on 2 cores):", ""]
        for r in traced:
            stage = next(s for s in r["stages"] if s["name"] == "column lineage")
            lines.append(
                f"- {r['engine']}, scale {r['scale']:g}: {r['lineage_build_seconds']:.1f} s to trace every column, "
                f"{stage['seconds']:.1f} s for `python -m lakehouse lineage --build` (Python start and writing "
                "included)"
            )
    lines += ["", "## Figures against targets", "", *targets_table(results)]
    if results.get("comparison"):
        lines += [
            "",
            "## Sail vs Apache Spark (same models, same data)",
            "",
            "| scale | dbt build (full): Spark / Sail | ingest + full build: Spark / Sail |",
            "|---|---|---|",
        ]
        for c in results["comparison"]:
            lines.append(f"| {c['scale']:g} | {c['build_ratio']:.1f}x | {c['ingest_build_ratio']:.1f}x |")
    lines += ["", "## Stages", ""]
    for r in results["runs"]:
        lines += [
            f"### {r['engine']}, scale {r['scale']:g}",
            "",
            "| stage | seconds | rows | rows/s | peak RSS (MB) by process |",
            "|---|---|---|---|---|",
        ]
        for s in r["stages"]:
            peaks = ", ".join(f"{k} {v:.0f}" for k, v in sorted(s["peak_rss_mb"].items()))
            rows = f"{s['rows']:,}" if s["rows"] else ""
            rate = f"{s['rows_per_second']:,}" if s["rows_per_second"] else ""
            lines.append(f"| {s['name']} | {s['seconds']:.1f} | {rows} | {rate} | {peaks} |")
        lines.append("")
        for s in r["stages"]:
            if s.get("node_seconds"):
                kinds = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(s["node_seconds"].items(), key=lambda kv: -kv[1]))
                slow = ", ".join(f"`{n}` {t:.1f} s" for n, t in s["slowest"])
                cpu = (
                    f"{s['nodes']} nodes, dbt's own CPU {s['cpu_ms_per_node']} ms per node; " if s.get("nodes") else ""
                )
                line = f"- {s['name']}: {cpu}node time summed over dbt's threads: {kinds}. Slowest: {slow}."
                if s.get("service_cpu_seconds"):  # none in runs recorded before it was measured
                    line += " " + cpu_use(s, results["machine"]["cores"])
                lines += [line, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def cpu_use(stage: dict, cores: int) -> str:
    """Where a stage's CPU went, against what the machine's cores could give
    over its wall time."""
    used = {"the command": stage["cpu_seconds"], **stage["service_cpu_seconds"]}
    parts = ", ".join(f"{name} {sec:.1f} s" for name, sec in sorted(used.items(), key=lambda kv: -kv[1]))
    share = sum(used.values()) / (stage["seconds"] * cores)
    return f"CPU: {parts}; {share:.0%} of {cores} cores over its {stage['seconds']:.1f} s."


def _run_of(results: dict, engine_name: str, scale: float) -> dict | None:
    return next((r for r in results["runs"] if r["engine"] == engine_name and r["scale"] == scale), None)


def _status(value: float | None, target: float, at_most: bool = True) -> str:
    if value is None:
        return "not measured"
    return "met" if (value <= target if at_most else value >= target) else "not met"


def _median_of(times: list[float]) -> str:
    return f"{statistics.median(times):.1f} s ({', '.join(f'{t:.1f}' for t in times)})"


def snapshot_figure(measured: dict) -> str:
    """The one-snapshot figure: its share of building it from scratch, with both node times."""
    return f"{measured['share']:.0%} ({measured['node_seconds']:.1f} s / {measured['from_scratch_node_seconds']:.1f} s)"


def targets(results: dict) -> list[tuple[str, str, str, str]]:
    """(what, target, current figure, status) for each target of the
    performance issue, from Sail's runs; a figure no run has is 'not measured'."""
    rows = []
    large = _run_of(results, "sail", 100)
    for key, what, target, stretch in (
        ("day2_share_of_full_build", "day-2 build / full build, scale 100", 0.25, " (stretch 15%)"),
        ("no_new_data_share_of_full_build", "build with no new data / full build, scale 100", 0.15, ""),
    ):
        value = large.get(key) if large else None
        figure = f"{value:.0%}" if value is not None else "-"
        rows.append((what, f"<= {target:.0%}{stretch}", figure, _status(value, target)))
    for scale in (1, 10, 100):
        run = _run_of(results, "sail", scale)
        share = run.get("snapshot_day2_share_of_full") if run else None
        if share is not None:
            what = f"snapshots on day 2 / snapshots built from scratch, scale {scale:g}"
            rows.append((what, "<= 20%", f"{share:.0%}", _status(share, 0.20)))
        measured = (run or {}).get("snapshot_changed_keys")
        if measured and measured["share"] is not None:
            what = (
                f"`{measured['snapshot']}` run alone with {measured['keys_changed']:.0%} of its keys changed"
                f" / built from scratch, scale {scale:g}"
            )
            rows.append((what, "<= 20%", snapshot_figure(measured), _status(measured["share"], 0.20)))
    small = _run_of(results, "sail", 1)
    for command, times in (small or {}).get("analyst_loop_seconds", {}).items():
        median = statistics.median(times)
        what = f"analyst loop `lakehouse dbt {command}`, warm worker, scale 1, median"
        rows.append((what, "<= 5 s", f"{median:.1f} s", _status(median, 5)))
    for scale in (1, 10):
        ratio = next((c["build_ratio"] for c in results.get("comparison", []) if c["scale"] == scale), None)
        figure = f"{ratio:.1f}x" if ratio is not None else "-"
        spark = _run_of(results, "spark local[2]", scale)
        if ratio is not None and spark and spark.get("finished_at"):
            figure += f" (Spark's run of {spark['finished_at']})"
        rows.append((f"Spark / Sail, full dbt build, scale {scale}", ">= 3x", figure, _status(ratio, 3, at_most=False)))
    if small and small.get("lineage_build_seconds"):
        seconds = small["lineage_build_seconds"]
        rows.append(("column lineage of the whole project", "<= 10 s", f"{seconds:.1f} s", _status(seconds, 10)))
    for run in results["runs"]:
        per_node = run.get("no_new_data_seconds_per_node")
        cpu = run.get("dbt_cpu_ms_per_node", {}).get(EVERY_NODE)
        if run["engine"] == "sail" and per_node and cpu is not None:
            rows.append(
                (
                    f"fixed cost per node (every node built, no new data), scale {run['scale']:g}",
                    "lowered; reported",
                    f"{per_node * 1000:.0f} ms wall, {cpu} ms of dbt's CPU",
                    "reported",
                )
            )
    return rows


def targets_table(results: dict) -> list[str]:
    lines = ["| target | goal | now | status |", "|---|---|---|---|"]
    return lines + [f"| {what} | {goal} | {now} | {status} |" for what, goal, now, status in targets(results)]


README = REPO_ROOT / "README.md"
README_MARKS = ("<!-- bench:targets -->", "<!-- /bench:targets -->")


def update_readme(results: dict) -> None:
    """Rewrite the README's table of figures against targets (between its marks)."""
    text = README.read_text()
    start, end = (text.index(mark) for mark in README_MARKS)
    table = "\n".join([f"Figures of {results['finished_at']} (`make bench`, Sail):", "", *targets_table(results)])
    README.write_text(text[: start + len(README_MARKS[0])] + "\n" + table + "\n" + text[end:])


def idle_builds(stages: dict) -> tuple[str, str]:
    """The no-new-data builds' times: the daily build's and every node's. In
    runs recorded before the daily build, "dbt build (no new data)" was a
    plain build of every node."""
    daily, every = stages.get("dbt build (no new data)"), stages.get(EVERY_NODE)
    if daily and not every:
        daily, every = None, daily
    return tuple(f"{s['seconds']:.1f} s" if s else "not measured" for s in (daily, every))


def compare(runs: list[dict]) -> list[dict]:
    by = {(r["engine"].split()[0], r["scale"]): {s["name"]: s["seconds"] for s in r["stages"]} for r in runs}
    out = []
    for (eng, scale), sail in sorted(by.items()):
        spark = by.get(("spark", scale))
        if eng != "sail" or not spark:
            continue
        out.append(
            {
                "scale": scale,
                "build_ratio": round(spark["dbt build (full)"] / sail["dbt build (full)"], 2),
                "ingest_build_ratio": round(
                    (spark["ingest day 1"] + spark["dbt build (full)"])
                    / (sail["ingest day 1"] + sail["dbt build (full)"]),
                    2,
                ),
            }
        )
    return out


def previous_runs(out: Path) -> list[dict]:
    try:
        return json.loads((out / "benchmarks.json").read_text())["runs"]
    except (OSError, ValueError, KeyError):
        return []


def write(runs: list[dict], out: Path) -> dict:
    """Write the JSON and the Markdown table for `runs` into folder `out`."""
    results = {
        "machine": machine(),
        "finished_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "runs": sorted(runs, key=lambda r: (r["scale"], r["engine"] != "sail")),
        "comparison": compare(runs),
    }
    (out / "benchmarks.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "benchmarks.md").write_text(markdown(results))
    if out == DOCS:
        update_readme(results)
    return results


def main(
    scales: list[float], spark_scales: list[float], keep: bool = True, out: Path = DOCS, loop_repeats: int = 3
) -> dict:
    """Run every (engine, scale) asked for. With `keep`, runs of other scales
    from the last results stay in the table (so scale 100 can be run on its
    own); the file is rewritten after each run, so an interrupted benchmark
    keeps what it measured."""
    runs = previous_runs(out) if keep else []
    results: dict = {}
    for scale in scales:
        for engine_name in ("sail", "spark") if scale in spark_scales else ("sail",):
            run = Run(lake_settings(engine_name, scale), scale, loop_repeats)
            run.execute()
            summary = {**run.summary(), "finished_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
            runs = [r for r in runs if (r["engine"], r["scale"]) != (summary["engine"], scale)] + [summary]
            results = write(runs, out)
            shutil.rmtree(run.settings.lake_root, ignore_errors=True)  # keep the disk free for the next scale
    return results

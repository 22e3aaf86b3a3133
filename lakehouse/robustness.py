"""The bad-input and fault suite: `python -m lakehouse robustness`.

Every case starts from files the project's own generator writes (a small day
of contact-center, cx, media and e-commerce data), breaks them the way real
deliveries break, loads them into a bronze schema of its own, and checks the
written-down expectation. For every file it also counts the rows in the file
itself (not from the loader's report) and checks rows in = rows landed in
bronze + rows quarantined. Faults are real: the ingest job and dbt are
killed with SIGKILL and re-run; two loads race for the same landing folder.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ingest import config as ingest_config
from ingest.generate import generate_day
from ingest.load import Loader, RunReport
from ingest.lock import ingest_lock
from lakehouse.pipeline import bin_path, child_env
from lakehouse.settings import REPO_ROOT, Settings

CSV_SOURCE, JSON_SOURCE, PARQUET_SOURCE = "contact_center_interactions", "cx_surveys", "media_assets"


@dataclass
class CaseResult:
    case: str
    expected: str
    outcome: str
    rows_in: int = 0
    landed: int = 0
    quarantined: int = 0
    ok: bool = False
    detail: str = ""


class CaseFailed(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CaseFailed(message)


def rows_in_file(path: Path, fmt: str) -> int:
    """Data rows in a landing file, counted from the file itself."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        lines = [line for line in handle.read().splitlines() if line.strip()]
    return max(len(lines) - (1 if fmt == "csv" else 0), 0)


class Context:
    """A case's own landing folder and bronze schema in the suite's lake."""

    def __init__(self, suite: Suite, name: str):
        self.suite, self.name = suite, name
        self.landing = suite.work / name / "landing"
        self.landing.mkdir(parents=True)
        self.schema = f"rb_{name}"
        self.config = ingest_config.with_bronze_schema(suite.config, self.schema)
        self.files: list[tuple[str, Path]] = []  # (source, file) to account for

    def copy(self, source: str, day: int = 1, name: str | None = None) -> Path:
        """A generated file of `source` (day 1 or 2) into this case's landing."""
        src = self.suite.template_file(source, day)
        dest = self.landing / src.relative_to(self.suite.template)
        dest = dest.with_name(name) if name else dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        self.files.append((source, dest))
        return dest

    def place(self, source: str, rel: str, data: bytes) -> Path:
        dest = self.landing / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        self.files.append((source, dest))
        return dest

    def load(self, *sources: str) -> RunReport:
        picked = self.config.select(list(sources)) if sources else self.config.select()
        return Loader(self.suite.spark, self.config, self.landing).run(picked)

    def load_cli(self, *sources: str, env: dict | None = None, wait: bool = True) -> subprocess.Popen | int:
        cmd = [sys.executable, "-m", "ingest", "load", "--landing", str(self.landing), "--bronze-schema", self.schema]
        for source in sources:
            cmd += ["--source", source]
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env={**self.suite.env, **(env or {})},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        if not wait:
            return proc
        self.last_output = proc.communicate(timeout=600)[0]
        return proc.returncode

    def count(self, table: str, where: str) -> int:
        return self.suite.spark.sql(f"select count(*) from {self.schema}.{table} where {where}").collect()[0][0]

    def accounting(self) -> tuple[int, int, int]:
        """Rows in / landed / quarantined over this case's files; each file must balance."""
        total = [0, 0, 0]
        for source_name, path in self.files:
            if not path.exists():
                continue
            source = self.config.sources[source_name]
            rel = str(path.relative_to(self.landing)).replace("'", "''")
            landed = self.count(source.table, f"_source_file = '{rel}'")
            quarantined = self.count(self.config.quarantine_table, f"_source_file = '{rel}'")
            statuses = {r[0] for r in self.suite.spark.sql(
                f"select status from {self.schema}.{self.config.file_log_table} where file_path = :f",
                args={"f": rel}).collect()}  # fmt: skip
            try:
                rows = rows_in_file(path, source.format)
            except Exception:  # an unreadable file: nothing may have landed from it
                rows = 0
            if "loaded" in statuses:
                check(rows == landed + quarantined, f"{rel}: {rows} rows in the file, {landed} landed + {quarantined} quarantined")
            else:
                check(landed == quarantined == 0, f"{rel} was not loaded but {landed + quarantined} rows are in bronze")
            for i, value in enumerate((rows, landed, quarantined)):
                total[i] += value
        return total[0], total[1], total[2]


def statuses(report: RunReport) -> dict[str, tuple[str, str]]:
    return {Path(r.file).name: (r.status, r.message) for r in report.results}


# --- cases ------------------------------------------------------------------------


def case_empty_file(ctx: Context) -> str:
    ctx.place(CSV_SOURCE, "contact_center/interactions/interactions_2025_02_01.csv", b"")
    status, message = statuses(ctx.load(CSV_SOURCE))["interactions_2025_02_01.csv"]
    check(status == "rejected" and "empty" in message, f"{status}: {message}")
    return f"rejected: {message}"


def case_header_only(ctx: Context) -> str:
    header = ctx.suite.template_file(CSV_SOURCE).read_bytes().splitlines()[0] + b"\n"
    ctx.place(CSV_SOURCE, "contact_center/interactions/interactions_2025_02_01.csv", header)
    status, _ = statuses(ctx.load(CSV_SOURCE))["interactions_2025_02_01.csv"]
    check(status == "loaded", status)
    return "loaded, 0 rows"


def case_wrong_delimiter(ctx: Context) -> str:
    text = ctx.suite.template_file(CSV_SOURCE).read_text().replace(",", ";")
    ctx.place(CSV_SOURCE, "contact_center/interactions/interactions_2025_02_01.csv", text.encode())
    status, message = statuses(ctx.load(CSV_SOURCE))["interactions_2025_02_01.csv"]
    check(status == "rejected" and "wrong delimiter" in message, f"{status}: {message}")
    return f"rejected: {message[:60]}..."


def case_not_utf8(ctx: Context) -> str:
    lines = ctx.suite.template_file(CSV_SOURCE).read_text().splitlines()
    lines[3] = lines[3].replace(",", ",Café Müller ", 1)
    ctx.place(CSV_SOURCE, "contact_center/interactions/interactions_2025_02_01.csv", "\n".join(lines).encode("latin-1"))
    status, message = statuses(ctx.load(CSV_SOURCE))["interactions_2025_02_01.csv"]
    check(status == "rejected" and "not UTF-8" in message, f"{status}: {message}")
    return f"rejected: {message[:50]}..."


def case_corrupt_parquet(ctx: Context) -> str:
    data = ctx.suite.template_file(PARQUET_SOURCE).read_bytes()
    ctx.place(PARQUET_SOURCE, "media/assets/assets_2025_02_01.parquet", data[: len(data) // 2])
    status, message = statuses(ctx.load(PARQUET_SOURCE))["assets_2025_02_01.parquet"]
    check(status == "rejected" and "parquet" in message, f"{status}: {message}")
    return "rejected: unreadable parquet file"


def case_gzip(ctx: Context) -> str:
    data = gzip.compress(ctx.suite.template_file(CSV_SOURCE).read_bytes())
    ctx.place(CSV_SOURCE, "contact_center/interactions/interactions_2025_02_01.csv.gz", data)
    ctx.place(CSV_SOURCE, "contact_center/interactions/interactions_2025_02_02.csv.gz", data[: len(data) // 2])
    result = statuses(ctx.load(CSV_SOURCE))
    good, bad = result["interactions_2025_02_01.csv.gz"], result["interactions_2025_02_02.csv.gz"]
    check(good[0] == "loaded", f"good gzip: {good}")
    check(bad[0] == "rejected" and "gzip" in bad[1], f"truncated gzip: {bad}")
    return "gzip loaded; truncated gzip rejected"


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def case_broken_json(ctx: Context) -> str:
    lines = ctx.suite.template_file(JSON_SOURCE).read_text().splitlines()
    good = [i for i, line in enumerate(lines) if _is_json_object(line)]
    lines[good[5]] = lines[good[5]][: len(lines[good[5]]) // 2]
    lines[good[9]] = "not json at all"
    broken_in_file = sum(not _is_json_object(line) for line in lines if line.strip())
    ctx.place(JSON_SOURCE, "cx/surveys/surveys_2025_02_01.json", ("\n".join(lines) + "\n").encode())
    ctx.load(JSON_SOURCE)
    broken = ctx.count(ctx.config.quarantine_table, "reason like '%not valid JSON%'")
    check(broken == broken_in_file, f"{broken} unparseable lines quarantined, the file has {broken_in_file}")
    return f"loaded; {broken} broken lines quarantined"


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def _write_csv(ctx: Context, rows: list[list[str]], name: str = "interactions_2025_02_01.csv") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return ctx.place(CSV_SOURCE, f"contact_center/interactions/{name}", out.getvalue().encode())


def _drifted_csv(ctx: Context, drop: str | None, add: str | None) -> Path:
    rows = _csv_rows(ctx.suite.template_file(CSV_SOURCE))
    width, position = len(rows[0]), rows[0].index(drop) if drop else None
    for i, fields in enumerate(rows):
        if len(fields) != width:
            continue  # a line the generator broke on purpose stays broken
        if position is not None:
            del fields[position]
        if add:
            fields.append(add if i == 0 else f"v{i}")
    return _write_csv(ctx, rows)


def case_extra_column(ctx: Context) -> str:
    _drifted_csv(ctx, drop=None, add="channel")
    status, message = statuses(ctx.load(CSV_SOURCE))["interactions_2025_02_01.csv"]
    check(status == "loaded" and "channel" in message, f"{status}: {message}")
    rescued = ctx.count(CSV_SOURCE, "_rescued_data like '{\"channel\":\"v%'")
    check(rescued == ctx.count(CSV_SOURCE, "true") > 0, f"{rescued} rows kept the extra column")
    return "loaded; extra column kept in _rescued_data"


def case_missing_optional_column(ctx: Context) -> str:
    _drifted_csv(ctx, drop="issue_type", add=None)
    status, message = statuses(ctx.load(CSV_SOURCE))["interactions_2025_02_01.csv"]
    check(status == "loaded" and "issue_type" in message, f"{status}: {message}")
    check(ctx.count(CSV_SOURCE, "issue_type is not null") == 0, "issue_type should be null")
    return "loaded; missing column as null"


def case_missing_required_column(ctx: Context) -> str:
    _drifted_csv(ctx, drop="agent_id", add=None)
    status, message = statuses(ctx.load(CSV_SOURCE))["interactions_2025_02_01.csv"]
    check(status == "rejected" and "agent_id" in message, f"{status}: {message}")
    return "rejected: required agent_id missing"


def case_wrong_types(ctx: Context) -> str:
    rows = _csv_rows(ctx.suite.template_file(CSV_SOURCE))
    col = rows[0].index("start_time")
    changed = [i for i in range(1, len(rows)) if len(rows[i]) == len(rows[0])][:3]
    for i in changed:
        rows[i][col] = "yesterday"
    _write_csv(ctx, rows)
    ctx.load(CSV_SOURCE)
    bad = ctx.count(ctx.config.quarantine_table, "raw_record like '%yesterday%' and reason like '%start_time: cannot read%'")
    check(bad == 3, f"{bad} rows quarantined for start_time 'yesterday', expected 3")
    return "loaded; 3 bad values quarantined"


def case_duplicate_keys(ctx: Context) -> str:
    rows = _csv_rows(ctx.suite.template_file(CSV_SOURCE))
    _write_csv(ctx, rows + rows[1:4])  # three keys twice in one file
    _write_csv(ctx, [rows[0], *rows[1:6]], name="interactions_2025_02_02.csv")  # five again in another
    ctx.load(CSV_SOURCE)
    dupes = ctx.suite.spark.sql(
        f"select count(*) from (select interaction_id from {ctx.schema}.{CSV_SOURCE} "
        "group by interaction_id having count(*) > 1)"
    ).collect()[0][0]
    check(dupes >= 5, f"{dupes} duplicated keys in bronze")
    return f"loaded; {dupes} duplicate keys kept (silver keeps the latest)"


def case_redelivered(ctx: Context) -> str:
    ctx.copy(CSV_SOURCE)
    ctx.load(CSV_SOURCE)
    again = ctx.copy(CSV_SOURCE, name="interactions_2025_01_15_resent.csv")
    status, message = statuses(ctx.load(CSV_SOURCE))[again.name]
    check(status == "skipped" and "same content as" in message, f"{status}: {message}")
    return "skipped: same content as the first delivery"


def case_day2_before_day1(ctx: Context) -> str:
    ctx.copy(CSV_SOURCE, day=2)
    first = statuses(ctx.load(CSV_SOURCE))
    ctx.copy(CSV_SOURCE, day=1)
    second = statuses(ctx.load(CSV_SOURCE))
    loaded = [s for s, _ in [*first.values(), *second.values()] if s == "loaded"]
    check(len(loaded) == 2, f"{first} then {second}")
    return "both loaded, in arrival order"


def _ecommerce_day(ctx: Context) -> list[Path]:
    files = []
    for source in ("ecommerce_customers", "ecommerce_products", "ecommerce_orders",
                   "ecommerce_inventory", "ecommerce_shipping"):  # fmt: skip
        files.append(ctx.copy(source))
    return files


def _trigger(ctx: Context) -> Path:
    """Day 1's trigger."""
    return sorted(ctx.suite.template.glob("ecommerce/_triggers/*.json"))[0]


def case_duplicate_trigger(ctx: Context) -> str:
    _ecommerce_day(ctx)
    trigger = _trigger(ctx)
    (ctx.landing / "ecommerce" / "_triggers").mkdir(parents=True)
    shutil.copyfile(trigger, ctx.landing / "ecommerce" / "_triggers" / trigger.name)
    shutil.copyfile(trigger, ctx.landing / "ecommerce" / "_triggers" / trigger.name.replace(".json", "_again.json"))
    first = ctx.load()
    second = ctx.load()
    check(sum(r.status == "loaded" for r in first.results) == 5, str(statuses(first)))
    check(all(r.status == "skipped" for r in second.results if r.source != "trigger"), str(statuses(second)))
    return "files loaded once; second trigger ignored"


def case_trigger_missing_files(ctx: Context) -> str:
    files = _ecommerce_day(ctx)
    orders = next(f for f in files if "orders" in f.name)
    held_back = orders.with_suffix(".held")
    orders.rename(held_back)
    (ctx.landing / "ecommerce" / "_triggers").mkdir(parents=True)
    shutil.copyfile(_trigger(ctx), ctx.landing / "ecommerce" / "_triggers" / _trigger(ctx).name)
    code = ctx.load_cli()
    check(code == 1 and "has not arrived" in ctx.last_output, f"exit {code}: {ctx.last_output[-500:]}")
    held_back.rename(orders)  # the file arrives late
    check(ctx.load_cli() == 0, ctx.last_output[-500:])
    return "missing reported (exit 1); loaded when it arrives"


def case_ingest_killed(ctx: Context) -> str:
    ctx.copy(CSV_SOURCE)
    code = ctx.load_cli(CSV_SOURCE, env={"LAKEHOUSE_FAULT": f"kill-after-rows:{CSV_SOURCE}"})
    check(code == -signal.SIGKILL, f"the faulty run should die of SIGKILL, exit {code}")
    partial = ctx.count(CSV_SOURCE, "true")
    check(partial > 0, "the killed run should have left partial rows")
    check(ctx.load_cli(CSV_SOURCE) == 0, ctx.last_output[-500:])
    return f"killed after {partial} rows; re-run cleaned and reloaded"


def case_concurrent_ingest(ctx: Context) -> str:
    ctx.copy(CSV_SOURCE)
    ctx.copy(JSON_SOURCE)
    with ingest_lock(ctx.landing):
        code = ctx.load_cli(CSV_SOURCE)
    check(code == 3 and "another ingest run" in ctx.last_output, f"exit {code}: {ctx.last_output[-300:]}")
    racers = [ctx.load_cli(wait=False), ctx.load_cli(wait=False)]
    codes = sorted(p.wait(timeout=600) for p in racers)
    check(codes in ([0, 0], [0, 3]), f"racing loads exited {codes}")
    return f"held lock: exit 3; two at once: exits {codes}"


def case_dbt_killed(ctx: Context) -> str:
    """dbt build killed mid-run (SIGKILL, while snapshots run), then re-run.
    The build reads a bronze schema of its own (var bronze_schema), loaded
    from the generated day, and writes ci_fault_* schemas, dropped after."""
    Loader(ctx.suite.spark, ctx.config, ctx.suite.template).run(ctx.config.select())
    env = {**child_env(ctx.suite.settings, "ci"), "DBT_CI_SCHEMA": "ci_fault",
           "DBT_TARGET_PATH": str(ctx.landing.parent / "target"), "DBT_LOG_PATH": str(ctx.landing.parent / "logs")}  # fmt: skip
    build = [bin_path("dbt"), "build", "--vars", f"{{bronze_schema: {ctx.schema}}}"]
    log = ctx.landing.parent / "dbt-killed.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(build, cwd=REPO_ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + 600
        while "START snapshot" not in log.read_text() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)
        killed = proc.poll() is None
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    check(killed, f"dbt build ended before it could be killed; see {log}")
    rerun = subprocess.run(build, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    check(rerun.returncode == 0, rerun.stdout[-2000:])
    current = ctx.suite.spark.sql(
        "select count(*) - count(distinct customer_id) from ci_fault_snapshots.snp_ecommerce__customers "
        "where dbt_valid_to is null"
    ).collect()[0][0]
    check(current == 0, f"{current} duplicate current versions")
    subprocess.run([bin_path("dbt"), "run-operation", "drop_ci_schemas", "--target", "ci"], cwd=REPO_ROOT, env=env,
                   capture_output=True)  # fmt: skip
    return "killed during snapshots; re-run passed, one current version per key"


CASES: list[tuple[str, str, Callable[[Context], str]]] = [
    ("empty_file", "rejected: empty file, exit 1", case_empty_file),
    ("header_only", "loaded, 0 rows", case_header_only),
    ("wrong_delimiter", "rejected: columns do not match", case_wrong_delimiter),
    ("not_utf8", "rejected: not UTF-8", case_not_utf8),
    ("corrupt_parquet", "rejected: unreadable parquet", case_corrupt_parquet),
    ("gzip", "gzip loaded, truncated gzip rejected", case_gzip),
    ("broken_json_lines", "broken lines quarantined", case_broken_json),
    ("extra_column", "loaded, kept in _rescued_data", case_extra_column),
    ("missing_optional_column", "loaded, column null", case_missing_optional_column),
    ("missing_required_column", "rejected: required column", case_missing_required_column),
    ("wrong_types", "bad values quarantined", case_wrong_types),
    ("duplicate_keys", "all rows landed; silver dedupes", case_duplicate_keys),
    ("redelivered_other_name", "skipped: already loaded", case_redelivered),
    ("day2_before_day1", "both loaded", case_day2_before_day1),
    ("duplicate_trigger", "files loaded once", case_duplicate_trigger),
    ("trigger_missing_files", "missing: exit 1, loads later", case_trigger_missing_files),
    ("ingest_sigkill", "re-run: no duplicates, no loss", case_ingest_killed),
    ("concurrent_ingest", "second waits or exits 3", case_concurrent_ingest),
    ("dbt_build_sigkill", "re-run passes; snapshots sound", case_dbt_killed),
]


class Suite:
    def __init__(self, settings: Settings, spark, work: Path):
        self.settings, self.spark, self.work = settings, spark, work
        self.config = ingest_config.load()
        self.env = child_env(settings)
        self.template = work / "_template"

    def prepare(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        for day in (1, 2):
            generate_day(self.template, day, seed=7, scale=0.1)

    def template_file(self, source: str, day: int = 1) -> Path:
        src = self.config.sources[source]
        return sorted(self.template.glob(src.path))[day - 1]

    def run_case(self, name: str, expected: str, func: Callable[[Context], str]) -> CaseResult:
        ctx = Context(self, name)
        try:
            outcome = func(ctx)
            rows, landed, quarantined = ctx.accounting()
            return CaseResult(name, expected, outcome, rows, landed, quarantined, ok=True)
        except Exception as err:  # a failed case is reported, the suite goes on
            return CaseResult(name, expected, "FAILED", ok=False, detail=f"{type(err).__name__}: {err}"[:2000])
        finally:
            self.spark.sql(f"drop schema if exists {ctx.schema} cascade")

    def run(self, only: list[str] | None = None) -> list[CaseResult]:
        self.prepare()
        return [self.run_case(*case) for case in CASES if not only or case[0] in only]


def table(results: list[CaseResult]) -> str:
    head = f"{'case':26} {'expected':36} {'outcome':52} {'rows in':>8} {'landed':>7} {'quar.':>6}  ok"
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(f"{r.case:26} {r.expected:36} {r.outcome[:52]:52} {r.rows_in:>8} {r.landed:>7} "
                     f"{r.quarantined:>6}  {'yes' if r.ok else 'NO'}")  # fmt: skip
        if r.detail:
            lines.append(f"    {r.detail}")
    lines.append("rows in: data rows in the case's files, refused and skipped ones included; every loaded file "
                 "was checked: rows in = landed + quarantined")  # fmt: skip
    return "\n".join(lines)


def run_suite(settings: Settings, only: list[str] | None = None) -> list[CaseResult]:
    """Run the cases against a running engine of `settings`' lake."""
    from pyspark.sql import SparkSession

    os.environ.update(settings.env())
    spark = SparkSession.builder.remote(settings.spark_remote).create()
    try:
        results = Suite(settings, spark, settings.lake_root / "robustness").run(only)
    finally:
        spark.stop()
    (settings.lake_root / "robustness" / "results.json").write_text(json.dumps([r.__dict__ for r in results], indent=2))
    return results


def main(only: list[str] | None = None, keep: bool = False) -> int:
    """The suite in a lake of its own (temporary folder, free ports)."""
    import tempfile

    from lakehouse import engine
    from lakehouse.settings import free_port

    root = Path(tempfile.mkdtemp(prefix="lakehouse-robustness-"))
    settings = Settings(lake_root=root, hms_port=free_port(), sail_port=free_port())
    print(f"robustness suite: lake {root}", flush=True)
    try:
        engine.start(settings)
        results = run_suite(settings, only)
    finally:
        engine.stop(settings)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    print(table(results))
    failed = [r.case for r in results if not r.ok]
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0

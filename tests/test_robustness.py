"""Bad deliveries and faults on generated data: each test starts from files
the project's own generator writes (a small day of contact-center, cx,
media and e-commerce data), breaks them the way real deliveries break, loads
them into a bronze schema of its own and checks the written-down outcome.

After every test each of its files must balance, counted from the file
itself: rows in the file = rows landed in bronze + rows quarantined for a
loaded file, nothing in bronze from a refused one. Faults are real: the
ingest job and dbt are killed with SIGKILL and re-run; two loads race for
the same landing folder. `make robustness` prints the table of outcomes (-s).
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
from pathlib import Path

import pytest

from conftest import REPO
from ingest import config as ingest_config
from ingest.load import Loader, RunReport
from ingest.lock import ingest_lock
from lakehouse.pipeline import bin_path, child_env
from sample_data import generate_day

CSV_SOURCE, JSON_SOURCE, PARQUET_SOURCE = "contact_center_interactions", "cx_surveys", "media_assets"
INTERACTIONS = "contact_center/interactions/interactions_2025_02_01.csv"
ECOMMERCE = (
    "ecommerce_customers",
    "ecommerce_products",
    "ecommerce_orders",
    "ecommerce_inventory",
    "ecommerce_shipping",
)
KILL_INGEST = REPO / "tests" / "faults" / "ingest_killed.py"
OUTCOMES: list[str] = []


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Two generated days, the raw material every test breaks."""
    root = tmp_path_factory.mktemp("robustness_template")
    for day in (1, 2):
        generate_day(root, day, seed=7, scale=0.1)
    return root


@pytest.fixture(scope="module", autouse=True)
def outcome_table():
    yield
    print("\n" + "\n".join([f"{'test':42} {'outcome':60} {'rows in':>8} {'landed':>7} {'quar.':>6}", *OUTCOMES]))


class Case:
    """A test's own landing folder and bronze schema on the session's engine."""

    def __init__(self, name: str, lake, spark, template: Path, work: Path):
        self.name, self.lake, self.spark, self.template = name, lake, spark, template
        self.landing = work / "landing"
        self.landing.mkdir(parents=True)
        self.schema = f"rb_{name}"
        self.config = ingest_config.with_bronze_schema(ingest_config.load(lake_root=lake.lake_root), self.schema)
        self.files: list[tuple[str, Path]] = []  # (source, file) to account for
        self.env = child_env(lake)
        self.outcome = ""
        self.output = ""

    def template_file(self, source: str, day: int = 1) -> Path:
        return sorted(self.template.glob(self.config.sources[source].path))[day - 1]

    def copy(self, source: str, day: int = 1, name: str | None = None) -> Path:
        """A generated file of `source` (day 1 or 2) into this test's landing."""
        src = self.template_file(source, day)
        dest = self.landing / src.relative_to(self.template)
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

    def load(self, *sources: str, landing: Path | None = None) -> RunReport:
        picked = self.config.select(list(sources)) if sources else self.config.select()
        return Loader(self.spark, self.config, landing or self.landing).run(picked)

    def statuses(self, *sources: str) -> dict[str, tuple[str, str]]:
        return {Path(r.file).name: (r.status, r.message) for r in self.load(*sources).results}

    def ingest_command(self, *sources: str) -> list[str]:
        cmd = ["-m", "ingest", "load", "--landing", str(self.landing), "--bronze-schema", self.schema]
        return cmd + [arg for source in sources for arg in ("--source", source)]

    def start(self, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *args], cwd=REPO, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def run(self, args: list[str]) -> int:
        proc = self.start(args)
        self.output = proc.communicate(timeout=600)[0]
        return proc.returncode

    def count(self, table: str, where: str = "true") -> int:
        return self.spark.sql(f"select count(*) from {self.schema}.{table} where {where}").collect()[0][0]

    def balance(self) -> tuple[int, int, int]:
        """Rows in / landed / quarantined over the test's files; each file must balance."""
        total = [0, 0, 0]
        for source_name, path in self.files:
            if not path.exists():
                continue
            rel = str(path.relative_to(self.landing))
            landed = self.count(self.config.sources[source_name].table, f"_source_file = '{rel}'")
            quarantined = self.count(self.config.quarantine_table, f"_source_file = '{rel}'")
            statuses = {
                r[0]
                for r in self.spark.sql(
                    f"select status from {self.schema}.{self.config.file_log_table} where file_path = :f",
                    args={"f": rel},
                ).collect()
            }
            try:
                rows = rows_in_file(path, self.config.sources[source_name].format)
            except Exception:  # an unreadable file: nothing may have landed from it
                rows = 0
            if "loaded" in statuses:
                assert rows == landed + quarantined, (
                    f"{rel}: {rows} rows in the file, {landed} landed + {quarantined} quarantined"
                )
            else:
                assert landed == quarantined == 0, f"{rel} was not loaded but {landed + quarantined} rows are in bronze"
            total = [t + v for t, v in zip(total, (rows, landed, quarantined))]
        return total[0], total[1], total[2]


def rows_in_file(path: Path, fmt: str) -> int:
    """Data rows in a landing file, counted from the file itself."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        lines = [line for line in handle.read().splitlines() if line.strip()]
    return max(len(lines) - (1 if fmt == "csv" else 0), 0)


@pytest.fixture
def case(request, lake, spark, template, tmp_path):
    """A fresh landing folder and bronze schema; every file balances at the end."""
    found = Case(request.node.name.removeprefix("test_"), lake, spark, template, tmp_path)
    try:
        yield found
        rows, landed, quarantined = found.balance()
        OUTCOMES.append(f"{found.name:42} {found.outcome[:60]:60} {rows:>8} {landed:>7} {quarantined:>6}")
    finally:
        spark.sql(f"drop schema if exists {found.schema} cascade")


# --- files that cannot be read ------------------------------------------------------


def test_empty_file(case):
    case.place(CSV_SOURCE, INTERACTIONS, b"")
    status, message = case.statuses(CSV_SOURCE)["interactions_2025_02_01.csv"]
    assert status == "rejected" and "empty" in message, f"{status}: {message}"
    case.outcome = f"rejected: {message}"


def test_header_only(case):
    header = case.template_file(CSV_SOURCE).read_bytes().splitlines()[0] + b"\n"
    case.place(CSV_SOURCE, INTERACTIONS, header)
    assert case.statuses(CSV_SOURCE)["interactions_2025_02_01.csv"][0] == "loaded"
    case.outcome = "loaded, 0 rows"


def test_wrong_delimiter(case):
    case.place(CSV_SOURCE, INTERACTIONS, case.template_file(CSV_SOURCE).read_text().replace(",", ";").encode())
    status, message = case.statuses(CSV_SOURCE)["interactions_2025_02_01.csv"]
    assert status == "rejected" and "wrong delimiter" in message, f"{status}: {message}"
    case.outcome = f"rejected: {message}"


def test_not_utf8(case):
    lines = case.template_file(CSV_SOURCE).read_text().splitlines()
    lines[3] = lines[3].replace(",", ",Café Müller ", 1)
    case.place(CSV_SOURCE, INTERACTIONS, "\n".join(lines).encode("latin-1"))
    status, message = case.statuses(CSV_SOURCE)["interactions_2025_02_01.csv"]
    assert status == "rejected" and "not UTF-8" in message, f"{status}: {message}"
    case.outcome = f"rejected: {message}"


def test_corrupt_parquet(case):
    data = case.template_file(PARQUET_SOURCE).read_bytes()
    case.place(PARQUET_SOURCE, "media/assets/assets_2025_02_01.parquet", data[: len(data) // 2])
    status, message = case.statuses(PARQUET_SOURCE)["assets_2025_02_01.parquet"]
    assert status == "rejected" and "parquet" in message, f"{status}: {message}"
    case.outcome = "rejected: unreadable parquet file"


def test_gzip_and_truncated_gzip(case):
    data = gzip.compress(case.template_file(CSV_SOURCE).read_bytes())
    case.place(CSV_SOURCE, INTERACTIONS + ".gz", data)
    case.place(CSV_SOURCE, INTERACTIONS.replace("02_01", "02_02") + ".gz", data[: len(data) // 2])
    result = case.statuses(CSV_SOURCE)
    good, bad = result["interactions_2025_02_01.csv.gz"], result["interactions_2025_02_02.csv.gz"]
    assert good[0] == "loaded", f"good gzip: {good}"
    assert bad[0] == "rejected" and "gzip" in bad[1], f"truncated gzip: {bad}"
    case.outcome = "gzip loaded; truncated gzip rejected"


# --- rows that cannot be read ---------------------------------------------------------


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def test_broken_json_lines(case):
    lines = case.template_file(JSON_SOURCE).read_text().splitlines()
    good = [i for i, line in enumerate(lines) if _is_json_object(line)]
    lines[good[5]] = lines[good[5]][: len(lines[good[5]]) // 2]
    lines[good[9]] = "not json at all"
    broken_in_file = sum(not _is_json_object(line) for line in lines if line.strip())
    case.place(JSON_SOURCE, "cx/surveys/surveys_2025_02_01.json", ("\n".join(lines) + "\n").encode())
    case.load(JSON_SOURCE)
    broken = case.count(case.config.quarantine_table, "reason like '%not valid JSON%'")
    assert broken == broken_in_file, f"{broken} unparseable lines quarantined, the file has {broken_in_file}"
    case.outcome = f"loaded; {broken} broken lines quarantined"


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def _write_csv(case: Case, rows: list[list[str]], name: str = "interactions_2025_02_01.csv") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return case.place(CSV_SOURCE, f"contact_center/interactions/{name}", out.getvalue().encode())


def _drifted_csv(case: Case, drop: str | None, add: str | None) -> Path:
    rows = _csv_rows(case.template_file(CSV_SOURCE))
    width, position = len(rows[0]), rows[0].index(drop) if drop else None
    for i, fields in enumerate(rows):
        if len(fields) != width:
            continue  # a line the generator broke on purpose stays broken
        if position is not None:
            del fields[position]
        if add:
            fields.append(add if i == 0 else f"v{i}")
    return _write_csv(case, rows)


def test_extra_column_kept_in_rescued_data(case):
    _drifted_csv(case, drop=None, add="channel")
    status, message = case.statuses(CSV_SOURCE)["interactions_2025_02_01.csv"]
    assert status == "loaded" and "channel" in message, f"{status}: {message}"
    rescued = case.count(CSV_SOURCE, '_rescued_data like \'{"channel":"v%\'')
    assert rescued == case.count(CSV_SOURCE) > 0, f"{rescued} rows kept the extra column"
    case.outcome = "loaded; extra column kept in _rescued_data"


def test_missing_optional_column(case):
    _drifted_csv(case, drop="issue_type", add=None)
    status, message = case.statuses(CSV_SOURCE)["interactions_2025_02_01.csv"]
    assert status == "loaded" and "issue_type" in message, f"{status}: {message}"
    assert case.count(CSV_SOURCE, "issue_type is not null") == 0, "issue_type should be null"
    case.outcome = "loaded; missing column as null"


def test_missing_required_column(case):
    _drifted_csv(case, drop="agent_id", add=None)
    status, message = case.statuses(CSV_SOURCE)["interactions_2025_02_01.csv"]
    assert status == "rejected" and "agent_id" in message, f"{status}: {message}"
    case.outcome = "rejected: required agent_id missing"


def test_wrong_types_quarantined(case):
    rows = _csv_rows(case.template_file(CSV_SOURCE))
    col = rows[0].index("start_time")
    for i in [i for i in range(1, len(rows)) if len(rows[i]) == len(rows[0])][:3]:
        rows[i][col] = "yesterday"
    _write_csv(case, rows)
    case.load(CSV_SOURCE)
    bad = case.count(
        case.config.quarantine_table, "raw_record like '%yesterday%' and reason like '%start_time: cannot read%'"
    )
    assert bad == 3, f"{bad} rows quarantined for start_time 'yesterday', expected 3"
    case.outcome = "loaded; 3 bad values quarantined"


def test_duplicate_keys_all_land(case):
    rows = _csv_rows(case.template_file(CSV_SOURCE))
    _write_csv(case, rows + rows[1:4])  # three keys twice in one file
    _write_csv(case, [rows[0], *rows[1:6]], name="interactions_2025_02_02.csv")  # five again in another
    case.load(CSV_SOURCE)
    dupes = case.spark.sql(
        f"select count(*) from (select interaction_id from {case.schema}.{CSV_SOURCE} "
        "group by interaction_id having count(*) > 1)"
    ).collect()[0][0]
    assert dupes >= 5, f"{dupes} duplicated keys in bronze"
    case.outcome = f"loaded; {dupes} duplicate keys kept (silver keeps the latest)"


# --- deliveries: order, repeats, triggers ----------------------------------------------------


def test_redelivered_under_another_name(case):
    case.copy(CSV_SOURCE)
    case.load(CSV_SOURCE)
    again = case.copy(CSV_SOURCE, name="interactions_2025_01_15_resent.csv")
    status, message = case.statuses(CSV_SOURCE)[again.name]
    assert status == "skipped" and "same content as" in message, f"{status}: {message}"
    case.outcome = "skipped: same content as the first delivery"


def test_day2_before_day1(case):
    case.copy(CSV_SOURCE, day=2)
    first = case.statuses(CSV_SOURCE)
    case.copy(CSV_SOURCE, day=1)
    second = case.statuses(CSV_SOURCE)
    assert [s for s, _ in [*first.values(), *second.values()]].count("loaded") == 2, f"{first} then {second}"
    case.outcome = "both loaded, in arrival order"


def _ecommerce_day(case: Case) -> list[Path]:
    return [case.copy(source) for source in ECOMMERCE]


def _place_trigger(case: Case, *names: str) -> None:
    trigger = sorted(case.template.glob("ecommerce/_triggers/*.json"))[0]  # day 1's
    folder = case.landing / "ecommerce" / "_triggers"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or (trigger.name,):
        shutil.copyfile(trigger, folder / name)


def test_duplicate_trigger(case):
    _ecommerce_day(case)
    trigger = sorted(case.template.glob("ecommerce/_triggers/*.json"))[0].name
    _place_trigger(case, trigger, trigger.replace(".json", "_again.json"))
    first, second = case.load(), case.load()
    assert sum(r.status == "loaded" for r in first.results) == 5, str(first.results)
    assert all(r.status == "skipped" for r in second.results if r.source != "trigger"), str(second.results)
    case.outcome = "files loaded once; second trigger ignored"


def test_trigger_lists_a_file_not_yet_arrived(case):
    orders = next(f for f in _ecommerce_day(case) if "orders" in f.name)
    held_back = orders.with_suffix(".held")
    orders.rename(held_back)
    _place_trigger(case)
    code = case.run(case.ingest_command())
    assert code == 1 and "has not arrived" in case.output, f"exit {code}: {case.output[-500:]}"
    held_back.rename(orders)  # the file arrives late
    assert case.run(case.ingest_command()) == 0, case.output[-500:]
    case.outcome = "missing reported (exit 1); loaded when it arrives"


# --- faults -------------------------------------------------------------------------------------


def test_ingest_killed_then_rerun(case):
    case.copy(CSV_SOURCE)
    code = case.run([str(KILL_INGEST), CSV_SOURCE, *case.ingest_command(CSV_SOURCE)[2:]])
    assert code == -signal.SIGKILL, f"the faulty run should die of SIGKILL, exit {code}: {case.output[-500:]}"
    partial = case.count(CSV_SOURCE)
    assert partial > 0, "the killed run should have left the file's rows, logged as started only"
    assert case.run(case.ingest_command(CSV_SOURCE)) == 0, case.output[-500:]
    case.outcome = f"killed after {partial} rows; re-run cleaned and reloaded"


def test_concurrent_ingest(case):
    case.copy(CSV_SOURCE)
    case.copy(JSON_SOURCE)
    with ingest_lock(case.landing):
        code = case.run(case.ingest_command(CSV_SOURCE))
    assert code == 3 and "another ingest run" in case.output, f"exit {code}: {case.output[-300:]}"
    racers = [case.start(case.ingest_command()), case.start(case.ingest_command())]
    codes = sorted(p.wait(timeout=600) for p in racers)
    for proc in racers:
        proc.stdout.close()
    assert codes in ([0, 0], [0, 3]), f"racing loads exited {codes}"
    case.outcome = f"held lock: exit 3; two at once: exits {codes}"


def test_dbt_build_killed_then_rerun(case, tmp_path):
    """dbt build killed mid-run (SIGKILL, while snapshots run), then re-run. The
    build reads a bronze schema of its own (var bronze_schema), loaded from the
    generated day, and writes ci_fault_* schemas, dropped after."""
    case.load(landing=case.template)
    env = {
        **child_env(case.lake, "ci"),
        "DBT_CI_SCHEMA": "ci_fault",
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    build = [bin_path("dbt"), "build", "--vars", f"{{bronze_schema: {case.schema}}}"]
    log = tmp_path / "dbt-killed.log"
    try:
        with open(log, "w") as out:
            proc = subprocess.Popen(
                build, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
            deadline = time.monotonic() + 600
            while "START snapshot" not in log.read_text() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1.0)
            killed = proc.poll() is None
            if killed:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        assert killed, f"dbt build ended before it could be killed:\n{log.read_text()[-2000:]}"
        rerun = subprocess.run(build, cwd=REPO, env=env, capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stdout[-2000:]
        current = case.spark.sql(
            "select count(*) - count(distinct customer_id) from ci_fault_snapshots.snp_ecommerce__customers "
            "where dbt_valid_to is null"
        ).collect()[0][0]
        assert current == 0, f"{current} duplicate current versions"
    finally:
        subprocess.run(
            [bin_path("dbt"), "run-operation", "drop_ci_schemas", "--target", "ci"],
            cwd=REPO,
            env=env,
            capture_output=True,
        )
    case.outcome = "killed during snapshots; re-run passed, one current version per key"

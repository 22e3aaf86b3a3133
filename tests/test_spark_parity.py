"""The same two days of data built on the local engine (Sail) and on Apache
Spark (pyspark's distribution with Delta Lake's jars; a Spark Connect driver
executing locally, `local[2]`), both on Delta: every gold table has the same
rows, and every snapshot the same versions (the tracked values of each closed
and current version). Day 2 comes with a bad day beside it (tests/bad_deliveries.py):
each engine builds every domain from the valid rows and ends "completed with
problems", with the same gold; and a clean day 3 after it ends clean on both.

Each engine gets its own lake in a temporary folder, started and stopped by the
project's own commands. The results, not the cluster, are under test: a
standalone cluster (master, worker, executor) took day 1 at this scale in
360 s against 275 s, and the ingest corpus test starts one. Columns that
record when or in which run a row was loaded or a version written (``*_at``,
``_*``, batch ids, ``dbt_*``, the value of a metric measured from the loads'
clock) differ between any two runs and are left out; a snapshot row keeps
whether it is the current version. Floating-point values are compared to 9
significant digits, since the two engines may sum in different orders.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from dataclasses import replace

import pytest

from bad_deliveries import TAG, check_bad_day, land_bad_day
from conftest import SCALE, free_port, make_settings, run
from lakehouse import engine
from lakehouse.cli import EXIT_WITH_PROBLEMS
from lakehouse.settings import delta_jars_present

RUN_DEPENDENT = {"batch_id", "source_batch_key", "processing_latency_minutes"}
# metrics measured from the loads' and builds' own clock (how long each
# source's last load lags the newest, how long after landing a layer got the
# rows): their values depend on how fast each engine ran
RUN_TIME_METRICS = ["hours_behind_newest_source", "processing_latency_minutes"]


def lake_env(settings) -> dict[str, str]:
    return {
        **settings.env(),
        "DBT_TARGET": settings.default_target,
        "DBT_TARGET_PATH": str(settings.lake_root / "dbt_target"),
        "DBT_LOG_PATH": str(settings.lake_root / "dbt_logs"),
    }


# a whole build on Apache Spark takes over ten minutes on a busy 2-core machine
SPARK_COMMAND_TIMEOUT = 2400
BAD_DAY: dict[str, tuple] = {}  # engine -> (day 2's run, what its bad files must come to)


def lakehouse(settings, *args: str):
    return run(
        [sys.executable, "-m", "lakehouse", *args, "--keep-engine", "--no-docs"],
        env=lake_env(settings),
        check=False,
        timeout=SPARK_COMMAND_TIMEOUT,
    )


def build_two_days(settings) -> None:
    """Day 1, then day 2 with a bad day beside it (tests/bad_deliveries.py),
    without the docs site (other tests read it)."""
    first = lakehouse(settings, "run", "--scale", str(SCALE))
    assert first.returncode == 0 and "ERROR=0" in first.stdout, first.stdout[-3000:] + first.stderr[-3000:]
    expected = land_bad_day(settings.landing)
    second = lakehouse(settings, "next-day")
    assert second.returncode == EXIT_WITH_PROBLEMS, second.stdout[-3000:] + second.stderr[-3000:]
    assert "ERROR=0" in second.stdout and "docs      : not generated" in second.stdout, second.stdout[-3000:]
    assert not (settings.lake_root / "dbt_target" / "catalog.json").exists()
    BAD_DAY[settings.engine] = (second, expected)


@pytest.fixture(scope="module")
def lakes(tmp_path_factory):
    assert delta_jars_present(), (
        "Delta Lake's jars are not in pyspark's jars/: run `make setup` with Maven Central reachable"
    )
    root = tmp_path_factory.mktemp("parity")
    sail = make_settings(root / "sail")
    spark = replace(
        make_settings(root / "spark"),
        engine="spark",
        table_format="delta",
        spark_master="local[2]",
        spark_master_port=free_port(),
        spark_connect_port=free_port(),
    )
    try:
        for settings in (sail, spark):
            build_two_days(settings)
        yield sail, spark
    finally:
        for settings in (sail, spark):
            run([sys.executable, "-m", "lakehouse", "down"], env=lake_env(settings), check=False)


def built_tables(settings, resource_type: str, schema: str) -> list[str]:
    manifest = json.loads((settings.lake_root / "dbt_target" / "manifest.json").read_text())
    return sorted(
        f"{n['schema']}.{n['alias']}"
        for n in manifest["nodes"].values()
        if n["resource_type"] == resource_type and n["schema"] == schema and n["config"]["enabled"]
    )


def canonical_rows(session, table: str) -> tuple[list[str], Counter]:
    from pyspark.sql import functions as F

    df = session.table(table)
    if "dbt_valid_to" in df.columns:
        df = df.withColumn("is_current_version", F.col("dbt_valid_to").isNull())
    if {"metric", "metric_value"} <= set(df.columns):
        run_time = F.col("metric").isin(RUN_TIME_METRICS)
        df = df.withColumn("metric_value", F.when(~run_time, F.col("metric_value")))
    kept = sorted(c for c in df.columns if not (c.startswith(("_", "dbt_")) or c.endswith("_at") or c in RUN_DEPENDENT))

    def value(v):
        if isinstance(v, float):
            return None if math.isnan(v) else float(f"{v:.9g}")
        return v

    rows = Counter(tuple(value(v) for v in row) for row in df.select(*kept).collect())
    return kept, rows


def test_both_engines_build_the_whole_project_on_delta(lakes):
    from pyspark.sql import SparkSession

    sail, spark = lakes
    for settings in lakes:
        assert engine.is_running(settings), engine.status(settings)
    # the other lake really is Apache Spark (its Spark Connect driver, no
    # master or worker in local[2]), and writes Delta
    assert {s.name for s in engine.services(spark)} == {"metastore", "spark-connect"}
    assert any(spark.warehouse.glob("gold.db/*/_delta_log")), list(spark.warehouse.iterdir())
    assert any(sail.warehouse.glob("gold/*/g*/_delta_log"))
    manifest = json.loads((spark.lake_root / "dbt_target" / "manifest.json").read_text())
    assert manifest["nodes"]["model.lakehouse.stg_retail__transactions"]["config"]["materialized"] == "incremental"
    session = SparkSession.builder.remote(spark.spark_remote).create()
    try:
        bronze = session.sql("describe extended bronze.retail_transactions").collect()
        # day 2's rows were merged in: both days' files in the incremental model
        files = session.sql("select count(distinct _source_file) from silver.stg_retail__transactions").collect()
    finally:
        session.stop()
    assert [r[1] for r in bronze if r[0] == "Provider"] == ["delta"]
    assert files[0][0] == 2


def compare(lakes, tables: list[str]) -> list[str]:
    from pyspark.sql import SparkSession

    sessions = [SparkSession.builder.remote(s.spark_remote).create() for s in lakes]
    try:
        differences = []
        for table in tables:
            (cols_a, rows_a), (cols_b, rows_b) = (canonical_rows(s, table) for s in sessions)
            assert cols_a == cols_b, table
            assert sum(rows_a.values()) > 0, f"{table} is empty"
            if rows_a != rows_b:
                only_a, only_b = rows_a - rows_b, rows_b - rows_a
                differences.append(
                    f"{table}: {sum(only_a.values())} rows only on Sail, e.g. {list(only_a)[:2]}; "
                    f"{sum(only_b.values())} only on Spark, e.g. {list(only_b)[:2]}"
                )
        return differences
    finally:
        for session in sessions:
            session.stop()


def test_every_gold_table_has_the_same_rows_on_sail_and_on_spark(lakes):
    sail, spark = lakes
    tables = built_tables(sail, "model", "gold")
    assert tables == built_tables(spark, "model", "gold")
    assert len(tables) >= 25
    differences = compare(lakes, tables)
    assert not differences, "\n".join(differences)


def test_every_snapshot_has_the_same_versions_on_sail_and_on_spark(lakes):
    """After day 2: the same closed and current versions per key, with the same tracked values."""
    sail, spark = lakes
    snapshots = built_tables(sail, "snapshot", "snapshots")
    assert snapshots == built_tables(spark, "snapshot", "snapshots")
    assert len(snapshots) == 11
    differences = compare(lakes, snapshots)
    assert not differences, "\n".join(differences)


def test_a_bad_day_builds_the_valid_rows_and_ends_with_problems_on_both_engines(lakes):
    """Day 2 came with a rejected file and rows breaking each kind of rule in
    every domain: each engine built every domain's gold from the valid rows,
    counted and quarantined the bad ones, and ended "completed with problems"
    (the gold tables compared above are those of this day)."""
    from pyspark.sql import SparkSession

    for settings in lakes:
        result, expected = BAD_DAY[settings.engine]
        assert "no alert destination configured" in result.stdout
        alert = json.loads(max((settings.lake_root / "alerts").glob("*.json")).read_text())
        session = SparkSession.builder.remote(settings.spark_remote).create()
        try:
            check_bad_day(result.stdout, expected, session, alert)
        finally:
            session.stop()


def test_a_clean_day_after_the_bad_one_builds_normally_on_both_engines(lakes):
    """Nobody touches the landing zone: the rejected files are held, not
    read again, and the next day's run ends clean."""
    for settings in lakes:
        result = lakehouse(settings, "next-day")
        assert result.returncode == 0, (settings.engine, result.stdout[-3000:], result.stderr[-3000:])
        held = [line for line in result.stdout.splitlines() if TAG in line and " held " in line]
        assert len(held) == 5, (settings.engine, result.stdout[-3000:])


def test_spark_stops_from_the_project_command(lakes):
    _, spark = lakes
    run([sys.executable, "-m", "lakehouse", "down"], env=lake_env(spark))
    assert not any(s.listening() or s.pid() for s in engine.services(spark))

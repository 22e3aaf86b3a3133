"""The same day-1 data built on the local engine (Sail, Delta) and on a real
Apache Spark standalone cluster (pyspark's distribution, parquet) gives the
same rows in every gold table.

Each engine gets its own lake in a temporary folder, started and stopped by the
project's own commands. Columns that record when or in which run a row was
loaded (``*_at``, ``_*``, batch ids) differ between any two runs and are left
out; floating-point values are compared to 9 significant digits, since the two
engines may sum in different orders.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from dataclasses import replace

import pytest

from conftest import SCALE, free_port, make_settings, run
from lakehouse import engine

RUN_DEPENDENT = {"batch_id", "source_batch_key"}


def lake_env(settings) -> dict[str, str]:
    return {
        **settings.env(),
        "DBT_TARGET": settings.default_target,
        "DBT_TARGET_PATH": str(settings.lake_root / "dbt_target"),
        "DBT_LOG_PATH": str(settings.lake_root / "dbt_logs"),
    }


def build_day_one(settings) -> None:
    result = run(
        [sys.executable, "-m", "lakehouse", "run", "--scale", str(SCALE), "--keep-engine"], env=lake_env(settings)
    )
    assert "ERROR=0" in result.stdout, result.stdout[-3000:]


@pytest.fixture(scope="module")
def lakes(tmp_path_factory):
    root = tmp_path_factory.mktemp("parity")
    sail = make_settings(root / "sail")
    spark = replace(
        make_settings(root / "spark"),
        engine="spark",
        table_format="parquet",
        spark_master_port=free_port(),
        spark_connect_port=free_port(),
    )
    try:
        for settings in (sail, spark):
            build_day_one(settings)
        yield sail, spark
    finally:
        for settings in (sail, spark):
            run([sys.executable, "-m", "lakehouse", "down"], env=lake_env(settings), check=False)


def gold_tables(settings) -> list[str]:
    manifest = json.loads((settings.lake_root / "dbt_target" / "manifest.json").read_text())
    return sorted(
        f"{n['schema']}.{n['alias']}"
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["schema"] == "gold" and n["config"]["enabled"]
    )


def canonical_rows(session, table: str) -> tuple[list[str], Counter]:
    df = session.table(table)
    kept = sorted(c for c in df.columns if not (c.startswith("_") or c.endswith("_at") or c in RUN_DEPENDENT))

    def value(v):
        if isinstance(v, float):
            return None if math.isnan(v) else float(f"{v:.9g}")
        return v

    rows = Counter(tuple(value(v) for v in row) for row in df.select(*kept).collect())
    return kept, rows


def test_both_engines_build_the_whole_project(lakes):
    sail, spark = lakes
    for settings in lakes:
        assert engine.is_running(settings), engine.status(settings)
    # the cluster really is Apache Spark, and writes parquet
    assert {s.name for s in engine.services(spark)} >= {"spark-master", "spark-worker", "spark-connect"}
    assert any(spark.warehouse.glob("gold.db/*/*.parquet")), list(spark.warehouse.iterdir())
    assert any(sail.warehouse.glob("gold/*/g*/_delta_log"))


def test_on_parquet_incrementals_are_tables_and_snapshots_are_off(lakes):
    """The documented alternative where the table format has no MERGE."""
    from pyspark.sql import SparkSession

    sail, spark = (json.loads((s.lake_root / "dbt_target" / "manifest.json").read_text()) for s in lakes)
    node = "model.lakehouse.stg_retail__transactions"
    assert sail["nodes"][node]["config"]["materialized"] == "incremental"
    assert spark["nodes"][node]["config"]["materialized"] == "table"
    assert sum(v["resource_type"] == "snapshot" for v in sail["nodes"].values()) == 9
    assert not any(v["resource_type"] == "snapshot" for v in spark["nodes"].values())
    assert "snapshot.lakehouse.snp_retail__customers" in spark["disabled"]
    session = SparkSession.builder.remote(lakes[1].spark_remote).create()
    try:
        rows = session.sql("describe extended silver.stg_retail__transactions").collect()
    finally:
        session.stop()
    assert [r[1] for r in rows if r[0] == "Provider"] == ["parquet"]


def test_every_gold_table_has_the_same_rows_on_sail_and_on_spark(lakes):
    from pyspark.sql import SparkSession

    sail, spark = lakes
    tables = gold_tables(sail)
    assert tables == gold_tables(spark)
    assert len(tables) >= 25
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
        assert not differences, "\n".join(differences)
    finally:
        for session in sessions:
            session.stop()


def test_the_cluster_stops_from_the_project_command(lakes):
    _, spark = lakes
    run([sys.executable, "-m", "lakehouse", "down"], env=lake_env(spark))
    assert not any(s.listening() or s.pid() for s in engine.services(spark))

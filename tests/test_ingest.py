"""The ingest job: per-file accounting, idempotency, trigger gating, clear
errors for files it cannot load, and recovery of an interrupted load."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import REPO, run
from ingest import config as ingest_config
from ingest.bronze import micros, now
from ingest.load import Loader
from sample_data import generate_day


def isolated_config(schema: str) -> ingest_config.IngestConfig:
    """The project's sources, writing to a bronze schema of the test's own
    (the session's `bronze` belongs to the end-to-end pipeline tests)."""
    return ingest_config.with_bronze_schema(ingest_config.load(lake_root=os.environ["LAKE_ROOT"]), schema)


def rows_by_file(spark, table: str) -> dict[str, int]:
    return {r[0]: r[1] for r in spark.sql(f"select _source_file, count(*) from {table} group by 1").collect()}


def test_every_row_read_is_loaded_or_quarantined(spark, tmp_path):
    landing = tmp_path / "landing"
    counts = generate_day(landing, 1, scale=0.05)
    conf = isolated_config("t_accounting")
    loader = Loader(spark, conf, landing)
    report = loader.run(list(conf.sources.values()))
    assert not report.rejected
    # each file's snapshot and checked rows went through this run's staging folder, removed at the end
    assert loader.staging.shared and loader.staging.path.name == report.run_id
    assert not loader.staging.path.exists()
    loaded = {r.file: r for r in report.results if r.status == "loaded"}
    assert len(loaded) == len(counts) == 19
    quarantine = f"t_accounting.{conf.quarantine_table}"
    quarantined = {
        r[0]: r[1] for r in spark.sql(f"select _source_file, count(*) from {quarantine} group by 1").collect()
    }
    for path, delivered in counts.items():
        rel = str(Path(path).relative_to(landing))
        result = loaded[rel]
        assert result.rows_read == delivered, rel  # every data line or record was read
        assert result.rows_read == result.rows_loaded + result.rows_quarantined, rel
        assert rows_by_file(spark, f"t_accounting.{result.source}").get(rel, 0) == result.rows_loaded, rel
        assert quarantined.get(rel, 0) == result.rows_quarantined, rel
    # bad rows of several kinds were caught, each with its reason
    reasons = [r[0] for r in spark.sql(f"select reason from {quarantine}").collect()]
    assert any("fields, found" in r for r in reasons)  # a CSV line with the wrong number of fields
    assert any("not valid JSON" in r for r in reasons)
    assert any("required value is missing" in r for r in reasons)
    assert any("cannot read" in r for r in reasons)
    log = spark.sql(f"select status, count(*) from t_accounting.{conf.file_log_table} group by 1").collect()
    # every file's outcome is logged, the trigger file's too
    assert dict((r[0], r[1]) for r in log) == {"started": 19, "loaded": 19, "trigger": 1}


def test_rerun_and_redelivery_load_nothing_twice(spark, tmp_path):
    landing = tmp_path / "landing"
    generate_day(landing, 1, scale=0.05, domains=["retail", "cx"])
    conf = isolated_config("t_idempotent")
    sources = conf.select(domains=["retail", "cx"])
    Loader(spark, conf, landing).run(sources)
    before = spark.sql("select count(*) from t_idempotent.retail_transactions").collect()[0][0]

    again = Loader(spark, conf, landing).run(sources)
    assert {r.status for r in again.results if r.source != "-"} == {"skipped"}

    original = landing / "retail/transactions/transactions_2025_01_15.parquet"
    shutil.copy(original, original.with_name("transactions_2025_01_15_resent.parquet"))
    resent = Loader(spark, conf, landing).run(conf.select(["retail_transactions"]))
    assert [r.status for r in resent.results if r.source != "-"] == ["skipped", "skipped"]
    assert "same content as retail/transactions/transactions_2025_01_15.parquet" in resent.results[-1].message
    assert spark.sql("select count(*) from t_idempotent.retail_transactions").collect()[0][0] == before


def test_ecommerce_waits_for_its_trigger(spark, tmp_path):
    landing = tmp_path / "landing"
    generate_day(landing, 1, scale=0.05, domains=["ecommerce"])
    trigger = landing / "ecommerce/_triggers/trigger_2025_01_15.json"
    held = trigger.read_text()
    trigger.unlink()
    conf = isolated_config("t_trigger")
    sources = conf.select(domains=["ecommerce"])
    first = Loader(spark, conf, landing).run(sources)
    assert {r.status for r in first.results if r.source != "-"} == {"waiting"}
    assert spark.sql("select count(*) from t_trigger.ecommerce_orders").collect()[0][0] == 0

    trigger.write_text(held)
    second = Loader(spark, conf, landing).run(sources)
    assert {r.status for r in second.results if r.source not in ("-", "trigger")} == {"loaded"}
    batches = spark.sql("select distinct _batch_id from t_trigger.ecommerce_orders").collect()
    assert [r[0] for r in batches] == [json.loads(held)["batch_id"]]


def test_part_files_load_under_their_trigger(spark, tmp_path, monkeypatch):
    from sample_data import common

    monkeypatch.setattr(common, "PART_ROWS", 1_000)
    landing = tmp_path / "landing"
    counts = generate_day(landing, 1, scale=0.05, domains=["ecommerce"])
    conf = isolated_config("t_parts")
    report = Loader(spark, conf, landing).run(conf.select(domains=["ecommerce"]))
    orders = sorted(r.file for r in report.results if r.source == "ecommerce_orders" and r.status == "loaded")
    assert [Path(f).name for f in orders] == [
        "orders_2025_01_15.csv",
        "orders_2025_01_15_part001.csv",
        "orders_2025_01_15_part002.csv",
    ]
    assert sum(r.rows_read for r in report.results if r.source == "ecommerce_orders") == sum(
        n for f, n in counts.items() if "/orders/" in f
    )
    batches = spark.sql("select distinct _batch_id from t_parts.ecommerce_orders").collect()
    assert [r[0] for r in batches] == ["ecommerce_2025_01_15"]


def test_bad_files_are_rejected_with_a_reason_and_the_rest_loads(spark, tmp_path, lake):
    landing = tmp_path / "landing"
    generate_day(landing, 1, scale=0.05, domains=["contact_center", "media"])
    agents = landing / "contact_center/agents/agents_2025_01_15.csv"
    agents.write_text(agents.read_text().replace("agent_id,name,team,hire_date", "id;name;team;hired", 1))
    (landing / "media/geo/geo_2025_01_15.parquet").write_bytes(b"PAR1 this is not parquet")
    conf = isolated_config("t_rejects")
    report = Loader(spark, conf, landing).run(conf.select(domains=["contact_center", "media"]))
    rejected = {Path(r.file).name: r.message for r in report.rejected}
    assert set(rejected) == {"agents_2025_01_15.csv", "geo_2025_01_15.parquet"}
    assert "columns do not match the source: required agent_id missing" in rejected["agents_2025_01_15.csv"]
    assert "unreadable parquet file" in rejected["geo_2025_01_15.parquet"]
    assert spark.sql("select count(*) from t_rejects.contact_center_interactions").collect()[0][0] > 0
    assert spark.sql("select count(*) from t_rejects.contact_center_agents").collect()[0][0] == 0


def test_cli_exit_codes(lake, tmp_path):
    unknown = run([sys.executable, "-m", "ingest", "load", "--source", "nope", "--bronze-schema", "t_cli"], check=False)
    assert unknown.returncode == 2 and "unknown source(s) nope" in unknown.stderr
    injected = run([sys.executable, "-m", "ingest", "load", "--bronze-schema", "x; drop table y"], check=False)
    assert injected.returncode == 2 and "not a lowercase identifier" in injected.stderr
    landing = tmp_path / "landing"
    generate_day(landing, 1, scale=0.05, domains=["contact_center"])
    sup = landing / "contact_center/supervisors/supervisors_2025_01_15.csv"
    sup.write_text("wrong,header\n1,2\n")
    bad = run(
        [
            sys.executable,
            "-m",
            "ingest",
            "load",
            "--landing",
            str(landing),
            "--domain",
            "contact_center",
            "--bronze-schema",
            "t_cli",
        ],
        env={"LAKE_ROOT": str(lake.lake_root)},
        check=False,
    )
    assert bad.returncode == 1
    assert "rejected" in bad.stdout and "some files were rejected" in bad.stderr


def test_an_interrupted_load_is_cleaned_up_on_rerun(spark, tmp_path):
    landing = tmp_path / "landing"
    generate_day(landing, 1, scale=0.05, domains=["retail"])
    conf = isolated_config("t_crash")
    sources = conf.select(["retail_products"])
    loader = Loader(spark, conf, landing)
    loader.bronze.ensure(sources)
    # what a crash after the bronze write, before the 'loaded' entry, leaves behind:
    # a `started` entry and rows stamped with that load's time
    rel = "retail/products/products_2025_01_15.parquet"
    stamp = now()
    loader.bronze.log(
        dict(
            run_id="crashed-run",
            batch_id="crashed-run",
            source_name="retail_products",
            file_path=rel,
            status="started",
            logged_at=stamp,
        )
    )
    spark.sql(
        "insert into t_crash.retail_products select 999, 'partial', 'x', 'y', 1.0, 1, true, "
        f"timestamp_micros({micros(stamp)}), '{rel}', 'crashed-run', null"
    )
    report = Loader(spark, conf, landing).run(sources)
    assert [r.status for r in report.results if r.source != "-"] == ["loaded"]
    total = spark.sql("select count(*), count(distinct product_id) from t_crash.retail_products").collect()[0]
    assert total[0] == total[1] == report.having("loaded")[0].rows_loaded
    assert spark.sql("select count(*) from t_crash.retail_products where product_id = 999").collect()[0][0] == 0


@pytest.mark.parametrize("bad_path", ["../outside/*.csv", "/etc/*.csv"])
def test_source_paths_must_stay_under_the_landing_root(tmp_path, bad_path):
    cfg = (REPO / "ingest/sources.yml").read_text().replace("ecommerce/orders/orders_*.csv", bad_path)
    path = tmp_path / "sources.yml"
    path.write_text(cfg)
    with pytest.raises(ingest_config.ConfigError, match="relative to the landing root"):
        ingest_config.load(path)


def test_archive_moves_what_is_in_bronze_and_keeps_the_rest(spark, tmp_path, lake):
    """`ingest load --archive DIR`: files whose content is in bronze move to
    DIR; a trigger's files move with it only once all are in; rejected files
    stay; a re-delivered archived file is skipped and archived again, never
    loaded twice."""
    landing, archive = tmp_path / "landing", tmp_path / "archive"
    generate_day(landing, 1, scale=0.05, domains=["ecommerce", "contact_center"])
    shipping = landing / "ecommerce/shipping/shipping_2025_01_15.csv"
    late = tmp_path / "late.csv"
    shutil.move(shipping, late)  # listed by the trigger, not arrived yet
    agents = landing / "contact_center/agents/agents_2025_01_15.csv"
    agents.write_text(agents.read_text().replace("agent_id,", "id;", 1))  # rejected

    def load() -> str:
        cmd = [sys.executable, "-m", "ingest", "load", "--landing", str(landing), "--archive", str(archive)]
        cmd += ["--domain", "ecommerce", "--domain", "contact_center", "--bronze-schema", "t_archive"]
        return run(cmd, check=False).stdout

    def under(folder: Path) -> set[str]:
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}

    out = load()
    assert "archived 2 file(s)" in out, out
    assert under(archive) == {
        "contact_center/interactions/interactions_2025_01_15.csv",
        "contact_center/supervisors/supervisors_2025_01_15.csv",
    }
    # the rejected file stays; so does the whole e-commerce batch, loaded files included
    assert "contact_center/agents/agents_2025_01_15.csv" in under(landing)
    assert {f for f in under(landing) if f.startswith("ecommerce/")} == {
        "ecommerce/_triggers/trigger_2025_01_15.json",
        *(f"ecommerce/{t}/{t}_2025_01_15.csv" for t in ("customers", "products", "orders", "inventory")),
    }
    orders = spark.sql("select count(*) from t_archive.ecommerce_orders").collect()[0][0]
    assert orders > 0

    shutil.move(late, shipping)
    out = load()
    assert "archived 6 file(s)" in out, out  # the batch: five files and its trigger
    assert not {f for f in under(landing) if f.startswith("ecommerce/")}
    assert spark.sql("select count(*) from t_archive.ecommerce_orders").collect()[0][0] == orders  # not twice

    # a re-delivered e-commerce file waits for a trigger, and stays; one that
    # needs none is skipped (its content is in bronze) and archived again
    interactions = "contact_center/interactions/interactions_2025_01_15.csv"
    count = "select count(*) from t_archive.contact_center_interactions"
    before = spark.sql(count).collect()[0][0]
    (landing / interactions).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(archive / interactions, landing / interactions)
    out = load()
    assert "skipped" in out and "archived 1 file(s)" in out, out
    assert spark.sql(count).collect()[0][0] == before
    beside = [f for f in under(archive) if f.startswith(f"{interactions}.run_")]
    assert len(beside) == 1 and interactions not in under(landing)  # beside the first copy, with the run id
    inside = run(
        [sys.executable, "-m", "ingest", "load", "--landing", str(landing), "--archive", str(landing / "done")],
        check=False,
    )
    assert inside.returncode == 2 and "must be outside the landing folder" in inside.stderr

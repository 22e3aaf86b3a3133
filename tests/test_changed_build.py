"""The daily build (`lakehouse/changed.py`): after a build that succeeded,
`python -m lakehouse build` (and `run`, `next-day`) builds only what new data
or changed code reaches, and leaves every table as a build of every node
would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import RUN_STAMPS, SCALE, copy_checkout, make_settings, run
from lakehouse import changed, engine, pipeline
from lakehouse.pipeline import child_env
from sample_data import generate_day

LAKE = [sys.executable, "-m", "lakehouse"]


# --- the selection, without an engine ---------------------------------------


def _artifacts(folder: Path, sources: dict[str, str | None]) -> None:
    """A manifest with these sources and a sources.json with their newest
    stamps (None: the freshness query failed)."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"sources": {uid: {"source_name": uid.split(".")[2], "name": uid.split(".")[3]} for uid in sources}}
    results = [
        {"unique_id": uid, "status": "pass", "max_loaded_at": stamp}
        if stamp
        else {"unique_id": uid, "status": "runtime error"}
        for uid, stamp in sources.items()
    ]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "sources.json").write_text(json.dumps({"results": results}))


ENV = {"DBT_TARGET": "local", "LAKE_TABLE_FORMAT": "delta"}
SOURCES = {"source.lakehouse.shop.orders": "2026-01-02T00:00:00", "source.lakehouse.shop.customers": "2026-01-01"}


@pytest.mark.fast
def test_without_a_state_every_node_is_built(tmp_path):
    _artifacts(tmp_path / "target", SOURCES)
    select, why = changed.selection(tmp_path / "state", tmp_path / "target", changed.fingerprint(ENV))
    assert select == [] and "no earlier successful build" in why


@pytest.mark.fast
def test_a_kept_state_selects_what_changed_against_it(tmp_path):
    state, current = tmp_path / "state", tmp_path / "target"
    _artifacts(current, SOURCES)
    changed.keep(state, current, changed.fingerprint(ENV))
    assert sorted(p.name for p in state.iterdir()) == ["fingerprint.json", "manifest.json", "sources.json"]
    select, _ = changed.selection(state, current, changed.fingerprint(ENV))
    assert select == ["--select", "source_status:fresher+", "state:modified+", "--state", str(state)]


@pytest.mark.fast
def test_sources_freshness_cannot_vouch_for_are_always_built(tmp_path):
    """A source without a freshness check, or whose check failed, gives dbt no
    stamp to compare (its `fresher` selector then leaves it out): the daily
    build selects it and everything downstream."""
    state, current = tmp_path / "state", tmp_path / "target"
    _artifacts(current, {**SOURCES, "source.lakehouse.shop.returns": None})
    changed.keep(state, current, changed.fingerprint(ENV))
    manifest = json.loads((current / "manifest.json").read_text())
    manifest["sources"]["source.lakehouse.ingest.quarantine"] = {"source_name": "ingest", "name": "quarantine"}
    (current / "manifest.json").write_text(json.dumps(manifest))
    select, _ = changed.selection(state, current, changed.fingerprint(ENV))
    assert select[1:-2] == [
        "source_status:fresher+",
        "state:modified+",
        "source:ingest.quarantine+",
        "source:shop.returns+",
    ]


@pytest.mark.fast
def test_what_dbt_does_not_compare_forces_a_build_of_every_node(tmp_path, monkeypatch):
    """dbt_project.yml (its vars), a macro (a materialization is no recorded
    dependency of a node), another target or dbt version: every node."""
    root = tmp_path / "project"
    (root / "macros" / "engine").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("vars: {a: 1}\n")
    macro = root / "macros" / "engine" / "m.sql"
    macro.write_text("{% macro m() %}1{% endmacro %}")
    base = changed.fingerprint(ENV, root)
    assert changed.fingerprint(ENV, root) == base
    macro.write_text("{% macro m() %}2{% endmacro %}")
    assert changed.fingerprint(ENV, root) != base
    macro.write_text("{% macro m() %}1{% endmacro %}")
    (root / "dbt_project.yml").write_text("vars: {a: 2}\n")
    assert changed.fingerprint(ENV, root) != base
    (root / "dbt_project.yml").write_text("vars: {a: 1}\n")
    assert changed.fingerprint({**ENV, "DBT_TARGET": "ci"}, root) != base
    monkeypatch.setattr(changed.metadata, "version", lambda package: "0.0.1")
    assert changed.fingerprint(ENV, root) != base

    state, current = tmp_path / "state", tmp_path / "target"
    _artifacts(current, SOURCES)
    changed.keep(state, current, changed.fingerprint(ENV))
    (state / "fingerprint.json").write_text(json.dumps({**base, "project": "another"}))
    select, why = changed.selection(state, current, changed.fingerprint(ENV))
    assert select == [] and "changed since the last build" in why


@pytest.mark.fast
def test_a_failed_build_leaves_the_state_where_it_was(tmp_path, monkeypatch):
    """The next build then repeats everything since the last good one."""
    settings = make_settings(tmp_path / "lake")
    env = {**child_env(settings), "DBT_TARGET_PATH": str(tmp_path / "target")}
    monkeypatch.setattr(pipeline, "child_env", lambda *_: env)
    monkeypatch.setenv("DBT_TARGET_PATH", env["DBT_TARGET_PATH"])
    _artifacts(tmp_path / "target", SOURCES)
    state = changed.state_dir(settings, env["DBT_TARGET"])
    changed.keep(state, tmp_path / "target", changed.fingerprint(env))
    kept = {p.name: p.read_bytes() for p in state.iterdir()}
    _artifacts(tmp_path / "target", {**SOURCES, "source.lakehouse.shop.orders": "2026-01-03T00:00:00"})

    def failing(label, cmd, env):
        if "build" in cmd:
            raise pipeline.StepFailed("dbt build failed (exit 1)")
        return 0.0

    monkeypatch.setattr(pipeline, "run_step", failing)
    with pytest.raises(pipeline.StepFailed):
        pipeline.dbt_build(settings, None)
    assert {p.name: p.read_bytes() for p in state.iterdir()} == kept


# --- on the engine ------------------------------------------------------------


@pytest.fixture(scope="module")
def daily(tmp_path_factory):
    """A lake of its own, day 1 built by the daily build (every node: no state)."""
    settings = make_settings(tmp_path_factory.mktemp("daily"))
    env = {
        **child_env(settings),
        "DBT_TARGET_PATH": str(settings.lake_root / "dbt_target"),
        "DBT_LOG_PATH": str(settings.lake_root / "dbt_logs"),
    }
    engine.start(settings)
    try:
        generate_day(settings.landing, 1, scale=SCALE)
        run([sys.executable, "-m", "ingest", "load"], env=env)
        out = run([*LAKE, "build", "--keep-engine"], env=env).stdout
        assert "dbt build of every node: no earlier successful build" in out
        yield settings, env
    finally:
        engine.stop(settings)


def _built(env: dict[str, str]) -> set[str]:
    results = json.loads((Path(env["DBT_TARGET_PATH"]) / "run_results.json").read_text())["results"]
    assert all(r["status"] in ("success", "pass", "warn", "no-op") for r in results), results
    return {r["unique_id"].split(".")[2] for r in results if r["unique_id"].split(".")[0] in ("model", "snapshot")}


def _daily_build(settings, env) -> set[str]:
    run([sys.executable, "-m", "ingest", "load"], env=env)
    out = run([*LAKE, "build", "--keep-engine"], env=env).stdout
    assert "dbt build of what changed: source_status:fresher+ state:modified+" in out
    return _built(env)


# Figures that measure the build itself (minutes from landing to the build
# that last rebuilt the table): another build, another figure.
BUILD_TIME = {
    "gold.rpt_cx__data_quality_monitoring": "layer <> 'gold'",
    "gold.rpt_platform__data_quality_alerts": "metric <> 'processing_latency_minutes'",
}


def _checksums(settings, tables: list[str] | None = None, leave_out: tuple[str, ...] = ()) -> dict[str, tuple]:
    """Row count and an order-free checksum of `tables` (default: every table
    dbt builds; the audit schema, a log of every run, left out; and the
    BUILD_TIME rows), without the columns in `leave_out`."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.remote(settings.spark_remote).create()
    try:
        if tables is None:
            tables = [
                f"{schema}.{row['tableName']}"
                for schema in ("silver", "gold", "snapshots", "reference")
                for row in spark.sql(f"show tables in {schema}").collect()
            ]
        sums = {}
        for table in tables:
            fields = spark.table(table).schema.fields
            columns = ", ".join(f"`{f.name}`" for f in fields if f.name not in leave_out)
            rows = BUILD_TIME.get(table, "true")
            checksum = f"sum(case when {rows} then cast(xxhash64({columns}) as decimal(38, 0)) end)"
            sums[table] = tuple(spark.sql(f"select count(*), {checksum} from {table}").collect()[0])
        return sums
    finally:
        spark.stop()


def test_with_no_new_data_only_the_ingest_log_is_rebuilt(daily):
    """The ingest job logs every run, so its log is always new; nothing else is."""
    settings, env = daily
    built = _daily_build(settings, env)
    assert "stg_ingest__file_log" in built and "int_retail__data_quality_report" in built  # reads the quarantine
    assert not {m for m in built if m.startswith(("stg_ecommerce", "stg_media", "fct_", "snp_"))}, built


def test_a_day_of_one_domain_rebuilds_that_domain_and_leaves_tables_as_a_full_build_would(daily):
    settings, env = daily
    generate_day(settings.landing, 2, scale=SCALE, domains=["retail"])
    built = _daily_build(settings, env)
    assert {"stg_retail__transactions", "snp_retail__customers", "rpt_retail__category_analytics"} <= built
    assert not {m for m in built if m.startswith(("stg_ecommerce", "stg_media", "stg_contact_center", "stg_cx"))}
    assert "fct_media__delivery_sessions" not in built
    selective = _checksums(settings)
    out = run([*LAKE, "build", "--all", "--keep-engine"], env=env).stdout
    assert "dbt build of every node (--all)" in out
    assert len(_built(env)) > len(built)
    assert _checksums(settings) == selective


def test_a_changed_model_is_rebuilt_with_its_children(daily, tmp_path):
    """state:modified+: an edit to one model rebuilds it and what reads it.
    (In a copy of the checkout, so the repository's models stay as they are.)"""
    settings, env = daily
    checkout = copy_checkout(tmp_path / "checkout")
    model = checkout / "models" / "gold" / "media" / "rpt_media__device_analytics.sql"
    model.write_text(model.read_text() + "\n-- an analyst's edit\n")
    run([sys.executable, "-m", "ingest", "load"], env=env)
    out = subprocess.run(
        [*LAKE, "build", "--keep-engine"], cwd=checkout, env=env, capture_output=True, text=True, timeout=900
    )
    assert out.returncode == 0 and "state:modified+" in out.stdout, out.stdout[-4000:]
    built = _built(env)
    assert "rpt_media__device_analytics" in built and "fct_media__delivery_sessions" not in built


ORDER_TABLES = ["silver.int_ecommerce__orders_validated", "gold.fct_ecommerce__orders"]


def _order_tables(settings) -> dict:
    """The e-commerce order validation and fact: their checksums, the run stamps
    left out, the fact's non-USD orders and the share of orders the latest
    build validated."""
    from pyspark.sql import SparkSession

    sums = _checksums(settings, ORDER_TABLES, leave_out=RUN_STAMPS)
    spark = SparkSession.builder.remote(settings.spark_remote).create()
    try:
        sums["non-USD orders in the fact"] = spark.sql(
            "select count(*) from gold.fct_ecommerce__orders where revenue_exclusion_reason = 'not USD'"
        ).collect()[0][0]
        sums["orders validated by the latest build"] = spark.sql(
            "select count_if(_built_at = newest) / count(*) from silver.int_ecommerce__orders_validated"
            " cross join (select max(_built_at) as newest from silver.int_ecommerce__orders_validated)"
        ).collect()[0][0]
        return sums
    finally:
        spark.stop()


def test_a_changed_rules_seed_reaches_every_order_of_the_incremental_validation(daily, tmp_path):
    """The order validation and the orders fact are incremental by order, but
    a rule's severity applies to every order: with invalid_currency made HIGH
    in the seed, the daily build validates every order again (their
    fingerprint changed), and the fact drops the non-USD orders, which it
    held as MEDIUM, exactly as a full refresh does."""
    settings, env = daily
    assert _order_tables(settings)["non-USD orders in the fact"] > 0
    checkout = copy_checkout(tmp_path / "checkout")
    seed = checkout / "seeds" / "ecommerce" / "ecommerce_validation_rules.csv"
    rules = seed.read_text()
    assert "invalid_currency,orders,MEDIUM," in rules
    seed.write_text(rules.replace("invalid_currency,orders,MEDIUM,", "invalid_currency,orders,HIGH,"))

    def build(*args: str) -> None:
        out = subprocess.run([*LAKE, *args], cwd=checkout, env=env, capture_output=True, text=True, timeout=900)
        assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]

    build("build", "--keep-engine")
    assert {"int_ecommerce__orders_validated", "fct_ecommerce__orders"} <= _built(env)
    merged = _order_tables(settings)
    assert merged["orders validated by the latest build"] == 1
    assert merged["non-USD orders in the fact"] == 0
    build("dbt", "run", "--full-refresh", "--select", "int_ecommerce__orders_validated", "fct_ecommerce__orders")
    assert _order_tables(settings) == {**merged, "orders validated by the latest build": 1}

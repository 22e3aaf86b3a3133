"""Static checks of the dbt project: it lints clean and every target parses
without a connection (Databricks targets included, with no credentials set)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, run

pytestmark = pytest.mark.fast

BIN = Path(sys.executable).parent


def test_sql_lints_clean():
    result = run([str(BIN / "sqlfluff"), "lint", ".", "--nocolor"], check=False)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.parametrize(
    "target", ["local", "ci", "prod", "spark", "databricks_dev", "databricks_qa", "databricks_uat", "databricks_prod"]
)
def test_every_target_parses_offline(target, tmp_path):
    result = run(
        [
            str(BIN / "dbt"),
            "parse",
            "--target",
            target,
            "--profiles-dir",
            str(REPO),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--no-partial-parse",
        ],
        env={"DBT_TARGET": target},
    )
    assert "WARN" not in result.stdout, result.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert not repeated_tests(manifest), "each repeat is a node that every build runs for nothing"


def repeated_tests(manifest: dict) -> list[tuple]:
    """Generic tests that check the same thing on the same node as another."""
    seen, repeated = set(), []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        kwargs = {k: v for k, v in node["test_metadata"]["kwargs"].items() if k != "model"}
        check = (
            tuple(node["depends_on"]["nodes"]),
            node["test_metadata"]["name"],
            json.dumps(kwargs, sort_keys=True),
            node["config"].get("where"),
        )
        if check in seen:
            repeated.append(check)
        seen.add(check)
    return repeated


def test_pre_commit_hooks_pass_offline(tmp_path):
    """The git hooks run from the venv; sqlfluff is left to the lint test above."""
    result = run(
        [str(BIN / "pre-commit"), "run", "--all-files", "--show-diff-on-failure"],
        env={"PRE_COMMIT_HOME": str(tmp_path / "pre-commit"), "SKIP": "sqlfluff-lint"},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "check yaml" in result.stdout and "Passed" in result.stdout


def _dbt_sources() -> dict[str, list[str]]:
    """Bronze tables the dbt sources declare: identifier -> declared columns."""
    declared = {}
    for path in REPO.glob("models/**/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text()).get("sources", []):
            for table in source.get("tables", []):
                declared[table.get("identifier", table["name"])] = [c["name"] for c in table.get("columns") or []]
    return declared


def test_dbt_sources_and_ingest_sources_agree():
    """ingest/sources.yml (what the job lands) and the dbt sources (what the
    models read) name the same bronze tables, and every column a dbt source
    declares is one the ingest job writes."""
    from ingest import config as ingest_config
    from ingest.bronze import FILE_LOG_SCHEMA, LINEAGE_COLUMNS, QUARANTINE_COLUMNS

    conf = ingest_config.load()
    landed = {source.table: [*source.columns, *LINEAGE_COLUMNS] for source in conf.sources.values()}
    landed[conf.file_log_table] = FILE_LOG_SCHEMA.fieldNames()
    landed[conf.quarantine_table] = list(QUARANTINE_COLUMNS)
    declared = _dbt_sources()
    assert sorted(declared) == sorted(landed)
    for table, columns in declared.items():
        assert set(columns) <= set(landed[table]), (
            f"{table}: {sorted(set(columns) - set(landed[table]))} are not landed"
        )


def test_every_macro_is_documented():
    """Each macro of the project has a description in its folder's YAML."""
    documented = {
        macro["name"]
        for path in REPO.glob("macros/**/*.yml")
        for macro in (yaml.safe_load(path.read_text()) or {}).get("macros", [])
        if macro.get("description")
    }
    defined = {
        name: path.relative_to(REPO)
        for path in REPO.glob("macros/**/*.sql")
        for name in re.findall(r"\{%-? macro (\w+)\(", path.read_text())
    }
    assert not {name: str(path) for name, path in defined.items() if name not in documented}


def test_engine_notes_are_numbered_in_order_and_cite_files_that_exist():
    text = (REPO / "docs" / "engine-notes.md").read_text()
    numbers = [int(n) for n in re.findall(r"^\| (\d+) \|", text, flags=re.M)]
    assert numbers == list(range(1, len(numbers) + 1))
    cited = set(re.findall(r"`([\w./-]+\.(?:py|sql|yml|md|sh))`", text))
    tracked = {path.name for path in REPO.rglob("*") if ".venv" not in path.parts}
    missing = [f for f in cited if not ((REPO / f).exists() if "/" in f else f in tracked)]
    assert not missing


def test_on_parquet_incrementals_are_tables_and_snapshots_are_off(tmp_path):
    """The Spark lane without Delta's jars (Maven Central out of reach) writes
    parquet, which has no MERGE: incremental models build as tables and the
    snapshots are switched off; gold reads no snapshot, so gold is the same."""
    run(
        [
            str(BIN / "dbt"),
            "parse",
            "--target",
            "spark",
            "--profiles-dir",
            str(REPO),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--no-partial-parse",
        ],
        env={"DBT_TARGET": "spark", "LAKE_TABLE_FORMAT": "parquet"},
    )
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert manifest["nodes"]["model.lakehouse.stg_retail__transactions"]["config"]["materialized"] == "table"
    assert not any(node["resource_type"] == "snapshot" for node in manifest["nodes"].values())
    assert "snapshot.lakehouse.snp_retail__customers" in manifest["disabled"]


def test_every_gold_model_rebuilt_in_full_says_why():
    """Gold that is not incremental says in its description why it is rebuilt
    (docs/performance.md); an incremental gold model does not claim it is."""
    descriptions = {
        model["name"]: model.get("description", "")
        for path in (REPO / "models" / "gold").glob("*/_*__models.yml")
        for model in yaml.safe_load(path.read_text()).get("models", [])
    }
    for sql in (REPO / "models" / "gold").glob("*/*.sql"):
        incremental = re.search(r"materialized\s*=\s*['\"]?incremental", sql.read_text()) is not None
        rebuilt = "Rebuilt in full" in descriptions[sql.stem]
        assert rebuilt != incremental, f"{sql.stem}: incremental={incremental}, description says rebuilt={rebuilt}"


# Error-severity tests that are not primary keys: invariants the pipeline owns
# (values it computes, filters or guarantees), never a value a delivery
# controls. (model, test, column) -> why the pipeline owns it.
PIPELINE_INVARIANTS = {
    ("fct_contact_center__interactions", "accepted_range", "valid_duration_minutes"): "only valid durations are kept",
    ("fct_contact_center__interactions", "accepted_values", "resolution_status"): "derived: Resolved or not",
    ("fct_contact_center__interactions", "not_null", "agent_id"): "required by ingest",
    ("fct_ecommerce__orders", "accepted_range", "order_amount"): "HIGH-severity orders are excluded from gold",
    ("fct_ecommerce__orders", "accepted_values", "revenue_exclusion_reason"): "derived from the validation",
    ("fct_ecommerce__orders", "accepted_values", "season"): "derived from the order date",
    ("fct_ecommerce__orders", "accepted_values", "validation_severity"): "gold keeps severities below HIGH",
    ("fct_ecommerce__orders", "not_null", "customer_id"): "required by ingest",
    ("fct_ecommerce__orders", "not_null", "product_id"): "required by ingest",
    ("int_cx__survey_features", "accepted_range", "nps_score"): "out-of-range scores are nulled",
    ("int_cx__survey_features", "accepted_range", "satisfaction_score"): "out-of-range scores are nulled",
    ("int_ecommerce__orders_validated", "accepted_values", "validation_severity"): "derived from the rules seed",
    ("int_ecommerce__orders_validated", "not_null", "validation_severity"): "derived: NONE when no rule failed",
    ("int_retail__customers_enriched", "not_null", "customer_segment"): "derived from the segment seed",
    ("int_retail__customers_enriched", "relationships", "customer_segment"): "derived from the segment seed",
    ("int_retail__data_quality_report", "accepted_values", "null_key_rows"): "keys are required by ingest",
    ("int_retail__transactions_completed", "accepted_values", "status"): "the model keeps completed ones",
    ("rpt_contact_center__agent_dashboard", "accepted_range", "resolution_rate"): "a share the model computes",
    ("rpt_contact_center__team_performance", "accepted_range", "resolution_rate"): "a share the model computes",
    ("rpt_cx__channel_segment_aggregations", "accepted_range", "net_promoter_score"): "NPS of valid answers",
    ("rpt_cx__survey_metrics", "accepted_range", "avg_nps"): "average of valid answers",
    ("rpt_cx__survey_metrics", "accepted_range", "avg_satisfaction"): "average of valid answers",
    ("rpt_cx__survey_metrics", "accepted_range", "net_promoter_score"): "NPS of valid answers",
    ("rpt_ecommerce__analytics_summary", "accepted_range", "profit_margin"): "from the category margins seed",
    ("rpt_ecommerce__customer_analytics", "accepted_range", "total_orders"): "a count",
    ("rpt_ecommerce__customer_analytics", "not_null", "customer_segment"): "derived from the segment seed",
    ("rpt_ecommerce__customer_analytics", "relationships", "customer_segment"): "derived from the segment seed",
    ("rpt_ecommerce__product_analytics", "accepted_range", "revenue_percentile"): "a percentile",
    ("rpt_ecommerce__product_analytics", "not_null", "performance_category"): "derived from the seed",
    ("rpt_ecommerce__product_analytics", "relationships", "performance_category"): "derived from the seed",
    ("rpt_ecommerce__segment_analysis", "accepted_range", "revenue_share"): "a share",
    ("rpt_ecommerce__validation_results", "accepted_range", "records_checked"): "a count of checked rows",
    ("rpt_ecommerce__validation_results", "accepted_values", "severity"): "from the rules seed",
    ("rpt_ecommerce__validation_results", "relationships", "rule_id"): "from the rules seed",
    ("rpt_media__executive_summary", "accepted_range", "error_rate"): "a share",
    ("rpt_platform__data_quality_alerts", "relationships", "rule_id"): "from the alert rules seed",
    ("rpt_platform__processing_log", "accepted_values", "batch_status"): "derived from the file log",
    ("rpt_platform__processing_log", "expression_is_true", None): "ingest balances every file's rows",
    ("rpt_retail__device_analytics", "accepted_range", "completion_rate"): "a share",
    ("stg_contact_center__interactions", "not_null", "agent_id"): "required by ingest",
    ("stg_cx__feedback", "not_null", "customer_id"): "required by ingest",
    ("stg_cx__surveys", "not_null", "customer_id"): "required by ingest",
    ("stg_cx__surveys", "not_null", "satisfaction_category"): "derived for valid scores (where is_valid)",
    ("stg_ecommerce__customers", "accepted_values", "lifecycle_stage"): "derived from dates",
    ("stg_ecommerce__customers", "not_null", "is_valid_email"): "a coalesced flag",
    ("stg_ecommerce__customers", "not_null", "is_valid_phone"): "a coalesced flag",
    ("stg_ecommerce__customers", "not_null", "lifecycle_stage"): "derived from dates",
    ("stg_ecommerce__inventory", "not_null", "product_id"): "required by ingest",
    ("stg_ecommerce__orders", "not_null", "_ingested_at"): "stamped by ingest",
    ("stg_ecommerce__orders", "not_null", "customer_id"): "required by ingest",
    ("stg_ecommerce__orders", "not_null", "is_valid_amount"): "a coalesced flag",
    ("stg_ecommerce__orders", "not_null", "is_valid_currency"): "a coalesced flag",
    ("stg_ecommerce__orders", "not_null", "is_valid_shipping_address"): "a coalesced flag",
    ("stg_ecommerce__orders", "not_null", "product_id"): "required by ingest",
    ("stg_ecommerce__products", "accepted_values", "lifecycle_stage"): "derived from dates and the flag",
    ("stg_ingest__file_log", "not_null", "source_name"): "written by ingest",
    ("stg_media__delivery", "not_null", "asset_id"): "required by ingest",
    ("stg_media__metrics", "not_null", "asset_id"): "required by ingest",
    ("stg_media__metrics", "not_null", "metric_date"): "required by ingest",
    ("stg_retail__customers", "accepted_values", "age_band"): "derived from the age",
    ("stg_retail__transactions", "not_null", "customer_id"): "required by ingest",
    ("stg_retail__transactions", "not_null", "product_id"): "required by ingest",
}
# warn tests that report on the lake rather than judge delivered rows
REPORTS = {("rpt_platform__data_quality_alerts", "expression_is_true", None)}


def _tests(manifest: dict):
    """(node, model name, test kind, column) of every data test on a model."""
    keyed = {
        (n["attached_node"], n["test_metadata"]["kwargs"].get("column_name"))
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and (n.get("test_metadata") or {}).get("name") == "unique"
    }
    for node in manifest["nodes"].values():
        attached = node.get("attached_node") or ""
        if node["resource_type"] != "test" or not attached.startswith("model."):
            continue
        kind = (node.get("test_metadata") or {}).get("name", "singular")
        column = (node.get("test_metadata") or {}).get("kwargs", {}).get("column_name")
        primary_key = kind in ("unique", "not_null") and (attached, column) in keyed
        if kind in ("singular", "equal_rowcount") or primary_key:  # reconciliation between layers, keys
            continue
        yield node, attached.split(".")[-1], kind, column


def test_no_error_test_judges_a_value_a_delivery_controls(local_manifest):
    """Every error-severity test on a model is a primary key, a reconciliation
    or a listed pipeline invariant; a rule on delivered values warns or drops."""
    errors = {
        (model, kind, column)
        for node, model, kind, column in _tests(local_manifest)
        if node["config"]["severity"].lower() == "error"
    }
    assert not errors - set(PIPELINE_INVARIANTS), "delivered values need an action (warn or drop)"
    assert not set(PIPELINE_INVARIANTS) - errors, "a listed invariant no longer exists: remove it"


def test_every_warn_rule_has_an_action_and_every_drop_rule_a_model_that_drops(local_manifest):
    models = {n["name"]: n for n in local_manifest["nodes"].values() if n["resource_type"] == "model"}
    for node, model, kind, column in _tests(local_manifest):
        action = (node["config"].get("meta") or {}).get("action")
        if node["config"]["severity"].lower() == "error" or (model, kind, column) in REPORTS:
            assert action is None, node["name"]
            continue
        assert action in ("warn", "drop"), f"{node['name']}: a warn test says its action (meta.action)"
        if action == "warn":
            assert node["config"]["store_failures"], f"{node['name']}: a warn rule keeps its failing rows"
        else:
            assert "passes_drop_rules()" in models[model]["raw_code"], f"{model} does not drop {node['name']}"
            assert kind in ("not_null", "accepted_values", "accepted_range", "relationships", "expression_is_true")

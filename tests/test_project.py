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

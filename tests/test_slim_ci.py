"""Slim CI: change one silver model in a checkout, and `slim-ci` builds exactly
that model and its descendants into CI schemas, reads everything else from the
prod state (--defer), gives the same rows as a full build of the changed
project, prints the columns the change touches with what they reach, and
tears its schemas down afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, RUN_STAMPS, copy_checkout, run
from sample_data import generate_days, generated_state

CHANGED = "stg_retail__products"
CHANGED_ID = f"model.lakehouse.{CHANGED}"
BUILT = ("model", "snapshot", "seed", "test")


def lakehouse(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m lakehouse ...` run from a checkout (the repository or a copy)."""
    cmd = [sys.executable, "-m", "lakehouse", *args]
    result = subprocess.run(
        cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"{cmd} exited {result.returncode}\n{result.stdout[-5000:]}\n{result.stderr[-3000:]}"
    return result


def descendants(manifest: dict, node: str) -> set[str]:
    found, todo = {node}, [node]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def built(run_results: dict) -> set[str]:
    return {r["unique_id"] for r in run_results["results"] if r["unique_id"].split(".")[0] in BUILT}


@pytest.fixture(scope="module")
def slim(lake, spark, tmp_path_factory):
    """A prod state from main, then slim CI and a full CI build from a changed checkout."""
    tmp = tmp_path_factory.mktemp("slim_ci")
    if not generated_state(lake.landing).get("days"):
        generate_days(lake.landing, [1], seed=42, scale=0.2)
    run([sys.executable, "-m", "ingest", "load"], check=False)  # loads what is new; exit 1 only for rejected files
    state = tmp / "prod-state"
    lakehouse(REPO, "prod-state", "--state", str(state), "--keep-engine")

    checkout = copy_checkout(tmp / "checkout")
    model = next(checkout.glob(f"models/silver/*/{CHANGED}.sql"))
    text = model.read_text()
    assert "product_name," in text
    model.write_text(text.replace("product_name,", "upper(product_name) as product_name,", 1))

    slim_target, full_target = tmp / "slim-target", tmp / "full-target"
    slim_ci = lakehouse(
        checkout,
        "slim-ci",
        "--ci-schema",
        "ci_slim",
        "--state",
        str(state),
        "--target-path",
        str(slim_target),
        "--keep",
        "--keep-engine",
    )
    lakehouse(
        checkout,
        "dbt",
        "--target",
        "ci",
        "--keep-engine",
        "--",
        "build",
        "--target-path",
        str(full_target),
        env={"DBT_CI_SCHEMA": "ci_full"},
    )
    yield {"checkout": checkout, "state": state, "slim": slim_target, "full": full_target, "out": slim_ci.stdout}
    for schema in ("ci_slim", "ci_full"):
        lakehouse(checkout, "ci-teardown", "--ci-schema", schema, "--keep-engine")


def test_exactly_the_changed_model_and_its_descendants_run(slim):
    manifest = json.loads((slim["slim"] / "manifest.json").read_text())
    results = json.loads((slim["slim"] / "run_results.json").read_text())
    expected = {n for n in descendants(manifest, CHANGED_ID) if n.split(".")[0] in BUILT}
    assert len(expected) > 5  # the model, its tests, its gold children and their tests
    assert built(results) == expected
    assert all(r["status"] in ("success", "pass", "warn") for r in results["results"] if r["unique_id"] in expected)
    full = json.loads((slim["full"] / "run_results.json").read_text())
    assert len(built(full)) > 3 * len(expected)  # the rest was deferred, not rebuilt


def test_unchanged_parents_are_read_from_prod(slim):
    """Every model that ran reads its changed parents from CI, the others from prod."""
    manifest = json.loads((slim["slim"] / "manifest.json").read_text())
    rebuilt = descendants(manifest, CHANGED_ID)
    deferred_refs = 0
    for node_id in (n for n in rebuilt if n.startswith("model.")):
        node = manifest["nodes"][node_id]
        compiled = (slim["slim"] / "compiled" / "lakehouse" / node["original_file_path"]).read_text()
        for parent_id in node["depends_on"]["nodes"]:
            if not parent_id.startswith(("model.", "seed.", "snapshot.")):
                continue
            parent = manifest["nodes"][parent_id]
            layer = parent["schema"].removeprefix("ci_slim_")
            schema = f"ci_slim_{layer}" if parent_id in rebuilt else f"prod_{layer}"
            assert f"{schema}.{parent['alias']}" in compiled, (node_id, parent_id)
            deferred_refs += parent_id not in rebuilt
    assert deferred_refs >= 1  # at least one unchanged parent read from prod


@pytest.fixture
def fresh_spark(lake):
    """A session of the test's own: the worker's shared one was found gone
    ("session … is not running") after slim CI's long builds."""
    from pyspark.sql import SparkSession

    session = SparkSession.builder.remote(lake.spark_remote).create()
    yield session
    session.stop()


def test_slim_results_equal_a_full_build(slim, fresh_spark):
    spark = fresh_spark
    manifest = json.loads((slim["slim"] / "manifest.json").read_text())
    models = [n for n in descendants(manifest, CHANGED_ID) if n.startswith(("model.", "snapshot."))]
    for node_id in models:
        node = manifest["nodes"][node_id]
        slim_table = f"{node['schema']}.{node['alias']}"
        full_table = slim_table.replace("ci_slim_", "ci_full_", 1)
        # snapshot bookkeeping (dbt_valid_from, dbt_scd_id, ...) and the
        # stamps of the run that wrote a row record build time
        cols = [c for c in spark.table(slim_table).columns if not (c.startswith("dbt_") or c in RUN_STAMPS)]
        a, b = (spark.table(t).select(*cols) for t in (slim_table, full_table))
        assert a.count() == b.count() > 0, node_id
        assert a.exceptAll(b).count() == 0 and b.exceptAll(a).count() == 0, node_id
    names = {
        r[0] for r in spark.sql(f"select upper(product_name) = product_name from ci_slim_silver.{CHANGED}").collect()
    }
    assert names == {True}  # the change itself is in the CI build


def test_slim_ci_prints_the_columns_the_change_touches_and_what_they_reach(slim):
    """Only product_name's computation changed: it alone is reported, with
    every column downstream of it in prod's column lineage."""
    from lakehouse.lineage import Graph, load_saved

    report = slim["out"][slim["out"].index("column impact:") :].split("\n==>")[0]
    touched = [line.strip() for line in report.splitlines() if line.startswith("  ") and not line.startswith("    ")]
    assert len(touched) == 1 and touched[0].startswith(f"{CHANGED}.product_name (changed)"), report
    prod = Graph(load_saved(slim["state"]))
    downstream = {prod.label(u, c) for _, u, c, _ in prod.walk((CHANGED_ID, "product_name"), upstream=False)}
    assert {"snp_retail__products.product_name", "int_retail__products_active.product_name"} <= downstream
    for name in downstream:
        assert name in report


def test_teardown_drops_the_ci_schemas_and_their_files(slim, fresh_spark, lake):
    spark = fresh_spark
    lakehouse(slim["checkout"], "ci-teardown", "--ci-schema", "ci_slim", "--keep-engine")
    schemas = {r[0] for r in spark.sql("show schemas").collect()}
    assert not {s for s in schemas if s.startswith("ci_slim_")}
    assert {"prod_silver", "prod_gold", "ci_full_silver"} <= schemas  # nothing else dropped
    assert not list(lake.warehouse.glob("ci_slim_*"))

"""The sail__* dispatch overrides on the real engine, in a throwaway dbt
project that uses the repository's macros: tables rebuilt with a changed
column list, views, seeds, merge incrementals and snapshots that gain a
column, builds repeated, and history that survives a restart of everything."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from conftest import REPO, make_settings, run
from lakehouse import engine

DBT = str(Path(sys.executable).parent / "dbt")

FILES = {
    "dbt_project.yml": """
name: overrides
version: "1.0"
config-version: 2
profile: overrides
macro-paths: ["macros"]
on-run-start: ["{{ create_scratch_schema() }}"]
models:
  overrides:
    +file_format: delta
    +schema: silver
seeds:
  overrides:
    +schema: silver
    +file_format: delta
snapshots:
  overrides:
    +schema: snapshots
    +file_format: delta
    +tblproperties: {delta.enableDeletionVectors: "true"}
""",
    "profiles.yml": """
overrides:
  target: ovr
  outputs:
    ovr:
      type: sail
      mode: remote
      host: 127.0.0.1
      port: "{{ env_var('LAKE_SAIL_PORT') | as_number }}"
      schema: ovr
      threads: 2
""",
    "models/wide.sql": """
{{ config(materialized='table') }}
select id, concat('v', cast(id as string)) as v {% if var('wide', false) %}, 'extra' as w{% endif %}
from (select explode(sequence(1, {{ var('rows', 3) }})) as id) as ids
""",
    "models/wide_view.sql": "{{ config(materialized='view') }}\nselect * from {{ ref('wide') }}\n",
    "models/wide_incremental.sql": """
{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge',
          on_schema_change='append_new_columns') }}
select * from {{ ref('wide') }}
""",
    "models/keyed_incremental.sql": """
{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
select id, concat('v', cast({{ var('version', 1) }} as string)) as v
from (select explode(sequence({{ var('first', 1) }}, {{ var('first', 1) + 2 }})) as id) as ids
""",
    "models/blocked_incremental.sql": """
{{ config(materialized='incremental', unique_key='k', incremental_strategy='merge', partition_by='block',
          meta={'partition_follows_key': var('follows_key', true)}) }}
select k, left(k, 1) as block, 'v{{ var("version", 1) }}' as v
from (select explode(array('{{ var("keys", ["a1"]) | join("', '") }}')) as k) as keys
""",
    "models/stamped_incremental.sql": """
{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
select id, case when id = {{ var('null_id', 0) }} then null else 'v' end as v, {{ build_stamp() }} as _built_at
from (select explode(sequence({{ var('first', 1) }}, {{ var('first', 1) + 2 }})) as id) as ids
""",
    "models/stamped_incremental.yml": """
models:
  - name: stamped_incremental
    columns:
      - name: id
        data_tests: [unique]
      - name: v
        data_tests:
          - not_null: {config: {severity: warn}}
""",
    "snapshots/wide_snapshot.yml": """
snapshots:
  - name: wide_snapshot
    relation: ref('wide')
    config: {unique_key: id, strategy: check, check_cols: [v]}
""",
    "models/snap_source.sql": """
{{ config(materialized='table') }}
select id, case when id <= {{ var('snap_changed', 0) }} then 'changed' else 'v' end as v
from (select explode(sequence(1, {{ var('snap_rows', 3) }})) as id) as ids
""",
    "snapshots/keyed_snapshot.yml": """
snapshots:
  - name: keyed_snapshot
    relation: ref('snap_source')
    config: {unique_key: id, strategy: check, check_cols: [v]}
""",
    "models/written_source.sql": """
{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
select id, '{{ var("value", "v") }}' as v, {{ build_stamp() }} as _built_at
from (select explode(sequence({{ var('first', 1) }}, {{ var('last', 3) }})) as id) as ids
""",
    "snapshots/written_snapshot.yml": """
snapshots:
  - name: written_snapshot
    relation: ref('written_source')
    config:
      unique_key: id
      strategy: check
      check_cols: [v]
      hard_deletes: ignore
      meta: {source_written_at: _built_at}
""",
    "models/tested_source.sql": """
{{ config(materialized='table') }}
select id, case when id = {{ var('null_id', 0) }} then null else 'v' end as v
from (select explode(sequence(1, {{ var('rows', 3) }})) as id) as ids
""",
    "snapshots/tested_snapshot.yml": """
snapshots:
  - name: tested_snapshot
    relation: ref('tested_source')
    config: {unique_key: id, strategy: check, check_cols: [v]}
    columns:
      - name: id
        data_tests:
          - unique: {config: {where: "dbt_valid_to is null"}}
      - name: v
        data_tests:
          - not_null: {config: {severity: warn}}
""",
    "seeds/codes.csv": "code,label\nA,Alpha\nB,Beta\n",
    "models/contracted.sql": """
{{ config(materialized='table') }}
select cast(id as {{ var('id_type', 'bigint') }}) as id, 'v' as v
from (select explode(sequence(1, 3)) as id) as ids
""",
    "models/contracted.yml": """
models:
  - name: contracted
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: bigint}
      - {name: v, data_type: string}
""",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("overrides")
    for name, body in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body.lstrip())
    (root / "macros").symlink_to(REPO / "macros")
    settings = make_settings(root / "lake")
    engine.start(settings)
    try:
        yield root, settings
    finally:
        engine.stop(settings)


def build(
    project, *extra: str, command: str = "build", allowed: frozenset = frozenset({"success", "pass"})
) -> list[dict]:
    root, settings = project
    run(
        [DBT, command, "--project-dir", str(root), "--profiles-dir", str(root), *extra],
        env={**settings.env(), "DBT_TARGET_PATH": str(root / "target"), "DBT_LOG_PATH": str(root / "logs")},
        check="fail" not in allowed,  # a failing test exits 1; the statuses are checked below
    )
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    assert {r["status"] for r in results} <= allowed, results
    return results


def query(settings, sql: str) -> list[tuple]:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.remote(settings.spark_remote).create()
    try:
        return [tuple(r) for r in spark.sql(sql).collect()]
    finally:
        spark.stop()


def columns(settings, table: str) -> list[str]:
    rows = query(settings, f"describe table {table}")
    return [r[0] for r in rows if r[0] and not r[0].startswith("#")]


def test_build_rebuild_and_change_columns(project):
    root, settings = project
    first = build(project)
    assert len([r for r in first if not r["unique_id"].startswith("operation.")]) == 19  # the hook aside
    build(project)  # right after the first: everything replaced or merged again
    assert query(settings, "select count(*) from ovr_silver.wide_incremental") == [(3,)]
    assert query(settings, "select count(*) from ovr_snapshots.wide_snapshot") == [(3,)]

    build(project, "--vars", "{wide: true, rows: 4}")
    assert columns(settings, "ovr_silver.wide") == ["id", "v", "w"]
    assert columns(settings, "ovr_silver.wide_view") == ["id", "v", "w"]
    assert "w" in columns(settings, "ovr_silver.wide_incremental")
    assert "w" in columns(settings, "ovr_snapshots.wide_snapshot")
    assert query(settings, "select count(*), count(w) from ovr_silver.wide_incremental") == [(4, 4)]
    assert query(settings, "select code, label from ovr_silver.codes order by code") == [("A", "Alpha"), ("B", "Beta")]

    build(project, "--vars", "{wide: true, rows: 4}", "--full-refresh")
    assert query(settings, "select count(*) from ovr_silver.wide_incremental") == [(4,)]


def test_history_survives_a_restart_of_everything(project):
    root, settings = project
    (root / "models" / "wide.sql").write_text(
        FILES["models/wide.sql"].replace("concat('v', ", "concat('changed', ").lstrip()
    )
    build(project, "--vars", "{wide: true, rows: 4}")
    closed = query(settings, "select count(*) from ovr_snapshots.wide_snapshot where dbt_valid_to is not null")
    assert closed == [(4,)]
    engine.stop(settings)
    assert not engine.is_running(settings)
    engine.start(settings)
    assert query(settings, "select count(*) from ovr_snapshots.wide_snapshot where dbt_valid_to is not null") == closed
    assert query(settings, "select count(*) from ovr_snapshots.wide_snapshot") == [(8,)]
    build(project, "--vars", "{wide: true, rows: 4}")  # and builds on after the restart
    assert query(settings, "select count(*) from ovr_snapshots.wide_snapshot") == [(8,)]


def test_a_merge_of_only_new_keys_is_an_append(project):
    """sail__get_merge_sql appends when no new key is in the target and merges
    otherwise; either way the rows are what MERGE gives."""
    root, settings = project
    executed = root / "target" / "run" / "overrides" / "models" / "keyed_incremental.sql"

    def build_keys(first: int, version: int) -> str:
        build(project, "--select", "keyed_incremental", "--vars", f"{{first: {first}, version: {version}}}")
        return executed.read_text().lower()

    build_keys(1, 1)  # creates ids 1-3
    assert "insert into" in build_keys(4, 2)  # ids 4-6: all new
    assert "merge into" in build_keys(5, 3)  # ids 5-7: 5 and 6 exist
    rows = query(settings, "select id, v from ovr_silver.keyed_incremental order by id")
    assert rows == [(1, "v1"), (2, "v1"), (3, "v1"), (4, "v2"), (5, "v3"), (6, "v3"), (7, "v3")]


def test_a_merge_into_a_partitioned_model_reads_only_the_new_rows_partitions(project):
    """A model partitioned by a function of its key (here the key's first
    letter), which its meta partition_follows_key says, is merged with a
    condition naming the partitions of its new rows, and the merge still
    replaces the rows of existing keys; without the flag it gets none."""
    root, settings = project
    executed = root / "target" / "run" / "overrides" / "models" / "blocked_incremental.sql"

    def build_keys(keys: list[str], version: int, follows_key: bool = True) -> str:
        variables = {"keys": keys, "version": version, "follows_key": follows_key}
        build(project, "--select", "blocked_incremental", "--vars", json.dumps(variables))
        return executed.read_text().lower()

    build_keys(["a1", "a2", "b1", "b2"], 1)
    merge = build_keys(["a2", "c1"], 2)
    assert "merge into" in merge
    (named,) = re.findall(r"dbt_internal_dest\.block in (.*?)\s+and\s+dbt_internal_source\.k", merge, re.S)
    assert sorted(re.findall(r"'(\w+)'", named)) == ["a", "c"]
    rows = query(settings, "select k, block, v from ovr_silver.blocked_incremental order by k")
    assert rows == [("a1", "a", "v1"), ("a2", "a", "v2"), ("b1", "b", "v1"), ("b2", "b", "v1"), ("c1", "c", "v2")]

    # without the meta flag the same partitioned model merges with no such condition
    merge = build_keys(["b1"], 3, follows_key=False)
    assert "merge into" in merge and "dbt_internal_dest.block" not in merge
    assert query(settings, "select v from ovr_silver.blocked_incremental where k = 'b1'") == [("v3",)]


def test_a_snapshot_writes_only_when_a_version_changes(project):
    """sail__snapshot_merge_sql: nothing changed writes nothing (no new Delta
    commit), only new keys append, a changed key's old version is closed by a
    MERGE (the snapshot has deletion vectors, so it is marked, not its file
    rewritten) and its new one appended; the history is what dbt's MERGE
    gives, and a run that died between the two is mended by the next."""
    root, settings = project
    log = settings.warehouse / "ovr_snapshots" / "keyed_snapshot"

    def snapshot(rows: int, changed: int = 0) -> str:
        build(
            project,
            "--select",
            "snap_source",
            "keyed_snapshot",
            "--vars",
            f"{{snap_rows: {rows}, snap_changed: {changed}}}",
        )
        (executed,) = (root / "target" / "run" / "overrides" / "snapshots").rglob("keyed_snapshot.sql")
        return executed.read_text().lower()

    def history() -> list[tuple]:
        return query(settings, "select id, v, dbt_valid_to is null from ovr_snapshots.keyed_snapshot order by id, v")

    snapshot(3)  # creates the snapshot, or finds it unchanged
    commits = len(list(log.rglob("_delta_log/*.json")))
    assert "no version changed" in snapshot(3)
    assert len(list(log.rglob("_delta_log/*.json"))) == commits
    assert history() == [(1, "v", True), (2, "v", True), (3, "v", True)]

    assert "insert into" in snapshot(5)  # ids 4 and 5 are new
    assert history() == [(i, "v", True) for i in range(1, 6)]

    # ids 1 and 2 change: their versions are closed by a MERGE of the closing
    # rows alone, then the new versions appended (the run's main statement)
    assert "insert into" in snapshot(5, changed=2)
    assert list(log.rglob("deletion_vector_*.bin"))  # their old versions deleted, not their files rewritten
    assert history() == [
        (1, "changed", True), (1, "v", False), (2, "changed", True), (2, "v", False),
        (3, "v", True), (4, "v", True), (5, "v", True),
    ]  # fmt: skip

    # a run that closed id 3's version and died before appending its new one
    query(
        settings,
        "merge into ovr_snapshots.keyed_snapshot as s using (select 3 as id) as c on s.id = c.id "
        "when matched and s.dbt_valid_to is null then update set dbt_valid_to = s.dbt_valid_from",
    )
    snapshot(5, changed=3)  # is recovered by the next run: id 3 has no current version, so it is inserted
    assert history() == [
        (1, "changed", True), (1, "v", False), (2, "changed", True), (2, "v", False),
        (3, "changed", True), (3, "v", False), (4, "v", True), (5, "v", True),
    ]  # fmt: skip


def built_test_failures(project, selected: list[str], vars_: dict, *extra: str) -> dict[str, int]:
    """Build `selected` with `vars_`; the failures of each of their tests, by
    the test's kind (`not` for not_null, `unique`)."""
    results = build(
        project,
        "--select",
        *selected,
        "--vars",
        json.dumps(vars_),
        *extra,
        allowed=frozenset({"success", "pass", "warn", "fail"}),
    )
    return {
        r["unique_id"].split(".")[2].split("_")[0]: r["failures"] for r in results if r["unique_id"].startswith("test.")
    }


def stamped_test_failures(project, test: str, vars_: dict, *extra: str) -> int:
    """Build stamped_incremental with `vars_`; the failures of its `test`
    (not_null warns, unique fails)."""
    return built_test_failures(project, ["stamped_incremental"], vars_, *extra)[test.split("_")[0]]


def test_row_level_tests_read_the_rows_of_the_latest_build(project):
    """not_null on an incremental model checks the rows the last build wrote
    (a merged row is stamped anew); unique checks the keys the last build
    wrote against the whole table; the var test_new_rows_only: false checks
    every row."""
    root, settings = project
    compiled = root / "target" / "run" / "overrides" / "models" / "stamped_incremental.yml"

    def null_failures(**vars_: int | bool) -> int:
        return stamped_test_failures(project, "not_null", vars_)

    assert null_failures(first=1, null_id=1) == 1  # first build: every row is new
    assert null_failures(first=4) == 0  # ids 4-6 are checked, id 1 is not
    assert "_built_at = cast(" in next(compiled.rglob("not_null_*.sql")).read_text()
    assert "id in (select id from" in next(compiled.rglob("unique_*.sql")).read_text()
    assert null_failures(first=4, test_new_rows_only=False) == 1
    assert null_failures(first=3, null_id=3) == 1  # ids 3-5 merged: 3 is null, 1 is old
    assert query(settings, "select count(*) from ovr_silver.stamped_incremental where v is null") == [(2,)]

    # `dbt test` on its own checks the rows of the table's latest build
    results = build(
        project, "--select", "stamped_incremental", command="test", allowed=frozenset({"success", "pass", "warn"})
    )
    results = [r for r in results if r["unique_id"].startswith("test.")]  # the on-run-start hook aside
    assert "max(_built_at)" in next(compiled.rglob("not_null_*.sql")).read_text()
    assert {r["unique_id"].split(".")[2].split("_")[0]: r["failures"] for r in results} == {"not": 1, "unique": 0}


def test_unique_checks_the_latest_keys_against_the_whole_table(project):
    """An old duplicate is not grouped again by every build, but a build that
    writes its key again finds it."""
    root, settings = project

    def unique_failures(*extra: str, **vars_: int | bool) -> int:
        return stamped_test_failures(project, "unique", vars_, *extra)

    assert unique_failures("--full-refresh", first=1) == 0  # ids 1-3
    query(settings, "insert into ovr_silver.stamped_incremental values (2, 'v', timestamp '2000-01-01 00:00:00')")
    assert unique_failures(first=4) == 0  # ids 4-6 are new; the old duplicate of 2 is not read
    assert unique_failures(first=4, test_new_rows_only=False) == 1
    assert unique_failures(first=2) == 1  # id 2 written again: its duplicate is found


def test_a_broken_contract_fails_before_the_table_it_would_replace_is_dropped(project):
    """Sail has no CREATE OR REPLACE, so a rebuild drops the old table first:
    the contract is checked before that, and the table stays as it was."""
    root, settings = project
    build(project, "--select", "contracted")
    assert query(settings, "select count(*) from ovr_silver.contracted") == [(3,)]
    root_args = ["--project-dir", str(root), "--profiles-dir", str(root), "--select", "contracted"]
    env = {**settings.env(), "DBT_TARGET_PATH": str(root / "target"), "DBT_LOG_PATH": str(root / "logs")}
    broken = run([DBT, "run", *root_args, "--vars", "{id_type: int}"], env=env, check=False)
    assert broken.returncode != 0
    assert "enforced contract that failed" in broken.stdout and "data type mismatch" in broken.stdout
    assert query(settings, "select count(*) from ovr_silver.contracted") == [(3,)]


def test_snapshot_tests_read_the_versions_of_its_latest_run(project):
    """Each version carries `_snapshotted_at`, the run that inserted it: the
    snapshot's not_null reads that run's versions and its unique their keys,
    so a bad version written behind dbt's back is not read again while a bad
    new one is; test_new_rows_only: false reads every version."""
    root, settings = project
    compiled = root / "target" / "run" / "overrides" / "snapshots" / "tested_snapshot.yml"

    def failures(**vars_: int | bool) -> dict[str, int]:
        return built_test_failures(project, ["tested_source", "tested_snapshot"], vars_)

    query(settings, "drop table if exists ovr_snapshots.tested_snapshot")  # a rerun of this module
    assert failures(rows=3) == {"not": 0, "unique": 0}  # created: every version is this run's
    assert "_snapshotted_at = cast(" in next(compiled.rglob("not_null_*.sql")).read_text()
    assert "id in (select id from" in next(compiled.rglob("unique_*.sql")).read_text()
    # written by an older run: a second current version of id 1 (the same
    # value, so no run compares it as changed) and a closed version with a null
    old = "timestamp '2000-01-01 00:00:00'"
    query(
        settings,
        "insert into ovr_snapshots.tested_snapshot (id, v, dbt_scd_id, dbt_updated_at, dbt_valid_from, "
        f"dbt_valid_to, _snapshotted_at) values (1, 'v', 'old1', {old}, {old}, null, {old}), "
        f"(2, null, 'old2', {old}, {old}, {old}, {old})",
    )
    assert failures(rows=4) == {"not": 0, "unique": 0}  # id 4's version is read, id 1's are not
    stamps = query(
        settings, "select id, _snapshotted_at from ovr_snapshots.tested_snapshot where dbt_scd_id not like 'old%'"
    )
    assert max(stamps, key=lambda r: r[1])[0] == 4 and len({stamp for _, stamp in stamps}) == 2
    assert failures(rows=4, test_new_rows_only=False) == {"not": 1, "unique": 1}
    assert failures(rows=5, null_id=5) == {"not": 1, "unique": 0}  # the new version's null is found


def test_a_snapshot_compares_only_the_source_rows_written_since_its_last_run(project):
    """meta source_written_at: the staging reads the source rows stamped after
    the snapshot's newest stamp. A row changed behind dbt's back (no new
    stamp) is not compared; the same change written by a build is."""
    root, settings = project

    def snapshot(first: int, last: int, value: str = "v") -> str:
        build(
            project,
            "--select",
            "written_source",
            "written_snapshot",
            "--vars",
            json.dumps({"first": first, "last": last, "value": value}),
        )
        (executed,) = (root / "target" / "run" / "overrides" / "snapshots").rglob("written_snapshot.sql")
        return executed.read_text().lower()

    def history() -> list[tuple]:
        return query(settings, "select id, v, dbt_valid_to is null from ovr_snapshots.written_snapshot order by id, v")

    query(settings, "drop table if exists ovr_snapshots.written_snapshot")  # an earlier test may have built it
    snapshot(1, 3)  # created from the whole source
    assert "insert into" in snapshot(4, 5)  # ids 4 and 5 written and new
    assert history() == [(i, "v", True) for i in range(1, 6)]

    query(settings, "update ovr_silver.written_source set v = 'unstamped' where id = 1")
    assert "no version changed" in snapshot(2, 2)  # id 2 rewritten unchanged; id 1 is not read
    assert history() == [(i, "v", True) for i in range(1, 6)]

    assert "insert into" in snapshot(1, 1, value="stamped")  # id 1 changed: old version closed, new appended
    assert history() == [(1, "stamped", True), (1, "v", False)] + [(i, "v", True) for i in range(2, 6)]

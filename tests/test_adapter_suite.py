"""dbt's own adapter test suite (PyPI `dbt-tests-adapter`, the base classes
every adapter subclasses) run on both engines the project builds on: the
local engine (Sail, adapter dbt-sail) and Apache Spark with Delta Lake
(adapter dbt-spark, `session` method over Spark Connect, executing locally). Each test
project gets the project's `macros/engine/` and its table format (Delta), as
a project on either engine has. Every test runs once per engine (`[sail]`,
`[spark]` in its id).

A test an engine cannot pass is marked expected-to-fail on that engine with
the engine note that says why (docs/engine-notes.md); none is skipped. The
count of passed / expected-to-fail per engine is printed at the end of the
run (`pytest -rA tests/test_adapter_suite.py`) and kept in the engine notes.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import replace
from datetime import datetime as Timestamp
from pathlib import Path

import pytest
import yaml
from dbt.tests.adapter.basic.test_adapter_methods import BaseAdapterMethod
from dbt.tests.adapter.basic.test_base import BaseSimpleMaterializations
from dbt.tests.adapter.basic.test_empty import BaseEmpty
from dbt.tests.adapter.basic.test_ephemeral import BaseEphemeral
from dbt.tests.adapter.basic.test_generic_tests import BaseGenericTests
from dbt.tests.adapter.basic.test_incremental import BaseIncremental, BaseIncrementalNotSchemaChange
from dbt.tests.adapter.basic.test_singular_tests import BaseSingularTests
from dbt.tests.adapter.basic.test_singular_tests_ephemeral import BaseSingularTestsEphemeral
from dbt.tests.adapter.basic.test_snapshot_check_cols import BaseSnapshotCheckCols
from dbt.tests.adapter.basic.test_snapshot_timestamp import BaseSnapshotTimestamp
from dbt.tests.adapter.basic.test_validate_connection import BaseValidateConnection
from dbt.tests.adapter.constraints import fixtures as constraint_fixtures
from dbt.tests.adapter.constraints.test_constraints import (
    BaseConstraintsRollback,
    BaseIncrementalConstraintsColumnsEqual,
    BaseIncrementalConstraintsRollback,
    BaseTableConstraintsColumnsEqual,
    BaseViewConstraintsColumnsEqual,
)
from dbt.tests.adapter.incremental.test_incremental_merge_exclude_columns import BaseMergeExcludeColumns
from dbt.tests.adapter.incremental.test_incremental_on_schema_change import BaseIncrementalOnSchemaChangeSetup
from dbt.tests.adapter.incremental.test_incremental_predicates import BaseIncrementalPredicates
from dbt.tests.adapter.incremental.test_incremental_unique_id import BaseIncrementalUniqueKey
from dbt.tests.adapter.relations.test_changing_relation_type import BaseChangeRelationTypeValidator
from dbt.tests.adapter.simple_seed import seeds as seed_fixtures
from dbt.tests.adapter.simple_seed.test_seed import (
    BaseBasicSeedTests,
    BaseSeedConfigFullRefreshOff,
    BaseSeedConfigFullRefreshOn,
    BaseSeedCustomSchema,
    BaseSeedParsing,
    BaseSeedSpecificFormats,
    BaseSeedWithEmptyDelimiter,
    BaseSeedWithUniqueDelimiter,
    BaseSeedWithWrongDelimiter,
    BaseSimpleSeedEnabledViaConfig,
    BaseSimpleSeedWithBOM,
    BaseTestEmptySeed,
)
from dbt.tests.adapter.simple_snapshot import fixtures as snapshot_fixtures
from dbt.tests.adapter.simple_snapshot import new_record_dbt_valid_to_current as valid_to_current_fixtures
from dbt.tests.adapter.simple_snapshot import new_record_timestamp_mode as new_record_fixtures
from dbt.tests.adapter.simple_snapshot import test_various_configs as snapshot_configs
from dbt.tests.adapter.simple_snapshot.new_record_check_mode import BaseSnapshotNewRecordCheckMode
from dbt.tests.adapter.simple_snapshot.new_record_dbt_valid_to_current import BaseSnapshotNewRecordDbtValidToCurrent
from dbt.tests.adapter.simple_snapshot.new_record_timestamp_mode import BaseSnapshotNewRecordTimestampMode
from dbt.tests.adapter.simple_snapshot.test_snapshot import BaseSimpleSnapshot, BaseSnapshotCheck
from dbt.tests.adapter.simple_snapshot.test_various_configs import (
    BaseSnapshotColumnNames,
    BaseSnapshotColumnNamesFromDbtProject,
    BaseSnapshotDbtValidToCurrent,
    BaseSnapshotInvalidColumnNames,
    BaseSnapshotMultiUniqueKey,
)
from dbt.tests.adapter.unit_testing.test_case_insensitivity import BaseUnitTestCaseInsensivity
from dbt.tests.adapter.unit_testing.test_invalid_input import BaseUnitTestInvalidInput
from dbt.tests.adapter.unit_testing.test_types import BaseUnitTestingTypes

# dbt's test-project fixtures (project, unique_schema, run_dbt's setup ...), for this module only
from dbt.tests.fixtures.project import *  # noqa: F401,F403
from dbt.tests.util import check_relations_equal, run_dbt, update_config_file, write_file

from conftest import REPO, free_port, make_settings
from lakehouse.settings import delta_jars_present

pytestmark = [
    # dbt's base classes use instance-method class fixtures and a helper named Test*
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestCollectionWarning"),
    # dbt-spark's session asks a Spark Connect server for Hive support once per connection (engine note 33)
    pytest.mark.filterwarnings("ignore:Failed to set spark.sql.catalogImplementation:UserWarning"),
]
ENGINE_MACROS = REPO / "macros" / "engine"
# What every project on the local engine sets (the project's dbt_project.yml does too).
ENGINE_PROJECT_CONFIG = {
    "models": {"+file_format": "delta"},
    "seeds": {"+file_format": "delta"},
    "snapshots": {"+file_format": "delta"},
}


def _merge(base: dict, update: dict) -> dict:
    merged = dict(base)
    for key, value in update.items():
        merged[key] = (
            _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


ENGINES = ("sail", "spark")


@pytest.fixture(scope="module", params=ENGINES)
def adapter_lake(request, tmp_path_factory):
    """An engine of this module's own, once per engine: dbt's test projects
    create and drop schemas freely, away from the lake the other tests read."""
    from lakehouse import engine

    settings = make_settings(tmp_path_factory.mktemp(f"adapter_lake_{request.param}"))
    if request.param == "spark":
        assert delta_jars_present(), "Delta Lake's jars are not in pyspark's jars/: run `make setup` with Maven Central"
        # dbt's semantics, not the cluster, are under test here: one Spark
        # Connect driver executing locally (the parity test runs the cluster)
        settings = replace(
            settings,
            engine="spark",
            table_format="delta",
            spark_master="local[2]",
            spark_master_port=free_port(),
            spark_connect_port=free_port(),
        )
    saved = os.environ.get("LAKE_ROOT")
    engine.start(settings)
    os.environ["LAKE_ROOT"] = str(settings.lake_root)
    try:
        yield settings
    finally:
        _stop_dbt_session()
        engine.stop(settings)
        if saved is None:
            os.environ.pop("LAKE_ROOT", None)
        else:
            os.environ["LAKE_ROOT"] = saved


def _stop_dbt_session() -> None:
    """dbt's session connection leaves this process a Spark Connect session on
    this module's engine; stopped with it, so no later getOrCreate() finds it."""
    from pyspark.sql.connect.session import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()


@pytest.fixture(scope="class")
def dbt_profile_target(adapter_lake):
    """The project's profile for each engine (profiles.yml: targets `local` and `spark`)."""
    if adapter_lake.engine == "spark":
        return {
            "type": "spark",
            "method": "session",
            "host": "127.0.0.1",
            "threads": 2,
            "server_side_parameters": {"spark.remote": adapter_lake.spark_remote},
        }
    return {"type": "sail", "mode": "remote", "host": "127.0.0.1", "port": adapter_lake.sail_port, "threads": 4}


@pytest.fixture(scope="class")
def dbt_project_yml(project_root, project_config_update):
    """dbt's project file with the engine's table format under each class's own settings."""
    update = project_config_update or {}
    if isinstance(update, str):
        update = yaml.safe_load(update)
    config = _merge(
        {"name": "test", "profile": "test", "flags": {"send_anonymous_usage_stats": False}, **ENGINE_PROJECT_CONFIG},
        update,
    )
    write_file(yaml.safe_dump(config), project_root, "dbt_project.yml")
    return config


@pytest.fixture(scope="class")
def project(project_setup, project_files):
    """dbt's test project with the project's engine layer beside its own files
    (copied here: some classes write their files themselves), its fixture SQL
    in the engine's dialect, and dbt's output in the project, not the lake's."""
    shutil.copytree(ENGINE_MACROS, Path(project_setup.project_root) / "macros" / "_engine", dirs_exist_ok=True)
    project_setup.run_sql = _dialect(project_setup.run_sql, project_setup)
    return project_setup


@pytest.fixture(scope="class")
def logs_dir(tmp_path_factory, prefix):
    """dbt's logs of each test project in a temporary folder (dbt's fixture writes them under the repository)."""
    return str(tmp_path_factory.mktemp("dbt_logs") / prefix)


@pytest.fixture(scope="class", autouse=True)
def dbt_paths_of_the_project():
    """The session's lake points dbt's target and logs elsewhere; these tests read them in the project."""
    saved = {k: os.environ.pop(k) for k in ("DBT_TARGET_PATH", "DBT_LOG_PATH") if k in os.environ}
    yield
    os.environ.update(saved)


POSTGRES_TYPES = [
    (r"\bTIMESTAMP WITHOUT TIME ZONE\b", "TIMESTAMP"),
    (r"\bTEXT\b", "STRING"),
    (r"\bVARCHAR\(\d+\)", "STRING"),
    (r"\bDOUBLE PRECISION\b", "DOUBLE"),
    (r"\bINTEGER\b", "INT"),
]


def _dialect(run_sql, project):
    """run_sql for dbt's fixture SQL, written for Postgres: one statement at a
    time, Postgres type names in Spark's, and a created table in a folder of its
    own (engine notes 3, 4)."""

    def run(sql: str, fetch: str | None = None):
        result = None
        # the engine's names have two parts: {database}.{schema}.t is {schema}.t
        sql = sql.replace("{database}.", "").format(schema=project.test_schema, database=project.database)
        for statement in _statements(sql):
            for spark_statement in _spark_sql(statement):
                result = run_sql(spark_statement, fetch=fetch)
        return result

    return run


def _statements(sql: str) -> list[str]:
    parts = (re.sub(r"^\s*--[^\n]*\n", "", p, flags=re.MULTILINE) for p in re.split(r";\s*(?:\n|$)", sql))
    return [p for p in parts if p.strip()]


POSTGRES_EXPRESSIONS = [
    (r"([\w.]+)::(\w+)", r"cast(\1 as \2)"),  # x::type
    (r"\binterval '(\d+) (\w+)'", r"interval \1 \2"),  # interval '1 hour'
]


def _spark_sql(statement: str) -> list[str]:
    """One Postgres statement as the Spark statements that do the same here."""
    for pattern, spark in POSTGRES_TYPES + POSTGRES_EXPRESSIONS:
        statement = re.sub(pattern, spark, statement, flags=re.IGNORECASE)
    parts = re.split(r"(\bvalues\b)", statement, maxsplit=1, flags=re.IGNORECASE)
    parts[0] = re.sub(r'"(\w+)"', r"`\1`", parts[0])  # Postgres quotes names before VALUES; Spark quotes text
    statement = "".join(parts)
    # a name in capitals in an INSERT's column list is not found (engine note 21)
    statement = re.sub(
        r"^(\s*insert into\s+[\w.`]+\s*)(\([^)]*\))",
        lambda m: m.group(1) + m.group(2).lower(),
        statement,
        flags=re.IGNORECASE,
    )
    add_column = re.match(r"\s*alter table\s+([\w.`]+)\s+add column (\w+) ([\w()]+)", statement, flags=re.IGNORECASE)
    if add_column:
        return _add_column(*add_column.groups())
    create = re.match(r"\s*create table\s+([\w.`]+)\s*(\(|as\b)", statement, flags=re.IGNORECASE)
    if create and not re.search(r"\busing\b", statement, flags=re.IGNORECASE):
        using = f"using delta location '{_table_folder(create.group(1))}'"
        if create.group(2) == "(":
            statement = statement.rstrip().rstrip(";") + " " + using
        else:  # create table ... as select
            statement = statement[: create.start(2)] + using + " " + statement[create.start(2) :]
    return [statement]


def _table_folder(name: str) -> str:
    schema, _, table = name.replace("`", "").rpartition(".")
    return f"file://{os.environ['LAKE_ROOT'].rstrip('/')}/warehouse/{schema}/{table}/{uuid.uuid4().hex[:8]}"


def _add_column(table: str, column: str, data_type: str) -> list[str]:
    """ALTER TABLE ... ADD COLUMN as a copy with the column (engine note 5)."""
    copy = f"{table}__add_column"
    return [
        f"create table {copy} using delta location '{_table_folder(copy)}' as "
        f"select *, cast(null as {data_type}) as {column} from {table}",
        f"drop table {table}",
        f"create table {table} using delta location '{_table_folder(table)}' as select * from {copy}",
        f"drop table {copy}",
    ]


@pytest.fixture(scope="class", autouse=True)
def scratch_schema(request):
    """The schema merges stage their rows in (the project creates it in an on-run-start hook)."""
    if "project" not in request.fixturenames:
        yield
        return
    project = request.getfixturevalue("project")
    scratch = f"{project.test_schema}_scratch"
    lake_root = os.environ["LAKE_ROOT"].rstrip("/")
    project.run_sql(f"create schema if not exists {scratch} location 'file://{lake_root}/warehouse/{scratch}'")
    yield
    project.run_sql(f"drop schema if exists {scratch} cascade")


def xfail(note: int, why: str, engines: tuple[str, ...] = ("sail",)):
    """Expected to fail on these engines, for the reason engine note `note` gives."""
    return pytest.mark.engine_xfail(note=note, why=why, engines=engines)


@pytest.fixture(autouse=True)
def expected_failures(request, adapter_lake):
    """A test marked with `xfail` for this engine must fail here (strict: the
    day it passes, the mark is removed)."""
    for mark in request.node.iter_markers("engine_xfail"):
        if adapter_lake.engine in mark.kwargs["engines"]:
            reason = f"engine note {mark.kwargs['note']}: {mark.kwargs['why']}"
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


MERGE = {"models": {"+incremental_strategy": "merge"}}


# --- basic ------------------------------------------------------------------------


class TestSimpleMaterializations(BaseSimpleMaterializations):
    pass


class TestSingularTests(BaseSingularTests):
    pass


class TestSingularTestsEphemeral(BaseSingularTestsEphemeral):
    pass


class TestEmpty(BaseEmpty):
    pass


class TestEphemeral(BaseEphemeral):
    pass


class TestIncremental(BaseIncremental):
    pass


class TestIncrementalNotSchemaChange(BaseIncrementalNotSchemaChange):
    pass


class TestGenericTests(BaseGenericTests):
    pass


class TestSnapshotCheckCols(BaseSnapshotCheckCols):
    pass


class TestSnapshotTimestamp(BaseSnapshotTimestamp):
    pass


class TestAdapterMethod(BaseAdapterMethod):
    pass


class TestValidateConnection(BaseValidateConnection):
    pass


class TestChangeRelationTypes(BaseChangeRelationTypeValidator):
    pass


# --- incremental ----------------------------------------------------------------------


class TestIncrementalUniqueKey(BaseIncrementalUniqueKey):
    @pytest.fixture(scope="class")
    def project_config_update(self):
        return MERGE


class TestIncrementalPredicates(BaseIncrementalPredicates):
    @pytest.fixture(scope="class")
    def project_config_update(self):
        return {"models": {"+incremental_predicates": ["dbt_internal_dest.id != 2"], "+incremental_strategy": "merge"}}


class TestMergeExcludeColumns(BaseMergeExcludeColumns):
    @pytest.fixture(scope="class")
    def project_config_update(self):
        return MERGE


class TestIncrementalOnSchemaChangeMerge(BaseIncrementalOnSchemaChangeSetup):
    @pytest.fixture(scope="class")
    def project_config_update(self):
        return {"models": {"+incremental_strategy": "merge", "+unique_key": "id"}}

    def test_run_incremental_ignore(self, project):
        self.run_twice_and_assert(
            "model_a incremental_ignore incremental_ignore_target",
            "incremental_ignore",
            "incremental_ignore_target",
            project,
        )

    def test_run_incremental_append_new_columns(self, project):
        self.run_incremental_append_new_columns(project)

    def test_run_incremental_append_new_columns_remove_one(self, project):
        self.run_incremental_append_new_columns_remove_one(project)

    def test_run_incremental_sync_all_columns(self, project):
        self.run_incremental_sync_all_columns(project)
        self.run_incremental_sync_remove_only(project)


class TestIncrementalOnSchemaChangeAppend(TestIncrementalOnSchemaChangeMerge):
    @pytest.fixture(scope="class")
    def project_config_update(self):
        return {"models": {"+incremental_strategy": "append"}}


class TestIncrementalLiteralThenNull:
    """A column that is a literal on the first build and null later appends and
    merges (engine note 18: a CTAS of a literal would record it NOT NULL)."""

    @pytest.fixture(scope="class")
    def models(self):
        model = """
{{{{ config(materialized='incremental', incremental_strategy='{strategy}', unique_key='id') }}}}
select {{{{ 2 if is_incremental() else 1 }}}} as id,
    {{{{ "cast(null as string)" if is_incremental() else "'first'" }}}} as tag
"""
        return {f"literal_{strategy}.sql": model.format(strategy=strategy) for strategy in ("merge", "append")}

    def test_null_after_literal(self, project):
        run_dbt(["run"])
        run_dbt(["run"])
        for strategy in ("merge", "append"):
            rows = project.run_sql(f"select id, tag from {{schema}}.literal_{strategy} order by id", fetch="all")
            assert [tuple(row) for row in rows] == [(1, "first"), (2, None)]


# --- seeds --------------------------------------------------------------------------------


class TestBasicSeedTests(BaseBasicSeedTests):
    @xfail(
        15, "a table's DROP leaves the views over it (no CASCADE): a full refresh keeps the downstream view", ENGINES
    )
    def test_simple_seed_full_refresh_flag(self, project):
        super().test_simple_seed_full_refresh_flag(project)


@xfail(15, "a table's DROP leaves the views over it (no CASCADE): a full refresh keeps the downstream view", ENGINES)
class TestSeedConfigFullRefreshOn(BaseSeedConfigFullRefreshOn):
    pass


class TestSeedConfigFullRefreshOff(BaseSeedConfigFullRefreshOff):
    pass


class TestSeedCustomSchema(BaseSeedCustomSchema):
    pass


class TestSeedWithUniqueDelimiter(BaseSeedWithUniqueDelimiter):
    pass


class TestSeedWithWrongDelimiter(BaseSeedWithWrongDelimiter):
    def test_seed_with_wrong_delimiter(self, project, adapter_lake):
        """The seed fails on the engine's parse error (its wording is not Postgres's "syntax error")."""
        seed_result = run_dbt(["seed"], expect_pass=False)
        wording = {"sail": "found | at", "spark": "[PARSE_SYNTAX_ERROR] Syntax error at or near '|'"}
        assert wording[adapter_lake.engine] in seed_result.results[0].message


class TestSeedWithEmptyDelimiter(BaseSeedWithEmptyDelimiter):
    pass


class TestSimpleSeedEnabledViaConfig(BaseSimpleSeedEnabledViaConfig):
    pass


class TestSeedParsing(BaseSeedParsing):
    pass


class TestSimpleSeedWithBOM(BaseSimpleSeedWithBOM):
    @pytest.fixture(scope="class", autouse=True)
    def setUp(self, project):
        """As dbt's, with the BOM file taken from dbt's package, not beside this module."""
        project.run_sql(seed_fixtures.seeds__expected_sql)
        shutil.copy(Path(seed_fixtures.__file__).with_name("seed_bom.csv"), Path(project.project_root) / "seeds")


@xfail(16, "a Hive Metastore table name is letters, digits and _: the seed `seed.with.dots` cannot be a table", ENGINES)
class TestSeedSpecificFormats(BaseSeedSpecificFormats):
    pass


class TestEmptySeed(BaseTestEmptySeed):
    pass


# --- snapshots -------------------------------------------------------------------------


def _two_part(sql: str) -> str:
    """A snapshot's select in the engine's two-part names."""
    return sql.replace("{{target.database}}.", "")


class TestSimpleSnapshot(BaseSimpleSnapshot):
    pass


class TestSnapshotCheck(BaseSnapshotCheck):
    pass


class TestSnapshotNewRecordTimestampMode(BaseSnapshotNewRecordTimestampMode):
    @pytest.fixture(scope="class")
    def snapshots(self):
        return {"snapshot.sql": _two_part(new_record_fixtures._snapshot_actual_sql)}


class TestSnapshotNewRecordCheckMode(BaseSnapshotNewRecordCheckMode):
    @pytest.fixture(scope="class")
    def snapshots(self):
        return {"snapshot.sql": _two_part(new_record_fixtures._snapshot_actual_sql)}


@xfail(24, "a timestamp compared with the date 9999-12-31 overflows (the comparison goes through nanoseconds)")
class TestSnapshotNewRecordDbtValidToCurrent(BaseSnapshotNewRecordDbtValidToCurrent):
    @pytest.fixture(scope="class")
    def snapshots(self):
        return {"snapshot.sql": _two_part(valid_to_current_fixtures._snapshot_actual_sql)}


class TestSnapshotNewRecordDbtValidToCurrentTimestamp(BaseSnapshotNewRecordDbtValidToCurrent):
    """As dbt's, with the far-future end written as a timestamp (engine note 24)."""

    @pytest.fixture(scope="class")
    def snapshots(self):
        return {"snapshot.sql": _two_part(valid_to_current_fixtures._snapshot_actual_sql)}

    @pytest.fixture(scope="class")
    def models(self):
        as_timestamp = "dbt_valid_to_current: \"cast('9999-12-31 00:00:00' as timestamp)\""
        return {
            "snapshots.yml": valid_to_current_fixtures._snapshots_yml.replace(
                "dbt_valid_to_current: \"date('9999-12-31')\"", as_timestamp
            )
        }


class TwoPartSnapshot:
    @pytest.fixture(scope="class")
    def snapshots(self):
        return {"snapshot.sql": _two_part(snapshot_fixtures.snapshot_actual_sql)}


class TestSnapshotColumnNames(TwoPartSnapshot, BaseSnapshotColumnNames):
    pass


class TestSnapshotColumnNamesFromDbtProject(TwoPartSnapshot, BaseSnapshotColumnNamesFromDbtProject):
    pass


class TestSnapshotInvalidColumnNames(TwoPartSnapshot, BaseSnapshotInvalidColumnNames):
    @pytest.fixture(autouse=True)
    def engine_format_kept(self, monkeypatch):
        """The test rewrites the project's snapshot settings; the table format stays."""

        def update(updates, *paths):
            update_config_file(_merge(ENGINE_PROJECT_CONFIG, updates), *paths)

        monkeypatch.setattr(snapshot_configs, "update_config_file", update)


class TestSnapshotDbtValidToCurrent(TwoPartSnapshot, BaseSnapshotDbtValidToCurrent):
    def test_valid_to_current(self, project):
        """dbt's test, with the rows read by id and version: dbt's reads them by
        position from a select without ORDER BY, the order Postgres happens to keep."""
        for sql in (
            snapshot_fixtures.create_seed_sql,
            snapshot_fixtures.create_snapshot_expected_sql,
            snapshot_fixtures.seed_insert_sql,
            snapshot_fixtures.populate_snapshot_expected_valid_to_current_sql,
        ):
            project.run_sql(sql)
        versions_sql = "select id, test_valid_to from {schema}.snapshot_actual order by id, test_valid_from"
        current, closed = Timestamp(2099, 12, 31), Timestamp(2016, 8, 20, 16, 44, 49)
        run_dbt(["snapshot"])
        assert {valid_to for _, valid_to in project.run_sql(versions_sql, fetch="all")} == {current}
        project.run_sql(snapshot_fixtures.invalidate_sql)
        project.run_sql(snapshot_fixtures.update_with_current_sql)
        run_dbt(["snapshot"])
        versions = project.run_sql(versions_sql, fetch="all")
        assert [valid_to for id_, valid_to in versions if id_ == 10] == [closed, current]
        assert [valid_to for id_, valid_to in versions if id_ == 1] == [current]
        check_relations_equal(project.adapter, ["snapshot_actual", "snapshot_expected"])


class TestSnapshotMultiUniqueKey(BaseSnapshotMultiUniqueKey):
    @pytest.fixture(scope="class")
    def models(self):
        return {
            "seed.sql": _two_part(snapshot_fixtures.model_seed_sql),
            "snapshots.yml": snapshot_fixtures.snapshots_multi_key_yml,
            "ref_snapshot.sql": snapshot_fixtures.ref_snapshot_sql,
        }


# --- unit tests -----------------------------------------------------------------------------


class TestUnitTestingTypes(BaseUnitTestingTypes):
    @pytest.fixture
    def data_types(self):
        """The engine's types, each as SQL and as a unit test's YAML value."""
        return [
            ["1", "1"],
            ["2.0", "2.0"],
            ["'12345'", "12345"],
            ["'string'", "string"],
            ["true", "true"],
            ["cast(1.5 as decimal(10, 2))", "1.5"],
            ["date '2011-11-11'", "2011-11-11"],
            ["timestamp '2013-11-03 00:00:00'", "2013-11-03 00:00:00"],
            ["timestamp '2013-11-03 00:00:00+00:00'", "2013-11-03 00:00:00-0"],
        ]


class TestUnitTestingTypesNumericOffsetLiteral(BaseUnitTestingTypes):
    """A canary: the day Sail reads the literal, the xfail turns into a failure to remove."""

    @pytest.fixture
    def data_types(self):
        return [["timestamp '2013-11-03 00:00:00-0'", "2013-11-03 00:00:00-0"]]

    @xfail(19, "a timestamp literal with the offset -0 is refused (the cast of the same text works)")
    def test_unit_test_data_type(self, project, data_types):
        super().test_unit_test_data_type(project, data_types)


class TestUnitTestCaseInsensitivity(BaseUnitTestCaseInsensivity):
    pass


class TestUnitTestInvalidInput(BaseUnitTestInvalidInput):
    pass


# --- contracts ------------------------------------------------------------------------------


class SparkContractTypes:
    """The contract checks with the engine's type names (Postgres's are dbt's default)."""

    @pytest.fixture
    def string_type(self):
        return "string"

    @pytest.fixture
    def int_type(self):
        return "int"

    @pytest.fixture
    def data_types(self, int_type, string_type):
        # sql_column_value, schema_data_type, error_data_type (as the engine names it)
        return [
            ["1", int_type, int_type],
            ["'1'", string_type, string_type],
            ["true", "boolean", "boolean"],
            ["cast('2013-11-03 00:00:00' as timestamp)", "timestamp", "timestamp"],
            ["cast(1 as decimal(10, 2))", "decimal(10,2)", "decimal(10,2)"],
            ["array('a', 'b')", "array<string>", "array<string>"],
        ]


# dbt's contract with the engine's type names (Spark has no `text`)
SPARK_SCHEMA_YML = constraint_fixtures.model_schema_yml.replace("data_type: text", "data_type: string")


class SparkColumnsEqual(SparkContractTypes):
    wrong_order_sql: str
    wrong_name_sql: str

    @pytest.fixture(scope="class")
    def models(self):
        return {
            "my_model_wrong_order.sql": self.wrong_order_sql,
            "my_model_wrong_name.sql": self.wrong_name_sql,
            "constraints_schema.yml": SPARK_SCHEMA_YML,
        }


class TestTableConstraintsColumnsEqual(SparkColumnsEqual, BaseTableConstraintsColumnsEqual):
    wrong_order_sql = constraint_fixtures.my_model_wrong_order_sql
    wrong_name_sql = constraint_fixtures.my_model_wrong_name_sql


class TestViewConstraintsColumnsEqual(SparkColumnsEqual, BaseViewConstraintsColumnsEqual):
    wrong_order_sql = constraint_fixtures.my_model_view_wrong_order_sql
    wrong_name_sql = constraint_fixtures.my_model_view_wrong_name_sql


class TestIncrementalConstraintsColumnsEqual(SparkColumnsEqual, BaseIncrementalConstraintsColumnsEqual):
    wrong_order_sql = constraint_fixtures.my_model_incremental_wrong_order_sql
    wrong_name_sql = constraint_fixtures.my_model_incremental_wrong_name_sql


class SparkRollbackContract:
    """dbt's contract with the engine's type names; the failure in the engine layer's words."""

    @pytest.fixture(scope="class")
    def models(self):
        return {
            "my_model.sql": self.model_sql,
            "constraints_schema.yml": SPARK_SCHEMA_YML.replace("data_type: integer", "data_type: int"),
        }

    @pytest.fixture(scope="class")
    def expected_error_messages(self):
        return ["violate the NOT NULL constraint on id"]


class TestTableConstraintsRollback(SparkRollbackContract, BaseConstraintsRollback):
    """As on Spark with Delta (dbt-spark's own version of this test): the
    constraints are checked on the table just built, so the failed build's
    table stays ('red'); the model fails."""

    model_sql = constraint_fixtures.my_model_sql

    @pytest.fixture(scope="class")
    def expected_color(self):
        return "red"


class TestIncrementalConstraintsRollback(SparkRollbackContract, BaseIncrementalConstraintsRollback):
    """An incremental run's rows are checked before they are written: the table keeps its rows."""

    model_sql = constraint_fixtures.my_incremental_model_sql


class TestIncrementalMergeConstraintsRollback(TestIncrementalConstraintsRollback):
    """The same with merges: the staged rows are checked before the merge."""

    @pytest.fixture(scope="class")
    def project_config_update(self):
        return {"models": {"+incremental_strategy": "merge", "+unique_key": "color"}}


class TestContractConstraintsAreChecked:
    """An enforced contract's not_null and check constraints fail the build when
    a built row breaks them (engine note 17: checked on the rows, not by ALTER)."""

    @pytest.fixture(scope="class")
    def models(self):
        contract = """
models:
  - name: {name}
    config:
      contract: {{enforced: true}}
      on_schema_change: fail
      materialized: {materialized}
    constraints:
      - type: check
        expression: "amount >= 0"
    columns:
      - name: id
        data_type: int
        constraints: [{{type: not_null}}]
      - name: amount
        data_type: int
"""
        rows = {
            "good": "select 1 as id, 5 as amount",
            "null_id": "select cast(null as int) as id, 5 as amount",
            "negative": "select 1 as id, -5 as amount",
        }
        files = {}
        for name, sql in rows.items():
            for materialized in ("table", "incremental"):
                model = f"{name}_{materialized}"
                files[f"{model}.sql"] = sql
                files[f"{model}.yml"] = contract.format(name=model, materialized=materialized)
        return files

    def test_constraints(self, project):
        results = {r.node.name: r for r in run_dbt(["run"], expect_pass=False)}
        for materialized in ("table", "incremental"):
            assert results[f"good_{materialized}"].status == "success"
            assert "violate the NOT NULL constraint on id" in results[f"null_id_{materialized}"].message
            assert "violate the CHECK constraint" in results[f"negative_{materialized}"].message

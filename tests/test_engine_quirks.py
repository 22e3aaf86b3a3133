"""Canaries: each engine quirk the project works around (docs/engine-notes.md),
reproduced on plain Sail, without the project's macros. A canary that fails
means the engine no longer has the quirk: its workaround can go (and the
note with it)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

SCHEMA = "quirks"


@pytest.fixture(scope="module")
def sql(spark, lake):
    """Runs statements in a schema of this module's own; `{here}` is a fresh folder."""
    root = f"file://{lake.warehouse}/{SCHEMA}"
    spark.sql(f"create schema if not exists {SCHEMA} location '{root}'")

    def run(statement: str, here: str | None = None):
        return spark.sql(statement.format(s=SCHEMA, here=here or f"{root}/{uuid.uuid4().hex[:8]}")).collect()

    yield run
    spark.sql(f"drop schema if exists {SCHEMA} cascade")


def refused(run, statement: str, message: str) -> str:
    with pytest.raises(Exception) as caught:
        run(statement)
    assert message.lower() in str(caught.value).lower(), str(caught.value)[:500]
    return str(caught.value)


def test_note_2_no_create_or_replace_on_the_metastore(sql):
    sql("create table {s}.n2 using delta location '{here}' as select 1 as a")
    refused(sql, "create or replace table {s}.n2 using delta location '{here}' as select 2 as a", "replace")


def test_note_3_a_dropped_table_leaves_its_files(sql, lake):
    folder = f"file://{lake.warehouse}/{SCHEMA}/n3_{uuid.uuid4().hex[:8]}"
    sql("create table {s}.n3 using delta location '{here}' as select 1 as a", here=folder)
    sql("drop table {s}.n3")
    with pytest.raises(Exception) as caught:
        sql("create table {s}.n3 using delta location '{here}' as select 1 as a", here=folder)
    assert "already exists" in str(caught.value).lower(), str(caught.value)[:500]


def test_note_5_no_add_columns(sql):
    sql("create table {s}.n5 using delta location '{here}' as select 1 as a")
    refused(sql, "alter table {s}.n5 add columns (b string)", "unsupported")


def test_note_15_a_dropped_table_leaves_the_views_over_it(sql):
    sql("create table {s}.n25 using delta location '{here}' as select 1 as a")
    sql("create view {s}.n25_view as select * from {s}.n25")
    sql("drop table {s}.n25")
    assert "n25_view" in {r[0] for r in sql("show views in {s}")}


def test_note_17_no_set_not_null(sql):
    """(ADD CONSTRAINT ... CHECK is accepted and kept by the table; SET NOT NULL is not.)"""
    sql("create table {s}.n27 using delta location '{here}' as select 1 as a")
    refused(sql, "alter table {s}.n27 alter column a set not null", "unsupported ALTER TABLE operation")


def test_note_18_a_ctas_records_a_literal_not_null(sql, lake):
    folder = f"{lake.warehouse}/{SCHEMA}/n28_{uuid.uuid4().hex[:8]}"
    sql("create table {s}.n28 using delta location '{here}' as select 'x' as a", here=f"file://{folder}")
    log = (Path(folder) / "_delta_log" / "00000000000000000000.json").read_text().splitlines()
    schema = next(json.loads(line)["metaData"]["schemaString"] for line in log if '"metaData"' in line)
    assert json.loads(schema)["fields"][0]["nullable"] is False


def test_note_14_a_command_with_parameters_is_refused(spark, sql):
    sql("create table {s}.n23 using delta location '{here}' as select 'f' as f")
    with pytest.raises(Exception) as caught:
        spark.sql(f"delete from {SCHEMA}.n23 where f = :f", args={"f": "f"})
    assert "parameters" in str(caught.value).lower(), str(caught.value)[:500]


def test_note_16_a_dotted_table_name_is_a_namespace(sql):
    refused(sql, "create table {s}.seed.with.dots using delta location '{here}' as select 1 as a", "flat databases")


def test_note_19_a_minus_zero_offset_literal_is_refused(sql):
    refused(sql, "select timestamp '2013-11-03 00:00:00-0'", "timezone")


def test_note_20_a_date_and_timestamp_union_cannot_be_written(sql):
    statement = (
        "create table {s}.n30 using delta location '{here}' as "
        "select x from (select date'2015-12-24' as x union all select current_timestamp() as x)"
    )
    refused(sql, statement, "Timestamp(ns)")


def test_note_21_capitals_in_an_insert_column_list(sql):
    sql("create table {s}.n31 (id int, valid_to timestamp) using delta location '{here}'")
    refused(sql, "insert into {s}.n31 (id, VALID_TO) select 1, cast(null as timestamp) as VALID_TO", "no field named")


def test_note_24_a_far_future_date_against_a_timestamp_overflows(sql):
    refused(sql, "select timestamp'2020-01-01 00:00:00' = date('9999-12-31')", "Timestamp(ns)")


def test_note_6_the_csv_reader_aborts_on_a_short_line(spark, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("a,b\n1,2\n3\n4,5\n")
    with pytest.raises(Exception, match="(?i)csv|field|record|column"):
        spark.read.option("header", True).csv(f"file://{path}").collect()


def test_note_7_from_json_reformats_a_number_read_as_text(spark):
    rows = spark.sql("""select from_json('{"v": 1.10}', 'v string').v as v""").collect()
    assert rows[0][0] != "1.10", rows


def test_note_8_no_input_file_name(sql):
    refused(sql, "select input_file_name()", "input_file_name")


def test_note_10_no_optimize_or_vacuum(sql):
    sql("create table {s}.n10 using delta location '{here}' as select 1 as a")
    refused(sql, "optimize {s}.n10", "")
    refused(sql, "vacuum {s}.n10", "")

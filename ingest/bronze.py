"""Bronze tables and the two control tables: the file log and the quarantine.

The file log is append-only: a file gets a `started` row before its rows are
written and a `loaded` (or `duplicate`, `rejected`) row after. A file whose
last row is `started` was interrupted; its partial rows are deleted before it
is loaded again, so a crash is recovered by re-running.

Tables are Delta where the engine has it, parquet otherwise (configuration:
``table_format``); parquet tables take no DELETE, so there the partial rows
are removed by rewriting the table without them.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from urllib.parse import urlparse

from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import types as T

from ingest.config import IngestConfig, Source

# Added to every bronze row: when, from which file and batch; and the columns a
# drifted file had beyond the source's, as a JSON object (null when none).
LINEAGE_COLUMNS = {
    "_ingested_at": "timestamp", "_source_file": "string", "_batch_id": "string", "_rescued_data": "string",
}  # fmt: skip

FILE_LOG_SCHEMA = T.StructType([
    T.StructField("run_id", T.StringType()),
    T.StructField("batch_id", T.StringType()),
    T.StructField("source_name", T.StringType()),
    T.StructField("domain", T.StringType()),
    T.StructField("file_path", T.StringType()),
    T.StructField("file_name", T.StringType()),
    T.StructField("file_sha256", T.StringType()),
    T.StructField("file_bytes", T.LongType()),
    T.StructField("status", T.StringType()),
    T.StructField("rows_read", T.LongType()),
    T.StructField("rows_loaded", T.LongType()),
    T.StructField("rows_quarantined", T.LongType()),
    T.StructField("message", T.StringType()),
    T.StructField("logged_at", T.TimestampType()),
])  # fmt: skip

QUARANTINE_COLUMNS = {
    "source_name": "string", "domain": "string", "raw_record": "string", "reason": "string",
    "_ingested_at": "timestamp", "_source_file": "string", "_batch_id": "string",
}  # fmt: skip


class BronzeSchemaError(RuntimeError):
    """A bronze table's columns differ from what this version writes."""


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def location_root(schema: str) -> str | None:
    """Where bronze tables live: under the lake root locally, managed elsewhere."""
    explicit = os.environ.get("BRONZE_LOCATION_ROOT")
    if explicit:
        return explicit.rstrip("/")
    lake = os.environ.get("LAKE_ROOT")
    return f"file://{os.path.abspath(lake)}/warehouse/{schema}" if lake else None


class Staging:
    """A folder where each file's checked rows are written once, as parquet,
    and read back for the counts and the split into bronze and quarantine.

    Split straight from the parse, Sail pushes the `_reason` filter below the
    projection and evaluates the parse again for every column the reason reads:
    a 500K-row CSV file took ~120 s to load that way and ~5 s through this
    folder (docs/engine-notes.md, 21). Under the bronze location root, per run;
    without a location root (managed tables) rows go straight from the parse.
    """

    def __init__(self, spark: SparkSession, schema: str, run_id: str):
        self.spark = spark
        root = location_root(schema)
        self.root = f"{root}/_ingest_staging/{run_id}" if root else None

    def stage(self, df: DataFrame, name: str) -> DataFrame:
        if self.root is None:
            return df
        path = f"{self.root}/{name}"
        df.write.mode("overwrite").parquet(path)
        # with the schema given: a file with no data rows writes no parquet file to infer it from
        return self.spark.read.schema(df.schema).parquet(path)

    def clean(self) -> None:
        """Remove this run's folder where the job can reach it (a local lake)."""
        if self.root and self.root.startswith("file:"):
            shutil.rmtree(urlparse(self.root).path, ignore_errors=True)


class Bronze:
    def __init__(self, spark: SparkSession, config: IngestConfig):
        self.spark = spark
        self.config = config
        self.schema = config.bronze_schema
        self.format = config.table_format

    def name(self, table: str) -> str:
        return f"{self.schema}.{table}"

    def _create(self, table: str, columns: dict[str, str]) -> None:
        root = location_root(self.schema)
        cols = ", ".join(f"`{c}` {t}" for c, t in columns.items())
        location = f" location '{root}/{table}'" if root else ""
        self.spark.sql(f"create table if not exists {self.name(table)} ({cols}) using {self.format}{location}")

    def ensure(self, sources: list[Source]) -> None:
        """Create the schema, the control tables and the sources' tables if absent."""
        root = location_root(self.schema)
        location = f" location '{root}'" if root else ""
        self.spark.sql(f"create schema if not exists {self.schema}{location}")
        self._create(self.config.file_log_table, {f.name: f.dataType.simpleString() for f in FILE_LOG_SCHEMA.fields})
        self._create(self.config.quarantine_table, QUARANTINE_COLUMNS)
        for source in sources:
            self._create(source.table, {**source.columns, **LINEAGE_COLUMNS})
            self._check_columns(source.table, [*source.columns, *LINEAGE_COLUMNS])

    def _check_columns(self, table: str, expected: list[str]) -> None:
        """A table made by an older version (or edited by hand) is refused
        before anything is appended to it, with what to do."""
        present = [c.lower() for c in self.spark.table(self.name(table)).columns]
        if present != expected:
            raise BronzeSchemaError(
                f"bronze table {self.name(table)} has columns {present}, but this version writes {expected}. "
                f"It was created by an older version of the project (e.g. before `_rescued_data`): rebuild the "
                f"lake (`make clean && make run`), or load into a new schema (--bronze-schema)."
            )

    # --- the file log ------------------------------------------------------

    def file_states(self, source: Source) -> tuple[set[str], set[str]]:
        """(sha256 of files loaded for `source`, paths whose last entry is `started`)."""
        rows = self.spark.sql(
            f"""
            select file_path, file_sha256, status from (
              select file_path, file_sha256, status,
                     row_number() over (partition by file_path order by logged_at desc, status desc) as rn
              from {self.name(self.config.file_log_table)}
              where source_name = '{source.name}'
            ) where rn = 1
            """
        ).collect()
        loaded = {r.file_sha256 for r in rows if r.status in ("loaded", "duplicate")}
        interrupted = {r.file_path for r in rows if r.status == "started"}
        return loaded, interrupted

    def log(self, **entry) -> None:
        row = {f.name: entry.get(f.name) for f in FILE_LOG_SCHEMA.fields}
        row["logged_at"] = row["logged_at"] or now()
        df = self.spark.createDataFrame([Row(**row)], FILE_LOG_SCHEMA)
        self.append(self.config.file_log_table, df)

    # --- rows ----------------------------------------------------------------

    def forget_partial(self, source: Source, file_path: str) -> None:
        """Delete rows an interrupted load of `file_path` left behind."""
        quoted = file_path.replace("'", "''")
        self._delete(source.table, f"_source_file = '{quoted}'")
        self._delete(self.config.quarantine_table, f"source_name = '{source.name}' and _source_file = '{quoted}'")

    def _delete(self, table: str, condition: str) -> None:
        if self.format == "delta":
            self.spark.sql(f"delete from {self.name(table)} where {condition}")
            return
        # A table cannot be overwritten from itself: keep the survivors aside.
        kept = self.name(f"{table}__kept")
        self.spark.sql(f"drop table if exists {kept}")
        self.spark.sql(f"create table {kept} using parquet as select * from {self.name(table)} where not ({condition})")
        self.spark.sql(f"insert overwrite table {self.name(table)} select * from {kept}")
        self.spark.sql(f"drop table {kept}")

    def append(self, table: str, df: DataFrame) -> None:
        df.write.mode("append").insertInto(self.name(table))

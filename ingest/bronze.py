"""Bronze tables and the two control tables: the file log and the quarantine.

The file log is append-only: a file gets a `started` row before its rows are
written and a `loaded` (or `rejected`) row after. A file whose last row is
`started` was interrupted; its partial rows are deleted before it is loaded
again, so a crash is recovered by re-running. Rows are found by their load's
`_ingested_at` stamp (the `started` row's `logged_at`), an integer of the
job's own clock: no text from a file name or a file ever reaches SQL.
Every other outcome of a run (skipped, waiting, changed, ignored, ...) is
logged too, in one append at the end of the run.

Tables are Delta where the engine has it, parquet otherwise (configuration:
``table_format``); parquet tables take no DELETE, so there the partial rows
are removed by rewriting the table without them.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

import pyarrow.parquet as pq
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import types as T

from ingest.config import IDENTIFIER, IngestConfig, Source

# Added to every bronze row: when, from which file and batch; and the columns a
# drifted file had beyond the source's, as a JSON object (null when none).
LINEAGE_COLUMNS = {
    "_ingested_at": "timestamp",
    "_source_file": "string",
    "_batch_id": "string",
    "_rescued_data": "string",
}

FILE_LOG_SCHEMA = T.StructType(
    [
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
    ]
)

QUARANTINE_COLUMNS = {
    "source_name": "string",
    "domain": "string",
    "raw_record": "string",
    "reason": "string",
    "_ingested_at": "timestamp",
    "_source_file": "string",
    "_batch_id": "string",
}


@dataclass(frozen=True)
class FileState:
    """The last load event of a file path, and the stamp of its last load's rows."""

    status: str
    sha256: str
    stamp_micros: int
    logged_at: datetime
    message: str = ""
    file_bytes: int | None = None
    rows_stamp_micros: int | None = None  # the `started` stamp its rows carry


def _identifier(name: str) -> str:
    """A configuration name on its way into SQL, checked once more where it is used."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not an identifier")
    return name


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class BronzeSchemaError(RuntimeError):
    """A bronze table's columns differ from what this version writes."""


def now() -> datetime:
    """This instant in UTC, to the microsecond."""
    return datetime.now(timezone.utc)


def micros(stamp: datetime) -> int:
    """Microseconds since the epoch: how a stamp reaches SQL (timestamp_micros)."""
    return (stamp - EPOCH) // timedelta(microseconds=1)


class Staging:
    """This run's private folder: each file's snapshot and its checked rows,
    written by the job as parquet and appended to bronze from there.

    Under the bronze location root where the engine reads the job's disk
    (a local lake); elsewhere a temporary folder, whose rows reach the engine
    as DataFrames. Removed at the end of the run.
    """

    def __init__(self, spark: SparkSession, root: str | None, run_id: str):
        self.spark = spark
        if root and root.startswith("file:"):
            self.path = Path(urlparse(root).path) / "_ingest_staging" / run_id
            self.shared = True
        else:
            self.path = Path(tempfile.mkdtemp(prefix=f"ingest_{run_id}_"))
            self.shared = False
        self.path.mkdir(parents=True, exist_ok=True)
        self._count = 0

    def folder(self) -> Path:
        """A new empty folder for one file."""
        self._count += 1
        path = self.path / f"{self._count:05d}"
        path.mkdir()
        return path

    def frame(self, parquet: Path) -> DataFrame:
        if self.shared:
            return self.spark.read.parquet(parquet.resolve().as_uri())
        return self.spark.createDataFrame(pq.read_table(parquet))

    def clean(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if self.shared:
            try:
                self.path.parent.rmdir()  # the parent, once no other run uses it
            except OSError:
                pass


class Bronze:
    def __init__(self, spark: SparkSession, config: IngestConfig):
        self.spark = spark
        self.config = config
        self.schema = config.bronze_schema
        self.format = config.table_format

    def name(self, table: str) -> str:
        return f"{self.schema}.{table}"

    def _create(self, table: str, columns: dict[str, str]) -> None:
        root = self.config.bronze_location()
        cols = ", ".join(f"`{c}` {t}" for c, t in columns.items())
        location = f" location '{root}/{table}'" if root else ""
        self.spark.sql(f"create table if not exists {self.name(table)} ({cols}) using {self.format}{location}")

    def ensure(self, sources: list[Source]) -> None:
        """Create the schema, the control tables and the sources' tables if absent."""
        root = self.config.bronze_location()
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

    def file_states(self, source: Source) -> dict[str, FileState]:
        """The last load event (started, loaded, rejected) of each file path of
        `source`, with the stamp of the rows its last `started` event wrote."""
        rows = self.spark.sql(
            f"""
            select file_path, file_sha256, status, unix_micros(logged_at) as stamp, logged_at, message, file_bytes,
                   rows_stamp from (
              select *,
                     row_number() over (partition by file_path order by logged_at desc, status desc) as rn,
                     max(case when status = 'started' then unix_micros(logged_at) end)
                       over (partition by file_path) as rows_stamp
              from {self.name(self.config.file_log_table)}
              where source_name = :source and status in ('started', 'loaded', 'rejected', 'duplicate')
            ) where rn = 1
            """,
            args={"source": source.name},
        ).collect()
        return {
            r.file_path: FileState(
                r.status, r.file_sha256, r.stamp, r.logged_at, r.message or "", r.file_bytes, r.rows_stamp
            )
            for r in rows
        }

    def log(self, *entries: dict) -> None:
        if not entries:
            return
        rows = []
        for entry in entries:
            row = {f.name: entry.get(f.name) for f in FILE_LOG_SCHEMA.fields}
            row["logged_at"] = row["logged_at"] or now()
            rows.append(Row(**row))
        self.append(self.config.file_log_table, self.spark.createDataFrame(rows, FILE_LOG_SCHEMA))

    # --- rows ----------------------------------------------------------------

    def forget_partial(self, source: Source, stamp_micros: int) -> None:
        """Delete the rows an interrupted load stamped `stamp_micros` left behind."""
        when = f"_ingested_at = timestamp_micros({int(stamp_micros)})"
        self._delete(source.table, when)
        self._delete(self.config.quarantine_table, f"{when} and source_name = '{_identifier(source.name)}'")

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

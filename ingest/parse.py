"""Turn one landing file into a DataFrame of typed columns plus `_raw` (the
record as delivered) and `_reason` (why it is quarantined; null when good).

Only the DataFrame API is used, so the same code runs on Sail, Spark and
Databricks. CSV is parsed from text lines rather than with the CSV reader:
Sail's reader aborts the whole file on a line with the wrong number of fields,
and its from_csv ignores quotes (docs/engine-notes.md). A regular expression
splits each line into fields, honouring double-quoted fields; a line whose
fields do not re-join to the line itself, or that has the wrong number of
fields, is unparseable.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ingest.config import Source

# One CSV field followed by its delimiter: a quoted field (with "" escapes) or
# an unquoted run without delimiters or quotes. The line gets a trailing comma
# so every field, the last included, ends with one.
CSV_FIELD = r'("(?:[^"]|"")*"|[^,"]*),'


class FileRejected(Exception):
    """The whole file cannot be loaded (unreadable, wrong header or schema)."""


def _unquote(field: Column) -> Column:
    inner = F.regexp_replace(field.substr(F.lit(2), F.length(field) - 2), '""', '"')
    value = F.when(field.startswith('"'), inner).otherwise(field)
    return F.when(value == "", F.lit(None)).otherwise(value)


def _csv(spark: SparkSession, source: Source, uri: str, first_line: str | None) -> DataFrame:
    # The header comes from the caller: a text read has no reliable "first row"
    # once the engine splits the file into several partitions.
    expected = ",".join(source.columns)
    if not first_line:
        raise FileRejected("the file is empty (no header line)")
    header = first_line.lstrip("\ufeff").strip()
    if header.lower() != expected:
        raise FileRejected(f"header does not match the source's columns: expected {expected!r}, found {header[:300]!r}")
    lines = spark.read.text(uri)
    data = lines.filter((F.trim("value") != "") & (F.col("value") != first_line))
    fields = F.expr(f"regexp_extract_all(concat(value, ','), '{CSV_FIELD}', 1)")
    parsed = data.select(F.col("value").alias("_raw"), fields.alias("_fields"))
    ok = (F.array_join("_fields", ",") == F.col("_raw")) & (F.size("_fields") == len(source.columns))
    cols = [_unquote(F.get("_fields", i)).alias(name) for i, name in enumerate(source.columns)]
    return parsed.select(
        *cols,
        "_raw",
        F.when(ok, F.lit(None)).otherwise(
            F.concat(F.lit(f"unparseable line: expected {len(source.columns)} fields, found "), F.size("_fields"))
        ).alias("_parse_error"),
    )


def _json(spark: SparkSession, source: Source, uri: str, first_line: str | None) -> DataFrame:
    lines = spark.read.text(uri).filter(F.trim("value") != "")
    schema = ", ".join(f"`{c}` STRING" for c in source.columns)
    parsed = lines.select(F.col("value").alias("_raw"), F.from_json("value", schema).alias("_rec"))
    valid = F.expr("json_object_keys(_raw)").isNotNull()
    return parsed.select(
        *[F.col(f"_rec.{c}").alias(c) for c in source.columns],
        "_raw",
        F.when(valid, F.lit(None)).otherwise(F.lit("unparseable line: not a JSON object")).alias("_parse_error"),
    )


def _parquet(spark: SparkSession, source: Source, uri: str, first_line: str | None) -> DataFrame:
    df = spark.read.parquet(uri)
    present = {c.lower() for c in df.columns}
    missing = [c for c in source.columns if c not in present]
    if missing:
        raise FileRejected(f"columns missing from the file: {', '.join(missing)}")
    return df.select(
        *[F.col(c) for c in source.columns],
        F.to_json(F.struct(*[F.col(c) for c in source.columns])).alias("_raw"),
        F.lit(None).cast("string").alias("_parse_error"),
    )


READERS = {"csv": _csv, "json": _json, "parquet": _parquet}


def read_checked(spark: SparkSession, source: Source, uri: str, first_line: str | None = None) -> DataFrame:
    """Typed columns, `_raw` and `_reason` for every data row of the file.

    `first_line` is the file's first line (the header of a CSV file)."""
    df = READERS[source.format](spark, source, uri, first_line)
    typed, problems = [], []
    for name, typ in source.columns.items():
        value = F.col(name) if typ == "string" else F.expr(f"try_cast(`{name}` as {typ})")
        typed.append(value.alias(name))
        if typ != "string":
            problems.append(
                F.when(F.col(name).isNotNull() & value.isNull(),
                       F.concat(F.lit(f"{name}: cannot read '"), F.col(name).cast("string"), F.lit(f"' as {typ}")))
            )  # fmt: skip
    for name in source.required:
        problems.append(F.when(F.col(name).isNull(), F.lit(f"{name}: required value is missing")))
    reason = F.coalesce(F.col("_parse_error"), F.nullif(F.concat_ws("; ", *problems), F.lit("")))
    return df.select(*typed, "_raw", reason.alias("_reason"))

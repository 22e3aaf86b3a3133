"""Turn one landing file into a DataFrame of typed columns plus `_raw` (the
record as delivered) and `_reason` (why it is quarantined; null when good).

Only the DataFrame API is used, so the same code runs on Sail, Spark and
Databricks. CSV is parsed from text lines rather than with the CSV reader:
Sail's reader aborts the whole file on a line with the wrong number of fields,
and its from_csv ignores quotes (docs/engine-notes.md). A regular expression
splits each line into fields, honouring double-quoted fields; a line whose
fields do not re-join to the line itself, or that has the wrong number of
fields, is unparseable.

Schema drift: columns a file has beyond the source's are kept, as a JSON
object in `_rescued_data`; columns it lacks are loaded as null, unless they
are required, which refuses the file. What drifted is returned as a note for
the file log.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ingest.config import Source

# One CSV field followed by its delimiter: a quoted field (with "" escapes) or
# an unquoted run without delimiters or quotes. The line gets a trailing comma
# so every field, the last included, ends with one.
CSV_FIELD = r'("(?:[^"]|"")*"|[^,"]*),'


class FileRejected(Exception):
    """The whole file cannot be loaded (unreadable, wrong header or schema)."""


@dataclass(frozen=True)
class Drift:
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    def note(self) -> str:
        parts = []
        if self.extra:
            parts.append(f"extra column(s) {', '.join(self.extra)} kept in _rescued_data")
        if self.missing:
            parts.append(f"missing column(s) {', '.join(self.missing)} loaded as null")
        return "schema drift: " + "; ".join(parts) if parts else ""


def drift_of(source: Source, present: list[str]) -> Drift:
    """Compare a file's columns with the source's; refuse what cannot be loaded."""
    expected = list(source.columns)
    duplicated = sorted({c for c in present if present.count(c) > 1})
    if duplicated:
        raise FileRejected(f"duplicate column(s) in the file: {', '.join(duplicated)}")
    missing = [c for c in expected if c not in present]
    lacking = [c for c in missing if c in source.required]
    if lacking or len(missing) == len(expected):
        raise FileRejected(
            f"columns do not match the source: required {', '.join(lacking or expected)} missing; "
            f"expected {','.join(expected)!r}, found {','.join(present)[:300]!r} (wrong delimiter or file?)"
        )
    return Drift(tuple(missing), tuple(c for c in present if c not in expected))


def _rescued(pairs: list[tuple[str, Column]]) -> Column:
    if not pairs:
        return F.lit(None).cast("string")
    names = F.array(*[F.lit(n) for n, _ in pairs])
    return F.to_json(F.map_from_arrays(names, F.array(*[v.cast("string") for _, v in pairs])))


def _unquote(field: Column) -> Column:
    inner = F.regexp_replace(field.substr(F.lit(2), F.length(field) - 2), '""', '"')
    value = F.when(field.startswith('"'), inner).otherwise(field)
    return F.when(value == "", F.lit(None)).otherwise(value)


def _csv(spark: SparkSession, source: Source, uri: str, first_line: str | None) -> tuple[DataFrame, Drift]:
    # The header comes from the caller: a text read has no reliable "first row"
    # once the engine splits the file into several partitions.
    if not first_line:
        raise FileRejected("the file is empty (no header line)")
    header = [c.strip().lower() for c in next(csv.reader([first_line.lstrip("\ufeff")]))]
    drift = drift_of(source, header)
    lines = spark.read.text(uri)
    data = lines.filter((F.trim("value") != "") & (F.col("value") != first_line))
    fields = F.expr(f"regexp_extract_all(concat(value, ','), '{CSV_FIELD}', 1)")
    parsed = data.select(F.col("value").alias("_raw"), fields.alias("_fields"))
    ok = (F.array_join("_fields", ",") == F.col("_raw")) & (F.size("_fields") == len(header))

    def field(name: str) -> Column:
        return _unquote(F.get("_fields", header.index(name))) if name in header else F.lit(None).cast("string")

    df = parsed.select(
        *[field(name).alias(name) for name in source.columns],
        "_raw",
        _rescued([(name, field(name)) for name in drift.extra]).alias("_rescued_data"),
        F.when(ok, F.lit(None)).otherwise(
            F.concat(F.lit(f"unparseable line: expected {len(header)} fields, found "), F.size("_fields"))
        ).alias("_parse_error"),
    )
    return df, drift


def _json(spark: SparkSession, source: Source, uri: str, first_line: str | None) -> tuple[DataFrame, Drift]:
    # Keys are per line, so drift is per row: unknown keys are rescued row by
    # row, and missing keys are nulls (a missing required one quarantines it).
    lines = spark.read.text(uri).filter(F.trim("value") != "")
    schema = ", ".join(f"`{c}` STRING" for c in source.columns)
    parsed = lines.select(F.col("value").alias("_raw"), F.from_json("value", schema).alias("_rec"))
    valid = F.expr("json_object_keys(_raw)").isNotNull()
    known = ", ".join(f"'{c}'" for c in source.columns)
    extra = F.expr(f"map_filter(from_json(_raw, 'map<string,string>'), (k, v) -> not array_contains(array({known}), k))")
    df = parsed.select(
        *[F.col(f"_rec.{c}").alias(c) for c in source.columns],
        "_raw",
        F.when(F.size(extra) > 0, F.to_json(extra)).alias("_rescued_data"),
        F.when(valid, F.lit(None)).otherwise(F.lit("unparseable line: not a JSON object")).alias("_parse_error"),
    )
    return df, Drift()


def _parquet(spark: SparkSession, source: Source, uri: str, first_line: str | None) -> tuple[DataFrame, Drift]:
    df = spark.read.parquet(uri)
    by_name = {c.lower(): c for c in df.columns}
    drift = drift_of(source, list(by_name))

    def column(name: str) -> Column:
        return F.col(f"`{by_name[name]}`") if name in by_name else F.lit(None).cast("string")

    df = df.select(
        *[column(c).alias(c) for c in source.columns],
        F.to_json(F.struct(*[F.col(f"`{c}`") for c in df.columns])).alias("_raw"),
        _rescued([(c, column(c)) for c in drift.extra]).alias("_rescued_data"),
        F.lit(None).cast("string").alias("_parse_error"),
    )
    return df, drift


READERS = {"csv": _csv, "json": _json, "parquet": _parquet}


def read_checked(
    spark: SparkSession, source: Source, uri: str, first_line: str | None = None
) -> tuple[DataFrame, Drift]:
    """Typed columns, `_raw`, `_rescued_data` and `_reason` for every data row
    of the file, and the file's schema drift.

    `first_line` is the file's first line (the header of a CSV file)."""
    df, drift = READERS[source.format](spark, source, uri, first_line)
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
    return df.select(*typed, "_raw", "_rescued_data", reason.alias("_reason")), drift

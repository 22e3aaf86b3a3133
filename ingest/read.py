"""Read one file snapshot into records: CSV (RFC 4180), JSON (lines, an
array, or concatenated objects) and parquet.

Readers run in the ingest job's own process, not in the engine, so every
engine lands the same rows: Sail's CSV reader aborts a whole file on one bad
line, Spark's silently nulls values, neither keeps a record's raw text.
A reader yields `Chunk`s of records; `ingest.check` turns them into typed
rows or quarantined ones. A problem with the file as a whole raises
`FileProblem` with the line and the cause.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.config import Source
from ingest.landing import FileProblem
from ingest.values import JsonNumber

CHUNK_ROWS = 50_000
csv.field_size_limit(1 << 30)  # one field may be large; the file's size bounds it anyway


@dataclass(frozen=True)
class Drift:
    """Columns a file has beyond the source's, and declared ones it lacks."""

    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def note(self) -> str:
        parts = []
        if self.extra:
            parts.append(f"extra column(s) {', '.join(self.extra)} kept in _rescued_data")
        if self.missing:
            parts.append(f"missing column(s) {', '.join(self.missing)} loaded as null")
        text = "schema drift: " + "; ".join(parts) if parts else ""
        return "; ".join([text, *self.notes] if text else self.notes)


@dataclass
class Chunk:
    """Records of a file in columns: the delivered value of each source column
    (a Python value, or a pyarrow array for parquet), the record's line and
    raw text, the columns beyond the source's, and a parse error if any."""

    lines: list[int] = field(default_factory=list)
    raw: list[str | None] = field(default_factory=list)
    errors: list[str | None] = field(default_factory=list)
    rescued: list[dict[str, Any] | None] = field(default_factory=list)
    columns: dict[str, list[Any] | pa.Array] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, line: int, raw: str, values: dict[str, Any] | None, rescued=None, error: str | None = None):
        self.lines.append(line)
        self.raw.append(raw)
        self.errors.append(error)
        self.rescued.append(rescued or None)
        for name, column in self.columns.items():
            column.append(values.get(name) if values else None)


def drift_of(source: Source, present: list[str]) -> Drift:
    """Compare a file's columns with the source's; refuse what cannot be loaded."""
    expected = list(source.columns)
    duplicated = sorted({c for c in present if present.count(c) > 1})
    if duplicated:
        raise FileProblem(f"duplicate column(s) in the file: {', '.join(duplicated)}")
    missing = [c for c in expected if c not in present]
    lacking = [c for c in missing if c in source.required]
    if lacking or len(missing) == len(expected):
        raise FileProblem(
            f"columns do not match the source: required {', '.join(lacking or expected)} missing; "
            f"expected {','.join(expected)!r}, found {','.join(present)[:300]!r} (wrong delimiter or file?)"
        )
    return Drift(tuple(missing), tuple(c for c in present if c not in expected))


def _new_chunk(source: Source) -> Chunk:
    return Chunk(columns={name: [] for name in source.columns})


# --- CSV ---------------------------------------------------------------------


class _LineTap:
    """The lines the csv module reads, kept until the record they form is taken."""

    def __init__(self, handle: io.TextIOBase):
        self.handle = handle
        self.line = 0
        self.held: list[str] = []
        self.eof = False

    def __iter__(self):
        return self

    def __next__(self) -> str:
        text = self.handle.readline()
        if not text:
            self.eof = True
            raise StopIteration
        self.line += 1
        self.held.append(text)
        return text

    def take(self) -> tuple[int, str]:
        """(first line number, raw text without its final line break) of the record read last."""
        first = self.line - len(self.held) + 1
        raw = "".join(self.held)
        self.held = []
        return first, raw[:-2] if raw.endswith("\r\n") else raw.rstrip("\r\n") if raw[-1:] in "\r\n" else raw


def _is_blank(record: list[str]) -> bool:
    return not record or (len(record) == 1 and not record[0].strip())


def _norm(names: list[str]) -> list[str]:
    return [n.strip().lower() for n in names]


def read_csv(snapshot: Path, source: Source) -> tuple[Drift, Iterator[Chunk]]:
    handle = open(snapshot, encoding="utf-8-sig", newline="")
    tap = _LineTap(handle)
    reader = csv.reader(tap, strict=True)
    header = None
    try:
        for record in reader:
            if not _is_blank(record):
                header = _norm(record)
                break
            tap.take()
    except csv.Error as err:
        handle.close()
        raise FileProblem(f"line {tap.line}: the header line cannot be read as CSV ({err})") from None
    if header is None:
        handle.close()
        raise FileProblem("the file is empty" if tap.line == 0 else "the file has only blank lines (no header)")
    tap.take()
    drift = drift_of(source, header)
    return drift, _csv_chunks(handle, tap, reader, source, header, drift)


class _CsvChunk:
    """Records in the first header's column order, turned into a `Chunk` at once."""

    def __init__(self, source: Source, header: list[str], drift: Drift):
        self.source, self.header, self.drift = source, header, drift
        self.lines: list[int] = []
        self.raw: list[str] = []
        self.errors: list[str | None] = []
        self.rows: list[list[str] | None] = []

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, line: int, raw: str, row: list[str] | None, error: str | None = None) -> None:
        self.lines.append(line)
        self.raw.append(raw)
        self.errors.append(error)
        self.rows.append(row)

    def chunk(self) -> Chunk:
        width, n = len(self.header), len(self.lines)
        blank = [""] * width
        by_position = list(zip(*[row or blank for row in self.rows])) if n else [()] * width
        delivered = {name: [v or None for v in by_position[i]] for i, name in enumerate(self.header)}
        columns = {name: delivered.get(name) or [None] * n for name in self.source.columns}
        extra = [delivered[name] for name in self.drift.extra]
        rescued = [{k: v for k, v in zip(self.drift.extra, vals) if v is not None} or None for vals in zip(*extra)]
        return Chunk(self.lines, self.raw, self.errors, rescued or [None] * n, columns)


def _csv_chunks(handle, tap: _LineTap, reader, source: Source, header: list[str], drift: Drift) -> Iterator[Chunk]:
    with handle:
        first, order = header, None  # order: positions of the first header's columns in a repeated one
        names = set(first)
        chunk = _CsvChunk(source, header, drift)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                line, raw = tap.take()
                if tap.eof:  # the reader ran to the end inside an open quoted field
                    raise FileProblem(f"line {line}: a quoted field opened here is never closed ({err})") from None
                chunk.add(line, raw, None, error=f"line {line}: not valid CSV ({err})")
                continue
            line, raw = tap.take()
            if len(record) < 2 and _is_blank(record):
                continue
            if record[0].strip().lower() in names and sorted(_norm(record)) == sorted(first):
                # a repeated header (files joined together): it names the columns of the rows after it
                again = _norm(record)
                order = None if again == first else [again.index(name) for name in first]
                continue
            if len(record) != len(first):
                chunk.add(line, raw, None, error=f"line {line}: expected {len(first)} fields, found {len(record)}")
            else:
                chunk.add(line, raw, record if order is None else [record[i] for i in order])
            if len(chunk) >= CHUNK_ROWS:
                yield chunk.chunk()
                chunk = _CsvChunk(source, header, drift)
        if len(chunk):
            yield chunk.chunk()


# --- JSON --------------------------------------------------------------------


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [k for k, _ in pairs]
        raise ValueError(f"duplicate key(s) {', '.join(sorted({k for k in keys if keys.count(k) > 1}))}")
    return result


DECODER = json.JSONDecoder(
    parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=_no_constants, object_pairs_hook=_object_pairs
)
WHITESPACE = re.compile(r"\s*")


def _json_error(err: Exception) -> str:
    if isinstance(err, RecursionError):
        return "nested too deeply"
    return err.msg if isinstance(err, json.JSONDecodeError) else str(err)


def read_json(snapshot: Path, source: Source) -> tuple[Drift, Iterator[Chunk]]:
    with open(snapshot, encoding="utf-8-sig") as handle:
        start = handle.read(4096).lstrip()
    if not start:
        raise FileProblem("the file is empty")
    if start.startswith("["):
        return Drift(), _json_document(snapshot, source, array=True)
    return Drift(), _json_lines(snapshot, source)


def _record(chunk: Chunk, source: Source, line: int, raw: str, value: Any, where: str) -> None:
    if not isinstance(value, dict):
        kind = {list: "an array", str: "a string"}.get(
            type(value), "a number" if isinstance(value, JsonNumber) else "a value"
        )
        chunk.add(line, raw, None, error=f"{where}: {kind}, not a JSON object")
        return
    extra = {k: v for k, v in value.items() if k not in source.columns}
    chunk.add(line, raw, value, extra)


def _json_lines(snapshot: Path, source: Source) -> Iterator[Chunk]:
    chunk, good, bad = _new_chunk(source), 0, 0
    with open(snapshot, encoding="utf-8-sig", newline="") as handle:
        for number, text in enumerate(handle, 1):
            raw = text.rstrip("\r\n")
            if not raw.strip():
                continue
            try:
                value = DECODER.decode(raw)
            except (ValueError, RecursionError) as err:
                chunk.add(number, raw, None, error=f"line {number}: not valid JSON ({_json_error(err)})")
                bad += 1
            else:
                _record(chunk, source, number, raw, value, f"line {number}")
                good += 1
            if len(chunk) >= CHUNK_ROWS:
                yield chunk
                chunk = _new_chunk(source)
    if good == 0 and bad > 1 and len(chunk) == bad:
        # no line is a whole JSON value: maybe objects spread over lines
        try:
            yield from _json_document(snapshot, source, array=False)
            return
        except FileProblem:
            pass
    if len(chunk):
        yield chunk


def _json_document(snapshot: Path, source: Source, array: bool) -> Iterator[Chunk]:
    """A JSON array of objects, or JSON objects one after another: read whole or
    refused whole, never half."""
    text = snapshot.read_text(encoding="utf-8-sig")
    values, pos = [], WHITESPACE.match(text, 0).end()
    try:
        while pos < len(text):
            start = pos
            value, pos = DECODER.raw_decode(text, pos)
            values.append((text.count("\n", 0, start) + 1, text[start:pos], value))
            pos = WHITESPACE.match(text, pos).end()
    except (ValueError, RecursionError) as err:
        line = text.count("\n", 0, getattr(err, "pos", pos)) + 1
        kind = "a JSON array" if array else "JSON lines"
        raise FileProblem(f"line {line}: not valid JSON ({_json_error(err)}); the file is read as {kind}") from None
    if array:
        if len(values) != 1 or not isinstance(values[0][2], list):
            raise FileProblem("a file that starts with '[' must be one JSON array of objects")
        line = values[0][0]
        values = [(line, json.dumps(v, ensure_ascii=False), v) for v in values[0][2]]
    chunk = _new_chunk(source)
    for index, (line, raw, value) in enumerate(values, 1):
        _record(chunk, source, line, raw, value, f"element {index}" if array else f"line {line}")
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = _new_chunk(source)
    if len(chunk):
        yield chunk


# --- parquet -------------------------------------------------------------------


def read_parquet(snapshot: Path, source: Source) -> tuple[Drift, Iterator[Chunk]]:
    try:
        parquet = pq.ParquetFile(snapshot)
    except (pa.ArrowException, OSError) as err:
        raise FileProblem(f"unreadable parquet file: {err}") from None
    by_name = {name.lower(): name for name in parquet.schema_arrow.names}
    drift = drift_of(source, list(by_name))
    return drift, _parquet_chunks(parquet, source, by_name, drift)


def _parquet_chunks(parquet: pq.ParquetFile, source: Source, by_name: dict[str, str], drift: Drift) -> Iterator[Chunk]:
    seen = 0
    try:
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
            n = batch.num_rows
            columns = {
                name: batch.column(by_name[name]) if name in by_name else pa.nulls(n, pa.string())
                for name in source.columns
            }
            extra = [batch.column(by_name[name]).to_pylist() for name in drift.extra]
            rescued = [{n: v for n, v in zip(drift.extra, row) if v is not None} or None for row in zip(*extra)]
            yield Chunk(
                lines=list(range(seen + 1, seen + n + 1)),
                raw=[None] * n,  # made for quarantined rows only (ingest.check)
                errors=[None] * n,
                rescued=rescued or [None] * n,
                columns=columns,
            )
            seen += n
    except (pa.ArrowException, OSError) as err:
        raise FileProblem(f"unreadable parquet file at row {seen + 1}: {err}") from None


READERS = {"csv": read_csv, "json": read_json, "parquet": read_parquet}


def read(snapshot: Path, source: Source) -> tuple[Drift, Iterator[Chunk]]:
    """The file's schema drift and its records, in chunks."""
    return READERS[source.format](snapshot, source)

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
import unicodedata
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
# The longest line (CSV record line, JSON line) a file may have, in characters.
# Reading holds a line whole, at about ten times its size; a longer line is
# quarantined with its first characters, never read whole, so memory is bounded
# whatever a file holds (a gzip of a few KiB can expand to a gigabyte on one line).
MAX_LINE_CHARS = 16 << 20
# A JSON array, or objects spread over lines, is parsed whole: at most this size.
MAX_DOCUMENT_BYTES = 256 << 20
PREVIEW_CHARS = 1_000
csv.field_size_limit(MAX_LINE_CHARS)
BOM = "\ufeff"


class LineTooLong(Exception):
    """A line past MAX_LINE_CHARS: its start is kept, the rest was skipped."""

    def __init__(self, line: int, chars: int, preview: str):
        super().__init__(f"line {line}")
        self.line, self.chars, self.preview = line, chars, preview

    def reason(self) -> str:
        return (
            f"line {self.line}: {self.chars:,} characters long, more than the {MAX_LINE_CHARS:,} a line may have; "
            f"not loaded (its first {PREVIEW_CHARS:,} characters are kept here)"
        )


def read_line(handle: io.TextIOBase, number: int) -> str:
    """The next line, or LineTooLong after skipping the rest of a line too long to hold."""
    text = handle.readline(MAX_LINE_CHARS + 1)
    if len(text) <= MAX_LINE_CHARS or text.endswith(("\n", "\r")):
        return text
    preview, chars = text[:PREVIEW_CHARS], len(text)
    while text and not text.endswith(("\n", "\r")):
        text = handle.readline(MAX_LINE_CHARS)
        chars += len(text.rstrip("\r\n"))
    raise LineTooLong(number, chars, preview)


def shown(name: str) -> str:
    """A column name as a message shows it: invisible characters escaped, so two
    names that print alike are told apart; an empty name says so."""
    if not name:
        return "(unnamed)"
    if name.isprintable() and not any(unicodedata.category(c) == "Cf" for c in name):
        return name
    return name.encode("ascii", "backslashreplace").decode("ascii")


@dataclass(frozen=True)
class Drift:
    """Columns a file has beyond the source's, and declared ones it lacks."""

    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def note(self) -> str:
        parts = []
        if self.extra:
            parts.append(f"extra column(s) {', '.join(map(shown, self.extra))} kept in _rescued_data")
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
    unnamed = [str(i) for i, c in enumerate(present, 1) if not c]
    if len(unnamed) > 1:
        raise FileProblem(f"{len(unnamed)} columns have no name (positions {', '.join(unnamed)}): name every column")
    duplicated = sorted({c for c in present if present.count(c) > 1})
    if duplicated:
        raise FileProblem(
            f"column(s) named more than once (letter case and surrounding spaces ignored): "
            f"{', '.join(map(shown, duplicated))}"
        )
    missing = [c for c in expected if c not in present]
    lacking = [c for c in missing if c in source.required]
    if lacking or len(missing) == len(expected):
        found = ",".join(map(shown, present))
        raise FileProblem(
            f"columns do not match the source: required {', '.join(lacking or expected)} missing; "
            f"expected {','.join(expected)!r}, found {found[:300]!r} (wrong delimiter or file?)"
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
        try:
            text = read_line(self.handle, self.line + 1)
        except LineTooLong:
            self.line += 1
            self.held = []
            raise
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
    """Header names as matched: letter case and surrounding spaces ignored, and the
    byte-order mark a spreadsheet's "CSV UTF-8" export starts with (files joined
    end to end carry one before each header)."""
    return [n.strip().lstrip(BOM).strip().lower() for n in names]


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
    except LineTooLong as err:
        handle.close()
        raise FileProblem(f"the header is too long: {err.reason()}") from None
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
            except LineTooLong as err:
                tap.take()
                chunk.add(err.line, err.preview, None, error=err.reason())
                continue
            except csv.Error as err:
                line, raw = tap.take()
                if tap.eof:  # the reader ran to the end inside an open quoted field
                    raise FileProblem(f"line {line}: a quoted field opened here is never closed ({err})") from None
                chunk.add(line, raw, None, error=f"line {line}: not valid CSV ({err})")
                continue
            line, raw = tap.take()
            if len(record) < 2 and _is_blank(record):
                continue
            if _norm(record[:1])[0] in names and sorted(_norm(record)) == sorted(first):
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
    # keys match columns as CSV headers and parquet columns do: letter case and
    # surrounding spaces ignored; keys beyond the source's keep their own spelling
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, item in value.items():
        column = _norm([key])[0]
        if column not in source.columns:
            extra[key] = item
        elif column in values:
            same = [k for k in value if _norm([k])[0] == column]
            chunk.add(line, raw, None, error=f"{where}: keys {', '.join(map(repr, same))} both name column {column}")
            return
        else:
            values[column] = item
    chunk.add(line, raw, values, extra)


def _values_on_one_line(raw: str) -> list[tuple[str, Any]] | None:
    """JSON values written one after another on a line (no newline between
    them): each with its text, or None when the line is not such a run."""
    values, pos = [], WHITESPACE.match(raw, 0).end()
    try:
        while pos < len(raw):
            value, end = DECODER.raw_decode(raw, pos)
            values.append((raw[pos:end], value))
            pos = WHITESPACE.match(raw, end).end()
    except (ValueError, RecursionError):
        return None
    return values if len(values) > 1 else None


def _json_lines(snapshot: Path, source: Source) -> Iterator[Chunk]:
    chunk, good, bad = _new_chunk(source), 0, 0
    with open(snapshot, encoding="utf-8-sig", newline="") as handle:
        number = 0
        while True:
            number += 1
            try:
                text = read_line(handle, number)
            except LineTooLong as err:
                chunk.add(number, err.preview, None, error=err.reason())
                bad += 1
                continue
            if not text:
                break
            raw = text.rstrip("\r\n")
            if not raw.strip():
                continue
            try:
                value = DECODER.decode(raw)
            except (ValueError, RecursionError) as err:
                several = _values_on_one_line(raw)
                if several is None:
                    chunk.add(number, raw, None, error=f"line {number}: not valid JSON ({_json_error(err)})")
                    bad += 1
                for index, (part, value) in enumerate(several or [], 1):
                    _record(chunk, source, number, part, value, f"line {number}, value {index}")
                    good += 1
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
    size = snapshot.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        layout = "a JSON array" if array else "JSON values spread over lines"
        raise FileProblem(
            f"{layout} of {size:,} bytes, more than the {MAX_DOCUMENT_BYTES:,} read whole; "
            "deliver it as JSON lines (one object per line), which is read in batches"
        )
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
        # the CRC of each data page, where the writer stored one: a flipped bit
        # is an unreadable file, not a wrong number
        parquet = pq.ParquetFile(snapshot, page_checksum_verification=True)
    except (pa.ArrowException, OSError) as err:
        raise FileProblem(f"unreadable parquet file: {err}") from None
    names = parquet.schema_arrow.names
    drift = drift_of(source, _norm(names))  # refuses two columns that differ only in letter case
    by_name = dict(zip(_norm(names), names))
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

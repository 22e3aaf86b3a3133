"""Check a chunk of records against the source: each row either becomes a
typed bronze row or is quarantined with every reason that applies.

Per column: a required value that is absent, blank or a placeholder is
missing; a JSON value of the wrong kind is refused (`json_kinds: strict`);
a value its type cannot hold without change is refused (`ingest.values`).
Parquet columns that already have the column's type pass without a
per-value look, but for the date range and required checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingest.config import Source
from ingest.read import Chunk
from ingest.values import DECIMAL_TYPE, JsonNumber, Unrepresentable, converter

MIN_DATE, MAX_DATE = date(1, 1, 1), date(9999, 12, 31)
NUMERIC = ("int", "bigint", "double")


def arrow_type(typ: str) -> pa.DataType:
    match = DECIMAL_TYPE.fullmatch(typ)
    if match:
        return pa.decimal128(int(match.group(1)), int(match.group(2)))
    return {
        "string": pa.string(),
        "int": pa.int32(),
        "bigint": pa.int64(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
    }[typ]


def staged_schema(source: Source) -> pa.Schema:
    return pa.schema([(n, arrow_type(t)) for n, t in source.columns.items()] + [("_rescued_data", pa.string())])


QUARANTINE_SCHEMA = pa.schema([("raw_record", pa.string()), ("reason", pa.string())])


def _json_kind(typ: str) -> Callable[[Any], str | None]:
    """Under `json_kinds: strict`, why a JSON value is of the wrong kind for `typ`."""
    if typ == "string" or typ in ("date", "timestamp"):
        return lambda v: "a JSON number where text is expected" if isinstance(v, JsonNumber) else None
    if typ in NUMERIC or typ.startswith("decimal"):
        return lambda v: "JSON text where a number is expected" if type(v) is str else None
    if typ == "boolean":
        return lambda v: "JSON text where true or false is expected" if type(v) is str else None
    return lambda v: None


def _rescued_text(extra: dict[str, Any] | None) -> str | None:
    if not extra:
        return None
    pairs = {k: v if isinstance(v, str) else json.dumps(v, default=str) for k, v in extra.items()}
    text = json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escape: keep it escaped
        text = json.dumps(pairs, separators=(",", ":"))
    return text


@dataclass
class Checked:
    good: pa.RecordBatch
    quarantined: pa.RecordBatch


class Checker:
    def __init__(self, source: Source, missing_values: tuple[str, ...], json_strict: bool):
        self.source = source
        self.schema = staged_schema(source)
        self.missing = {v.strip().lower() for v in missing_values} | {""}
        self.convert = {name: converter(typ) for name, typ in source.columns.items()}
        self.kind = {name: _json_kind(typ) for name, typ in source.columns.items()} if json_strict else {}
        self.text_only = source.format == "csv"  # every delivered value is text or null

    def _is_missing(self, value: Any) -> bool:
        return value is None or (isinstance(value, str) and value.strip().lower() in self.missing)

    def _column(self, name: str, values: list[Any] | pa.Array, reasons: list[list[str]]) -> pa.Array:
        """The typed column; reasons for its refused values are added per row."""
        if isinstance(values, pa.Array):
            fast = _same_type(values, self.schema.field(name).type)
            if fast is not None:
                self._arrow_checks(name, fast, name in self.source.required, reasons)
                return fast
            values = _python_values(values)
        elif self.text_only:
            return self._text_column(name, values, reasons)
        return self._python_column(name, values, reasons)

    def _python_column(self, name: str, values: list[Any], reasons: list[list[str]], rows=None) -> pa.Array:
        """Each value on its own: missing, kind, then the strict conversion."""
        target = self.schema.field(name).type
        required = name in self.source.required
        convert, kind = self.convert[name], self.kind.get(name)
        out = []
        for j, value in enumerate(values):
            i = rows[j] if rows is not None else j
            if required and self._is_missing(value):
                reasons[i].append(f"{name}: required value is missing" + (f" ({value!r})" if value is not None else ""))
                out.append(None)
                continue
            if value is None:
                out.append(None)
                continue
            why = value.why if isinstance(value, _Unreadable) else kind(value) if kind else None
            if why is None:
                try:
                    out.append(convert(value))
                    continue
                except Unrepresentable as err:
                    why = str(err)
            reasons[i].append(f"{name}: {why}")
            out.append(None)
        return pa.array(out, type=target)

    def _text_column(self, name: str, values: list[str | None], reasons: list[list[str]]) -> pa.Array:
        """CSV text: values of the plain canonical form convert in one vectorised
        cast; the rest (and all of a column whose cast fails) value by value."""
        text = pa.array(values, pa.string())
        typ, target = self.source.columns[name], self.schema.field(name).type
        if typ == "string":
            self._arrow_checks(name, text, name in self.source.required, reasons)
            return text
        plain = _plain_text(text, typ)
        try:
            fast = _cast_text(pc.if_else(plain, text, pa.nulls(len(text), pa.string())), typ, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return self._python_column(name, values, reasons)
        if _in_date_range(fast) is None:
            return self._python_column(name, values, reasons)
        if name in self.source.required:
            for i in pc.indices_nonzero(text.is_null()).to_pylist():
                reasons[i].append(f"{name}: required value is missing")
        others = pc.and_(text.is_valid(), pc.invert(plain))
        rows = pc.indices_nonzero(others).to_pylist()
        if not rows:
            return fast
        slow = self._python_column(name, [values[i] for i in rows], reasons, rows)
        return pc.replace_with_mask(fast, others, slow)

    def _arrow_checks(self, name: str, array: pa.Array, required: bool, reasons: list[list[str]]) -> None:
        if required and array.null_count:
            for i in pc.indices_nonzero(array.is_null()).to_pylist():
                reasons[i].append(f"{name}: required value is missing")
        if pa.types.is_string(array.type) and required:
            blank = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(array)), pa.array(sorted(self.missing)))
            for i in pc.indices_nonzero(pc.fill_null(blank, False)).to_pylist():
                reasons[i].append(f"{name}: required value is missing ({array[i].as_py()!r})")

    def check(self, chunk: Chunk) -> Checked:
        n = len(chunk)
        reasons: list[list[str]] = [[e] if e else [] for e in chunk.errors]
        parsed = [e is None for e in chunk.errors]
        columns = [self._column(name, chunk.columns[name], reasons) for name in self.source.columns]
        for i in range(n):  # a parse error is the whole story of its line
            if not parsed[i]:
                reasons[i] = reasons[i][:1]
        rescued = pa.array([_rescued_text(r) for r in chunk.rescued], type=pa.string())
        good_mask = pa.array([not r for r in reasons], type=pa.bool_())
        batch = pa.RecordBatch.from_arrays([*columns, rescued], schema=self.schema)
        bad = [i for i in range(n) if reasons[i]]
        raw = [chunk.raw[i] if chunk.raw[i] is not None else self._raw_of(chunk, i) for i in bad]
        why = [f"line {chunk.lines[i]}: " + "; ".join(reasons[i]) if parsed[i] else reasons[i][0] for i in bad]
        quarantined = pa.RecordBatch.from_arrays(
            [pa.array(raw, pa.string()), pa.array(why, pa.string())], schema=QUARANTINE_SCHEMA
        )
        return Checked(batch.filter(good_mask), quarantined)

    def _raw_of(self, chunk: Chunk, i: int) -> str:
        """A parquet row as JSON, for the quarantine."""
        row = {}
        for name, values in chunk.columns.items():
            value = values[i]
            row[name] = _scalar(value) if isinstance(value, pa.Scalar) else value
            row[name] = f"<{row[name].why}>" if isinstance(row[name], _Unreadable) else row[name]
        if chunk.rescued[i]:
            row.update(chunk.rescued[i])
        return json.dumps(row, default=str, ensure_ascii=False)


class _Unreadable:
    """A parquet value Python cannot hold (e.g. a date after year 9999)."""

    def __init__(self, why: str):
        self.why = why


def _python_values(array: pa.Array) -> list[Any]:
    try:
        return array.to_pylist()
    except (pa.ArrowException, ValueError, OverflowError):
        return [_scalar(array[i]) for i in range(len(array))]


def _scalar(value: pa.Scalar) -> Any:
    try:
        return value.as_py()
    except (pa.ArrowException, ValueError, OverflowError) as err:
        return _Unreadable(f"{value.type} value out of range ({err})")


def _plain_text(text: pa.Array, typ: str) -> pa.Array:
    """Where a text value has the one canonical form that arrow's cast reads exactly."""
    match = DECIMAL_TYPE.fullmatch(typ)
    if match:
        whole, scale = int(match.group(1)) - int(match.group(2)), int(match.group(2))
        pattern = rf"^-?\d{{1,{whole}}}" + (rf"(\.\d{{1,{scale}}})?$" if scale else "$")
    else:
        pattern = PLAIN[typ]
    plain = pc.match_substring_regex(text, pattern)
    if typ == "double":  # at most 15 significant digits: any double holds them exactly
        plain = pc.and_(plain, pc.less_equal(pc.utf8_length(text), 16))
    return pc.fill_null(plain, False)


PLAIN = {
    "int": r"^-?\d{1,9}$",
    "bigint": r"^-?\d{1,18}$",
    "double": r"^-?\d+(\.\d+)?$",
    "boolean": r"^(true|false)$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "timestamp": r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$",
}


def _cast_text(text: pa.Array, typ: str, target: pa.DataType) -> pa.Array:
    if typ == "timestamp":
        return text.cast(pa.timestamp("us")).cast(target)
    return text.cast(target)


def _same_type(array: pa.Array, target: pa.DataType) -> pa.Array | None:
    """The array as `target` when that changes no value (widening, relabelling a
    naive timestamp as UTC, whole microseconds), else None."""
    source = array.type
    if pa.types.is_large_string(source):
        return array.cast(pa.string())
    if source == target:
        return _in_date_range(array)
    lossless = (
        (
            pa.types.is_integer(source)
            and pa.types.is_integer(target)
            and source.bit_width <= target.bit_width
            and (pa.types.is_signed_integer(source) or source.bit_width < target.bit_width)
        )
        or (pa.types.is_float32(source) and pa.types.is_float64(target))
        or (pa.types.is_timestamp(source) and pa.types.is_timestamp(target))
        or (pa.types.is_date(source) and pa.types.is_date32(target))
    )
    if not lossless:
        return None
    try:
        return _in_date_range(array.cast(target, safe=True))
    except pa.ArrowInvalid:  # e.g. nanoseconds a microsecond timestamp would drop
        return None


DAY_RANGE = ((MIN_DATE - date(1970, 1, 1)).days, (MAX_DATE - date(1970, 1, 1)).days)
PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _in_date_range(array: pa.Array) -> pa.Array | None:
    """Dates and timestamps outside years 1-9999 go the per-value way (and are refused there)."""
    if pa.types.is_date32(array.type):
        per_day, ints = 1, array.view(pa.int32())
    elif pa.types.is_timestamp(array.type):
        per_day, ints = PER_DAY[array.type.unit], array.view(pa.int64())
    else:
        return array
    low, high = pc.min_max(ints).values()
    if low.is_valid and not (DAY_RANGE[0] <= low.as_py() // per_day and high.as_py() // per_day <= DAY_RANGE[1]):
        return None
    return array

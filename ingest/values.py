"""Strict conversion of one delivered value to its bronze column type.

A value lands only if its type holds it without change: no rounding, no
truncation, no reinterpretation. Anything else raises `Unrepresentable` with
the reason, and the row is quarantined. Text comes from CSV fields and JSON
strings; JSON numbers arrive as `JsonNumber` (their literal text, so 1.10 is
not reformatted); parquet values arrive as Python objects.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

INT_RANGES = {"int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
# re.ASCII: `\d` is 0-9 only. Python reads other scripts' digits (Arabic-Indic,
# fullwidth) as numbers; a delivered "٣" or "３" is text, never the number 3.
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
# date, 'T' or a space, hh:mm[:ss[.fraction]], then optionally Z or an offset
TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?", re.ASCII
)
DECIMAL_TYPE = re.compile(r"decimal\((\d+),(\d+)\)")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Unrepresentable(ValueError):
    """The value cannot be stored in the column's type without change."""


class JsonNumber(str):
    """A JSON number, kept as the literal text the file had."""


def _text(value: Any, typ: str) -> str:
    if isinstance(value, str):
        return value
    raise Unrepresentable(f"a {type(value).__name__} value cannot be read as {typ}")


def _exact_number(text: str, typ: str) -> Decimal:
    if not NUMBER.fullmatch(text):
        raise Unrepresentable(f"cannot read {text[:80]!r} as {typ}")
    return Decimal(text)


def to_string(value: Any) -> str:
    if isinstance(value, str):  # JsonNumber included: its literal text
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Unrepresentable("not valid Unicode (a lone surrogate escape)") from None
        return str(value)
    raise Unrepresentable(f"a {_kind(value)} where text is expected")


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", dict: "JSON object", list: "JSON array"}.get(
        type(value), type(value).__name__
    )


def integer(typ: str) -> Callable[[Any], int]:
    low, high = INT_RANGES[typ]

    def convert(value: Any) -> int:
        if isinstance(value, bool):
            raise Unrepresentable(f"a boolean cannot be read as {typ}")
        if isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise Unrepresentable(f"{value} cannot be read as {typ}")
            number = Decimal(value)
        elif isinstance(value, Decimal):  # a parquet decimal column
            if not value.is_finite():
                raise Unrepresentable(f"{value} cannot be read as {typ}")
            number = value
        else:
            number = _exact_number(_text(value, typ), typ)
        if number != number.to_integral_value():
            raise Unrepresentable(f"{value!s:.80} has a fraction ({typ} holds whole numbers only)")
        if not low <= number <= high:
            raise Unrepresentable(f"{value!s:.80} is out of the {typ} range [{low}, {high}]")
        return int(number)

    return convert


def double(value: Any) -> float:
    if isinstance(value, bool):
        raise Unrepresentable("a boolean cannot be read as double")
    if isinstance(value, (int, float)) and not isinstance(value, str):
        result = float(value)
        if isinstance(value, int) and int(result) != value:
            raise Unrepresentable(f"{value} has more digits than a double holds")
        if not math.isfinite(result):
            raise Unrepresentable(f"{value} is not a finite number")
        return result
    if isinstance(value, Decimal):  # a parquet decimal column: exact digits, kept only if a double holds them
        if not value.is_finite():
            raise Unrepresentable(f"{value} is not a finite number")
        text = str(value)
    else:
        text = _text(value, "double")
    exact = _exact_number(text, "double")
    result = float(text)
    if not math.isfinite(result):
        raise Unrepresentable(f"{text[:80]} is out of the double range")
    # a double keeps the value if its shortest form reads back as the same number
    if Decimal(repr(result)) != exact:
        raise Unrepresentable(f"{text[:80]} has more significant digits than a double holds")
    return result


def decimal(precision: int, scale: int) -> Callable[[Any], Decimal]:
    typ = f"decimal({precision},{scale})"
    quantum = Decimal(1).scaleb(-scale)

    def convert(value: Any) -> Decimal:
        if isinstance(value, bool) or isinstance(value, float):
            raise Unrepresentable(f"a {_kind(value)} value is not exact; cannot read it as {typ}")
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        else:
            number = _exact_number(_text(value, typ), typ)
        try:
            scaled = number.quantize(quantum)
        except InvalidOperation:
            raise Unrepresentable(f"{value!s:.80} does not fit {typ}") from None
        if scaled != number:
            raise Unrepresentable(f"{value!s:.80} has more than {scale} decimal places ({typ} would round it)")
        if len(scaled.as_tuple().digits) > precision and scaled != 0:
            raise Unrepresentable(f"{value!s:.80} has more than {precision - scale} digits before the point ({typ})")
        return scaled

    return convert


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value, "boolean")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise Unrepresentable(f"cannot read {text[:80]!r} as boolean (true or false)")


def _calendar(build: Callable[[], Any], text: str, typ: str) -> Any:
    try:
        return build()
    except ValueError as err:
        raise Unrepresentable(f"{text[:80]!r} is not a valid {typ} ({err})") from None


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise Unrepresentable("a timestamp cannot be read as date without losing its time")
    if isinstance(value, date):
        return value
    text = _text(value, "date")
    match = DATE.fullmatch(text)
    if not match:
        raise Unrepresentable(f"cannot read {text[:80]!r} as date (yyyy-mm-dd)")
    year, month, day = (int(g) for g in match.groups())
    return _calendar(lambda: date(year, month, day), text, "date")


def to_timestamp(value: Any) -> datetime:
    """A UTC instant. Text without an offset is read as UTC, the lake's time zone."""
    if isinstance(value, datetime):
        if getattr(value, "nanosecond", 0):  # a pandas Timestamp from a nanosecond column
            raise Unrepresentable(f"{value} is finer than a microsecond (timestamp would truncate it)")
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = _text(value, "timestamp")
    match = TIMESTAMP.fullmatch(text)
    if not match:
        raise Unrepresentable(f"cannot read {text[:80]!r} as timestamp (yyyy-mm-dd hh:mm:ss[.ffffff][offset])")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    fraction = fraction or ""
    if len(fraction) > 6 and fraction[6:].strip("0"):
        raise Unrepresentable(f"{text[:80]} is finer than a microsecond (timestamp would truncate it)")
    micros = int((fraction[:6]).ljust(6, "0"))
    zone = timezone.utc if offset in (None, "Z") else _offset(offset, text)
    stamp = _calendar(
        lambda: datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros, zone),
        text,
        "timestamp",
    )
    try:
        return stamp.astimezone(timezone.utc)
    except OverflowError:
        raise Unrepresentable(f"{text[:80]} is out of the timestamp range") from None


def _offset(text: str, whole: str) -> timezone:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 18 or minutes > 59:
        raise Unrepresentable(f"{whole[:80]} has an invalid offset {text}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def converter(typ: str) -> Callable[[Any], Any]:
    """The strict conversion for a sources.yml column type."""
    if typ in INT_RANGES:
        return integer(typ)
    match = DECIMAL_TYPE.fullmatch(typ)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        return decimal(precision, scale)
    simple = {"string": to_string, "double": double, "boolean": boolean, "date": to_date, "timestamp": to_timestamp}
    return simple[typ]

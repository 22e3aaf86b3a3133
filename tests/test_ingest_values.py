"""Strict value conversion, without an engine: what lands is exactly what the
file says, and the vectorised path for CSV text agrees with the value-by-value
one on every value, the odd ones included."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

from ingest.check import Checker
from ingest.config import Source
from ingest.read import Chunk
from ingest.values import JsonNumber, Unrepresentable, converter

pytestmark = pytest.mark.fast

UTC = timezone.utc


@pytest.mark.parametrize(
    "typ,text,value",
    [
        ("int", "42", 42),
        ("int", "-2147483648", -2147483648),
        ("int", "3.0", 3),
        ("int", "+7", 7),
        ("bigint", "9223372036854775807", 2**63 - 1),
        ("double", "0.1", 0.1),
        ("double", "1.50", 1.5),
        ("double", "-2.5e3", -2500.0),
        ("decimal(12,2)", "12.3", Decimal("12.30")),
        ("decimal(12,2)", "12.300", Decimal("12.30")),
        ("decimal(12,2)", "-0.01", Decimal("-0.01")),
        ("decimal(5,0)", "99999", Decimal(99999)),
        ("boolean", "TRUE", True),
        ("boolean", "false", False),
        ("date", "2024-02-29", date(2024, 2, 29)),
        ("date", "0001-01-01", date(1, 1, 1)),
        ("timestamp", "2024-01-02 03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("timestamp", "2024-01-02T03:04", datetime(2024, 1, 2, 3, 4, tzinfo=UTC)),
        ("timestamp", "2024-01-02 03:04:05.5", datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
        ("timestamp", "2024-01-02 03:04:05-0130", datetime(2024, 1, 2, 4, 34, 5, tzinfo=UTC)),
        ("string", " keep  spaces ", " keep  spaces "),
        ("string", JsonNumber("1.10"), "1.10"),
    ],
)
def test_value_lands_unchanged(typ, text, value):
    got = converter(typ)(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(
    "typ,text,why",
    [
        ("int", "2147483648", "out of the int range"),
        ("int", "1.5", "has a fraction"),
        ("int", "1_000", "cannot read"),
        ("int", " 5", "cannot read"),
        ("int", "0x10", "cannot read"),
        ("int", True, "boolean"),
        ("bigint", "9223372036854775808", "out of the bigint range"),
        ("double", "3.14159265358979323846", "significant digits"),
        ("double", "1e400", "out of the double range"),
        ("double", "NaN", "cannot read"),
        ("double", "inf", "cannot read"),
        ("double", 2**60 + 1, "more digits"),
        ("decimal(12,2)", "1.005", "more than 2 decimal places"),
        ("decimal(12,2)", "12345678901", "before the point"),
        ("decimal(12,2)", 0.1, "not exact"),
        ("decimal(12,2)", "1,5", "cannot read"),
        ("boolean", "yes", "true or false"),
        ("boolean", "1", "true or false"),
        ("date", "2023-02-29", "not a valid date"),
        ("date", "10000-01-01", "cannot read"),
        ("date", "2024/01/01", "cannot read"),
        ("date", "0000-12-31", "not a valid date"),
        ("date", datetime(2024, 1, 1), "losing its time"),
        ("timestamp", "2024-01-02 03:04:05.0000001", "finer than a microsecond"),
        ("timestamp", "2024-01-02 24:00:00", "not a valid timestamp"),
        ("timestamp", "2024-01-02", "cannot read"),
        ("timestamp", "9999-12-31 23:00:00-05:00", "out of the timestamp range"),
        ("timestamp", "2024-01-02 03:04:05+19:00", "invalid offset"),
        ("string", {"a": 1}, "JSON object"),
        ("string", [1], "JSON array"),
        ("string", 5, "number"),
        ("string", "\ud800", "not valid Unicode"),
    ],
)
def test_value_that_would_change_is_refused(typ, text, why):
    with pytest.raises(Unrepresentable, match=why):
        converter(typ)(text)


ODD_TEXT = [
    "0",
    "-0",
    "007",
    "+5",
    "1.0",
    "1.50",
    "1e2",
    "12.345",
    "12.30",
    "999999999",
    "1000000000",
    "-2147483649",
    "2147483647",
    "9223372036854775807",
    "123456789012345678",
    "0.1",
    "3.141592653589793",
    "12345678901.5",
    "true",
    "True",
    "FALSE",
    "yes",
    "2024-02-29",
    "2023-02-29",
    "2024-13-01",
    "0000-01-01",
    "9999-12-31",
    "2024-01-02 03:04:05",
    "2024-01-02 24:00:00",
    "2024-01-02T03:04:05Z",
    "2024-01-02 03:04:05.123",
    " 1",
    "1 ",
    "",
    "N/A",
    "NULL",
    "-",
    "٣",
    "１２",
    "1,000",
    "abc",
]
TYPES = ["int", "bigint", "double", "decimal(12,2)", "decimal(5,0)", "boolean", "date", "timestamp", "string"]


@pytest.mark.parametrize("typ", TYPES)
@pytest.mark.parametrize("required", [False, True])
def test_vectorised_text_path_agrees_with_value_by_value(typ, required):
    source = Source("s", "d", "csv", "x/*.csv", {"k": "string", "v": typ}, ("k",), ("k", "v") if required else ("k",))
    values = [v or None for v in ODD_TEXT] * 3  # the same values several times, as in a real chunk
    n = len(values)

    def checked(text_only: bool):
        checker = Checker(source, ("null", "n/a", "-"), json_strict=False)
        checker.text_only = text_only
        chunk = Chunk(
            list(range(1, n + 1)),
            [f"k,{v}" for v in values],
            [None] * n,
            [None] * n,
            {"k": [f"k{i}" for i in range(n)], "v": list(values)},
        )
        result = checker.check(chunk)
        return result.good.to_pylist(), result.quarantined.to_pylist()

    assert checked(True) == checked(False)


def test_parquet_values_of_another_type_are_checked_value_by_value():
    source = Source("s", "d", "parquet", "x/*.parquet", {"k": "bigint", "n": "int", "t": "timestamp"}, ("k",), ("k",))
    chunk = Chunk(
        [1, 2, 3],
        [None] * 3,
        [None] * 3,
        [None] * 3,
        {
            "k": pa.array([1.0, 2.5, 3.0]),
            "n": pa.array([1, 2**40, None], pa.int64()),
            "t": pa.array([0, 1, 1000], pa.timestamp("ns")),  # 1 ns is finer than a microsecond; 1000 ns is not
        },
    )
    result = Checker(source, (), json_strict=False).check(chunk)
    assert result.good.to_pylist() == [
        {"k": 1, "n": 1, "t": datetime(1970, 1, 1, tzinfo=UTC), "_rescued_data": None},
        {"k": 3, "n": None, "t": datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC), "_rescued_data": None},
    ]
    reasons = result.quarantined.column("reason").to_pylist()
    assert len(reasons) == 1  # the second row, with every reason that applies to it
    assert reasons[0].startswith(
        "line 2: k: 2.5 has a fraction (bigint holds whole numbers only); "
        "n: 1099511627776 is out of the int range [-2147483648, 2147483647]; t: "
    )
    assert "finer than a microsecond" in reasons[0]

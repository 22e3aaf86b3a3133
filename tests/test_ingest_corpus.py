"""Hostile landing files: an attacker's and a careless upstream system's
deliveries, each with its expected outcome per file, the rows that must land
(compared value by value with what the file holds, counted here, not by the
loader) and the rows that must be quarantined.

Each case loads into a bronze schema of its own on the session's engine.
`make robustness` prints the table of cases and outcomes (-s).
"""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import free_port, make_settings
from ingest import config as ingest_config
from ingest.load import Loader, RunReport
from ingest.read import MAX_LINE_CHARS

CX = "cx/customers/customers_{}.csv"
CX_HEADER = "customer_id,first_name,last_name,email,phone,segment,region,signup_date,lifetime_value,updated_at"
CX_COLS = CX_HEADER.split(",")
SURVEYS = "cx/surveys/surveys_{}.json"
AGENTS = "contact_center/agents/agents_{}.csv"
PRODUCTS = "retail/products/products_{}.parquet"
METRICS = "media/metrics/metrics_{}.parquet"
INVENTORY = "ecommerce/inventory/inventory_{}.csv"
INV_HEADER = "product_id,stock_quantity,stock_status,warehouse_location,last_updated,created_timestamp"
TRIGGER = "ecommerce/_triggers/trigger_{}.json"


def cx_row(cid: str, **values: str) -> str:
    base = dict(
        first_name="Ann",
        last_name="Lee",
        email="a@x.io",
        phone="555",
        segment="gold",
        region="EU",
        signup_date="2024-01-02",
        lifetime_value="10.50",
        updated_at="2024-01-02 03:04:05",
    )
    base.update(values)
    return ",".join([cid] + [base[c] for c in CX_COLS[1:]])


def cx_file(*rows: str, header: str = CX_HEADER, end: str = "\n") -> bytes:
    return (end.join([header, *rows]) + end).encode()


def survey(rid: Any = "r1", **values: Any) -> dict:
    base = {
        "response_id": rid,
        "timestamp": "2024-01-02 03:04:05",
        "customer_id": "c1",
        "satisfaction_score": 4,
        "nps_score": 9,
        "feedback_text": "ok",
        "survey_type": "post",
        "channel": "web",
    }
    base.update(values)
    return base


def jsonl(*records: dict | str) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records).encode()


def parquet(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def products(**overrides: pa.Array) -> bytes:
    cols = {
        "product_id": pa.array([1, 2], pa.int64()),
        "product_name": pa.array(["a", "b"]),
        "category": pa.array(["c", "c"]),
        "supplier": pa.array(["s", "s"]),
        "price": pa.array([1.5, 2.25]),
        "stock_quantity": pa.array([3, 4], pa.int32()),
        "is_active": pa.array([True, False]),
    }
    cols.update(overrides)
    return parquet(pa.table(cols))


def flipped_bit_parquet() -> bytes:
    """Products whose one data page has a bit flipped after it was written with its CRC."""
    table = pa.table({"product_id": pa.array(range(1000, 1100), pa.int64())})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="none", use_dictionary=False, write_page_checksum=True)
    data = bytearray(sink.getvalue().to_pybytes())
    data[data.find((1050).to_bytes(8, "little"))] ^= 0x01  # 1050 would read as 1051
    return bytes(data)


def trigger(*files: str, batch: str = "b1") -> bytes:
    return json.dumps({"batch_id": batch, "files": {"inventory": list(files)}}).encode()


def inv_file(*rows: str) -> bytes:
    return ("\n".join([INV_HEADER, *rows]) + "\n").encode()


@dataclass
class Case:
    name: str
    source: str
    files: dict[str, bytes]
    expect: dict[str, str]  # file -> outcome
    landed: list[tuple] | None = None  # rows of `columns` that must be in bronze (sorted)
    columns: tuple[str, ...] = ("customer_id",)
    quarantined: int | None = None
    message: dict[str, str] = field(default_factory=dict)  # file -> text its message must contain
    reasons: tuple[str, ...] = ()  # texts the quarantine reasons must contain
    json_kinds: str = "strict"
    extra_sources: tuple[str, ...] = ()
    action: Callable | None = None  # (spark, landing, schema, load) -> None, replaces the single load


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


CASES = [
    # --- CSV: RFC 4180 and line endings ----------------------------------------
    Case(
        "csv_quoted_newline",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", first_name='"An\nn"'), cx_row("c2"))},
        {CX.format(1): "loaded"},
        [("c1", "An\nn"), ("c2", "Ann")],
        ("customer_id", "first_name"),
        0,
    ),
    Case(
        "csv_quoted_crlf_inside_field",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", first_name='"A\r\nB"'), end="\r\n")},
        {CX.format(1): "loaded"},
        [("c1", "A\r\nB")],
        ("customer_id", "first_name"),
        0,
    ),
    Case(
        "csv_crlf_lines",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1"), cx_row("c2"), end="\r\n")},
        {CX.format(1): "loaded"},
        [("c1", "2024-01-02 03:04:05"), ("c2", "2024-01-02 03:04:05")],
        ("customer_id", "cast(updated_at as string)"),
        0,
    ),
    Case(
        "csv_bare_cr_lines",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1"), cx_row("c2"), end="\r")},
        {CX.format(1): "loaded"},
        [("c1", "EU"), ("c2", "EU")],
        ("customer_id", "region"),
        0,
    ),
    Case(
        "csv_utf8_bom",
        "cx_customers",
        {CX.format(1): b"\xef\xbb\xbf" + cx_file(cx_row("c1"))},
        {CX.format(1): "loaded"},
        [("c1",)],
        quarantined=0,
    ),
    Case(
        "csv_blank_first_line",
        "cx_customers",
        {CX.format(1): b"\n" + cx_file(cx_row("c1"))},
        {CX.format(1): "loaded"},
        [("c1",)],
        quarantined=0,
    ),
    Case(
        "csv_quote_inside_unquoted_field",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", last_name='O"Brien'))},
        {CX.format(1): "loaded"},
        [("c1", 'O"Brien')],
        ("customer_id", "last_name"),
        0,
    ),
    Case(
        "csv_unicode_values_byte_for_byte",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", first_name="Zoë 😀", last_name="שלום", region="e\u0301"))},
        {CX.format(1): "loaded"},
        [("c1", "Zoë 😀", "שלום", "e\u0301")],
        ("customer_id", "first_name", "last_name", "region"),
        0,
    ),
    Case(
        "csv_formula_text_lands_as_text",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", first_name="=cmd|' /C calc'!A0"))},
        {CX.format(1): "loaded"},
        [("c1", "=cmd|' /C calc'!A0")],
        ("customer_id", "first_name"),
        0,
    ),
    Case(
        "csv_very_long_field",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", first_name="x" * 300_000))},
        {CX.format(1): "loaded"},
        [("c1", 300_000)],
        ("customer_id", "length(first_name)"),
        0,
    ),
    Case(
        "csv_very_long_header_line",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1") + ",v", header=CX_HEADER + "," + "extra_" + "h" * 200_000)},
        {CX.format(1): "loaded"},
        [("c1",)],
        quarantined=0,
        message={CX.format(1): "extra column(s)"},
    ),
    Case(
        "csv_unterminated_quote_rejects_file",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1"), cx_row("c2", first_name='"open')), CX.format(2): cx_file(cx_row("c3"))},
        {CX.format(1): "rejected", CX.format(2): "loaded"},
        [("c3",)],
        quarantined=0,
        message={CX.format(1): "line 3: a quoted field opened here is never closed"},
    ),
    Case(
        "csv_wrong_field_count",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1"), "c2,only,three", cx_row("c3"))},
        {CX.format(1): "loaded"},
        [("c1",), ("c3",)],
        quarantined=1,
        reasons=("line 3: expected 10 fields, found 3",),
    ),
    Case(
        "csv_nul_byte_in_field",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", first_name="a\x00b"))},
        {CX.format(1): "loaded"},
        [("c1", "a\x00b")],
        ("customer_id", "first_name"),
        0,
    ),
    Case(
        "csv_second_header_reordered",
        "cx_customers",
        {
            CX.format(1): cx_file(
                cx_row("c1", segment="gold", region="EU"),
                ",".join(reversed(CX_COLS)),
                ",".join(reversed(cx_row("c2", segment="silver", region="US").split(","))),
            )
        },
        {CX.format(1): "loaded"},
        [("c1", "gold", "EU"), ("c2", "silver", "US")],
        ("customer_id", "segment", "region"),
        0,
    ),
    Case(
        "csv_repeated_header_is_not_a_row",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1"), CX_HEADER, cx_row("c2"))},
        {CX.format(1): "loaded"},
        [("c1",), ("c2",)],
        quarantined=0,
    ),
    Case(
        "csv_empty_file",
        "cx_customers",
        {CX.format(1): b"", CX.format(2): cx_file(cx_row("c2"))},
        {CX.format(1): "rejected", CX.format(2): "loaded"},
        [("c2",)],
        message={CX.format(1): "the file is empty"},
    ),
    Case(
        "csv_only_blank_lines",
        "cx_customers",
        {CX.format(1): b"\n \n\r\n"},
        {CX.format(1): "rejected"},
        [],
        message={CX.format(1): "only blank lines"},
    ),
    Case(
        "csv_not_utf8",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", first_name="caf\xe9")).replace(b"\xc3\xa9", b"\xe9")},
        {CX.format(1): "rejected"},
        [],
        message={CX.format(1): "not UTF-8: invalid byte 0xe9"},
    ),
    # --- CSV: strict types -----------------------------------------------------
    Case(
        "decimal_more_places_than_scale",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", lifetime_value="12.345"), cx_row("c2", lifetime_value="12.30"))},
        {CX.format(1): "loaded"},
        [("c2", Decimal("12.30"))],
        ("customer_id", "lifetime_value"),
        1,
        reasons=("lifetime_value: 12.345 has more than 2 decimal places",),
    ),
    Case(
        "decimal_trailing_zeros_keep_value",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", lifetime_value="12.3400"))},
        {CX.format(1): "loaded"},
        [("c1", Decimal("12.34"))],
        ("customer_id", "lifetime_value"),
        0,
    ),
    Case(
        "decimal_too_many_digits",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", lifetime_value="12345678901.5"))},
        {CX.format(1): "loaded"},
        [],
        quarantined=1,
        reasons=("more than 10 digits before the point",),
    ),
    Case(
        "decimal_exponent_and_separators",
        "cx_customers",
        {
            CX.format(1): cx_file(
                cx_row("c1", lifetime_value="1e2"),
                cx_row("c2", lifetime_value='"1,000.00"'),
                cx_row("c3", lifetime_value="1_000"),
                cx_row("c4", lifetime_value=" 5"),
            )
        },
        {CX.format(1): "loaded"},
        [("c1", Decimal("100.00"))],
        ("customer_id", "lifetime_value"),
        3,
    ),
    Case(
        "date_after_year_9999",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", signup_date="10000-01-01"), cx_row("c2", signup_date="9999-12-31"))},
        {CX.format(1): "loaded"},
        [("c2", date(9999, 12, 31))],
        ("customer_id", "signup_date"),
        1,
    ),
    Case(
        "date_not_on_the_calendar",
        "cx_customers",
        {
            CX.format(1): cx_file(
                cx_row("c1", signup_date="2023-02-29"),
                cx_row("c2", signup_date="2024-02-29"),
                cx_row("c3", signup_date="2024-1-5"),
                cx_row("c4", signup_date="0000-01-01"),
            )
        },
        {CX.format(1): "loaded"},
        [("c2", date(2024, 2, 29))],
        ("customer_id", "signup_date"),
        3,
    ),
    Case(
        "timestamp_finer_than_microseconds",
        "cx_customers",
        {
            CX.format(1): cx_file(
                cx_row("c1", updated_at="2024-01-02 03:04:05.1234567"),
                cx_row("c2", updated_at="2024-01-02 03:04:05.123456"),
                cx_row("c3", updated_at="2024-01-02 03:04:05.1234560"),
            )
        },
        {CX.format(1): "loaded"},
        [("c2", "2024-01-02 03:04:05.123456"), ("c3", "2024-01-02 03:04:05.123456")],
        ("customer_id", "cast(updated_at as string)"),
        1,
        reasons=("finer than a microsecond",),
    ),
    Case(
        "timestamp_offset_is_the_same_instant",
        "cx_customers",
        {
            CX.format(1): cx_file(
                cx_row("c1", updated_at="2024-01-02T03:04:05+02:00"),
                cx_row("c2", updated_at="2024-01-02T03:04:05Z"),
                cx_row("c3", updated_at="2024-01-02 25:00:00"),
            )
        },
        {CX.format(1): "loaded"},
        [("c1", "2024-01-02 01:04:05"), ("c2", "2024-01-02 03:04:05")],
        ("customer_id", "cast(updated_at as string)"),
        1,
    ),
    Case(
        "required_blank_and_placeholders",
        "cx_customers",
        {
            CX.format(1): cx_file(
                cx_row("   "), cx_row("NULL"), cx_row("n/a"), cx_row('""'), cx_row("None"), cx_row("c6")
            )
        },
        {CX.format(1): "loaded"},
        [("c6",)],
        quarantined=5,
        reasons=("customer_id: required value is missing",),
    ),
    Case(
        "placeholder_in_optional_text_lands_unchanged",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", segment="N/A", region="NULL"))},
        {CX.format(1): "loaded"},
        [("c1", "N/A", "NULL")],
        ("customer_id", "segment", "region"),
        0,
    ),
    Case(
        "int_fraction_range_and_exact_whole",
        "ecommerce_inventory",
        {
            INVENTORY.format(1): inv_file(
                "p1,3.5,in,w,2024-01-01 00:00:00,",
                "p2,2147483648,in,w,2024-01-01 00:00:00,",
                "p3,3.0,in,w,2024-01-01 00:00:00,",
                "p4,-2147483648,in,w,2024-01-01 00:00:00,",
            ),
            TRIGGER.format(1): trigger("inventory/inventory_1.csv"),
        },
        {INVENTORY.format(1): "loaded", TRIGGER.format(1): "trigger"},
        [("p3", 3), ("p4", -2147483648)],
        ("product_id", "stock_quantity"),
        2,
        reasons=("has a fraction", "out of the int range"),
    ),
    # --- JSON --------------------------------------------------------------------
    Case(
        "json_lines_with_bom",
        "cx_surveys",
        {SURVEYS.format(1): b"\xef\xbb\xbf" + jsonl(survey("r1"), survey("r2"))},
        {SURVEYS.format(1): "loaded"},
        [("r1",), ("r2",)],
        ("response_id",),
        0,
    ),
    Case(
        "json_array_file_is_read",
        "cx_surveys",
        {SURVEYS.format(1): json.dumps([survey("r1"), survey("r2")], indent=2).encode()},
        {SURVEYS.format(1): "loaded"},
        [("r1",), ("r2",)],
        ("response_id",),
        0,
    ),
    Case(
        "json_broken_array_rejected_whole",
        "cx_surveys",
        {
            SURVEYS.format(1): (json.dumps([survey("r1"), survey("r2")])[:-3]).encode(),
            SURVEYS.format(2): jsonl(survey("r3")),
        },
        {SURVEYS.format(1): "rejected", SURVEYS.format(2): "loaded"},
        [("r3",)],
        ("response_id",),
        0,
        message={SURVEYS.format(1): "not valid JSON"},
    ),
    Case(
        "json_pretty_printed_objects",
        "cx_surveys",
        {SURVEYS.format(1): (json.dumps(survey("r1"), indent=2) + "\n" + json.dumps(survey("r2"), indent=2)).encode()},
        {SURVEYS.format(1): "loaded"},
        [("r1",), ("r2",)],
        ("response_id",),
        0,
    ),
    Case(
        "json_number_where_text_declared",
        "cx_surveys",
        {SURVEYS.format(1): b'{"response_id": 1.10, "customer_id": "c1"}\n' + jsonl(survey("r2"))},
        {SURVEYS.format(1): "loaded"},
        [("r2",)],
        ("response_id",),
        1,
        reasons=("a JSON number where text is expected",),
    ),
    Case(
        "json_lenient_keeps_number_text_exactly",
        "cx_surveys",
        {SURVEYS.format(1): b'{"response_id": 1.10, "customer_id": 12345678901234567890123}\n'},
        {SURVEYS.format(1): "loaded"},
        [("1.10", "12345678901234567890123")],
        ("response_id", "customer_id"),
        0,
        json_kinds="lenient",
    ),
    Case(
        "json_text_where_number_declared",
        "cx_surveys",
        {SURVEYS.format(1): jsonl(survey("r1", satisfaction_score="5"), survey("r2", satisfaction_score=5))},
        {SURVEYS.format(1): "loaded"},
        [("r2", 5)],
        ("response_id", "satisfaction_score"),
        1,
        reasons=("JSON text where a number is expected",),
    ),
    Case(
        "json_fraction_in_int_column",
        "cx_surveys",
        {
            SURVEYS.format(1): b'{"response_id": "r1", "customer_id": "c1", "satisfaction_score": 3.5}\n'
            b'{"response_id": "r2", "customer_id": "c1", "satisfaction_score": 4.0}\n'
        },
        {SURVEYS.format(1): "loaded"},
        [("r2", 4)],
        ("response_id", "satisfaction_score"),
        1,
        reasons=("has a fraction",),
    ),
    Case(
        "json_list_and_object_values",
        "cx_surveys",
        {
            SURVEYS.format(1): jsonl(
                survey("r1", feedback_text=["a", "b"]), survey("r2", channel={"x": 1}), survey("r3")
            )
        },
        {SURVEYS.format(1): "loaded"},
        [("r3",)],
        ("response_id",),
        2,
        reasons=("a JSON array where text", "a JSON object where text"),
    ),
    Case(
        "json_duplicate_keys",
        "cx_surveys",
        {SURVEYS.format(1): b'{"response_id": "r1", "customer_id": "c1", "customer_id": "c2"}\n' + jsonl(survey("r2"))},
        {SURVEYS.format(1): "loaded"},
        [("r2",)],
        ("response_id",),
        1,
        reasons=("duplicate key(s) customer_id",),
    ),
    Case(
        "json_nan_and_infinity",
        "cx_surveys",
        {
            SURVEYS.format(1): b'{"response_id": "r1", "customer_id": "c1", "nps_score": NaN}\n'
            b'{"response_id": "r2", "customer_id": "c1", "nps_score": Infinity}\n' + jsonl(survey("r3"))
        },
        {SURVEYS.format(1): "loaded"},
        [("r3",)],
        ("response_id",),
        2,
        reasons=("not valid JSON",),
    ),
    Case(
        "json_non_object_lines",
        "cx_surveys",
        {SURVEYS.format(1): b'[1, 2]\n"text"\n42\n' + jsonl(survey("r4"))},
        {SURVEYS.format(1): "rejected"},
        [],
        ("response_id",),
        message={SURVEYS.format(1): "JSON array"},
    ),
    Case(
        "json_scalar_lines_quarantined",
        "cx_surveys",
        {SURVEYS.format(1): b'"text"\n42\n' + jsonl(survey("r4"))},
        {SURVEYS.format(1): "loaded"},
        [("r4",)],
        ("response_id",),
        2,
        reasons=("not a JSON object",),
    ),
    Case(
        "json_empty_file",
        "cx_surveys",
        {SURVEYS.format(1): b"  \n"},
        {SURVEYS.format(1): "rejected"},
        [],
        ("response_id",),
        message={SURVEYS.format(1): "the file is empty"},
    ),
    Case(
        "json_unicode_escapes_and_lone_surrogate",
        "cx_surveys",
        {
            SURVEYS.format(
                1
            ): b'{"response_id": "r1", "customer_id": "c1", "feedback_text": "\\ud83d\\ude00 \\u00e9"}\n'
            b'{"response_id": "r2", "customer_id": "c1", "feedback_text": "\\ud800"}\n'
        },
        {SURVEYS.format(1): "loaded"},
        [("r1", "😀 é")],
        ("response_id", "feedback_text"),
        1,
        reasons=("not valid Unicode",),
    ),
    Case(
        "json_nested_too_deeply",
        "cx_surveys",
        {SURVEYS.format(1): b'{"a": ' * 100_000 + b"\n" + jsonl(survey("r2"))},
        {SURVEYS.format(1): "loaded"},
        [("r2",)],
        ("response_id",),
        1,
        reasons=("nested too deeply",),
    ),
    Case(
        "json_extra_keys_rescued",
        "cx_surveys",
        {
            SURVEYS.format(
                1
            ): b'{"response_id": "r1", "customer_id": "c1", "device": {"os": "x"}, "n": 1.10, "s": "\\ud800"}\n'
        },
        {SURVEYS.format(1): "loaded"},
        [("r1", '{"device":"{\\"os\\": \\"x\\"}","n":"1.10","s":"\\ud800"}')],
        ("response_id", "_rescued_data"),
        0,
    ),
    Case(
        "json_crlf_and_blank_lines",
        "cx_surveys",
        {SURVEYS.format(1): jsonl(survey("r1")).replace(b"\n", b"\r\n\r\n") + jsonl(survey("r2"))},
        {SURVEYS.format(1): "loaded"},
        [("r1",), ("r2",)],
        ("response_id",),
        0,
    ),
    # --- parquet -------------------------------------------------------------------
    Case(
        "parquet_int64_overflows_int",
        "retail_products",
        {PRODUCTS.format(1): products(stock_quantity=pa.array([3_000_000_000, 7]))},
        {PRODUCTS.format(1): "loaded"},
        [(2, 7)],
        ("product_id", "stock_quantity"),
        1,
        reasons=("out of the int range",),
    ),
    Case(
        "parquet_fractional_double_into_bigint",
        "retail_products",
        {PRODUCTS.format(1): products(product_id=pa.array([2.5, 3.0]))},
        {PRODUCTS.format(1): "loaded"},
        [(3, 2.25)],
        ("product_id", "price"),
        1,
        reasons=("has a fraction",),
    ),
    Case(
        "parquet_upper_case_columns",
        "retail_products",
        {PRODUCTS.format(1): parquet(pa.table({"PRODUCT_ID": pa.array([9], pa.int64()), "Price": [1.25]}))},
        {PRODUCTS.format(1): "loaded"},
        [(9, 1.25)],
        ("product_id", "price"),
        0,
    ),
    Case(
        "parquet_date_after_year_9999",
        "media_metrics",
        {
            METRICS.format(1): parquet(
                pa.table({"asset_id": ["a1", "a2"], "metric_date": pa.array([2932897, 19000], pa.date32())})
            )
        },
        {METRICS.format(1): "loaded"},
        [("a2",)],
        ("asset_id",),
        1,
    ),
    Case(
        "parquet_nanoseconds_not_truncated",
        "retail_transactions",
        {
            "retail/transactions/transactions_1.parquet": parquet(
                pa.table(
                    {
                        "transaction_id": pa.array([1, 2], pa.int64()),
                        "customer_id": pa.array([1, 1], pa.int64()),
                        "product_id": pa.array([1, 1], pa.int64()),
                        "transaction_date": pa.array(
                            [1_700_000_000_000_000_001, 1_700_000_000_000_000_000], pa.timestamp("ns")
                        ),
                    }
                )
            )
        },
        {"retail/transactions/transactions_1.parquet": "loaded"},
        [(2,)],
        ("transaction_id",),
        1,
    ),
    Case(
        "parquet_corrupt",
        "retail_products",
        {PRODUCTS.format(1): b"PAR1 not parquet PAR1", PRODUCTS.format(2): products()},
        {PRODUCTS.format(1): "rejected", PRODUCTS.format(2): "loaded"},
        [(1,), (2,)],
        ("product_id",),
        0,
        message={PRODUCTS.format(1): "unreadable parquet file"},
    ),
    # --- triggers --------------------------------------------------------------------
    Case(
        "trigger_empty",
        "ecommerce_inventory",
        {INVENTORY.format(1): inv_file("p1,1,in,w,,"), TRIGGER.format(1): b""},
        {TRIGGER.format(1): "rejected", INVENTORY.format(1): "waiting"},
        [],
        ("product_id",),
        message={TRIGGER.format(1): "the trigger file is empty"},
    ),
    Case(
        "trigger_not_json",
        "ecommerce_inventory",
        {INVENTORY.format(1): inv_file("p1,1,in,w,,"), TRIGGER.format(1): b"{files: [inventory_1.csv"},
        {TRIGGER.format(1): "rejected", INVENTORY.format(1): "waiting"},
        [],
        ("product_id",),
        message={TRIGGER.format(1): "not valid JSON"},
    ),
    Case(
        "trigger_non_string_entry",
        "ecommerce_inventory",
        {INVENTORY.format(1): inv_file("p1,1,in,w,,"), TRIGGER.format(1): b'{"batch_id": "b", "files": [42, null]}'},
        {TRIGGER.format(1): "rejected", INVENTORY.format(1): "waiting"},
        [],
        ("product_id",),
        message={TRIGGER.format(1): "entry 42 is not a file name"},
    ),
    Case(
        "trigger_path_escapes_domain",
        "ecommerce_inventory",
        {INVENTORY.format(1): inv_file("p1,1,in,w,,"), TRIGGER.format(1): b'{"files": ["../../etc/passwd"]}'},
        {TRIGGER.format(1): "rejected", INVENTORY.format(1): "waiting"},
        [],
        ("product_id",),
    ),
    Case(
        "trigger_nested_too_deeply",
        "ecommerce_inventory",
        {INVENTORY.format(1): inv_file("p1,1,in,w,,"), TRIGGER.format(1): b"[" * 100_000},
        {TRIGGER.format(1): "rejected", INVENTORY.format(1): "waiting"},
        [],
        ("product_id",),
        message={TRIGGER.format(1): "nested too deeply"},
    ),
    Case(
        "trigger_lists_missing_file",
        "ecommerce_inventory",
        {
            INVENTORY.format(1): inv_file("p1,1,in,w,,"),
            TRIGGER.format(1): trigger("inventory/inventory_1.csv", "inventory/inventory_2.csv"),
        },
        {TRIGGER.format(1): "trigger", INVENTORY.format(1): "loaded", INVENTORY.format(2): "missing"},
        [("p1",)],
        ("product_id",),
        0,
    ),
    # --- kinds found by files kept outside the project --------------------------------
    Case(
        "csv_two_bom_exports_joined_end_to_end",
        "cx_customers",
        {
            CX.format(1): b"\xef\xbb\xbf"
            + cx_file(cx_row("c1", segment="gold"))
            + b"\xef\xbb\xbf"
            + cx_file(",".join(reversed(cx_row("c2", segment="silver").split(","))), header=",".join(reversed(CX_COLS)))
        },
        {CX.format(1): "loaded"},
        [("c1", "gold"), ("c2", "silver")],
        ("customer_id", "segment"),
        0,
    ),
    Case(
        "csv_bom_inside_a_value_lands_unchanged",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", first_name="\ufeffAnn"))},
        {CX.format(1): "loaded"},
        [("c1", "\ufeffAnn")],
        ("customer_id", "first_name"),
        0,
    ),
    Case(
        "csv_arabic_indic_digits_are_not_a_number",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", lifetime_value="١٠.٥٠"), cx_row("c2"))},
        {CX.format(1): "loaded"},
        [("c2",)],
        quarantined=1,
        reasons=("lifetime_value: cannot read '١٠.٥٠'",),
    ),
    Case(
        "csv_fullwidth_digits_are_not_a_date",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", signup_date="２０２４-01-02"), cx_row("c2"))},
        {CX.format(1): "loaded"},
        [("c2",)],
        quarantined=1,
        reasons=("signup_date: cannot read",),
    ),
    Case(
        "csv_superscript_digits_are_not_a_timestamp",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", updated_at="2024-01-02 03:04:0²"))},
        {CX.format(1): "loaded"},
        [],
        quarantined=1,
        reasons=("updated_at: cannot read",),
    ),
    Case(
        "csv_unnamed_header_columns_named_in_the_message",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1") + ",a,b", header=CX_HEADER + ",,")},
        {CX.format(1): "rejected"},
        [],
        message={CX.format(1): "2 columns have no name (positions 11, 12)"},
    ),
    Case(
        "csv_invisible_character_in_a_header_name_is_shown",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1"), header=CX_HEADER.replace("region", "region\u200b"))},
        {CX.format(1): "loaded"},
        [("c1", None)],
        ("customer_id", "region"),
        0,
        message={CX.format(1): "extra column(s) region\\u200b kept in _rescued_data; missing column(s) region"},
    ),
    Case(
        "csv_columns_named_twice_in_other_case",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1") + ",x", header=CX_HEADER + ",Email")},
        {CX.format(1): "rejected"},
        [],
        message={CX.format(1): "named more than once"},
    ),
    Case(
        "csv_line_longer_than_the_limit_quarantined",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1", first_name="x" * (MAX_LINE_CHARS + 10)), cx_row("c2"))},
        {CX.format(1): "loaded"},
        [("c2",)],
        quarantined=1,
        reasons=("line 2: 16,777,289 characters long, more than the 16,777,216 a line may have",),
    ),
    Case(
        "csv_gzip_bomb_one_huge_line",
        "cx_customers",
        {
            CX.format(1) + ".gz": gzip.compress(
                cx_file(cx_row("c1"), "c2," + "9" * (3 * MAX_LINE_CHARS), cx_row("c3"))
            ),
            CX.format(2): cx_file(cx_row("c4")),
        },
        {CX.format(1) + ".gz": "loaded", CX.format(2): "loaded"},
        [("c1",), ("c3",), ("c4",)],
        quarantined=1,
        reasons=("line 3: 50,331,651 characters long",),
    ),
    Case(
        "csv_gzip_inside_a_gzip",
        "cx_customers",
        {
            CX.format(1) + ".gz": gzip.compress(gzip.compress(cx_file(cx_row("c1")))),
            CX.format(2): cx_file(cx_row("c2")),
        },
        {CX.format(1) + ".gz": "rejected", CX.format(2): "loaded"},
        [("c2",)],
        message={CX.format(1) + ".gz": "compressed twice"},
    ),
    Case(
        "csv_gzip_followed_by_extra_bytes",
        "cx_customers",
        {CX.format(1) + ".gz": gzip.compress(cx_file(cx_row("c1"))) + b"trailing junk"},
        {CX.format(1) + ".gz": "rejected"},
        [],
        message={CX.format(1) + ".gz": "after the compressed data come bytes that are not gzip"},
    ),
    Case(
        "csv_gzip_content_under_a_plain_name",
        "cx_customers",
        {CX.format(1): gzip.compress(cx_file(cx_row("c1")))},
        {CX.format(1): "rejected"},
        [],
        message={CX.format(1): "its name does not end in .gz"},
    ),
    Case(
        "csv_gz_name_on_plain_text",
        "cx_customers",
        {CX.format(1) + ".gz": cx_file(cx_row("c1"))},
        {CX.format(1) + ".gz": "rejected"},
        [],
        message={CX.format(1) + ".gz": "not a gzip file"},
    ),
    Case(
        "spark_output_folder_where_a_file_is_expected",
        "cx_customers",
        {
            CX.format(9) + "/_SUCCESS": b"",
            CX.format(9) + "/part-00000-abc.csv": cx_file(cx_row("c8")),
            CX.format(9) + "/part-00001-abc.csv": cx_file(cx_row("c9")),
            CX.format(1): cx_file(cx_row("c1")),
        },
        {CX.format(9): "rejected", CX.format(1): "loaded"},
        [("c1",)],
        message={CX.format(9): "a Spark output folder: 2 part file(s)"},
    ),
    Case(
        "file_name_not_utf8_in_a_source_folder",
        "cx_customers",
        {os.fsdecode(b"cx/customers/customers_\xe9.csv"): cx_file(cx_row("c1")), CX.format(2): cx_file(cx_row("c2"))},
        {"cx/customers/customers_\\xe9.csv": "rejected", CX.format(2): "loaded"},
        [("c2",)],
        message={"cx/customers/customers_\\xe9.csv": "not valid UTF-8"},
    ),
    Case(
        "note_with_a_name_not_utf8_is_ignored",
        "cx_customers",
        {os.fsdecode(b"notes_\xff\xfe.txt"): b"hello", CX.format(1): cx_file(cx_row("c1"))},
        {"notes_\\xff\\xfe.txt": "ignored", CX.format(1): "loaded"},
        [("c1",)],
    ),
    Case(
        "file_name_in_another_letter_case_is_announced",
        "cx_customers",
        {"cx/customers/CUSTOMERS_1.CSV": cx_file(cx_row("c1")), CX.format(2): cx_file(cx_row("c2"))},
        {"cx/customers/CUSTOMERS_1.CSV": "rejected", CX.format(2): "loaded"},
        [("c2",)],
        message={"cx/customers/CUSTOMERS_1.CSV": "only when letter case is ignored: rename it"},
    ),
    Case(
        "csv_compressed_as_bz2_is_announced",
        "cx_customers",
        {CX.format(1) + ".bz2": bz2.compress(cx_file(cx_row("c1"))), CX.format(2): cx_file(cx_row("c2"))},
        {CX.format(1) + ".bz2": "rejected", CX.format(2): "loaded"},
        [("c2",)],
        message={CX.format(1) + ".bz2": "compressed as .bz2, which cx_customers does not read"},
    ),
    Case(
        "parquet_gzipped_is_announced",
        "retail_products",
        {PRODUCTS.format(1) + ".gz": gzip.compress(products())},
        {PRODUCTS.format(1) + ".gz": "rejected"},
        [],
        ("product_id",),
        message={PRODUCTS.format(1) + ".gz": "deliver it uncompressed"},
    ),
    Case(
        "csv_encoded_as_utf16",
        "cx_customers",
        {CX.format(1): cx_file(cx_row("c1")).decode().encode("utf-16")},
        {CX.format(1): "rejected"},
        [],
        message={CX.format(1): "encoded as UTF-16"},
    ),
    Case(
        "csv_that_is_an_excel_workbook",
        "cx_customers",
        {CX.format(1): b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40},
        {CX.format(1): "rejected"},
        [],
        message={CX.format(1): "a zip archive (an Excel workbook"},
    ),
    Case(
        "json_that_is_a_parquet_file",
        "cx_surveys",
        {SURVEYS.format(1): parquet(pa.table({"response_id": ["r1"]}))},
        {SURVEYS.format(1): "rejected"},
        [],
        ("response_id",),
        message={SURVEYS.format(1): "a parquet file, not text"},
    ),
    # --- JSON ------------------------------------------------------------------------
    Case(
        "json_keys_in_another_letter_case",
        "cx_surveys",
        {SURVEYS.format(1): jsonl({k.upper() if k != "channel" else "Channel": v for k, v in survey("r1").items()})},
        {SURVEYS.format(1): "loaded"},
        [("r1", "c1", "web", None)],
        ("response_id", "customer_id", "channel", "_rescued_data"),
        0,
    ),
    Case(
        "json_two_keys_for_one_column",
        "cx_surveys",
        {SURVEYS.format(1): jsonl({**survey("r1"), "Channel": "app"}, survey("r2"))},
        {SURVEYS.format(1): "loaded"},
        [("r2",)],
        ("response_id",),
        1,
        reasons=("keys 'channel', 'Channel' both name column channel",),
    ),
    Case(
        "json_many_objects_on_one_line",
        "cx_surveys",
        {SURVEYS.format(1): ("".join(json.dumps(survey(f"r{i}")) for i in range(5)) + "\n").encode()},
        {SURVEYS.format(1): "loaded"},
        [(f"r{i}",) for i in range(5)],
        ("response_id",),
        0,
    ),
    Case(
        "json_objects_on_one_line_with_an_array_among_them",
        "cx_surveys",
        {SURVEYS.format(1): (json.dumps(survey("r1")) + " [1, 2] " + json.dumps(survey("r2")) + "\n").encode()},
        {SURVEYS.format(1): "loaded"},
        [("r1",), ("r2",)],
        ("response_id",),
        1,
        reasons=("line 1, value 2: an array, not a JSON object",),
    ),
    Case(
        "json_line_longer_than_the_limit_quarantined",
        "cx_surveys",
        {SURVEYS.format(1): jsonl(survey("r1", feedback_text="y" * (MAX_LINE_CHARS + 1)), survey("r2"))},
        {SURVEYS.format(1): "loaded"},
        [("r2",)],
        ("response_id",),
        1,
        reasons=("line 1: ", "a line may have"),
    ),
    Case(
        "json_fullwidth_digits_in_a_timestamp",
        "cx_surveys",
        {SURVEYS.format(1): jsonl(survey("r1", timestamp="２０２４-01-02 03:04:05"), survey("r2"))},
        {SURVEYS.format(1): "loaded"},
        [("r2",)],
        ("response_id",),
        1,
        reasons=("timestamp: cannot read",),
    ),
    # --- parquet -----------------------------------------------------------------------
    Case(
        "parquet_decimal_column_declared_double",
        "retail_products",
        {PRODUCTS.format(1): products(price=pa.array([Decimal("1.50"), Decimal("2.25")], pa.decimal128(10, 2)))},
        {PRODUCTS.format(1): "loaded"},
        [(1, 1.5), (2, 2.25)],
        ("product_id", "price"),
        0,
    ),
    Case(
        "parquet_decimal_with_more_digits_than_a_double",
        "retail_products",
        {
            PRODUCTS.format(1): products(
                price=pa.array([Decimal("1.00000000000000000001"), Decimal("2.5")], pa.decimal128(38, 20))
            )
        },
        {PRODUCTS.format(1): "loaded"},
        [(2, 2.5)],
        ("product_id", "price"),
        1,
        reasons=("more significant digits than a double holds",),
    ),
    Case(
        "parquet_whole_decimal_into_int",
        "retail_products",
        {PRODUCTS.format(1): products(stock_quantity=pa.array([Decimal("3"), Decimal("4.5")], pa.decimal128(5, 1)))},
        {PRODUCTS.format(1): "loaded"},
        [(1, 3)],
        ("product_id", "stock_quantity"),
        1,
        reasons=("has a fraction",),
    ),
    Case(
        "parquet_column_twice_in_other_case",
        "retail_products",
        {
            PRODUCTS.format(1): parquet(
                pa.table({"product_id": pa.array([1], pa.int64()), "PRODUCT_ID": pa.array([99], pa.int64())})
            )
        },
        {PRODUCTS.format(1): "rejected"},
        [],
        ("product_id",),
        message={PRODUCTS.format(1): "named more than once (letter case and surrounding spaces ignored): product_id"},
    ),
    Case(
        "parquet_flipped_bit_caught_by_page_checksum",
        "retail_products",
        {PRODUCTS.format(1): flipped_bit_parquet(), PRODUCTS.format(2): products()},
        {PRODUCTS.format(1): "rejected", PRODUCTS.format(2): "loaded"},
        [(1,), (2,)],
        ("product_id",),
        0,
        message={PRODUCTS.format(1): "CRC checksum verification failed"},
    ),
    # --- triggers ------------------------------------------------------------------------
    Case(
        "trigger_entry_with_backslashes",
        "ecommerce_inventory",
        {INVENTORY.format(1): inv_file("p1,1,in,w,,"), TRIGGER.format(1): trigger("inventory\\inventory_1.csv")},
        {TRIGGER.format(1): "trigger", INVENTORY.format(1): "loaded"},
        [("p1",)],
        ("product_id",),
        0,
        message={TRIGGER.format(1): "read as 'inventory/inventory_1.csv'"},
    ),
    Case(
        "trigger_entry_in_another_letter_case",
        "ecommerce_inventory",
        {INVENTORY.format(1): inv_file("p1,1,in,w,,"), TRIGGER.format(1): trigger("inventory/Inventory_1.CSV")},
        {TRIGGER.format(1): "trigger", INVENTORY.format(1): "loaded"},
        [("p1",)],
        ("product_id",),
        0,
        message={INVENTORY.format(1): "letter case differs"},
    ),
    Case(
        "trigger_entry_no_source_loads",
        "ecommerce_inventory",
        {
            INVENTORY.format(1): inv_file("p1,1,in,w,,"),
            TRIGGER.format(1): trigger("inventory/inventory_1.csv", "inventory/readme.txt"),
        },
        {TRIGGER.format(1): "trigger", INVENTORY.format(1): "loaded", "ecommerce/inventory/readme.txt": "missing"},
        [("p1",)],
        ("product_id",),
        0,
        message={"ecommerce/inventory/readme.txt": "no source in ingest/sources.yml loads a file of that name"},
    ),
]


# --- cases with their own steps -------------------------------------------------------


def _statuses(report: RunReport) -> dict[str, str]:
    return {r.file: r.status for r in report.results}


def gzip_same_content(spark, landing, load):
    body = cx_file(cx_row("c1"))
    _put(landing, CX.format(1), body)
    first = load()
    _put(landing, CX.format(2) + ".gz", gzip.compress(body))
    second = load()
    assert _statuses(first)[CX.format(1)] == "loaded"
    assert _statuses(second)[CX.format(2) + ".gz"] == "skipped"
    return second


def gzip_truncated(spark, landing, load):
    _put(landing, CX.format(1) + ".gz", gzip.compress(cx_file(cx_row("c1"), cx_row("c2")))[:-12])
    _put(landing, CX.format(2), cx_file(cx_row("c3")))
    report = load()
    result = {r.file: r for r in report.results}[CX.format(1) + ".gz"]
    assert result.status == "rejected" and "corrupt gzip" in result.message
    return report


def changed_after_load(spark, landing, load):
    _put(landing, CX.format(1), cx_file(cx_row("c1"), cx_row("c2")))
    load()
    _put(landing, CX.format(1), cx_file(cx_row("c1"), cx_row("c3")))  # a row replaced, not rows appended
    report = load()
    result = {r.file: r for r in report.results}[CX.format(1)]
    assert result.status == "changed" and "deliver corrected data under a new file name" in result.message
    return report


def rejected_file_held_until_its_content_changes(spark, landing, load):
    _put(landing, CX.format(1), b"")
    first = load()
    second = load()
    _put(landing, CX.format(1), cx_file(cx_row("c1")))
    third = load()
    assert [_statuses(r)[CX.format(1)] for r in (first, second, third)] == ["rejected", "held", "loaded"]
    assert "is not read again: the file is empty" in {r.file: r for r in second.results}[CX.format(1)].message
    assert not second.failed  # held is not a new problem: a clean run after a bad one
    return third


def rejected_folder_held_on_the_next_run(spark, landing, load):
    _put(landing, CX.format(9) + "/_SUCCESS", b"")
    _put(landing, CX.format(9) + "/part-00000.csv", cx_file(cx_row("c9")))
    _put(landing, CX.format(1), cx_file(cx_row("c1")))
    first, second = load(), load()
    assert (_statuses(first)[CX.format(9)], _statuses(second)[CX.format(9)]) == ("rejected", "held")
    return second


def writer_paused_mid_value_then_finished(spark, landing, load):
    """A writer stalls past the settle time inside a value: the cut row lands
    with the first load; once the file has grown, its rows are replaced."""
    whole = cx_file(cx_row("c1", lifetime_value="10.50"), cx_row("c2", lifetime_value="20.75"))
    cut = whole[: whole.index(b"20.7") + 4]  # "20.7" of "20.75": a valid but wrong value
    _put(landing, CX.format(1), cut)
    first = load()
    _put(landing, CX.format(1), whole)
    second = load()
    result = {r.file: r for r in second.results}[CX.format(1)]
    assert _statuses(first)[CX.format(1)] == "loaded" and result.status == "loaded", second.table()
    assert "grew after its load" in result.message
    rows = spark.sql(f"select customer_id, cast(lifetime_value as string) from {load.schema}.cx_customers").collect()
    assert sorted(tuple(r) for r in rows) == [("c1", "10.50"), ("c2", "20.75")]
    return second


def symlinked_source_folder_is_read(spark, landing, load):
    elsewhere = landing.parent / "mount" / "customers"
    _put(elsewhere.parent, "customers/" + CX.format(1).rsplit("/", 1)[1], cx_file(cx_row("c1")))
    (landing / "cx").mkdir(parents=True)
    (landing / "cx" / "customers").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(landing / "cx", target_is_directory=True)  # and back: read once
    report = load()
    assert _statuses(report)[CX.format(1)] == "loaded", report.table()
    assert _statuses(report)["cx/customers/loop"] == "ignored"
    return report


def internal_error_is_tried_again(spark, landing, load, monkeypatch):
    internal_error_in_one_file(spark, landing, load, monkeypatch)
    monkeypatch.undo()
    report = load()
    assert _statuses(report)[CX.format(1)] == "loaded", report.table()  # not held: its content was never at fault
    return report


def being_written(spark, landing, load, monkeypatch):
    """The writer appends right after the job's first look at the file (not
    after a timed sleep, which a busy machine can let pass before the look)."""
    from ingest import landing as landing_module

    path = landing / CX.format(1)
    path.parent.mkdir(parents=True)
    path.write_bytes(cx_file(cx_row("c1")))
    real_of, looks = landing_module.Stat.of, []

    def look_while_writing(cls, looked_at: Path):
        if looked_at != path or looks:
            return real_of(looked_at)
        os.utime(path)  # the writer is at it now: the file is young
        looks.append(real_of(looked_at))
        with open(path, "ab") as handle:
            handle.write((cx_row("c2") + "\n").encode())
        return looks[0]

    with monkeypatch.context() as patched:
        patched.setattr(landing_module.Stat, "of", classmethod(look_while_writing))
        first = load(settle=1.5)
    assert looks, "the job never looked at the file"
    assert _statuses(first)[CX.format(1)] == "waiting"
    old = time.time() - 60
    os.utime(path, (old, old))
    return load(settle=1.5)  # now stable: loads once, whole


def unmatched_entries(spark, landing, load):
    _put(landing, CX.format(1), cx_file(cx_row("c1")))
    _put(landing, "cx/customers/CUSTOMERS_2.CSV", cx_file(cx_row("c2")))
    _put(landing, "cx/customers/customers_3.txt", cx_file(cx_row("c3")))
    (landing / "cx/customers/customers_4.csv").mkdir()
    (landing / "cx/customers/customers_5.csv").symlink_to(landing / "nowhere.csv")
    report = load()
    ignored = {r.file: r.message for r in report.results if r.status == "ignored"}
    misnamed = {r.file: r for r in report.results}["cx/customers/CUSTOMERS_2.CSV"]
    assert misnamed.status == "rejected" and "only when letter case is ignored" in misnamed.message
    assert "matches no source" in ignored["cx/customers/customers_3.txt"]
    folder = {r.file: r for r in report.results}["cx/customers/customers_4.csv"]
    assert folder.status == "rejected" and "a folder where a file is expected" in folder.message
    assert "dangling symbolic link" in ignored["cx/customers/customers_5.csv"]
    return report


def quoted_name_recovery(spark, landing, load, schema):
    """Crash recovery of a file whose name has a quote removes its own partial rows only."""
    from ingest.bronze import micros, now

    _put(landing, "cx/customers/customers_a.csv", cx_file(cx_row("c1")))
    load()
    quoted = "cx/customers/customers_a'; delete from x; --.csv"
    _put(landing, quoted, cx_file(cx_row("c2")))
    # what a crash after the rows were written leaves: `started` last, partial rows with that load's stamp
    stamp = now()
    _log_started(spark, schema, quoted, stamp)
    partial = spark.createDataFrame([("c_partial", quoted)], "customer_id string, f string").selectExpr(
        "customer_id",
        *[f"cast(null as {t}) as {c}" for c, t in CX_TYPES.items()],
        f"timestamp_micros({micros(stamp)}) as _ingested_at",
        "f as _source_file",
        "'crashed' as _batch_id",
        "cast(null as string) as _rescued_data",
    )
    partial.write.mode("append").insertInto(f"{schema}.cx_customers")
    report = load()
    assert _statuses(report)[quoted] == "loaded", report.table()
    assert _statuses(report)["cx/customers/customers_a.csv"] == "skipped"
    return report


def _log_started(spark, schema: str, path: str, stamp) -> None:
    from ingest.bronze import FILE_LOG_SCHEMA

    row = {f.name: None for f in FILE_LOG_SCHEMA.fields}
    row.update(run_id="crashed", source_name="cx_customers", file_path=path, status="started", logged_at=stamp)
    spark.createDataFrame([row], FILE_LOG_SCHEMA).write.mode("append").insertInto(f"{schema}.ingest_file_log")


CX_TYPES = {
    "first_name": "string",
    "last_name": "string",
    "email": "string",
    "phone": "string",
    "segment": "string",
    "region": "string",
    "signup_date": "date",
    "lifetime_value": "decimal(12,2)",
    "updated_at": "timestamp",
}


def internal_error_in_one_file(spark, landing, load, monkeypatch):
    from ingest import check

    original = check.Checker.check

    def boom(self, chunk):
        if "c_boom" in (chunk.columns.get("customer_id") or []):
            raise RuntimeError("simulated failure inside the checker")
        return original(self, chunk)

    monkeypatch.setattr(check.Checker, "check", boom)
    _put(landing, CX.format(1), cx_file(cx_row("c_boom")))
    _put(landing, CX.format(2), cx_file(cx_row("c2")))
    report = load()
    result = {r.file: r for r in report.results}
    assert result[CX.format(1)].status == "rejected" and "simulated failure" in result[CX.format(1)].message
    assert result[CX.format(2)].status == "loaded"
    return report


ACTIONS = [
    ("gzip_same_content_skipped", "cx_customers", gzip_same_content, [("c1",)]),
    ("gzip_truncated", "cx_customers", gzip_truncated, [("c3",)]),
    ("changed_after_load_not_reloaded", "cx_customers", changed_after_load, [("c1",), ("c2",)]),
    ("file_still_being_written_waits", "cx_customers", being_written, [("c1",), ("c2",)]),
    ("unmatched_entries_reported_ignored", "cx_customers", unmatched_entries, [("c1",)]),
    ("quoted_file_name_crash_recovery", "cx_customers", quoted_name_recovery, [("c1",), ("c2",)]),
    ("internal_error_in_one_file", "cx_customers", internal_error_in_one_file, [("c2",)]),
    (
        "rejected_file_held_until_its_content_changes",
        "cx_customers",
        rejected_file_held_until_its_content_changes,
        [("c1",)],
    ),
    ("rejected_folder_held_on_the_next_run", "cx_customers", rejected_folder_held_on_the_next_run, [("c1",)]),
    (
        "writer_paused_mid_value_then_finished",
        "cx_customers",
        writer_paused_mid_value_then_finished,
        [("c1",), ("c2",)],
    ),
    ("symlinked_source_folder_is_read", "cx_customers", symlinked_source_folder_is_read, [("c1",)]),
    ("internal_error_is_tried_again", "cx_customers", internal_error_is_tried_again, [("c_boom",), ("c2",)]),
]


@dataclass
class Engine:
    name: str
    session: Any
    lake_root: Path
    table_format: str


@pytest.fixture(scope="module", params=["sail", "spark"])
def engine(request, tmp_path_factory):
    """The local engine (Delta), then an Apache Spark standalone cluster
    (parquet): the ingest job runs unchanged on both."""
    if request.param == "sail":
        lake = request.getfixturevalue("lake")
        yield Engine("sail", request.getfixturevalue("spark"), lake.lake_root, "delta")
        return
    from pyspark.sql import SparkSession

    from lakehouse import engine as lake_engine

    settings = dataclasses.replace(
        make_settings(tmp_path_factory.mktemp("corpus_spark")),
        engine="spark",
        table_format="parquet",
        spark_master_port=free_port(),
        spark_connect_port=free_port(),
    )
    lake_engine.start(settings)
    try:
        session = SparkSession.builder.remote(settings.spark_remote).create()
        yield Engine("spark", session, settings.lake_root, "parquet")
        session.stop()
    finally:
        lake_engine.stop(settings)


def _put(landing: Path, rel: str, data: bytes) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    old = time.time() - 60  # delivered a minute ago: stable
    os.utime(path, (old, old))
    return path


def _loader(eng: Engine, landing: Path, schema: str, sources: list[str], json_kinds: str = "strict"):
    conf = ingest_config.load(table_format=eng.table_format, lake_root=eng.lake_root)
    conf = ingest_config.with_bronze_schema(conf, schema)
    if json_kinds != "strict":
        conf = dataclasses.replace(
            conf, sources={n: dataclasses.replace(s, json_kinds=json_kinds) for n, s in conf.sources.items()}
        )

    def load(settle: float = 0) -> RunReport:
        settled = ingest_config.with_settle_seconds(conf, settle)
        return Loader(eng.session, settled, landing).run(settled.select(sources))

    load.schema = schema
    return load


def _landed(spark, schema: str, table: str, columns: tuple[str, ...]) -> list[tuple]:
    rows = spark.sql(f"select {', '.join(columns)} from {schema}.{table}").collect()
    return sorted(tuple(r) for r in rows)


def _quarantine(spark, schema: str) -> list[str]:
    return [r[0] for r in spark.sql(f"select reason from {schema}.ingest_quarantine").collect()]


TABLE: list[str] = []


def _record(name: str, report: RunReport, eng: Engine) -> None:
    name = f"{name} [{eng.name}]"
    outcomes = ", ".join(f"{Path(r.file).name}={r.status}" for r in report.results if r.status != "ignored")
    loaded = sum(r.rows_loaded for r in report.results)
    quarantined = sum(r.rows_quarantined for r in report.results)
    TABLE.append(f"{name:45} {outcomes[:90]:90} landed={loaded} quarantined={quarantined}")


@pytest.fixture(scope="module", autouse=True)
def print_table():
    yield
    print("\n" + "\n".join([f"{'case':45} {'outcome per file':90} rows", *TABLE]))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(engine, tmp_path, monkeypatch, case: Case):
    spark = engine.session
    monkeypatch.setenv("LAKE_ROOT", str(engine.lake_root))  # where bronze tables are located
    landing = tmp_path / "landing"
    for rel, data in case.files.items():
        _put(landing, rel, data)
    schema = f"hc_{case.name}"[:60]
    report = _loader(engine, landing, schema, [case.source], case.json_kinds)()
    _record(case.name, report, engine)
    got = {r.file: r for r in report.results}
    assert {f: got[f].status if f in got else None for f in case.expect} == case.expect, report.table()
    for rel, text in case.message.items():
        assert text in got[rel].message, got[rel].message
    table = ingest_config.load().sources[case.source].table
    if case.landed is not None:
        assert _landed(spark, schema, table, case.columns) == sorted(case.landed)
    reasons = _quarantine(spark, schema)
    if case.quarantined is not None:
        assert len(reasons) == case.quarantined, reasons
    for text in case.reasons:
        assert any(text in r for r in reasons), (text, reasons)
    # every loaded file balances: rows read = landed + quarantined (each counted in its table)
    for r in report.having("loaded"):
        assert r.rows_read == r.rows_loaded + r.rows_quarantined
        landed = spark.sql(f"select count(*) from {schema}.{table} where _source_file = :f", args={"f": r.file})
        assert landed.collect()[0][0] == r.rows_loaded


@pytest.mark.parametrize("name,source,action,landed", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_action(engine, tmp_path, monkeypatch, name, source, action, landed):
    spark = engine.session
    monkeypatch.setenv("LAKE_ROOT", str(engine.lake_root))
    landing = tmp_path / "landing"
    landing.mkdir()
    schema = f"hc_{name}"[:60]
    load = _loader(engine, landing, schema, [source])
    kwargs = {"schema": schema} if "schema" in action.__code__.co_varnames else {}
    if "monkeypatch" in action.__code__.co_varnames:
        kwargs["monkeypatch"] = monkeypatch
    report = action(spark, landing, load, **kwargs)
    _record(name, report, engine)
    table = ingest_config.load().sources[source].table
    assert _landed(spark, schema, table, ("customer_id",)) == sorted(landed)


def test_the_corpus_is_large_enough():
    assert len(CASES) + len(ACTIONS) >= 95

"""A bad day in every domain, landed beside a day of sample data: one file
each domain's ingest rejects, and rows that break each kind of rule on
delivered values (a new category value, a value out of range, a missing
timestamp, a skipped optional answer, a row pointing at an unknown parent).
The rows copy a delivered row of the same source and change what the rule
looks at, so everything else about them is valid.

`land_bad_day` writes the files and returns what must come of them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TAG = "2099_12_31"


@dataclass(frozen=True)
class Expected:
    rejected: dict[str, str]  # landing file -> text its message holds
    warned: list[tuple[str, str]]  # (model, column) of a warn rule that flags a row
    dropped: dict[str, int]  # drop rule -> rows it quarantines
    rows: dict[str, list[str]]  # silver model -> keys of bad rows that must be in it


def _settled(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    old = time.time() - 600  # delivered ten minutes ago: settled
    os.utime(path, (old, old))


def _csv_rows(landing: Path, folder: str, changes: list[dict[str, str]]) -> bytes:
    """The first delivered row of a CSV source, once per change."""
    source = sorted((landing / folder).glob("*.csv"))[0]
    with open(source, newline="") as handle:
        reader = csv.DictReader(handle)
        first = next(reader)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(first), lineterminator="\n")
    writer.writeheader()
    for change in changes:
        writer.writerow({**first, **change})
    return out.getvalue().encode()


def _parquet_rows(landing: Path, folder: str, changes: list[dict]) -> bytes:
    table = pq.read_table(sorted((landing / folder).glob("*.parquet"))[0]).slice(0, 1)
    first = table.to_pylist()[0]
    rows = pa.Table.from_pylist([{**first, **change} for change in changes], schema=table.schema)
    sink = pa.BufferOutputStream()
    pq.write_table(rows, sink)
    return sink.getvalue().to_pybytes()


def _json_rows(landing: Path, folder: str, changes: list[dict]) -> bytes:
    source = sorted((landing / folder).glob("*.json"))[0]
    with open(source) as handle:
        first = json.loads(handle.readline())
    lines = []
    for change in changes:
        row = {**first, **change}
        lines.append(json.dumps({k: v for k, v in row.items() if v is not DROPPED}))
    return ("\n".join(lines) + "\n").encode()


DROPPED = object()  # a key left out of a JSON object


def land_bad_day(landing: Path) -> Expected:
    put = lambda rel, data: _settled(landing / rel, data)  # noqa: E731
    # e-commerce: a trigger lists the day's files, one of them empty
    put(
        f"ecommerce/shipping/shipping_{TAG}.csv",
        _csv_rows(
            landing,
            "ecommerce/shipping",
            [
                {"order_id": "O_BAD_0001", "shipping_method": "drone"},
                {"order_id": "O_BAD_0002", "shipping_cost": "-3.50"},
            ],
        ),
    )
    put(
        f"ecommerce/inventory/inventory_{TAG}.csv",
        _csv_rows(
            landing,
            "ecommerce/inventory",
            [{"stock_status": "backordered", "last_updated": "2099-12-31 00:00:00"}],
        ),
    )
    put(f"ecommerce/orders/orders_{TAG}.csv", b"")
    files = {
        "shipping": f"shipping/shipping_{TAG}.csv",
        "inventory": f"inventory/inventory_{TAG}.csv",
        "orders": f"orders/orders_{TAG}.csv",
    }
    put(f"ecommerce/_triggers/trigger_{TAG}.json", json.dumps({"batch_id": f"bad_{TAG}", "files": files}).encode())
    # cx: a broken JSON array; a new survey type, a survey without a
    # timestamp, one that skipped the optional recommendation question
    put(f"cx/feedback/feedback_{TAG}.json", b'[{"form_id": "F_BAD", ')
    put(
        f"cx/surveys/surveys_{TAG}.json",
        _json_rows(
            landing,
            "cx/surveys",
            [
                {"response_id": "R_BAD_0001", "survey_type": "exit_poll"},
                {"response_id": "R_BAD_0002", "timestamp": DROPPED},
                {"response_id": "R_BAD_0003", "nps_score": None},
            ],
        ),
    )
    # contact center: an empty agents file; a resolution nobody listed
    put(f"contact_center/agents/agents_{TAG}.csv", b"")
    put(
        f"contact_center/interactions/interactions_{TAG}.csv",
        _csv_rows(
            landing, "contact_center/interactions", [{"interaction_id": "I_BAD_0001", "resolution": "Transferred"}]
        ),
    )
    # media: a corrupt parquet file; a session of an asset nobody delivered
    put(f"media/geo/geo_{TAG}.parquet", b"PAR1 this is not parquet PAR1")
    put(
        f"media/delivery/delivery_{TAG}.parquet",
        _parquet_rows(landing, "media/delivery", [{"delivery_id": "D_BAD_0001", "asset_id": "AS_UNKNOWN"}]),
    )
    # retail: a products file of other columns; a sale of an unknown product
    wrong = pa.BufferOutputStream()
    pq.write_table(pa.table({"sku": ["x"], "label": ["y"]}), wrong)
    put(f"retail/products/products_{TAG}.parquet", wrong.getvalue().to_pybytes())
    put(
        f"retail/transactions/transactions_{TAG}.parquet",
        _parquet_rows(landing, "retail/transactions", [{"transaction_id": 999_000_001, "product_id": 999_000_999}]),
    )
    return Expected(
        rejected={
            f"ecommerce/orders/orders_{TAG}.csv": "the file is empty",
            f"cx/feedback/feedback_{TAG}.json": "not valid JSON",
            f"contact_center/agents/agents_{TAG}.csv": "the file is empty",
            f"media/geo/geo_{TAG}.parquet": "unreadable parquet file",
            f"retail/products/products_{TAG}.parquet": "columns do not match the source",
        },
        warned=[
            ("stg_ecommerce__shipping", "shipping_method"),
            ("stg_ecommerce__shipping", "shipping_cost"),
            ("stg_ecommerce__inventory", "stock_status"),
            ("stg_contact_center__interactions", "resolution"),
            ("stg_cx__surveys", "survey_type"),
            ("stg_cx__surveys", "responded_at"),
        ],
        dropped={"delivery_of_a_known_asset": 1, "transaction_of_a_known_product": 1},
        rows={
            "stg_ecommerce__shipping": ["O_BAD_0001", "O_BAD_0002"],
            "stg_contact_center__interactions": ["I_BAD_0001"],
            "stg_cx__surveys": ["R_BAD_0001", "R_BAD_0002", "R_BAD_0003"],
        },
    )


def check_bad_day(stdout: str, expected: Expected, session, alert: dict) -> None:
    """What a run over the bad day must show: every rejected file in the
    report and the alert, each rule's rows counted, the bad rows that rules
    keep in silver, the dropped ones in the quarantine, and a built gold."""
    for rel, why in expected.rejected.items():
        line = next((ln for ln in stdout.splitlines() if rel.rsplit("/", 1)[1] in ln and " rejected " in ln), "")
        assert why in line, (rel, why, line)
        assert any(f["file"] == rel and f["status"] == "rejected" for f in alert["files"]), (rel, alert["files"])
        assert any(rel in p for p in alert["problems"]), alert["problems"]
    assert alert["status"] == "completed with problems"
    flagged = {(r["model"], r["rule"]) for r in alert["rules"] if r["action"] == "warn" and r["rows"] >= 1}
    for model, column in expected.warned:
        assert any(m == model and column in rule for m, rule in flagged), (model, column, sorted(flagged))
    # (the sample data's own surveys without a satisfaction score are dropped too)
    dropped = {r["rule"]: r["rows"] for r in alert["rules"] if r["action"] == "drop" and r["rule"] in expected.dropped}
    assert dropped == expected.dropped, alert["rules"]
    outcomes = session.sql(
        "select rule_name, sum(row_count) from audit.rule_outcomes where action = 'drop' group by rule_name"
    ).collect()
    assert {r[0]: r[1] for r in outcomes if r[0] in expected.dropped} == expected.dropped
    quarantined = session.sql("select rule_name, row_json from silver.rule_quarantine").collect()
    assert sorted(r[0] for r in quarantined if r[0] in expected.dropped) == sorted(expected.dropped)
    assert any('"AS_UNKNOWN"' in r[1] for r in quarantined) and any("999000999" in r[1] for r in quarantined)
    keys = {"stg_ecommerce__shipping": "order_id", "stg_contact_center__interactions": "interaction_id"}
    for model, wanted in expected.rows.items():
        key = keys.get(model, "response_id")
        found = session.sql(f"select {key} from silver.{model} where {key} like '%BAD%'").collect()
        assert sorted(r[0] for r in found) == wanted, model
    skipped = session.sql("select is_valid_nps from silver.stg_cx__surveys where response_id = 'R_BAD_0003'")
    assert [r[0] for r in skipped.collect()] == [None]  # a skipped answer is not an invalid one
    for model in ("fct_ecommerce__orders", "rpt_cx__survey_metrics", "fct_contact_center__interactions"):
        assert session.sql(f"select count(*) from gold.{model}").collect()[0][0] > 0, model
    for model in ("fct_media__delivery_sessions", "rpt_retail__category_analytics", "rpt_cx__daily_trends"):
        assert session.sql(f"select count(*) from gold.{model}").collect()[0][0] > 0, model

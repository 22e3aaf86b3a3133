"""The sample data generator is deterministic and produces every kind of row
the issue asks for."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lakehouse import engine
from sample_data import DOMAINS, generate_day

pytestmark = pytest.mark.fast


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_in_any_order(tmp_path):
    generate_day(tmp_path / "a", 1, seed=7, scale=0.05)
    generate_day(tmp_path / "a", 2, seed=7, scale=0.05)
    generate_day(tmp_path / "b", 2, seed=7, scale=0.05)  # day 2 alone, first
    generate_day(tmp_path / "b", 1, seed=7, scale=0.05)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    generate_day(tmp_path / "c", 1, seed=8, scale=0.05)
    day1 = {k: v for k, v in digests(tmp_path / "a").items() if "2025_01_15" in k}
    assert day1 != digests(tmp_path / "c")


def test_every_domain_in_its_documented_format(tmp_path):
    counts = generate_day(tmp_path, 1, scale=0.05)
    by_domain = {d: [Path(f) for f in counts if f"/{d}/" in f] for d in DOMAINS}
    assert {p.suffix for p in by_domain["ecommerce"]} == {".csv"}
    assert {p.suffix for p in by_domain["retail"]} == {".parquet"}
    assert {p.suffix for p in by_domain["media"]} == {".parquet"}
    assert {p.suffix for p in by_domain["contact_center"]} == {".csv"}
    assert {p.suffix for p in by_domain["cx"]} == {".csv", ".json"}
    trigger = json.loads((tmp_path / "ecommerce/_triggers/trigger_2025_01_15.json").read_text())
    assert set(trigger["files"]) == {"customers", "products", "orders", "inventory", "shipping"}
    for rel in trigger["files"].values():
        assert (tmp_path / "ecommerce" / rel).exists()


def test_default_scale_matches_the_retail_document(tmp_path):
    counts = generate_day(tmp_path, 1, domains=["retail"])
    rows = {Path(f).parent.name: pq.read_metadata(f).num_rows for f in counts}
    assert rows["customers"] == 10_000
    assert rows["products"] == 200
    # 50K transactions plus ~0.5 % duplicated rows
    assert 50_000 <= rows["transactions"] <= 50_500


def test_day_two_changes_dimensions_and_brings_bad_rows(tmp_path):
    generate_day(tmp_path, 1, scale=0.2, domains=["ecommerce"])
    generate_day(tmp_path, 2, scale=0.2, domains=["ecommerce"])
    base = tmp_path / "ecommerce"
    day1 = {r["customer_id"]: r for r in csv.DictReader(open(base / "customers/customers_2025_01_15.csv"))}
    day2 = list(csv.DictReader(open(base / "customers/customers_2025_01_16.csv")))
    changed = [
        r for r in day2 if r["customer_id"] in day1 and r["customer_tier"] != day1[r["customer_id"]]["customer_tier"]
    ]
    new = [r for r in day2 if r["customer_id"] and r["customer_id"] not in day1]
    assert changed and new
    orders = (base / "orders/orders_2025_01_16.csv").read_text().splitlines()
    assert any(line.startswith("BROKEN-LINE") for line in orders)  # unparseable lines
    rows = list(csv.DictReader(orders))
    ids = [r["order_id"] for r in rows if r["order_id"]]
    assert len(ids) > len(set(ids))  # duplicates
    assert any(r["order_id"] == "" for r in rows)  # missing keys
    assert any(r["order_amount"] in ("abc", "12,50") for r in rows)  # malformed values
    assert any(r["order_date"] < "2025-01-16" for r in rows if r["order_id"])  # late records
    emails = [r["email"] for r in day2]
    assert any("@" not in e for e in emails)  # invalid emails


def test_day_two_moves_some_orders_on(tmp_path):
    # later days re-deliver some of the day before's open orders with their
    # next status, the same order otherwise, stamped with the day of the change
    generate_day(tmp_path, 1, scale=0.2, domains=["ecommerce"])
    generate_day(tmp_path, 2, scale=0.2, domains=["ecommerce"])
    base = tmp_path / "ecommerce"

    def rows(entity: str, stamp: str) -> dict[str, dict]:
        with open(base / entity / f"{entity}_{stamp}.csv", newline="") as handle:
            return {r["order_id"]: r for r in csv.DictReader(handle) if (r["order_id"] or "").startswith("O")}

    day1, day2 = rows("orders", "2025_01_15"), rows("orders", "2025_01_16")
    moved = {oid: r for oid, r in day2.items() if oid in day1}
    assert moved
    for oid, r in moved.items():
        before = day1[oid]
        assert (before["order_status"], r["order_status"]) in (("processing", "shipped"), ("shipped", "delivered"))
        same = ("customer_id", "product_id", "order_amount", "currency", "order_date", "shipping_address")
        assert all(r[c] == before[c] for c in same), oid
        assert r["created_timestamp"].startswith("2025-01-16")
    shipping = rows("shipping", "2025_01_16")
    delivered = [oid for oid, r in moved.items() if r["order_status"] == "delivered"]
    assert delivered and all(shipping[oid]["actual_delivery"] for oid in delivered)


def test_generated_days_are_recorded_for_next_day(tmp_path):
    from sample_data import generate_days, generated_state

    generate_days(tmp_path, [1], seed=3, scale=0.02)
    generate_days(tmp_path, [2], seed=3, scale=0.02)
    assert generated_state(tmp_path) == {"seed": 3, "scale": 0.02, "days": [1, 2]}


def test_workers_write_the_same_bytes_as_one_process(tmp_path):
    from sample_data import generate_days, generated_state

    for name, workers in (("one", 1), ("two", 2)):
        counts = generate_days(tmp_path / name, [1, 2], seed=5, scale=0.05, workers=workers)
        assert sum(counts.values()) > 0
    assert digests(tmp_path / "one") == digests(tmp_path / "two")
    assert generated_state(tmp_path / "two") == {"seed": 5, "scale": 0.05, "days": [1, 2]}
    with pytest.raises(ValueError, match="numbered from 1"):
        generate_days(tmp_path / "bad", [0, 1], workers=2)
    assert not (tmp_path / "bad").exists()
    from sample_data.__main__ import main

    with pytest.raises(SystemExit, match="--workers must be at least 1"):
        main(["--landing", str(tmp_path / "cli"), "--workers", "0"])
    assert not (tmp_path / "cli").exists()


def test_same_bytes_in_every_process(tmp_path):
    """Sets of string ids iterate in a per-process order (hash seed): the
    generator must not let that order reach its random draws."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from sample_data import generate_days; "
        "generate_days(Path(sys.argv[1]), [1, 2], seed=3, scale=0.05)"
    )
    for name, hash_seed in (("a", "1"), ("b", "2")):
        env = {**__import__("os").environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], check=True, env=env)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_large_facts_are_written_in_part_files(tmp_path, monkeypatch):
    """Above PART_ROWS a day's facts go to numbered part files (memory stays
    flat at scale 100); ids stay consecutive and the trigger lists every part."""
    from sample_data import common

    monkeypatch.setattr(common, "PART_ROWS", 1_000)
    counts = generate_day(tmp_path, 1, scale=0.05, domains=["retail", "ecommerce"])
    parts = sorted(Path(f).name for f in counts if "/transactions/" in f)
    assert parts == [
        "transactions_2025_01_15.parquet",
        "transactions_2025_01_15_part001.parquet",
        "transactions_2025_01_15_part002.parquet",
    ]
    ids = sorted(
        i for f in counts if "/transactions/" in f for i in pq.read_table(f)["transaction_id"].to_pylist() if i
    )
    assert set(ids) == set(range(1, 2_501))  # 2,500 transactions at scale 0.05, none lost at a part boundary
    trigger = json.loads((tmp_path / "ecommerce/_triggers/trigger_2025_01_15.json").read_text())
    assert trigger["files"]["orders"] == [f"orders/orders_2025_01_15{p}.csv" for p in ("", "_part001", "_part002")]
    assert all((tmp_path / "ecommerce" / rel).exists() for rel in trigger["files"]["shipping"])


def test_a_stopped_generator_leaves_no_worker_running(tmp_path):
    """SIGTERM to `python -m sample_data` ends its worker processes too, at
    once, instead of leaving them orphaned (or finishing the queued days),
    and records no day as generated."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from bench.run import children
    from sample_data import STATE_FILE

    cmd = [sys.executable, "-m", "sample_data", "--landing", str(tmp_path), "--days", "6", "--scale", "5"]
    proc = subprocess.Popen([*cmd, "--workers", "2"], cwd=Path(__file__).parents[1])
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
            workers = set(children(proc.pid))
            time.sleep(0.1)
        assert len(workers) >= 2, "the generator started no worker processes"
        time.sleep(1)  # the workers are generating
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 10
        while (alive := {w for w in workers if engine.process_alive(w)}) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive, f"worker processes {alive} outlived the generator"
        assert not (tmp_path / STATE_FILE).exists()
    finally:
        proc.kill()
        for worker in filter(engine.process_alive, workers):
            os.kill(worker, signal.SIGKILL)

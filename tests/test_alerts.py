"""A critical data-quality alert fails the run and is reported: with the
quarantine-rate rule tightened (in a copy of the project), the build of the
alerts model and its parents exits non-zero, prints the breach, and keeps the
failing alert rows in the audit schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import copy_checkout, run
from sample_data import generate_days, generated_state


def test_a_critical_breach_fails_the_run_and_is_reported(lake, spark, tmp_path):
    if not generated_state(lake.landing).get("days"):
        generate_days(lake.landing, [1], seed=42, scale=0.2)
    run([sys.executable, "-m", "ingest", "load"], check=False)
    checkout = copy_checkout(tmp_path / "checkout")
    rules = checkout / "seeds" / "platform" / "platform_alert_rules.csv"
    text = rules.read_text()
    assert "quarantine_rate,critical,above,0.2," in text
    rules.write_text(text.replace("quarantine_rate,critical,above,0.2,", "quarantine_rate,critical,above,0.0001,"))

    env = {**os.environ, "DBT_CI_SCHEMA": "ci_alerts"}
    cmd = [
        sys.executable,
        "-m",
        "lakehouse",
        "dbt",
        "--target",
        "ci",
        "--keep-engine",
        "--",
        "build",
        "-s",
        "+rpt_platform__data_quality_alerts",
        "--target-path",
        str(tmp_path / "target"),
    ]
    try:
        result = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode != 0, result.stdout[-3000:]
        assert "CRITICAL  quarantine_rate_critical" in result.stdout, result.stdout[-3000:]
        assert "FAIL" in result.stdout and "severity_critical" in result.stdout.replace("'", ""), result.stdout[-3000:]
        results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
        nodes = json.loads((tmp_path / "target" / "manifest.json").read_text())["nodes"]
        failed = [nodes[r["unique_id"]] for r in results if r["status"] == "fail"]
        assert [n["name"] for n in failed] == [n["name"] for n in failed if "severity_critical" in n["name"]] != []
        stored = spark.sql(f"select rule_id from {failed[0]['schema']}.`{failed[0]['alias']}`").collect()
        assert {r[0] for r in stored} == {"quarantine_rate_critical"}
    finally:
        subprocess.run(
            [sys.executable, "-m", "lakehouse", "ci-teardown", "--ci-schema", "ci_alerts", "--keep-engine"],
            cwd=checkout,
            env=env,
            capture_output=True,
        )

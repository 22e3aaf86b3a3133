"""A critical data-quality alert is reported and makes the run end "completed
with problems", without stopping the build: with the quarantine-rate rule
tightened (in a copy of the project), the build of the alerts model and its
parents succeeds, prints the breach, keeps the failing alert rows in the
audit schema, and the pipeline reads the breach as a problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import copy_checkout, run
from lakehouse.pipeline import CRITICAL_ALERTS_TEST, critical_breaches
from sample_data import generate_days, generated_state


def test_a_critical_breach_is_reported_as_a_problem_and_the_build_goes_on(lake, spark, tmp_path):
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
        "--indirect-selection",
        "cautious",  # not the reconciliations that also read models outside the selection
        "--target-path",
        str(tmp_path / "target"),
    ]
    try:
        result = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-3000:]
        assert "CRITICAL  quarantine_rate_critical" in result.stdout, result.stdout[-3000:]
        assert "WARN" in result.stdout and CRITICAL_ALERTS_TEST in result.stdout, result.stdout[-3000:]
        results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
        nodes = json.loads((tmp_path / "target" / "manifest.json").read_text())["nodes"]
        assert not [r for r in results if r["status"] in ("error", "fail", "skipped")]
        warned = [nodes[r["unique_id"]] for r in results if r["status"] == "warn"]
        critical = [n for n in warned if n["name"] == CRITICAL_ALERTS_TEST]
        stored = spark.sql(f"select rule_id from {critical[0]['schema']}.`{critical[0]['alias']}`").collect()
        assert {r[0] for r in stored} == {"quarantine_rate_critical"}
        problems = critical_breaches(tmp_path / "target" / "run_results.json")
        assert len(problems) == 1 and "critical data-quality rule(s) breached" in problems[0]
    finally:
        subprocess.run(
            [sys.executable, "-m", "lakehouse", "ci-teardown", "--ci-schema", "ci_alerts", "--keep-engine"],
            cwd=checkout,
            env=env,
            capture_output=True,
        )

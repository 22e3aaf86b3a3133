"""Alerts reach people: after a build, what went wrong in it goes to the
configured destination, and is stored beside the lake either way.

An alert is made when a run has anything to report: files ingest rejected (or
that changed, or that a trigger lists and never came), rows a rule flagged
(warn) or left out (drop), tests that failed, breached data-quality alert
rules, and a run longer than its SLA. It is one JSON document:

    {"run": ..., "status": "completed" | "completed with problems",
     "problems": [...], "files": [...], "rules": [...], "failed_tests": [...],
     "breaches": [...], "sla": {...} | null, "summary": "one line"}

The destination is a webhook: `LAKE_ALERT_WEBHOOK` (an http or https URL,
e.g. a chat or incident tool's incoming webhook) receives it as a POST. With
none configured the run says so. Each alert is also written to
`<lake>/alerts/<run>.json`. A destination that cannot be reached is reported
and never fails the run: the stored alert keeps what it would have said.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

# the file outcomes that are problems (ingest.load.FAILED)
PROBLEM_FILES = ("rejected", "changed", "missing")


@dataclass
class Alert:
    run: str
    status: str
    problems: list[str] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    failed_tests: list[dict] = field(default_factory=list)
    breaches: list[dict] = field(default_factory=list)
    sla: dict | None = None

    def worth_sending(self) -> bool:
        return bool(self.problems or self.files or self.rules or self.failed_tests or self.breaches or self.sla)

    def summary(self) -> str:
        parts = [
            f"{len(self.files)} file(s) rejected, changed or missing" if self.files else "",
            f"{sum(r['rows'] for r in self.rules)} row(s) flagged or dropped by {len(self.rules)} rule(s)"
            if self.rules
            else "",
            f"{len(self.failed_tests)} test(s) failed" if self.failed_tests else "",
            f"{len(self.breaches)} alert rule(s) breached" if self.breaches else "",
            "SLA breached" if self.sla else "",
        ]
        return f"{self.run}: {self.status}; " + "; ".join(p for p in parts if p)

    def document(self) -> dict:
        return {**asdict(self), "summary": self.summary()}


def files_of(ingest_report: Path) -> list[dict]:
    """The files of the run's ingest report (ingest --report) that are problems."""
    if not ingest_report.exists():
        return []
    results = json.loads(ingest_report.read_text())["results"]
    keep = ("source", "file", "status", "message")
    return [{k: r[k] for k in keep} for r in results if r["status"] in PROBLEM_FILES]


def rules_of(target: Path, spark=None) -> tuple[list[dict], list[dict]]:
    """From dbt's artifacts of the build: the rules with an action that flagged
    rows (a warn rule's failing rows; a drop rule's quarantined rows, which
    its test no longer sees, from audit.rule_outcomes), and every test that
    failed or erred."""
    results_file, manifest_file = target / "run_results.json", target / "manifest.json"
    if not (results_file.exists() and manifest_file.exists()):
        return [], []
    nodes = json.loads(manifest_file.read_text())["nodes"]
    run = json.loads(results_file.read_text())
    rules, failed = _dropped(spark, nodes, run["metadata"]["invocation_id"]), []
    for result in run["results"]:
        node = nodes.get(result["unique_id"])
        if not node or node["resource_type"] != "test":
            continue
        action = (node["config"].get("meta") or {}).get("action")
        model = (node.get("attached_node") or "").split(".")[-1]
        if action and result.get("failures"):
            rules.append({"rule": node["name"], "model": model, "action": action, "rows": result["failures"]})
        if result["status"] in ("fail", "error"):  # (a breached alert rule's warning is in `breaches`)
            failed.append({"test": node["name"], "model": model, "status": result["status"]})
    return rules, failed


def _dropped(spark, nodes: dict, invocation_id: str) -> list[dict]:
    audit = next((n["schema"] for n in nodes.values() if n["resource_type"] == "test"), None)
    if spark is None or audit is None:
        return []
    try:
        rows = spark.sql(
            f"select rule_name, model_name, row_count from {audit}.rule_outcomes "
            "where invocation_id = :run and action = 'drop' and row_count > 0 order by rule_name",
            args={"run": invocation_id},
        ).collect()
    except Exception:  # noqa: BLE001 - no rule dropped anything yet: the table may not exist
        return []
    return [{"rule": r.rule_name, "model": r.model_name, "action": "drop", "rows": r.row_count} for r in rows]


def breaches_of(spark, target: Path) -> list[dict]:
    """Every breached rule of the data-quality alerts model this build made."""
    manifest_file = target / "manifest.json"
    if spark is None or not manifest_file.exists():
        return []
    node = json.loads(manifest_file.read_text())["nodes"].get("model.lakehouse.rpt_platform__data_quality_alerts")
    if not node:
        return []
    rows = spark.sql(
        f"select severity, rule_id, subject, metric_value, threshold from {node['relation_name']} "
        "where is_breached order by severity, rule_id, subject"
    ).collect()
    return [row.asDict() for row in rows]


def sla_of(seconds: float, env: dict[str, str]) -> dict | None:
    limit = env.get("LAKE_SLA_SECONDS")
    if not limit or seconds <= float(limit):
        return None
    return {"seconds": round(seconds, 1), "limit_seconds": float(limit)}


def deliver(alert: Alert, store: Path, env: dict[str, str] | None = None) -> str:
    """Store the alert and send it to the webhook, if one is configured; says what it did."""
    env = os.environ if env is None else env
    store.mkdir(parents=True, exist_ok=True)
    document = alert.document()
    path = store / f"{alert.run}.json"
    path.write_text(json.dumps(document, indent=2, default=str))
    url = env.get("LAKE_ALERT_WEBHOOK", "").strip()
    if not url:
        return f"alert: {alert.summary()}\n  no alert destination configured (set LAKE_ALERT_WEBHOOK); stored in {path}"
    if not url.startswith(("http://", "https://")):
        return f"alert: LAKE_ALERT_WEBHOOK is not an http(s) URL; not sent, stored in {path}"
    request = urllib.request.Request(
        url,
        data=json.dumps(document, default=str).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status = response.status
    except (urllib.error.URLError, OSError) as err:
        return f"alert: not delivered to the webhook ({err}); stored in {path}"
    return f"alert: {alert.summary()}\n  sent to the webhook (HTTP {status}); stored in {path}"


def run_id() -> str:
    return time.strftime("run_%Y%m%dT%H%M%S", time.gmtime())

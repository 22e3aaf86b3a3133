"""The CX metrics API as a client uses it: started by the project's command
on a free port over a real engine whose cx gold tables were just built,
called over HTTP; every answer is checked against the tables themselves.
Bad parameters get a 400 with the reason; nothing reaches the engine as
SQL text; the server stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import REPO, free_port, run, wait_for
from lakehouse import engine
from sample_data import generate_days, generated_state

GOLD = ["rpt_cx__survey_metrics", "rpt_cx__daily_trends", "rpt_cx__channel_segment_aggregations"]
GOLD += ["rpt_cx__data_quality_monitoring"]


@pytest.fixture(scope="module")
def api(lake, spark):
    """cx gold built on the ci target (ci_gold), then `python -m lakehouse serve`."""
    if not generated_state(lake.landing).get("days"):
        generate_days(lake.landing, [1], seed=42, scale=0.2)
    run([sys.executable, "-m", "ingest", "load", "--domain", "cx"], check=False)  # exit 1: rejected files only
    select = " ".join(f"+{model}" for model in GOLD)
    build = ["build", "--select", select, "--indirect-selection", "cautious"]  # tests of what is built
    run([sys.executable, "-m", "lakehouse", "dbt", "--target", "ci", "--", *build])
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lakehouse", "serve", "--port", str(port), "--schema", "ci_gold"],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not engine.port_open(port):
        assert server.poll() is None, server.stdout.read()[-3000:]
        assert time.monotonic() < deadline, "the API did not come up"
        time.sleep(0.3)
    yield {"url": f"http://127.0.0.1:{port}", "server": server, "port": port}
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def get(api, path: str, **params) -> tuple[int, dict]:
    url = f"{api['url']}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def table(spark, name: str, order: str) -> list[dict]:
    return [r.asDict() for r in spark.sql(f"select * from ci_gold.{name} order by {order}").collect()]


def jsonable(rows: list[dict]) -> list[dict]:
    return json.loads(json.dumps(rows, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


def test_summary_and_reports_are_the_gold_tables(api, spark):
    status, body = get(api, "/api/health")
    assert status == 200 and body["status"] == "ok" and body["survey_types"] > 0
    for path, name, order in (
        ("/api/metrics/summary", "rpt_cx__survey_metrics", "survey_type"),
        ("/api/reports/channel-segments", "rpt_cx__channel_segment_aggregations", "channel, customer_segment"),
        ("/api/reports/data-quality", "rpt_cx__data_quality_monitoring", "layer"),
    ):
        status, body = get(api, path)
        assert status == 200, body
        expected = jsonable(table(spark, name, order))
        assert body["data"] == expected and body["total"] == len(expected) > 0, path
        assert body["next_offset"] is None
    status, body = get(api, "/api/metrics/summary", survey_type="onboarding")
    assert [r["survey_type"] for r in body["data"]] == ["onboarding"]


def test_trends_page_through_every_day_and_filter_by_date(api, spark):
    expected = jsonable(table(spark, "rpt_cx__daily_trends", "response_date"))
    assert len(expected) > 7
    pages, offset = [], 0
    while offset is not None:
        status, body = get(api, "/api/metrics/trends", limit=7, offset=offset)
        assert status == 200 and body["total"] == len(expected) and len(body["data"]) <= 7
        pages += body["data"]
        offset = body["next_offset"]
    assert pages == expected
    first, last = expected[2]["response_date"], expected[5]["response_date"]
    status, body = get(api, "/api/metrics/trends", **{"from": first, "to": last})
    assert [r["response_date"] for r in body["data"]] == [r["response_date"] for r in expected[2:6]]  # inclusive


@pytest.mark.parametrize(
    ("path", "params", "reason"),
    [
        ("/api/metrics/trends", {"from": "2026-13-01"}, "from must be a date"),
        ("/api/metrics/trends", {"from": "2026-02-01", "to": "2026-01-01"}, "is after to"),
        ("/api/metrics/trends", {"limit": "0"}, "limit must be"),
        ("/api/metrics/trends", {"limit": "1001"}, "limit must be"),
        ("/api/metrics/trends", {"limit": "ten"}, "limit must be"),
        ("/api/metrics/trends", {"offset": "-1"}, "offset must be"),
        ("/api/metrics/summary", {"where": "1=1"}, "unknown parameter(s): where"),
        ("/api/reports/channel-segments", {"channel": "x" * 101}, "channel must be"),
        ("/api/health", {"verbose": "1"}, "unknown parameter"),
    ],
)
def test_bad_parameters_get_a_400_with_the_reason(api, path, params, reason):
    status, body = get(api, path, **params)
    assert status == 400 and reason in body["error"], body


def test_values_are_data_never_sql(api, spark):
    before = table(spark, "rpt_cx__channel_segment_aggregations", "channel, customer_segment")
    for hostile in ("app' or '1'='1", "app; drop table ci_gold.rpt_cx__daily_trends; --", "`app`"):
        status, body = get(api, "/api/reports/channel-segments", channel=hostile)
        assert status == 200 and body["data"] == [] and body["total"] == 0, hostile
    assert table(spark, "rpt_cx__channel_segment_aggregations", "channel, customer_segment") == before
    assert spark.sql("select count(*) from ci_gold.rpt_cx__daily_trends").collect()[0][0] > 0


def test_unknown_paths_and_methods_answer_in_json(api):
    status, body = get(api, "/api/nothing")
    assert status == 404 and "error" in body
    request = urllib.request.Request(f"{api['url']}/api/metrics/summary", method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 405


def test_the_exposure_names_the_api_and_its_tables(lake):
    manifest = json.loads((lake.lake_root / "dbt_target" / "manifest.json").read_text())
    exposure = manifest["exposures"]["exposure.lakehouse.cx_metrics_api"]
    assert exposure["url"].endswith("/api/metrics/summary")
    read = {n.split(".")[-1] for n in exposure["depends_on"]["nodes"]}
    assert read == set(GOLD)  # every table the API serves, and only those


def test_sigterm_stops_the_server_and_leaves_the_engine(api, lake):
    api["server"].send_signal(signal.SIGTERM)
    assert api["server"].wait(timeout=30) == 0
    wait_for(lambda: not engine.port_open(api["port"]), timeout=30, what="the API port to close")
    assert engine.is_running(lake)  # the engine was the test's, not the server's


def test_the_wsgi_factory_reads_its_endpoint_from_the_environment(monkeypatch):
    """`app_from_env()` (for a WSGI server): parameters are checked before
    the engine is asked anything, so a bad request needs no engine."""
    from lakehouse import api as service

    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    with pytest.raises(RuntimeError, match="SPARK_REMOTE"):
        service.app_from_env()
    monkeypatch.setenv("SPARK_REMOTE", "sc://127.0.0.1:1")
    client = service.app_from_env().test_client()
    answer = client.get("/api/metrics/trends?limit=5000")
    assert answer.status_code == 400 and "limit must be" in answer.get_json()["error"]

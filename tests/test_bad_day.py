"""A bad delivery never stops the lake. On a lake of its own: day 1 of the
sample data lands with a bad day beside it (tests/bad_deliveries.py: a
rejected file and rows breaking each kind of rule in every domain). The main
job loads the valid files, builds every domain's gold, counts each rule's
rows, quarantines what drop rules leave out, sends the alert to a webhook
(a local HTTP receiver started here) and ends "completed with problems".
Then a clean day lands and the job, with nobody touching the landing zone,
holds the rejected files, ends clean, and with no webhook configured says
so and stores its alert. One build writes the lake at a time: a second is
skipped with a message, or waits for the first with --wait."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from bad_deliveries import TAG, check_bad_day, land_bad_day
from conftest import REPO, free_port, make_settings
from lakehouse import engine
from lakehouse.cli import EXIT_SKIPPED, EXIT_WITH_PROBLEMS
from lakehouse.pipeline import build_lock
from sample_data import generate_days

SEED, SCALE = 7, 0.05


class Receiver:
    """A webhook on the loopback interface that keeps what it is sent."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server hook
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def bad_lake(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("bad_day"))
    env = {
        **os.environ,
        **settings.env(),
        "DBT_TARGET_PATH": str(settings.lake_root / "dbt_target"),
        "DBT_LOG_PATH": str(settings.lake_root / "dbt_logs"),
    }
    env.pop("LAKE_ALERT_WEBHOOK", None)
    generate_days(settings.landing, [1], seed=SEED, scale=SCALE)
    expected = land_bad_day(settings.landing)
    engine.start(settings)
    receiver = Receiver()
    try:
        yield settings, env, expected, receiver
    finally:
        receiver.stop()
        engine.stop(settings)


def lakehouse(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lakehouse", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def session(bad_lake):
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.remote(bad_lake[0].spark_remote).create()
    yield spark
    spark.stop()


@pytest.fixture(scope="module")
def bad_run(bad_lake):
    settings, env, _, receiver = bad_lake
    return lakehouse({**env, "LAKE_ALERT_WEBHOOK": receiver.url}, "run", "--no-docs", "--keep-engine")


def test_the_bad_day_builds_every_domain_and_ends_with_problems(bad_run, bad_lake, session):
    settings, _, expected, receiver = bad_lake
    output = bad_run.stdout[-4000:] + bad_run.stderr[-4000:]
    assert bad_run.returncode == EXIT_WITH_PROBLEMS, output
    assert "completed with problems" in bad_run.stderr
    assert "sent to the webhook (HTTP 204)" in bad_run.stdout, output
    assert len(receiver.received) == 1
    check_bad_day(bad_run.stdout, expected, session, receiver.received[0])
    stored = json.loads(next((settings.lake_root / "alerts").glob("*.json")).read_text())
    assert stored == receiver.received[0]


def test_every_rejected_file_is_in_the_file_log(bad_run, bad_lake, session):
    expected = bad_lake[2]
    log = session.sql(
        "select file_path, message from bronze.ingest_file_log where status = 'rejected' and file_name like :tag",
        args={"tag": f"%{TAG}%"},
    ).collect()
    assert {r.file_path: r.message for r in log}.keys() == expected.rejected.keys()


def test_a_clean_day_after_builds_normally_without_touching_the_landing_zone(bad_run, bad_lake):
    settings, env, expected, receiver = bad_lake
    generate_days(settings.landing, [2], seed=SEED, scale=SCALE)
    clean = lakehouse(env, "run", "--no-docs", "--keep-engine")
    assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-3000:]
    assert "completed with problems" not in clean.stderr
    held = [ln for ln in clean.stdout.splitlines() if TAG in ln and " held " in ln]
    assert len(held) == len(expected.rejected), clean.stdout[-3000:]
    assert all("is not read again" in ln for ln in held)
    assert "no alert destination configured (set LAKE_ALERT_WEBHOOK)" in clean.stdout
    assert len(receiver.received) == 1  # nothing more was sent: no destination
    assert len(list((settings.lake_root / "alerts").glob("*.json"))) == 2  # but the alert is stored


def test_a_second_build_is_skipped_or_waits_while_one_writes_the_lake(bad_run, bad_lake):
    settings, env, _, _ = bad_lake
    with build_lock(settings, 0):  # a first build holds the lake
        skipped = lakehouse(env, "build", "--keep-engine")
        waiting = subprocess.Popen(
            [sys.executable, "-m", "lakehouse", "build", "--keep-engine", "--wait", "600"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert "waiting up to 600 s" in waiting.stdout.readline()
        time.sleep(2)
        assert waiting.poll() is None  # still waiting for the lock
    out, _ = waiting.communicate(timeout=900)
    assert skipped.returncode == EXIT_SKIPPED
    assert "skipped: another build" in skipped.stderr and str(settings.lake_root) in skipped.stderr
    assert waiting.returncode == 0, out[-3000:]
    assert "==> dbt build" in out

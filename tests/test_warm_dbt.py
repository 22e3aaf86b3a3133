"""The warm dbt worker (`lakehouse/warm_dbt.py`): `python -m lakehouse up`
starts it, `python -m lakehouse dbt` hands it each command, and what dbt does
and prints is the same as when it starts cold."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import sysconfig
import time

import pytest

from conftest import REPO, make_settings, run, wait_for
from lakehouse import pipeline, warm_dbt
from lakehouse.pipeline import bin_path, child_env

LAKE = [sys.executable, "-m", "lakehouse"]


def _env(settings, **extra: str) -> dict[str, str]:
    return {
        **child_env(settings),
        "DBT_TARGET_PATH": str(settings.lake_root / "dbt_target"),
        "DBT_LOG_PATH": str(settings.lake_root / "dbt_logs"),
        **extra,
    }


def _worker_log(settings) -> str:
    return (settings.logs / "dbt-worker.log").read_text()


def _without_times(output: str) -> list[str]:
    # dbt stamps its lines with the time (after a colour code)
    return [re.sub(r"^(\x1b\[0m)?\d\d:\d\d:\d\d\s+", "", line) for line in output.splitlines()]


@pytest.fixture
def worker(lake):
    """The session's engine with a worker of its own, stopped afterwards."""
    started = run([*LAKE, "up"], env=_env(lake))
    assert re.search(r"dbt worker running \(pid \d+\)", started.stdout), started.stdout
    try:
        yield lake
    finally:
        warm_dbt.stop(lake)


def test_a_warm_command_prints_and_returns_what_a_cold_one_does(worker):
    env = _env(worker)
    query = ["show", "--inline", "select 41 + 1 as answer", "--output", "json"]
    run([bin_path("dbt"), "parse"], env=env)  # both then parse partially
    warm = run([*LAKE, "dbt", "--", *query], env=env)
    assert f": dbt {' '.join(query)}" in _worker_log(worker)  # a fork of the worker ran it
    cold = run([bin_path("dbt"), *query], env=env)
    assert '"answer": 42' in warm.stdout
    assert _without_times(warm.stdout) == _without_times(cold.stdout)
    # a failing command: the same exit code and message
    failing = ["run-operation", "no_such_macro"]
    warm, cold = (
        run(cmd, env=env, check=False) for cmd in ([*LAKE, "dbt", "--", *failing], [bin_path("dbt"), *failing])
    )
    assert warm.returncode == cold.returncode != 0
    assert "no_such_macro" in warm.stdout and _without_times(warm.stdout) == _without_times(cold.stdout)


def test_each_command_gets_the_callers_environment_and_nothing_of_the_last(worker):
    probe = ["show", "--inline", 'select \'{{ env_var("WARM_PROBE", "unset") }}\' as probe', "--output", "json"]
    first = run([*LAKE, "dbt", "--", *probe], env=_env(worker, WARM_PROBE="first"))
    assert '"probe": "first"' in first.stdout
    second = run([*LAKE, "dbt", "--", *probe], env={k: v for k, v in _env(worker).items() if k != "WARM_PROBE"})
    assert '"probe": "unset"' in second.stdout


def test_ctrl_c_stops_the_command_and_not_the_worker(worker):
    env = _env(worker)
    # a full parse takes seconds: long enough to interrupt
    client = subprocess.Popen(
        [*LAKE, "dbt", "--", "parse", "--no-partial-parse"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wait_for(lambda: ": dbt parse --no-partial-parse" in _worker_log(worker), timeout=30, what="the fork")
    (fork,) = re.findall(r"(\d+): dbt parse --no-partial-parse", _worker_log(worker))
    time.sleep(0.5)
    client.send_signal(signal.SIGINT)
    client.communicate(timeout=60)
    assert client.returncode == 2  # dbt's own exit code when interrupted, passed back
    wait_for(lambda: not os.path.exists(f"/proc/{fork}"), timeout=30, what="the fork to end")
    assert warm_dbt.running(worker)
    listed = run(
        [*LAKE, "dbt", "--", "ls", "-s", "stg_retail__products", "--resource-type", "model", "--output", "name"],
        env=env,
    )
    assert listed.stdout.strip().splitlines()[-1] == "stg_retail__products"


@pytest.mark.fast
def test_new_packages_retire_the_worker_and_dbt_runs_cold(tmp_path, capfd):
    settings = make_settings(tmp_path / "lake")  # no engine: dbt ls needs none
    purelib = sysconfig.get_paths()["purelib"]
    before = os.stat(purelib)
    warm_dbt.start(settings)
    try:
        os.utime(purelib, ns=(before.st_atime_ns, before.st_mtime_ns + 1))  # as pip install would
        assert pipeline.dbt(settings, ["ls", "-s", "stg_retail__products", "--output", "name"]) == 0
        assert "stg_retail__products" in capfd.readouterr().out
        assert "installed packages changed" in _worker_log(settings)
        wait_for(lambda: warm_dbt.pid(settings) is None, timeout=10, what="the worker to exit")
    finally:
        os.utime(purelib, ns=(before.st_atime_ns, before.st_mtime_ns))
        warm_dbt.stop(settings)


@pytest.mark.fast
def test_down_stops_the_worker_and_leaves_nothing(tmp_path):
    settings = make_settings(tmp_path / "lake")
    worker_pid = warm_dbt.start(settings)
    assert warm_dbt.socket_path(settings).exists()
    down = run([*LAKE, "down"], env=_env(settings))
    assert "dbt worker" in down.stdout
    assert not os.path.exists(f"/proc/{worker_pid}") or warm_dbt.pid(settings) is None
    assert not warm_dbt.socket_path(settings).exists()
    left = subprocess.run(["pgrep", "-f", str(warm_dbt.socket_path(settings))], capture_output=True, text=True)
    assert not left.stdout.strip()

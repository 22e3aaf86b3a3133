"""Shared fixtures: a real local engine (Hive Metastore + Sail) on free ports
with its lake in a temporary folder, started once per session and stopped at
the end, whatever happens."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lakehouse import engine  # noqa: E402
from lakehouse.settings import Settings, free_port  # noqa: E402, F401 (free_port: for the tests)

SCALE = 0.2  # small but with every kind of row: dimensions changes, bad rows, duplicates
# the stamps of the run that wrote a row (a build, a snapshot run): two
# builds of the same rows differ only in them, so comparisons leave them out
RUN_STAMPS = ("_built_at", "_snapshotted_at")


def make_settings(root: Path) -> Settings:
    return Settings(lake_root=root.resolve(), hms_port=free_port(), sail_port=free_port())


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory):
    """A running engine; its settings are also exported to this process's env."""
    settings = make_settings(tmp_path_factory.mktemp("lake"))
    saved = dict(os.environ)
    os.environ.update(settings.env())
    os.environ["DBT_TARGET_PATH"] = str(settings.lake_root / "dbt_target")
    os.environ["DBT_LOG_PATH"] = str(settings.lake_root / "dbt_logs")
    engine.start(settings)
    try:
        yield settings
    finally:
        engine.stop(settings)
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def spark(lake):
    from pyspark.sql import SparkSession

    # create(), not getOrCreate(): the latter returns any session this process
    # already has (dbt run in-process by the adapter suite leaves one), whatever its URL
    session = SparkSession.builder.remote(lake.spark_remote).create()
    yield session
    session.stop()


def run(
    cmd: list[str], env: dict | None = None, check: bool = True, timeout: float = 900
) -> subprocess.CompletedProcess:
    """Run a project command from the repository root, capturing its output."""
    result = subprocess.run(
        cmd, cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {result.returncode}\n--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


BROWSER_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--window-size=1600,1000",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Selenium (never online)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver_path, (
        "chromium / chromedriver missing: `make test` installs them (scripts/bootstrap.sh --test-tools)"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium look for a driver online
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(predicate, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def serve_docs(generate: bool) -> Iterator[str]:
    """`python -m lakehouse docs` on a free port (with `--no-generate`: what
    was generated last, as `make docs-serve`); yields its URL, stops it after."""
    port = free_port()
    cmd = [sys.executable, "-m", "lakehouse", "docs", "--port", str(port)]
    server = subprocess.Popen(
        cmd if generate else [*cmd, "--no-generate"],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not engine.port_open(port):
            assert server.poll() is None, server.stdout.read()[-3000:]
            assert time.monotonic() < deadline, "the docs site did not come up"
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, 15)  # the CLI and the dbt server it runs
        server.wait(timeout=30)
    wait_for(lambda: not engine.port_open(port), timeout=30, what="the docs server to stop")


def copy_checkout(dest: Path) -> Path:
    """A copy of the project as a developer's changed checkout would be."""
    # and not what a test running beside this one writes: the benchmark's lakes (bench/.work), sockets
    ignore = shutil.ignore_patterns(
        ".git", ".venv", ".lake*", "target", "logs", "__pycache__", ".*_cache", ".work", "*.sock"
    )
    shutil.copytree(REPO, dest, ignore=ignore)
    return dest


# the longest files, started first so that with two workers (make test) neither
# is left running one of them alone at the end
LONGEST_FILES = ["test_adapter_suite.py", "test_spark_parity.py", "test_bench.py"]


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FILES.index(name) if name in LONGEST_FILES else len(LONGEST_FILES)

    items.sort(key=rank)  # stable: each file keeps its own order


def pytest_terminal_summary(terminalreporter):
    """dbt's adapter suite per engine: passed / expected to fail (docs/engine-notes.md)."""
    for engine_name in ("sail", "spark"):
        counts = {}
        for outcome in ("passed", "xfailed", "failed", "error"):
            reports = terminalreporter.stats.get(outcome, [])
            counts[outcome] = sum(
                1
                for r in reports
                if "test_adapter_suite.py" in getattr(r, "nodeid", "") and f"[{engine_name}]" in r.nodeid
            )
        if any(counts.values()):
            terminalreporter.write_line(
                f"dbt adapter suite on {engine_name}: {counts['passed']} passed, {counts['xfailed']} expected to "
                f"fail (engine notes), {counts['failed'] + counts['error']} failed"
            )


@pytest.fixture(scope="session")
def local_manifest(tmp_path_factory) -> dict:
    """The project's manifest for the local target, parsed offline once per test process."""
    import json

    where = tmp_path_factory.mktemp("local_manifest")
    dbt = str(Path(sys.executable).parent / "dbt")
    run(
        [dbt, "parse", "--profiles-dir", str(REPO), "--target-path", str(where / "target")]
        + ["--log-path", str(where / "logs"), "--no-partial-parse"]
    )
    return json.loads((where / "target" / "manifest.json").read_text())

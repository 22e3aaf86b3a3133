"""The Databricks Asset Bundle loads, every file and dbt target it refers to
exists, and each environment runs on the media document's schedule, retries
and timeouts."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from conftest import REPO

pytestmark = pytest.mark.fast

EXPECTED = {  # target: (max_retries, timeout_seconds, cron or None when paused)
    "dev": (1, 3600, None),
    "qa": (2, 7200, "0 0 2 * * ?"),
    "uat": (2, 7200, "0 0 1 * * ?"),
    "prod": (2, 14400, "0 0 1 * * ?"),
}


def load_bundle() -> tuple[dict, dict]:
    bundle = yaml.safe_load((REPO / "databricks.yml").read_text())
    jobs = {}
    for pattern in bundle["include"]:
        for path in REPO.glob(pattern):
            for name, job in yaml.safe_load(path.read_text())["resources"]["jobs"].items():
                jobs[name] = (path, job)
    return bundle, jobs


def resolve(bundle: dict, target: str, value):
    """${var.x} with the target's override or the default."""
    if isinstance(value, str) and value.startswith("${var.") and value.endswith("}"):
        name = value[6:-1]
        overrides = bundle["targets"][target].get("variables", {})
        return overrides.get(name, bundle["variables"][name].get("default"))
    return value


def test_targets_and_files_exist():
    bundle, jobs = load_bundle()
    assert set(bundle["targets"]) == set(EXPECTED)
    profiles = yaml.safe_load((REPO / "profiles.yml").read_text())["lakehouse"]["outputs"]
    assert {f"databricks_{t}" for t in EXPECTED} <= set(profiles), "every bundle target X needs dbt target databricks_X"
    assert jobs, "no job resources found"
    for path, job in jobs.values():
        for task in job["tasks"]:
            if "spark_python_task" in task:
                assert (path.parent / task["spark_python_task"]["python_file"]).resolve().is_file()
            if "dbt_task" in task:
                project = (path.parent / task["dbt_task"]["project_directory"]).resolve()
                assert (project / "dbt_project.yml").is_file()
                assert (
                    (path.parent / task["dbt_task"]["profiles_directory"]).resolve().joinpath("profiles.yml").is_file()
                )
                assert all("--target databricks_${bundle.target}" in c for c in task["dbt_task"]["commands"])
        keys = {t["task_key"] for t in job["tasks"]}
        for task in job["tasks"]:
            assert {d["task_key"] for d in task.get("depends_on", [])} <= keys


def test_each_environment_schedule_retries_and_timeout():
    bundle, jobs = load_bundle()
    ((_, job),) = jobs.values()
    for target, (retries, timeout, cron) in EXPECTED.items():
        assert resolve(bundle, target, job["timeout_seconds"]) == timeout, target
        assert {resolve(bundle, target, t["max_retries"]) for t in job["tasks"]} == {retries}, target
        paused = resolve(bundle, target, job["schedule"]["pause_status"]) == "PAUSED"
        assert paused == (cron is None), target
        if cron:
            assert resolve(bundle, target, job["schedule"]["quartz_cron_expression"]) == cron, target
    assert job["email_notifications"]["on_failure"]
    assert job["health"]["rules"][0]["metric"] == "RUN_DURATION_SECONDS"


def test_the_ingest_task_entry_point_runs():
    result = subprocess.run(
        [sys.executable, str(REPO / "ingest" / "databricks_task.py"), "--help"],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "--landing" in result.stdout

"""The Databricks Asset Bundle as Databricks would deploy and run it: paths
resolved as the bundle CLI resolves them, every field the jobs use checked
against the Jobs API's documented rules, the dbt task's profile as the task
really gets it, and each job's cadence, retries, timeouts, SLA and
notifications per environment as the documents set them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO

pytestmark = pytest.mark.fast

EXPECTED = {  # target: (max_retries, timeout_seconds, daily cron or None when paused, SLA seconds)
    "dev": (1, 3600, None, 7200),
    "qa": (2, 7200, "0 0 2 * * ?", 1800),
    "uat": (2, 7200, "0 0 1 * * ?", 1200),
    "prod": (2, 14400, "0 0 1 * * ?", 1200),
}
TASK_TYPES = {"spark_python_task", "dbt_task", "notebook_task", "python_wheel_task", "sql_task", "run_job_task"}
VAR = re.compile(r"\$\{var\.(\w+)\}")


def load_bundle() -> tuple[dict, dict]:
    bundle = yaml.safe_load((REPO / "databricks.yml").read_text())
    jobs = {}
    for pattern in bundle["include"]:
        for path in REPO.glob(pattern):
            for name, job in yaml.safe_load(path.read_text())["resources"]["jobs"].items():
                jobs[name] = (path, job)
    return bundle, jobs


def variables(bundle: dict, target: str) -> dict:
    values = {name: spec.get("default") for name, spec in bundle["variables"].items()}
    values.update(bundle["targets"][target].get("variables", {}))
    return values


def resolve(bundle: dict, target: str, value):
    """${var.x} (whole value or inside a string) with the target's value."""
    if not isinstance(value, str):
        return value
    values = variables(bundle, target)
    whole = VAR.fullmatch(value)
    if whole:
        return values[whole.group(1)]
    return VAR.sub(lambda m: str(values[m.group(1)]), value)


def job_in(bundle: dict, job: dict, target: str, name: str) -> dict:
    """The job as deployed to `target`: the target's resource overrides merged in."""
    override = bundle["targets"][target].get("resources", {}).get("jobs", {}).get(name, {})
    return {**job, **override}


def dbt_tasks(jobs: dict):
    for path, job in jobs.values():
        for task in job["tasks"]:
            if "dbt_task" in task:
                yield path, task["dbt_task"]


def test_paths_resolve_from_the_file_that_names_them():
    """The bundle CLI resolves a local path against the YAML file it is in
    and uploads it; a dbt task's profiles_directory is not rewritten but read
    at run time relative to the project directory (unset: the project root)."""
    bundle, jobs = load_bundle()
    assert set(bundle["targets"]) == set(EXPECTED)
    assert {"lakehouse_ecommerce", "lakehouse_cx", "lakehouse_daily"} == set(jobs)
    for path, job in jobs.values():
        for task in job["tasks"]:
            if "spark_python_task" in task:
                assert (path.parent / task["spark_python_task"]["python_file"]).resolve().is_file()
    for path, dbt in dbt_tasks(jobs):
        project = (path.parent / dbt["project_directory"]).resolve()
        assert (project / "dbt_project.yml").is_file()
        profiles = project / dbt.get("profiles_directory", ".")
        assert (profiles / "profiles.yml").is_file(), profiles


def test_fields_follow_the_jobs_api_rules():
    bundle, jobs = load_bundle()
    profiles = yaml.safe_load((REPO / "profiles.yml").read_text())["lakehouse"]["outputs"]
    assert {f"databricks_{t}" for t in EXPECTED} <= set(profiles), "every bundle target X needs dbt target databricks_X"
    for name, (_, job) in jobs.items():
        # a job has one way to start on its own: a schedule, a trigger, or neither
        assert len({"schedule", "trigger", "continuous"} & set(job)) <= 1, name
        clusters = {c["job_cluster_key"] for c in job.get("job_clusters", [])}
        keys = [t["task_key"] for t in job["tasks"]]
        assert len(keys) == len(set(keys)), name
        for task in job["tasks"]:
            assert len(TASK_TYPES & set(task)) == 1, (name, task["task_key"])
            assert task.get("job_cluster_key") in clusters, (name, task["task_key"])
            assert {d["task_key"] for d in task.get("depends_on", [])} <= set(keys)
            for library in task.get("libraries", []):
                assert "==" in library["pypi"]["package"], library  # pinned, as locally
        for target in EXPECTED:
            for rule in job.get("health", {}).get("rules", []):
                assert rule["metric"] in {"RUN_DURATION_SECONDS", "STREAMING_BACKLOG_SECONDS"}
                assert rule["op"] == "GREATER_THAN" and int(resolve(bundle, target, rule["value"])) > 0
            start = job.get("schedule") or job.get("trigger")
            assert resolve(bundle, target, start["pause_status"]) in {"PAUSED", "UNPAUSED"}
            if "schedule" in job:
                cron = resolve(bundle, target, job["schedule"]["quartz_cron_expression"])
                assert len(cron.split()) in (6, 7), cron  # Quartz: seconds first
            if "file_arrival" in job.get("trigger", {}):
                url = resolve(bundle, target, job["trigger"]["file_arrival"]["url"])
                assert url.startswith("/Volumes/") and url.endswith("/"), url  # a Unity Catalog volume folder
    for _, dbt in dbt_tasks(jobs):
        # Jobs API: profiles_directory only without warehouse_id; catalog and
        # schema only with one; 1 to 10 commands, each starting with dbt
        if "warehouse_id" in dbt:
            assert "profiles_directory" not in dbt
        else:
            assert not {"catalog", "schema"} & set(dbt)
        assert 1 <= len(dbt["commands"]) <= 10
        for command in dbt["commands"]:
            assert command.split()[0] == "dbt", command
            assert "--target databricks_${bundle.target}" in command
            assert "--profiles-dir" not in command  # the task decides where profiles.yml is


# The Jobs API fields this bundle may use, per object (Jobs API 2.2, "Create a
# new job"): a misspelt or unknown key fails here instead of at deploy.
FIELDS = {
    "job": {
        "name",
        "max_concurrent_runs",
        "timeout_seconds",
        "schedule",
        "trigger",
        "email_notifications",
        "health",
        "job_clusters",
        "tasks",
        "tags",
        "queue",
        "run_as",
        "webhook_notifications",
    },
    "schedule": {"quartz_cron_expression", "timezone_id", "pause_status"},
    "trigger": {"pause_status", "file_arrival", "periodic", "table_update"},
    "file_arrival": {"url", "min_time_between_triggers_seconds", "wait_after_last_change_seconds"},
    "email_notifications": {
        "on_start",
        "on_success",
        "on_failure",
        "on_duration_warning_threshold_exceeded",
        "no_alert_for_skipped_runs",
    },
    "new_cluster": {
        "spark_version",
        "node_type_id",
        "autoscale",
        "num_workers",
        "spark_env_vars",
        "spark_conf",
        "data_security_mode",
        "autotermination_minutes",
    },
    "task": {
        "task_key",
        "depends_on",
        "job_cluster_key",
        "max_retries",
        "min_retry_interval_millis",
        "timeout_seconds",
        "libraries",
        "spark_python_task",
        "dbt_task",
        "notebook_task",
        "email_notifications",
        "health",
        "run_if",
    },
    "spark_python_task": {"python_file", "parameters", "source"},
    "dbt_task": {"project_directory", "profiles_directory", "commands", "warehouse_id", "catalog", "schema", "source"},
}


def test_every_field_is_one_the_jobs_api_knows():
    bundle, jobs = load_bundle()
    for name, (_, job) in jobs.items():
        assert set(job) <= FIELDS["job"], (name, set(job) - FIELDS["job"])
        for key in ("schedule", "trigger", "email_notifications"):
            assert set(job.get(key, {})) <= FIELDS[key], (name, key)
        if "file_arrival" in job.get("trigger", {}):
            arrival = job["trigger"]["file_arrival"]
            assert set(arrival) <= FIELDS["file_arrival"]
            # the API's floor for both waits is 60 seconds
            assert arrival.get("min_time_between_triggers_seconds", 60) >= 60
            assert arrival.get("wait_after_last_change_seconds", 60) >= 60
        assert int(job["max_concurrent_runs"]) >= 1
        for cluster in job["job_clusters"]:
            spec = cluster["new_cluster"]
            assert set(spec) <= FIELDS["new_cluster"], (name, set(spec) - FIELDS["new_cluster"])
            for target in EXPECTED:
                low, high = (int(resolve(bundle, target, spec["autoscale"][k])) for k in ("min_workers", "max_workers"))
                assert 1 <= low <= high, (target, low, high)
        for task in job["tasks"]:
            assert set(task) <= FIELDS["task"], (name, set(task) - FIELDS["task"])
            for kind in ("spark_python_task", "dbt_task"):
                assert set(task.get(kind, {})) <= FIELDS[kind], (name, kind)


def test_the_dbt_task_gets_the_credentials_databricks_injects():
    """A dbt task without warehouse_id runs dbt with profiles.yml; Databricks
    sets DBT_HOST and DBT_ACCESS_TOKEN, the cluster the warehouse's path."""
    bundle, jobs = load_bundle()
    for _, job in jobs.values():
        env = job["job_clusters"][0]["new_cluster"]["spark_env_vars"]
        assert resolve(bundle, "prod", env["DATABRICKS_HTTP_PATH"]).startswith("/sql/1.0/warehouses/")
    code = """
import os, sys
from argparse import Namespace
from dbt.config.profile import read_profile
from dbt.config.renderer import ProfileRenderer
from dbt.flags import set_from_args
from dbt_common.context import set_invocation_context
set_from_args(Namespace(), None)
set_invocation_context(os.environ)
out = ProfileRenderer({}).render_data(read_profile(sys.argv[1])["lakehouse"]["outputs"]["databricks_prod"])
print(out["host"], out["token"], out["http_path"])
"""
    task_env = {
        "DBT_HOST": "adb-123.azuredatabricks.net",
        "DBT_ACCESS_TOKEN": "token-of-the-run-as-principal",
        "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/abc",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DATABRICKS_"))}
    result = subprocess.run(
        [sys.executable, "-c", code, str(REPO)], env={**clean, **task_env}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [task_env["DBT_HOST"], task_env["DBT_ACCESS_TOKEN"], "/sql/1.0/warehouses/abc"]


def test_each_job_runs_on_its_documents_cadence_per_environment():
    bundle, jobs = load_bundle()
    ecommerce, cx, daily = (jobs[n][1] for n in ("lakehouse_ecommerce", "lakehouse_cx", "lakehouse_daily"))
    assert "file_arrival" in ecommerce["trigger"]  # the e-commerce document: on file arrival
    (ingest,) = [t["spark_python_task"]["parameters"] for t in ecommerce["tasks"] if "spark_python_task" in t]
    archive, landing = (resolve(bundle, "prod", ingest[ingest.index(flag) + 1]) for flag in ("--archive", "--landing"))
    assert not archive.startswith(landing.rstrip("/") + "/")  # and archives what it loaded, outside the landing
    assert cx["schedule"]["quartz_cron_expression"] == "0 0 * * * ?"  # the cx document: hourly
    for target, (retries, timeout, cron, sla) in EXPECTED.items():
        for name, (_, job) in jobs.items():
            assert resolve(bundle, target, job["timeout_seconds"]) == timeout, (target, name)
            assert {resolve(bundle, target, t["max_retries"]) for t in job["tasks"]} == {retries}, (target, name)
            start = job.get("schedule") or job["trigger"]
            paused = resolve(bundle, target, start["pause_status"]) == "PAUSED"
            assert paused == (cron is None), (target, name)
        if cron:
            assert resolve(bundle, target, daily["schedule"]["quartz_cron_expression"]) == cron, target
        assert resolve(bundle, target, daily["health"]["rules"][0]["value"]) == sla, target
        for name in jobs:
            notified = job_in(bundle, jobs[name][1], target, name)["email_notifications"]
            assert notified["on_failure"], (target, name)
            # the media document: prod on start, success and failure; the others on failure
            assert bool(notified.get("on_start")) == bool(notified.get("on_success")) == (target == "prod")
    selected = " ".join(c for _, dbt in dbt_tasks(jobs) for c in dbt["commands"])
    for domain in ("ecommerce", "cx", "contact_center", "media", "retail", "platform"):
        assert f"group:{domain}+" in selected, domain


def test_the_ingest_task_entry_point_runs():
    result = subprocess.run(
        [sys.executable, str(REPO / "ingest" / "databricks_task.py"), "--help"],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "--landing" in result.stdout and "--domain" in result.stdout


def test_a_bad_delivery_does_not_stop_the_build_and_a_failed_run_is_announced():
    """The dbt task runs after an ingest task that rejected files (it exits 1
    after loading the rest); a failed run reaches the e-mail and the webhook
    destination, which every deploy must name (no default)."""
    bundle, jobs = load_bundle()
    assert "default" not in bundle["variables"]["alert_destination_id"]
    for name, (_, job) in jobs.items():
        for task in job["tasks"]:
            if "dbt_task" in task:
                assert {d["task_key"] for d in task["depends_on"]} == {"ingest"} and task["run_if"] == "ALL_DONE"
        hooks = job["webhook_notifications"]["on_failure"]
        assert [hook["id"] for hook in hooks] == ["${var.alert_destination_id}"], name
        assert job["max_concurrent_runs"] == 1, name


def _selected(manifest: dict, command: str) -> set[str]:
    """The nodes `dbt build --select group:a+ ... --exclude group:b+ ...` builds."""

    def grown(groups: list[str]) -> set[str]:
        found = {uid for uid, n in manifest["nodes"].items() if n.get("group") in groups}
        frontier = list(found)
        while frontier:
            for child in manifest["child_map"].get(frontier.pop(), []):
                if child not in found and child in manifest["nodes"]:
                    found.add(child)
                    frontier.append(child)
        return found

    words = command.split()
    select = words[words.index("--select") + 1 :]
    exclude = select[select.index("--exclude") + 1 :] if "--exclude" in select else []
    select = select[: select.index("--exclude")] if exclude else select
    assert all(w.startswith("group:") and w.endswith("+") for w in select + exclude), command
    built = grown([w[6:-1] for w in select]) - grown([w[6:-1] for w in exclude])
    return {uid for uid in built if manifest["nodes"][uid]["resource_type"] in ("model", "snapshot", "seed")}


def test_no_two_jobs_build_the_same_table(local_manifest):
    """Two jobs that both built a table could replace it at the same moment
    (the hourly cx job and the daily job start at the same minute)."""
    manifest = local_manifest
    _, jobs = load_bundle()
    built = {
        name: _selected(manifest, " ".join(t["dbt_task"]["commands"]))
        for name, (_, job) in jobs.items()
        for t in job["tasks"]
        if "dbt_task" in t
    }
    names = sorted(built)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not built[a] & built[b], (a, b, sorted(built[a] & built[b])[:5])
    shared = "model.lakehouse.dim_shared__customers"
    assert shared in built["lakehouse_cx"]  # and still built by one of them
    everything = {u for u, n in manifest["nodes"].items() if n["resource_type"] in ("model", "snapshot")}
    assert everything <= set().union(*built.values())  # every table is some job's

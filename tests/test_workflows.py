"""The GitHub workflows: actionlint and zizmor (a workflow security linter)
find nothing, and the rules they do not check are checked here: least
permissions, actions pinned to a commit, no `${{ }}` inside a script, no
credential left in a checkout. The deploy workflow's promotion flow is run
for each kind of ref. Both linters are shown to fail on a bad workflow."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

pytestmark = pytest.mark.fast

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = REPO / ".cache" / "bin" / "actionlint"
ZIZMOR = Path(sys.executable).parent / "zizmor"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")

BAD = """
name: bad
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def lint(*paths: Path) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    assert ACTIONLINT.is_file(), (
        "actionlint missing: `make test` and `make test-fast` build it (scripts/bootstrap.sh --lint-tools)"
    )
    env = {**os.environ, "NO_COLOR": "1"}
    actionlint = subprocess.run([str(ACTIONLINT), *map(str, paths)], capture_output=True, text=True, env=env)
    zizmor = subprocess.run(
        [str(ZIZMOR), "--offline", "--no-progress", *map(str, paths)], capture_output=True, text=True, env=env
    )
    return actionlint, zizmor


def test_linters_find_nothing():
    assert len(WORKFLOWS) >= 2
    actionlint, zizmor = lint(*WORKFLOWS)
    assert actionlint.returncode == 0, actionlint.stdout
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr


def test_linters_flag_a_bad_workflow(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD)
    actionlint, zizmor = lint(bad)
    assert actionlint.returncode != 0 and "github.event.pull_request.title" in actionlint.stdout
    assert zizmor.returncode != 0
    for audit in ("template-injection", "unpinned-uses", "excessive-permissions"):
        assert audit in zizmor.stdout, audit


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_pinned_and_no_expressions_in_scripts(path):
    workflow = yaml.safe_load(path.read_text())
    assert workflow["permissions"] == {}, "top-level permissions: none; each job asks for its own"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, name
        assert set(job["permissions"].values()) <= {"read", "none"}, (name, job["permissions"])
        for step in job.get("steps", []):
            if "uses" in step:
                assert PINNED.match(step["uses"]), step["uses"]
                if step["uses"].startswith("actions/checkout@"):
                    assert step.get("with", {}).get("persist-credentials") is False, name
            if "run" in step:
                assert "${{" not in step["run"], (name, step.get("name"))


def promotion_script() -> str:
    deploy = yaml.safe_load((REPO / ".github" / "workflows" / "deploy.yml").read_text())
    (pick,) = [s for s in deploy["jobs"]["plan"]["steps"] if s.get("id") == "pick"]
    return pick["run"]


@pytest.mark.parametrize(
    ("ref", "chosen", "target"),
    [
        ("refs/heads/develop", "", "dev"),
        ("refs/heads/main", "", "qa"),
        ("refs/heads/release/2026.12", "", "uat"),
        ("refs/tags/v1.4.0", "", "prod"),
        ("refs/heads/main", "prod", "prod"),
        ("refs/heads/feature/x", "", None),
    ],
)
def test_promotion_flow(tmp_path, ref, chosen, target):
    output = tmp_path / "output"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", promotion_script()],
        env={"PATH": os.environ["PATH"], "REF": ref, "CHOSEN": chosen, "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
    )
    if target is None:
        assert result.returncode != 0 and "no target" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert output.read_text().strip() == f"target={target}"


def test_deploys_to_uat_and_prod_wait_for_approval_and_prod_is_backed_up():
    deploy = yaml.safe_load((REPO / ".github" / "workflows" / "deploy.yml").read_text())
    job = deploy["jobs"]["deploy"]
    assert job["environment"] == "${{ needs.plan.outputs.target }}"  # reviewers are the environment's
    steps = [s.get("name", "") for s in job["steps"]]
    backup = steps.index("Back up the prod tables (Delta deep clone) before deploying")
    assert backup < steps.index("Validate and deploy the bundle")
    assert "backup_tables" in job["steps"][backup]["run"]
    qa = deploy["jobs"]["qa-tests"]
    assert qa["needs"] == ["plan", "deploy"] and "dbt test --target databricks_qa" in qa["steps"][-1]["run"]


def test_the_prod_backup_deep_clones_every_table_the_project_builds(tmp_path):
    """`backup_tables` on the prod target (dry run, offline): one schema per
    backup and a deep clone of every table, incremental, snapshot and seed;
    refused, with the reason, where there is no deep clone."""
    env = {
        **os.environ,
        "DATABRICKS_HOST": "unset.example.com",
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "LAKE_ROOT": str(tmp_path / "lake"),
    }
    dbt = [str(Path(sys.executable).parent / "dbt"), "run-operation", "backup_tables", "--profiles-dir", str(REPO)]
    result = subprocess.run(
        [*dbt, "--args", "{dry_run: true}", "--target", "databricks_prod"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    clones = re.findall(
        r"create or replace table (lakehouse_prod\.backup_\d{8}_\d{6})\.(\w+) deep clone (\S+);", result.stdout
    )
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    built = {
        f"{n['database']}.{n['schema']}.{n['alias']}"
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "snapshot", "seed")
        and n["config"]["materialized"] in ("table", "incremental", "snapshot", "seed")
    }
    assert {source for _, _, source in clones} == built and len(clones) == len(built) > 60
    assert len({schema for schema, _, _ in clones}) == 1
    assert f"create schema if not exists {clones[0][0]};" in result.stdout
    refused = subprocess.run([*dbt, "--target", "local"], cwd=REPO, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "only the Databricks targets have" in refused.stdout

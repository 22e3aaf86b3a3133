"""Slim CI on one machine: a production state, and a CI build of what changed.

prod-state: `dbt build --target prod` (schemas prod_silver, prod_gold, ...)
            and keep its manifest in a state folder.
slim-ci:    from a changed checkout, `dbt build --select state:modified+
            --defer --state <prod state>` into <ci schema>_* schemas, so only the
            changed models and their descendants run and every other ref reads
            the production table; print the columns the change touches and
            everything downstream of them (column lineage); then drop the CI
            schemas again.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from lakehouse import lineage
from lakehouse.pipeline import StepFailed, bin_path, child_env, run_step
from lakehouse.settings import REPO_ROOT, Settings

CI_SCHEMA = re.compile(r"^ci[a-z0-9_]{0,40}$")


def default_state_dir(settings: Settings) -> Path:
    return settings.lake_root / "state" / "prod"


def build_prod_state(settings: Settings, state_dir: Path) -> float:
    """Build the `prod` target and keep its artifacts as the state to defer to."""
    env = child_env(settings, "prod")
    cmd = [bin_path("dbt"), "build", "--target", "prod", "--target-path", str(state_dir)]
    elapsed = run_step("dbt build (prod state)", cmd, env)
    # the catalog and column lineage of prod: slim CI reports what a change reaches
    docs = [bin_path("dbt"), "docs", "generate", "--target", "prod", "--target-path", str(state_dir)]
    elapsed += run_step("dbt docs generate (prod state)", docs, env)
    lineage.write(lineage.build(state_dir), state_dir)
    print(f"prod state: {state_dir / 'manifest.json'}, column lineage {state_dir / 'lineage.json'}")
    return elapsed


def ci_env(settings: Settings, ci_schema: str) -> dict[str, str]:
    if not CI_SCHEMA.match(ci_schema):
        raise StepFailed(f"CI schema {ci_schema!r} must start with 'ci' and use only a-z, 0-9 and _")
    return {**child_env(settings, "ci"), "DBT_CI_SCHEMA": ci_schema}


def slim_ci(settings: Settings, state_dir: Path, ci_schema: str, target_path: Path, keep: bool) -> None:
    """Build what changed against the prod state; tear down unless `keep`."""
    if not (state_dir / "manifest.json").exists():
        raise StepFailed(f"no prod state in {state_dir}: run `make prod-state` (python -m lakehouse prod-state) first")
    env = ci_env(settings, ci_schema)
    cmd = [
        bin_path("dbt"),
        "build",
        "--target",
        "ci",
        "--select",
        "state:modified+",
        "--defer",
        "--state",
        str(state_dir),
        "--target-path",
        str(target_path),
    ]
    try:
        run_step("dbt build (slim CI)", cmd, env)
        print(lineage.impact_report(state_dir, target_path), flush=True)
    finally:
        if not keep:
            teardown(settings, ci_schema)


def teardown(settings: Settings, ci_schema: str) -> None:
    """Drop the CI schemas and, on the local engine, the files they leave."""
    env = ci_env(settings, ci_schema)
    cmd = [bin_path("dbt"), "run-operation", "drop_ci_schemas", "--target", "ci"]
    code = subprocess.run(cmd, cwd=REPO_ROOT, env=env).returncode
    if code != 0:
        raise StepFailed(f"dropping the {ci_schema}_* schemas failed (exit {code})")
    # Sail's DROP keeps Delta files (docs/engine-notes.md): remove the folders.
    for folder in settings.warehouse.glob(f"{ci_schema}_*"):
        if "_" not in folder.name[len(ci_schema) + 1 :]:
            shutil.rmtree(folder, ignore_errors=True)

"""The daily build: what new data or changed code reaches, not every node.

`dbt source freshness` records each source's newest `_ingested_at` (or the
file log's `logged_at`) in sources.json. The build then selects

    source_status:fresher+   sources with rows newer than the last build's
    state:modified+          models, seeds, snapshots and tests whose code changed
    source:<s>+              sources freshness cannot vouch for (no freshness
                             check, or the check failed): always rebuilt

against the state of the last build that succeeded: its manifest.json and the
sources.json it was built from, kept in <lake>/state/build-<target>. The state
moves on only when a build succeeds, so a failed or interrupted build is
repeated whole, from the last good state, by the next one.

dbt compares code node by node; what it cannot see forces a build of every
node: no state yet, another dbt or adapter version, or any change to
dbt_project.yml (vars), profiles.yml or a macro (a materialization or a test
override is not a dependency dbt records on a node).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib import metadata
from pathlib import Path

from lakehouse.settings import REPO_ROOT, Settings

ARTIFACTS = ("manifest.json", "sources.json")
FINGERPRINT = "fingerprint.json"
# what dbt's state comparison does not see; a change to any of it means every node
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml", "selectors.yml")
PACKAGES = ("dbt-core", "dbt-spark", "dbt-sail")


def state_dir(settings: Settings, target: str) -> Path:
    return settings.lake_root / "state" / f"build-{target}"


def fingerprint(env: dict[str, str], root: Path = REPO_ROOT) -> dict[str, str]:
    """Everything a build depends on that dbt's node-by-node comparison misses."""
    digest = hashlib.sha256()
    paths = [root / name for name in PROJECT_FILES] + sorted((root / "macros").rglob("*"))
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return {
        "project": digest.hexdigest(),
        "target": env.get("DBT_TARGET", ""),
        "table_format": env.get("LAKE_TABLE_FORMAT", "delta"),
        **versions,
    }


def unvouched_sources(manifest: dict, freshness: dict) -> list[str]:
    """Sources of `manifest` whose freshness result cannot say whether they changed."""
    measured = {
        r["unique_id"]
        for r in freshness.get("results", [])
        if r.get("max_loaded_at") and r.get("status") != "runtime error"
    }
    return sorted(
        f"source:{s['source_name']}.{s['name']}+"
        for uid, s in manifest.get("sources", {}).items()
        if uid not in measured
    )


def selection(state: Path, current: Path, built_from: dict[str, str]) -> tuple[list[str], str]:
    """The dbt arguments of the daily build and why: [] (every node) or a
    selection against `state`. `current` is this run's target path, where
    `dbt source freshness` has just written sources.json; `built_from` is
    this build's fingerprint."""
    if not all((state / name).is_file() for name in (*ARTIFACTS, FINGERPRINT)):
        return [], "every node: no earlier successful build to compare with"
    if json.loads((state / FINGERPRINT).read_text()) != built_from:
        return [], "every node: project settings, macros or dbt's version changed since the last build"
    if not all((current / name).is_file() for name in ARTIFACTS):
        return [], "every node: no source freshness results for this build"
    # source freshness parsed the project as it is now and wrote its manifest
    manifest = json.loads((current / "manifest.json").read_text())
    selectors = ["source_status:fresher+", "state:modified+"]
    selectors += unvouched_sources(manifest, json.loads((current / "sources.json").read_text()))
    return ["--select", *selectors, "--state", str(state)], "what changed: " + " ".join(selectors)


def keep(state: Path, current: Path, built_from: dict[str, str]) -> None:
    """After a successful build: its artifacts and fingerprint become the
    state the next build compares with (written aside, then swapped in)."""
    fresh = state.with_name(state.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    for name in ARTIFACTS:
        shutil.copyfile(current / name, fresh / name)
    (fresh / FINGERPRINT).write_text(json.dumps(built_from, indent=2, sort_keys=True))
    shutil.rmtree(state, ignore_errors=True)
    fresh.rename(state)

"""Static checks of the dbt project: it lints clean and every target parses
without a connection (Databricks targets included, with no credentials set)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import REPO, run

BIN = Path(sys.executable).parent


def test_sql_lints_clean():
    result = run([str(BIN / "sqlfluff"), "lint", ".", "--nocolor"], check=False)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.parametrize(
    "target", ["local", "ci", "prod", "spark", "databricks_dev", "databricks_qa", "databricks_uat", "databricks_prod"]
)
def test_every_target_parses_offline(target, tmp_path):
    result = run(
        [str(BIN / "dbt"), "parse", "--target", target, "--profiles-dir", str(REPO),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--no-partial-parse"],
        env={"DBT_TARGET": target},
    )  # fmt: skip
    assert "WARN" not in result.stdout, result.stdout[-3000:]
    assert (tmp_path / "target" / "manifest.json").exists()


def test_pre_commit_hooks_pass_offline(tmp_path):
    """The git hooks run from the venv; sqlfluff is left to the lint test above."""
    result = run(
        [str(BIN / "pre-commit"), "run", "--all-files", "--show-diff-on-failure"],
        env={"PRE_COMMIT_HOME": str(tmp_path / "pre-commit"), "SKIP": "sqlfluff-lint"},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "check yaml" in result.stdout and "Passed" in result.stdout

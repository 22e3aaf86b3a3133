"""No credential in the repository; Databricks targets take secrets only from
the environment; grants are configured per layer for Databricks; identifiers
and paths from configuration are validated before they reach SQL or disk."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, run
from ingest import config as ingest_config

pytestmark = pytest.mark.fast

SECRET_PATTERNS = {
    "Databricks token": re.compile(r"dapi[0-9a-f]{32}"),
    "AWS access key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{36}"),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "Slack token": re.compile(r"xox[baprs]-[0-9A-Za-z-]{10,}"),
    "password or secret literal": re.compile(
        r"(?i)\b(password|passwd|secret|token|api_key)\b\s*[:=]\s*['\"](?!\{\{)(?!unset)[^'\"\s]{8,}['\"]"
    ),
}


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return [REPO / name for name in out.decode().split("\0") if name]


def test_no_credentials_are_committed():
    files = tracked_files()
    assert len(files) > 100
    found = []
    for path in files:
        if path.suffix in (".png", ".parquet", ".gz") or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        for what, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(REPO)}: {what}: {match.group(0)[:20]}...")
    assert not found, "\n".join(found)


def test_the_scan_finds_a_planted_token(tmp_path):
    """The scan above is not vacuous: each pattern catches an example."""
    # (built from pieces, so that this file itself stays clean for the scan)
    samples = [
        "token = 'dapi" + "0123456789abcdef" * 2 + "'",
        "AKIA" + "ABCDEFGHIJKLMNOP",
        "-----BEGIN RSA " + "PRIVATE KEY-----",
        "pass" + 'word: "hunter2hunter2"',
    ]
    assert all(any(p.search(s) for p in SECRET_PATTERNS.values()) for s in samples)


def test_databricks_targets_read_credentials_from_the_environment():
    outputs = yaml.safe_load((REPO / "profiles.yml").read_text())["lakehouse"]["outputs"]
    databricks = {name: out for name, out in outputs.items() if out["type"] == "databricks"}
    assert set(databricks) == {"databricks_dev", "databricks_qa", "databricks_uat", "databricks_prod"}
    for name, out in databricks.items():
        # from the environment: the variables a Databricks dbt task sets, else DATABRICKS_*
        assert out["host"].startswith("{{ env_var('DBT_HOST', env_var('DATABRICKS_HOST'"), (name, out["host"])
        assert out["token"].startswith("{{ env_var('DBT_ACCESS_TOKEN', env_var('DATABRICKS_TOKEN'"), name
        assert out["http_path"].startswith("{{ env_var('DATABRICKS_HTTP_PATH'"), name
    assert "client_secret" not in json.dumps(outputs)


def test_grants_are_applied_per_layer_on_databricks(tmp_path):
    """The on-run-end hook is in the manifest of a Databricks target, and the
    statements give analysts read access to gold and engineers bronze."""
    macro = (REPO / "macros" / "security" / "apply_grants_by_layer.sql").read_text()
    assert "target.type != 'databricks'" in macro
    assert "select on schema ' ~ generate_schema_name('gold', none) ~ ' to ' ~ analysts" in macro
    assert "modify, create table on schema ' ~ var('bronze_schema') ~ ' to ' ~ engineers" in macro
    run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "parse",
            "--target",
            "databricks_prod",
            "--profiles-dir",
            str(REPO),
            "--target-path",
            str(tmp_path),
        ]
    )
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    hooks = [n["raw_code"] for n in manifest["nodes"].values() if n["resource_type"] == "operation"]
    assert any("apply_grants_by_layer()" in h for h in hooks)
    assert any("record_test_results(results)" in h for h in hooks)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("path", "../../etc/*.csv", "relative to the landing root"),
        ("path", "/etc/passwd", "relative to the landing root"),
        ("name", "orders; drop table x", "identifier"),
    ],
)
def test_configuration_is_validated_before_use(tmp_path, field, value, message):
    raw = yaml.safe_load(ingest_config.CONFIG_FILE.read_text())
    name, body = next(iter(raw["sources"].items()))
    if field == "name":
        raw["sources"] = {value: body}
    else:
        body[field] = value
    bad = tmp_path / "sources.yml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(ingest_config.ConfigError, match=message):
        ingest_config.load(bad)


def test_a_bad_bronze_schema_name_is_refused_by_the_cli():
    result = run([sys.executable, "-m", "ingest", "load", "--bronze-schema", "bronze; drop schema gold"], check=False)
    assert result.returncode == 2 and "bronze-schema" in result.stderr

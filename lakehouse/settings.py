"""Where local state lives and which ports the local engine uses.

Everything a local or CI run writes goes under one lake root, chosen by
``LAKE_ROOT`` (default: ``.lake`` in the repository). Ports are chosen by
``LAKE_HMS_PORT`` and ``LAKE_SAIL_PORT`` so that two lakes can run side by side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_HMS_PORT = 9083
DEFAULT_SAIL_PORT = 50051


@dataclass(frozen=True)
class Settings:
    """Paths and ports of one local lake."""

    lake_root: Path
    hms_port: int
    sail_port: int

    @property
    def warehouse(self) -> Path:
        """Delta tables, one folder per schema."""
        return self.lake_root / "warehouse"

    @property
    def landing(self) -> Path:
        """Raw files as delivered, one folder per domain and entity."""
        return self.lake_root / "landing"

    @property
    def metastore(self) -> Path:
        """The Hive Metastore's embedded Derby database and its config."""
        return self.lake_root / "metastore"

    @property
    def logs(self) -> Path:
        return self.lake_root / "logs"

    @property
    def run_dir(self) -> Path:
        """Pid files of the services this lake started."""
        return self.lake_root / "run"

    @property
    def spark_remote(self) -> str:
        return f"sc://127.0.0.1:{self.sail_port}"

    def env(self) -> dict[str, str]:
        """Variables that dbt, the ingest job and the engine read."""
        return {
            "LAKE_ROOT": str(self.lake_root),
            "LAKE_HMS_PORT": str(self.hms_port),
            "LAKE_SAIL_PORT": str(self.sail_port),
            "SPARK_REMOTE": self.spark_remote,
        }


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise SystemExit(f"{name}={port} is outside 1-65535")
    return port


def load() -> Settings:
    """Settings from the environment, with the repository's defaults."""
    root = Path(os.environ.get("LAKE_ROOT") or REPO_ROOT / ".lake").expanduser().resolve()
    return Settings(
        lake_root=root,
        hms_port=_port("LAKE_HMS_PORT", DEFAULT_HMS_PORT),
        sail_port=_port("LAKE_SAIL_PORT", DEFAULT_SAIL_PORT),
    )

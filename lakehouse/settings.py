"""Where local state lives, which engine runs it and on which ports.

Everything a local or CI run writes goes under one lake root, chosen by
``LAKE_ROOT``. ``LAKE_ENGINE`` picks the engine: ``sail`` (default; lake root
``.lake``) or ``spark``, an Apache Spark standalone cluster from pyspark's own
distribution (lake root ``.lake-spark``). Ports come from ``LAKE_*_PORT`` so
that two lakes can run side by side.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_HMS_PORT = 9083
DEFAULT_SAIL_PORT = 50051
DEFAULT_SPARK_MASTER_PORT = 7077
DEFAULT_SPARK_CONNECT_PORT = 15002
ENGINES = ("sail", "spark")
TABLE_FORMATS = ("delta", "parquet")


@dataclass(frozen=True)
class Settings:
    """Paths and ports of one local lake."""

    lake_root: Path
    hms_port: int
    sail_port: int
    engine: str = "sail"
    spark_master_port: int = DEFAULT_SPARK_MASTER_PORT
    spark_connect_port: int = DEFAULT_SPARK_CONNECT_PORT
    # Delta on Sail; on Spark, parquet unless Delta jars are on its classpath.
    table_format: str = "delta"
    # Spark only: "standalone" (master + worker) or an in-process master such
    # as "local[2]" (the Spark Connect server executes everything itself).
    spark_master: str = "standalone"

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
    def connect_port(self) -> int:
        """The Spark Connect port that dbt and the ingest job talk to."""
        return self.sail_port if self.engine == "sail" else self.spark_connect_port

    @property
    def spark_remote(self) -> str:
        return f"sc://127.0.0.1:{self.connect_port}"

    @property
    def default_target(self) -> str:
        return "local" if self.engine == "sail" else "spark"

    def env(self) -> dict[str, str]:
        """Variables that dbt, the ingest job and the engine read."""
        return {
            "LAKE_ROOT": str(self.lake_root),
            "LAKE_ENGINE": self.engine,
            "LAKE_TABLE_FORMAT": self.table_format,
            "LAKE_HMS_PORT": str(self.hms_port),
            "LAKE_SAIL_PORT": str(self.sail_port),
            "LAKE_SPARK_MASTER_PORT": str(self.spark_master_port),
            "LAKE_SPARK_CONNECT_PORT": str(self.spark_connect_port),
            "LAKE_SPARK_MASTER": self.spark_master,
            "SPARK_REMOTE": self.spark_remote,
        }


def dbt_target_dir() -> Path:
    """Where dbt writes its artifacts (DBT_TARGET_PATH, else target/)."""
    return Path(os.environ.get("DBT_TARGET_PATH") or REPO_ROOT / "target")


def free_port() -> int:
    """A port nothing listens on now (for lakes of tests, benchmarks, suites)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise SystemExit(f"{name}={port} is outside 1-65535")
    return port


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name) or default
    if value not in allowed:
        raise SystemExit(f"{name}={value!r} is not one of {', '.join(allowed)}")
    return value


def spark_home() -> Path | None:
    """pyspark's own distribution (bin/, jars/), or None if not installed."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def delta_jars_present() -> bool:
    """Whether pyspark's jars/ has Delta (a team with Maven access adds it)."""
    home = spark_home()
    return home is not None and any((home / "jars").glob("delta-spark*.jar"))


def load() -> Settings:
    """Settings from the environment, with the repository's defaults."""
    engine = _choice("LAKE_ENGINE", "sail", ENGINES)
    default_root = REPO_ROOT / (".lake" if engine == "sail" else ".lake-spark")
    root = Path(os.environ.get("LAKE_ROOT") or default_root).expanduser().resolve()
    return Settings(
        lake_root=root,
        hms_port=_port("LAKE_HMS_PORT", DEFAULT_HMS_PORT),
        sail_port=_port("LAKE_SAIL_PORT", DEFAULT_SAIL_PORT),
        engine=engine,
        spark_master_port=_port("LAKE_SPARK_MASTER_PORT", DEFAULT_SPARK_MASTER_PORT),
        spark_connect_port=_port("LAKE_SPARK_CONNECT_PORT", DEFAULT_SPARK_CONNECT_PORT),
        spark_master=os.environ.get("LAKE_SPARK_MASTER") or "standalone",
        table_format=_choice(
            "LAKE_TABLE_FORMAT", "delta" if engine == "sail" or delta_jars_present() else "parquet", TABLE_FORMATS
        ),
    )

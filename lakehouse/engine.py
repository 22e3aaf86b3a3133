"""Start, stop and report the local engine: a Hive Metastore and a Sail server.

The metastore runs from the jars that pyspark already ships, on embedded Derby,
so table metadata survives restarts. Sail is the Spark Connect server that dbt
and the ingest job talk to; it is attached to the metastore at start-up,
because Sail reads its catalog list only from the environment it starts with.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from lakehouse.settings import Settings

START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20
MIN_JAVA = 11


class EngineError(RuntimeError):
    """A problem the user has to fix; the message says how."""


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    pid_file: Path
    log_file: Path

    def pid(self) -> int | None:
        """The pid from the pid file, if that process is still alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        if _is_zombie(pid):
            return None
        return pid

    def listening(self) -> bool:
        return port_open(self.port)

    def running(self) -> bool:
        return self.pid() is not None and self.listening()


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (FileNotFoundError, IndexError):
        return False


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def services(settings: Settings) -> tuple[Service, Service]:
    """The metastore and the Sail server of one lake, in start order."""
    run, logs = settings.run_dir, settings.logs
    return (
        Service("metastore", settings.hms_port, run / "metastore.pid", logs / "metastore.log"),
        Service("sail", settings.sail_port, run / "sail.pid", logs / "sail.log"),
    )


# --- prerequisites -------------------------------------------------------


def java_binary() -> str:
    """Path of a usable java, or an error that says how to get one."""
    home = os.environ.get("JAVA_HOME")
    candidate = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not candidate or not Path(candidate).exists():
        raise EngineError(
            "Java was not found, and the Hive Metastore needs it. "
            "Run `make setup` (installs openjdk-17-jre-headless on Debian/Ubuntu) "
            "or install a JDK 17 and put `java` on PATH / set JAVA_HOME."
        )
    out = subprocess.run([candidate, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if match:
        major = int(match.group(1))
        major = int(match.group(2)) if major == 1 and match.group(2) else major
        if major < MIN_JAVA:
            raise EngineError(f"{candidate} is Java {major}; the metastore needs Java {MIN_JAVA}+ (17 is tested).")
    return candidate


def pyspark_jars() -> Path:
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError("pyspark is not installed in this Python; run `make setup`.")
    jars = Path(list(spec.submodule_search_locations)[0]) / "jars"
    if not any(jars.glob("hive-metastore-*.jar")):
        raise EngineError(f"{jars} has no hive-metastore jar; reinstall pyspark (`make setup`).")
    return jars


HIVE_SITE = """<?xml version="1.0"?>
<!-- Written by lakehouse.engine; edits are overwritten at the next start. -->
<configuration>
  <property><name>javax.jdo.option.ConnectionURL</name>
    <value>jdbc:derby:;databaseName={db};create=true</value></property>
  <property><name>javax.jdo.option.ConnectionDriverName</name>
    <value>org.apache.derby.jdbc.EmbeddedDriver</value></property>
  <property><name>hive.metastore.warehouse.dir</name><value>file://{warehouse}</value></property>
  <property><name>datanucleus.schema.autoCreateAll</name><value>true</value></property>
  <property><name>hive.metastore.schema.verification</name><value>false</value></property>
  <property><name>hive.async.log.enabled</name><value>false</value></property>
</configuration>
"""


def _metastore_command(settings: Settings) -> list[str]:
    conf = settings.metastore / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "hive-site.xml").write_text(
        HIVE_SITE.format(db=settings.metastore / "derby", warehouse=settings.warehouse)
    )
    return [
        java_binary(),
        "-Xmx512m",
        f"-Dderby.stream.error.file={settings.logs / 'derby.log'}",
        "-cp",
        f"{pyspark_jars()}/*:{conf}",
        "org.apache.hadoop.hive.metastore.HiveMetaStore",
        "-p",
        str(settings.hms_port),
    ]


def _sail_command(settings: Settings) -> tuple[list[str], dict[str, str]]:
    env = {
        "SAIL_CATALOG__LIST": (
            f'[{{name="hive", type="hive_metastore", uris=["127.0.0.1:{settings.hms_port}"]}}]'
        ),
        "SAIL_CATALOG__DEFAULT_CATALOG": "hive",
        "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
    }
    cmd = [
        sys.executable, "-m", "pysail", "spark", "server",
        "--ip", "127.0.0.1", "--port", str(settings.sail_port),
        "-C", str(settings.lake_root),
    ]  # fmt: skip
    return cmd, env


# --- lifecycle -----------------------------------------------------------


def _spawn(service: Service, cmd: list[str], extra_env: dict[str, str], cwd: Path) -> None:
    if service.running():
        return
    if service.listening():
        raise EngineError(
            f"Port {service.port} is already in use by another process, so the {service.name} "
            f"cannot start. Stop that process, or choose another port with "
            f"{'LAKE_HMS_PORT' if service.name == 'metastore' else 'LAKE_SAIL_PORT'}=<port>."
        )
    service.log_file.parent.mkdir(parents=True, exist_ok=True)
    service.pid_file.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    with open(service.log_file, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env={**os.environ, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    service.pid_file.write_text(str(proc.pid))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EngineError(
                f"The {service.name} exited with code {proc.returncode} while starting; "
                f"last lines of {service.log_file}:\n{_tail(service.log_file)}"
            )
        if service.listening():
            return
        time.sleep(0.2)
    _terminate(service)
    raise EngineError(f"The {service.name} did not listen on port {service.port} within {START_TIMEOUT_S} s.")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _terminate(service: Service) -> bool:
    """Stop one service; True if it was running."""
    pid = service.pid()
    if pid is None:
        service.pid_file.unlink(missing_ok=True)
        return False
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and service.pid() is not None:
            time.sleep(0.1)
        if service.pid() is None:
            break
    service.pid_file.unlink(missing_ok=True)
    return True


def start(settings: Settings) -> None:
    """Start whatever of the metastore and Sail is not running. Idempotent."""
    metastore, sail = services(settings)
    settings.warehouse.mkdir(parents=True, exist_ok=True)
    _spawn(metastore, _metastore_command(settings), {}, settings.metastore)
    cmd, env = _sail_command(settings)
    _spawn(sail, cmd, env, settings.lake_root)


def stop(settings: Settings) -> list[str]:
    """Stop Sail, then the metastore; returns the names of those that were running."""
    stopped = []
    for service in reversed(services(settings)):
        if _terminate(service):
            stopped.append(service.name)
    return stopped


def status(settings: Settings) -> dict[str, str]:
    """One line of state per service, for humans and tests."""
    report = {}
    for service in services(settings):
        pid = service.pid()
        if pid and service.listening():
            report[service.name] = f"running (pid {pid}, port {service.port})"
        elif pid:
            report[service.name] = f"starting or unhealthy (pid {pid}, port {service.port} closed)"
        elif service.listening():
            report[service.name] = f"stopped, but port {service.port} is used by another process"
        else:
            report[service.name] = "stopped"
    return report


def is_running(settings: Settings) -> bool:
    return all(service.running() for service in services(settings))

"""Start, stop and report a lake's engine: a Hive Metastore plus either Sail
or an Apache Spark standalone cluster.

The metastore runs from the jars that pyspark already ships, on embedded Derby,
so table metadata survives restarts. Sail is the Spark Connect server that dbt
and the ingest job talk to; it is attached to the metastore at start-up,
because Sail reads its catalog list only from the environment it starts with.
The Spark engine is a master, one worker and a Spark Connect server (the
driver), all from pyspark's own distribution, on loopback.
"""

from __future__ import annotations

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
from lakehouse.settings import spark_home as find_spark_home

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
    port_variable: str = ""

    def pid(self) -> int | None:
        """The pid from the pid file, if that process is still alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if process_alive(pid) else None

    def listening(self) -> bool:
        return port_open(self.port)

    def running(self) -> bool:
        return self.pid() is not None and self.listening()


def process_alive(pid: int) -> bool:
    """The process exists and one of its threads still runs. A JVM's main
    thread can be a zombie while its other threads still run and hold its
    ports, so a zombie leader alone does not mean the process is gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:  # reaped just now, or no /proc to tell by
        return not Path("/proc/self").exists()
    return not all(_thread_state(task) in "ZX" for task in tasks)


def _thread_state(task: Path) -> str:
    try:
        fields = (task / "stat").read_text().rsplit(")", 1)[-1].split()
    except FileNotFoundError:
        return "X"  # the thread ended while we looked
    return fields[0] if fields else "X"


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        if sock.connect_ex((host, port)) != 0:
            return False
        # a connect to a closed port in the ephemeral range can, rarely, pick
        # that same port as its own and connect to itself
        return sock.getsockname() != sock.getpeername()


def services(settings: Settings) -> tuple[Service, ...]:
    """The services of one lake's engine, in start order."""
    run, logs = settings.run_dir, settings.logs

    def service(name: str, port: int, variable: str) -> Service:
        return Service(name, port, run / f"{name}.pid", logs / f"{name}.log", variable)

    metastore = service("metastore", settings.hms_port, "LAKE_HMS_PORT")
    if settings.engine == "sail":
        return (metastore, service("sail", settings.sail_port, "LAKE_SAIL_PORT"))
    if settings.spark_master != "standalone":
        return (metastore, service("spark-connect", settings.spark_connect_port, "LAKE_SPARK_CONNECT_PORT"))
    return (
        metastore,
        service("spark-master", settings.spark_master_port, "LAKE_SPARK_MASTER_PORT"),
        service("spark-worker", settings.spark_master_port + 1, "LAKE_SPARK_MASTER_PORT (+1)"),
        service("spark-connect", settings.spark_connect_port, "LAKE_SPARK_CONNECT_PORT"),
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


def spark_home() -> Path:
    """pyspark's own distribution: bin/, jars/ (Spark, Hive, Spark Connect)."""
    home = find_spark_home()
    if home is None:
        raise EngineError("pyspark is not installed in this Python; run `make setup`.")
    return home


def pyspark_jars() -> Path:
    jars = spark_home() / "jars"
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
  <!-- BoneCP (the default pool) is not among pyspark's jars; DBCP is. -->
  <property><name>datanucleus.connectionPoolingType</name><value>DBCP</value></property>
</configuration>
"""


# The metastore answers small calls (mostly get_table) for one build at a time.
# A fresh JVM's C2 compiler spent more CPU than the calls themselves (14 s of
# 28 s in a day-2 build at scale 30) on 2 cores shared with the engine; the
# C1 compiler alone and the serial collector answer as fast for a fraction of
# that (docs/performance.md).
METASTORE_JVM_OPTIONS = ("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:+UseSerialGC")


def _metastore_command(settings: Settings) -> list[str]:
    conf = settings.metastore / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "hive-site.xml").write_text(HIVE_SITE.format(db=settings.metastore / "derby", warehouse=settings.warehouse))
    return [
        java_binary(),
        *METASTORE_JVM_OPTIONS,
        f"-Dderby.stream.error.file={settings.logs / 'derby.log'}",
        "-cp",
        f"{pyspark_jars()}/*:{conf}",
        "org.apache.hadoop.hive.metastore.HiveMetaStore",
        "-p",
        str(settings.hms_port),
    ]


# Sail retries a metastore call that failed in transport (a dropped or
# never-made connection) only by failing over to the next URI of the catalog,
# with a new client; listing our one metastore this many times gives each call
# that many tries (docs/engine-notes.md).
HMS_CALL_ATTEMPTS = 3


def _sail_command(settings: Settings) -> tuple[list[str], dict[str, str]]:
    uris = ", ".join([f'"127.0.0.1:{settings.hms_port}"'] * HMS_CALL_ATTEMPTS)
    env = {
        "SAIL_CATALOG__LIST": f'[{{name="hive", type="hive_metastore", uris=[{uris}]}}]',
        "SAIL_CATALOG__DEFAULT_CATALOG": "hive",
        "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
    }
    cmd = [
        sys.executable,
        "-m",
        "pysail",
        "spark",
        "server",
        "--ip",
        "127.0.0.1",
        "--port",
        str(settings.sail_port),
        "-C",
        str(settings.lake_root),
    ]
    return cmd, env


def _spark_class(main_class: str, *args: str) -> list[str]:
    # spark-class adds the JVM options Spark needs on Java 17 (--add-opens ...)
    # and execs java, so the pid we record is the JVM's.
    return [str(spark_home() / "bin" / "spark-class"), main_class, *args]


def _spark_master_command(settings: Settings) -> list[str]:
    return _spark_class(
        "org.apache.spark.deploy.master.Master",
        "--host",
        "127.0.0.1",
        "--port",
        str(settings.spark_master_port),
        "--webui-port",
        "0",
    )


def _spark_worker_command(settings: Settings) -> list[str]:
    # Two cores and a few GiB: the machine's size. Executors are child
    # processes of the worker, so stopping its process group stops them too.
    return _spark_class(
        "org.apache.spark.deploy.worker.Worker",
        "--host",
        "127.0.0.1",
        "--port",
        str(settings.spark_master_port + 1),
        "--webui-port",
        "0",
        "--cores",
        str(os.cpu_count() or 2),
        "--memory",
        "4g",
        "--work-dir",
        str(settings.lake_root / "spark" / "work"),
        f"spark://127.0.0.1:{settings.spark_master_port}",
    )


SPARK_CONNECT_CONF = {
    "spark.ui.enabled": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.executor.memory": "3g",
    "spark.sql.catalogImplementation": "hive",
    # Sample-sized data: a few shuffle partitions, not the default 200.
    "spark.sql.shuffle.partitions": "4",
    # Delta rebuilds a table's state from its log in this many partitions (50
    # by default): a few tasks per statement instead of fifty (engine note 37).
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.connect.grpc.binding.address": "127.0.0.1",
}


def _spark_connect_command(settings: Settings) -> list[str]:
    conf = {
        **SPARK_CONNECT_CONF,
        "spark.app.name": f"lakehouse-{settings.lake_root.name}",
        "spark.connect.grpc.binding.port": str(settings.spark_connect_port),
        "spark.hadoop.hive.metastore.uris": f"thrift://127.0.0.1:{settings.hms_port}",
        "spark.sql.warehouse.dir": settings.warehouse.as_uri(),
    }
    if settings.table_format == "delta":  # Delta jars were added to pyspark's jars/
        conf["spark.sql.extensions"] = "io.delta.sql.DeltaSparkSessionExtension"
        conf["spark.sql.catalog.spark_catalog"] = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
    args = [arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")]
    master = settings.spark_master
    return _spark_class(
        "org.apache.spark.deploy.SparkSubmit",
        "--master",
        f"spark://127.0.0.1:{settings.spark_master_port}" if master == "standalone" else master,
        "--class",
        "org.apache.spark.sql.connect.service.SparkConnectServer",
        *args,
        "spark-internal",
    )


def _commands(settings: Settings) -> dict[str, tuple[list[str], dict[str, str]]]:
    """How to start each service of this lake's engine, with extra environment."""
    commands = {"metastore": (_metastore_command(settings), {})}
    if settings.engine == "sail":
        commands["sail"] = _sail_command(settings)
        return commands
    # The worker builds executor commands from SPARK_HOME/jars; without the
    # Scala version it looks for a source build and fails.
    env = {
        "SPARK_HOME": str(spark_home()),
        "SPARK_SCALA_VERSION": "2.13",
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOCAL_DIRS": str(settings.lake_root / "spark" / "tmp"),
        "SPARK_LOG_DIR": str(settings.logs),
    }
    daemon = {**env, "SPARK_DAEMON_MEMORY": "256m"}
    if settings.spark_master == "standalone":
        commands["spark-master"] = (_spark_master_command(settings), daemon)
        commands["spark-worker"] = (_spark_worker_command(settings), daemon)
        driver_memory = "1g"
    else:  # the driver executes the tasks too
        driver_memory = "4g"
    commands["spark-connect"] = (_spark_connect_command(settings), {**env, "SPARK_DRIVER_MEMORY": driver_memory})
    return commands


# --- lifecycle -----------------------------------------------------------


def _spawn(service: Service, cmd: list[str], extra_env: dict[str, str], cwd: Path) -> None:
    if service.running():
        return
    if service.listening():
        raise EngineError(
            f"Port {service.port} is already in use by another process, so the {service.name} "
            f"cannot start. Stop that process, or choose another port with "
            f"{service.port_variable}=<port>."
        )
    service.log_file.parent.mkdir(parents=True, exist_ok=True)
    service.pid_file.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    # A client's SPARK_REMOTE would make spark-submit refuse to start a server.
    env = {k: v for k, v in os.environ.items() if k != "SPARK_REMOTE"}
    with open(service.log_file, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env={**env, **extra_env},
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
    terminate(service)
    raise EngineError(f"The {service.name} did not listen on port {service.port} within {START_TIMEOUT_S} s.")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def terminate(service: Service) -> bool:
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
    """Start whatever of this lake's services is not running. Idempotent."""
    settings.warehouse.mkdir(parents=True, exist_ok=True)
    commands = _commands(settings) if not is_running(settings) else {}
    try:
        for service in services(settings):
            if service.name in commands:
                cmd, env = commands[service.name]
                cwd = settings.metastore if service.name == "metastore" else settings.lake_root
                _spawn(service, cmd, env, cwd)
    except EngineError:
        stop(settings)  # leave nothing half-started behind
        raise


def stop(settings: Settings) -> list[str]:
    """Stop the services in reverse start order; returns those that were running."""
    # the dbt worker first: it imports this module, so it is imported here
    from lakehouse import warm_dbt

    stopped = ["dbt worker"] if warm_dbt.stop(settings) else []
    for service in reversed(services(settings)):
        if terminate(service):
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

"""Engine lifecycle: start, status, stop, restart keeps tables; clear errors."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import free_port, make_settings
from lakehouse import engine


def test_tables_survive_a_restart(tmp_path):
    settings = make_settings(tmp_path / "lake")
    from pyspark.sql import SparkSession

    try:
        engine.start(settings)
        assert engine.is_running(settings)
        assert engine.status(settings)["sail"].startswith("running")
        location = (settings.warehouse / "probe" / "kept").as_uri()
        spark = SparkSession.builder.remote(settings.spark_remote).create()
        spark.sql(f"create schema if not exists probe location '{(settings.warehouse / 'probe').as_uri()}'")
        spark.sql(f"create table probe.kept using delta location '{location}' as select 1 as id, 'a' as v")
        spark.stop()

        assert engine.stop(settings) == ["sail", "metastore"]
        assert not engine.is_running(settings)
        assert engine.status(settings) == {"metastore": "stopped", "sail": "stopped"}

        engine.start(settings)
        spark = SparkSession.builder.remote(settings.spark_remote).create()
        assert [tuple(r) for r in spark.sql("select id, v from probe.kept").collect()] == [(1, "a")]
        spark.stop()
        assert (settings.warehouse / "probe" / "kept" / "_delta_log").is_dir()
    finally:
        engine.stop(settings)
    assert not engine.is_running(settings)


def test_start_twice_is_a_no_op_and_stop_when_stopped_is_harmless(tmp_path):
    settings = make_settings(tmp_path / "lake")
    try:
        engine.start(settings)
        pids = [s.pid() for s in engine.services(settings)]
        engine.start(settings)
        assert [s.pid() for s in engine.services(settings)] == pids
    finally:
        engine.stop(settings)
    assert engine.stop(settings) == []


def test_a_taken_port_is_a_clear_error(tmp_path):
    settings = make_settings(tmp_path / "lake")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", settings.hms_port))
        blocker.listen()
        with pytest.raises(engine.EngineError, match=rf"Port {settings.hms_port} is already in use.*LAKE_HMS_PORT"):
            engine.start(settings)
    assert not engine.is_running(settings)


# A process whose main thread has ended while another thread keeps its port,
# as a JVM's can while it shuts down: its leader is a zombie, the process is not.
LEADER_EXITS_FIRST = """
import ctypes, socket, sys, threading, time
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
threading.Thread(target=time.sleep, args=(120,)).start()
print("ready", flush=True)
ctypes.CDLL(None).pthread_exit(None)
"""


@pytest.mark.fast
def test_a_process_whose_main_thread_ended_is_running_until_its_last_thread_ends(tmp_path):
    settings = make_settings(tmp_path / "lake")
    service = engine.services(settings)[0]
    service.pid_file.parent.mkdir(parents=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", LEADER_EXITS_FIRST, str(service.port)],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert proc.stdout.readline() == b"ready\n"
        service.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + 10
        while engine._thread_state(Path(f"/proc/{proc.pid}/task/{proc.pid}")) != "Z":
            assert time.monotonic() < deadline, "the main thread did not end"
            time.sleep(0.05)
        assert service.pid() == proc.pid and service.running()
        assert engine.terminate(service)
        assert service.pid() is None and not service.listening()
    finally:
        proc.kill()
        proc.wait()


def test_missing_java_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("JAVA_HOME", "/nonexistent-jdk")
    with pytest.raises(engine.EngineError, match="Java was not found.*make setup"):
        engine.java_binary()


class DroppingProxy:
    """A loopback TCP proxy in front of the metastore that, when armed, takes
    the next request off a connection and resets that connection instead of
    forwarding it: what a metastore connection dying mid-call looks like."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.to_drop = 0
        self.dropped = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, requests: int) -> None:
        with self.lock:
            self.to_drop = requests

    def _take_one_to_drop(self) -> bool:
        with self.lock:
            if self.to_drop == 0:
                return False
            self.to_drop -= 1
            self.dropped += 1
            return True

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client and self._take_one_to_drop():
                    # linger 0: close with a reset, not an orderly end
                    source.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            end.close()

    def close(self) -> None:
        self.listener.close()


def test_a_metastore_call_whose_connection_dies_is_retried_on_a_new_one(tmp_path):
    """Sail sees the metastore through a proxy that drops requests; a call
    that loses its connection is retried (engine note 39), up to the attempts
    the engine configures, and then fails with the transport error."""
    from pyspark.sql import SparkSession

    settings = make_settings(tmp_path / "lake")
    metastore = replace(settings, hms_port=free_port())
    engine._spawn(
        engine.services(metastore)[0], engine._metastore_command(metastore), {}, metastore.metastore
    )  # the metastore behind the proxy; it shares the lake's pid file, so stop() stops it
    proxy = DroppingProxy(metastore.hms_port)
    settings = replace(settings, hms_port=proxy.port)
    try:
        engine.start(settings)  # Sail only: the metastore's pid is alive and the proxy listens
        spark = SparkSession.builder.remote(settings.spark_remote).create()
        spark.sql("create schema probe")
        for lost in range(engine.HMS_CALL_ATTEMPTS):
            proxy.arm(lost)
            assert spark.sql("describe schema probe").count() > 0
            assert proxy.dropped == lost * (lost + 1) // 2, "the proxy dropped fewer requests than armed"
        proxy.arm(engine.HMS_CALL_ATTEMPTS)
        with pytest.raises(Exception, match="transport error"):
            spark.sql("describe schema probe").collect()
        spark.stop()
    finally:
        engine.stop(settings)
        proxy.close()
    assert not engine.is_running(metastore)

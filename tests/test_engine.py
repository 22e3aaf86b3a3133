"""Engine lifecycle: start, status, stop, restart keeps tables; clear errors."""

from __future__ import annotations

import socket

import pytest

from conftest import make_settings
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


def test_missing_java_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("JAVA_HOME", "/nonexistent-jdk")
    with pytest.raises(engine.EngineError, match="Java was not found.*make setup"):
        engine.java_binary()

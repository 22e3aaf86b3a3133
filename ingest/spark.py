"""The one place the ingest job gets its SparkSession.

Given a Spark Connect URL (the local engine, or any Spark Connect endpoint;
the command line takes SPARK_REMOTE) it connects there; otherwise it takes the
active session (a Databricks job task) or builds a classic one (spark-submit
on a cluster).
"""

from __future__ import annotations

from pyspark.sql import SparkSession


def get_session(remote: str | None, app_name: str = "lakehouse-ingest") -> SparkSession:
    if remote:
        return SparkSession.builder.remote(remote).appName(app_name).getOrCreate()
    active = SparkSession.getActiveSession()
    return active or SparkSession.builder.appName(app_name).getOrCreate()

"""The one place the ingest job gets its SparkSession.

With SPARK_REMOTE set (the local engine, or any Spark Connect endpoint) it
connects there; otherwise it takes the active session (a Databricks job task)
or builds a classic one (spark-submit on a cluster).
"""

from __future__ import annotations

import os

from pyspark.sql import SparkSession


def get_session(app_name: str = "lakehouse-ingest") -> SparkSession:
    remote = os.environ.get("SPARK_REMOTE")
    if remote:
        return SparkSession.builder.remote(remote).appName(app_name).getOrCreate()
    active = SparkSession.getActiveSession()
    return active or SparkSession.builder.appName(app_name).getOrCreate()

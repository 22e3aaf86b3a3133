"""The CX metrics API: the serving layer of the cx document, as a small web
service over the gold tables.

  GET /api/health                       the service and its engine answer
  GET /api/metrics/summary              one row per survey type (rpt_cx__survey_metrics)
  GET /api/metrics/trends               one row per response date, with 7-day rolling
                                        averages (rpt_cx__daily_trends); from, to
  GET /api/reports/channel-segments     satisfaction and NPS per channel and customer
                                        segment (rpt_cx__channel_segment_aggregations);
                                        channel, segment
  GET /api/reports/data-quality         the per-layer data-quality monitor
                                        (rpt_cx__data_quality_monitoring)

Every list takes `limit` (1-1000, default 100) and `offset` and answers
{"data": [...], "total": n, "limit": l, "offset": o, "next_offset": o+l or null}.
A parameter the endpoint does not know, or a value it cannot read, is a 400
with the reason; nothing is passed to the engine as SQL text (the queries are
DataFrame expressions). Decimals are JSON strings, so no figure is rounded;
dates and times are ISO 8601.

The service reads over Spark Connect: locally the lake's Sail server
(`make serve`); in production a Databricks cluster through Databricks Connect
(SPARK_REMOTE=sc://<workspace>:443/;token=...;x-databricks-cluster-id=...), or
any Spark Connect endpoint, with the gold schema of that environment.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import threading
from collections.abc import Callable

from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
TABLES = {
    "summary": "rpt_cx__survey_metrics",
    "trends": "rpt_cx__daily_trends",
    "channel_segments": "rpt_cx__channel_segment_aggregations",
    "data_quality": "rpt_cx__data_quality_monitoring",
}


class BadRequest(ValueError):
    """A request parameter the endpoint cannot use."""


class JSONProvider(DefaultJSONProvider):
    """ISO dates and exact decimals (Flask's default writes HTTP dates)."""

    @staticmethod
    def default(value):
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        if isinstance(value, decimal.Decimal):
            return str(value)
        return DefaultJSONProvider.default(value)


# --- parameters ---------------------------------------------------------------------------------------


def params(allowed: set[str]) -> dict[str, str]:
    unknown = set(request.args) - allowed - {"limit", "offset"}
    if unknown:
        raise BadRequest(
            f"unknown parameter(s): {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed | {'limit', 'offset'}))}"
        )
    return request.args


def bounded_int(args, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def iso_date(args, name: str) -> dt.date | None:
    raw = args.get(name)
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a date as YYYY-MM-DD, not {raw!r}") from None


def text(args, name: str, max_length: int = 100) -> str | None:
    raw = args.get(name)
    if raw is not None and (not raw.strip() or len(raw) > max_length or not raw.isprintable()):
        raise BadRequest(f"{name} must be 1 to {max_length} printable characters")
    return raw


# --- reading the gold tables ----------------------------------------------------------------------------


class Gold:
    """The gold tables over one Spark Connect session (one per service)."""

    def __init__(self, remote: str, schema: str):
        self.remote, self.schema = remote, schema
        self._session = None
        self._lock = threading.Lock()

    def session(self):
        with self._lock:
            if self._session is None:
                from pyspark.sql import SparkSession

                self._session = SparkSession.builder.remote(self.remote).create()
            return self._session

    def table(self, key: str):
        return self.session().table(f"{self.schema}.{TABLES[key]}")

    def page(self, frame, order: list[str], limit: int, offset: int) -> dict:
        """One page of `frame` in a stable order, with the total."""
        total = frame.count()
        rows = frame.orderBy(*order).limit(offset + limit).collect()[offset:]
        data = [row.asDict() for row in rows]
        following = offset + limit
        return {
            "data": data,
            "total": total,
            "limit": limit,
            "offset": offset,
            "next_offset": following if following < total else None,
        }

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.stop()
                self._session = None


# --- the application --------------------------------------------------------------------------------


def create_app(gold: Gold) -> Flask:
    app = Flask("lakehouse.api")
    app.json = JSONProvider(app)
    app.json.sort_keys = False

    def listing(allowed: set[str], build: Callable, order: list[str]):
        args = params(allowed)
        limit = bounded_int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = bounded_int(args, "offset", 0, 0, 10_000_000)
        return jsonify(gold.page(build(args), order, limit, offset))

    @app.get("/api/health")
    def health():
        params(set())
        rows = gold.table("summary").count()
        return jsonify({"status": "ok", "schema": gold.schema, "survey_types": rows})

    @app.get("/api/metrics/summary")
    def summary():
        def build(args):
            frame = gold.table("summary")
            survey_type = text(args, "survey_type")
            return frame.where(frame.survey_type == survey_type) if survey_type else frame

        return listing({"survey_type"}, build, ["survey_type"])

    @app.get("/api/metrics/trends")
    def trends():
        def build(args):
            start, end = iso_date(args, "from"), iso_date(args, "to")
            if start and end and start > end:
                raise BadRequest(f"from ({start}) is after to ({end})")
            frame = gold.table("trends")
            if start:
                frame = frame.where(frame.response_date >= start)
            if end:
                frame = frame.where(frame.response_date <= end)
            return frame

        return listing({"from", "to"}, build, ["response_date"])

    @app.get("/api/reports/channel-segments")
    def channel_segments():
        def build(args):
            frame = gold.table("channel_segments")
            channel, segment = text(args, "channel"), text(args, "segment")
            if channel:
                frame = frame.where(frame.channel == channel)
            if segment:
                frame = frame.where(frame.customer_segment == segment)
            return frame

        return listing({"channel", "segment"}, build, ["channel", "customer_segment"])

    @app.get("/api/reports/data-quality")
    def data_quality():
        return listing(set(), lambda args: gold.table("data_quality"), ["layer"])

    @app.errorhandler(BadRequest)
    def bad_request(error):
        return jsonify({"error": str(error)}), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        return jsonify({"error": error.description}), error.code

    @app.errorhandler(Exception)
    def engine_error(error):
        # the engine or a table is not there: say so, without a stack trace
        app.logger.error("request failed: %s", error)
        return jsonify({"error": f"the gold tables cannot be read: {type(error).__name__}"}), 503

    return app


def app_from_env() -> Flask:
    """The application for a WSGI server: SPARK_REMOTE and API_SCHEMA say
    what to read (`gunicorn 'lakehouse.api:app_from_env()'`)."""
    remote = os.environ.get("SPARK_REMOTE")
    if not remote:
        raise RuntimeError("SPARK_REMOTE must name the Spark Connect endpoint the API reads from")
    return create_app(Gold(remote, os.environ.get("API_SCHEMA", "gold")))


def serve(remote: str, schema: str, host: str, port: int) -> None:
    """Serve until interrupted (werkzeug's threaded server: fine for a
    laptop or a small team; behind gunicorn or a platform's app service in
    production, see docs/operations.md)."""
    from werkzeug.serving import run_simple

    gold = Gold(remote, schema)
    try:
        run_simple(host, port, create_app(gold), threaded=True)
    finally:
        gold.close()

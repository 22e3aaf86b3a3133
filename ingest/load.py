"""Load landing files into bronze: one pass per file, idempotent per file.

For every file: rows read = rows loaded into bronze + rows quarantined. A file
already loaded (same content, under any name) is not loaded again; a file that
cannot be read at all is rejected with the reason, and the run goes on with the
other files but exits non-zero.
"""

from __future__ import annotations

import os
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path

from pyspark.errors import PySparkException
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from ingest.bronze import Bronze, Staging, now
from ingest.config import IngestConfig, Source
from ingest.landing import LandingFile, discover, missing_triggered
from ingest.parse import FileRejected, read_checked

# Fault injection for the robustness suite: LAKEHOUSE_FAULT=kill-after-rows:<source>
# kills this process (SIGKILL) right after a file's rows reach bronze and
# before the file log says `loaded`, the worst moment to die.
FAULT = os.environ.get("LAKEHOUSE_FAULT", "")


@dataclass(frozen=True)
class FileResult:
    source: str
    file: str
    status: str  # loaded | skipped | rejected | waiting | missing
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""


@dataclass
class RunReport:
    run_id: str
    results: list[FileResult]

    @property
    def rejected(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "rejected"]

    @property
    def missing(self) -> list[FileResult]:
        """Files a trigger announced that have not arrived."""
        return [r for r in self.results if r.status == "missing"]

    def table(self) -> str:
        head = f"{'source':30} {'file':42} {'status':9} {'read':>8} {'loaded':>8} {'quarant.':>8}"
        lines = [head, "-" * len(head)]
        for r in self.results:
            lines.append(
                f"{r.source:30} {Path(r.file).name:42} {r.status:9} {r.rows_read:>8} {r.rows_loaded:>8} {r.rows_quarantined:>8}"
                + (f"  {r.message}" if r.message else "")
            )
        return "\n".join(lines)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return (text[0] if text else type(err).__name__)[:500]


class Loader:
    def __init__(self, spark: SparkSession, config: IngestConfig, landing_root: Path):
        self.spark = spark
        self.config = config
        self.root = Path(landing_root)
        self.bronze = Bronze(spark, config)
        self.run_id = f"run_{now().strftime('%Y%m%dT%H%M%S')}_{uuid.uuid4().hex[:8]}"
        self.staging = Staging(spark, config.bronze_schema, self.run_id)

    def _entry(self, f: LandingFile, rel: str, status: str, **counts) -> dict:
        return dict(
            run_id=self.run_id, batch_id=f.batch_id or self.run_id, source_name=f.source.name, domain=f.source.domain,
            file_path=rel, file_name=f.path.name, file_sha256=f.sha256, file_bytes=f.size, status=status, **counts,
        )  # fmt: skip

    def _load_file(self, f: LandingFile, rel: str) -> FileResult:
        source = f.source
        problem = f.text_problem() if source.format in ("csv", "json") else None
        if problem:
            return self._reject(f, rel, problem)
        try:
            parsed, drift = read_checked(self.spark, source, f.uri, f.first_line() if source.format == "csv" else None)
            checked = self.staging.stage(parsed, source.table)
            counts = {bool(r["good"]): r["count"] for r in checked.groupBy(F.col("_reason").isNull().alias("good")).count().collect()}
        except FileRejected as err:
            return self._reject(f, rel, str(err))
        except PySparkException as err:
            return self._reject(f, rel, f"unreadable {source.format} file: {_first_line(err)}")
        good, bad = counts.get(True, 0), counts.get(False, 0)
        # Stamped per file, when its load starts: loads run one at a time (the
        # landing lock), so stamps grow file by file and an incremental model
        # that reads `_ingested_at > its newest stamp` misses no file.
        lineage = [
            F.lit(now()).cast("timestamp").alias("_ingested_at"),
            F.lit(rel).alias("_source_file"),
            F.lit(f.batch_id or self.run_id).alias("_batch_id"),
        ]
        self.bronze.log(**self._entry(f, rel, "started"))
        rows = checked.filter(F.col("_reason").isNull()).select(*source.columns, *lineage, "_rescued_data")
        self.bronze.append(source.table, rows)
        if bad:
            quarantined = checked.filter(F.col("_reason").isNotNull()).select(
                F.lit(source.name).alias("source_name"), F.lit(source.domain).alias("domain"),
                F.col("_raw").alias("raw_record"), F.col("_reason").alias("reason"), *lineage,
            )  # fmt: skip
            self.bronze.append(self.config.quarantine_table, quarantined)
        if FAULT == f"kill-after-rows:{source.name}":
            os.kill(os.getpid(), signal.SIGKILL)
        note = drift.note()
        self.bronze.log(
            **self._entry(f, rel, "loaded", rows_read=good + bad, rows_loaded=good, rows_quarantined=bad, message=note)
        )
        return FileResult(source.name, rel, "loaded", good + bad, good, bad, note)

    def _reject(self, f: LandingFile, rel: str, message: str) -> FileResult:
        self.bronze.log(**self._entry(f, rel, "rejected", message=message))
        return FileResult(f.source.name, rel, "rejected", message=message)

    def load_source(self, source: Source) -> list[FileResult]:
        ready, waiting = discover(self.root, source)
        results = [
            FileResult(source.name, str(p.relative_to(self.root)), "waiting", message="no trigger file lists it yet")
            for p in waiting
        ]
        results += [
            FileResult(source.name, str(p), "missing", message=f"trigger batch {batch} lists it, but it has not arrived")
            for p, batch in missing_triggered(self.root, source)
        ]
        if not ready:
            return results
        loaded_shas, interrupted = self.bronze.file_states(source)
        for f in ready:
            rel = str(f.path.relative_to(self.root))
            if f.sha256 in loaded_shas:
                results.append(FileResult(source.name, rel, "skipped", message="already loaded"))
                continue
            if rel in interrupted:
                self.bronze.forget_partial(source, rel)
            result = self._load_file(f, rel)
            results.append(result)
            if result.status == "loaded":
                loaded_shas.add(f.sha256)
        return results

    def run(self, sources: list[Source]) -> RunReport:
        self.bronze.ensure(sources)
        results: list[FileResult] = []
        try:
            for source in sources:
                results.extend(self.load_source(source))
        finally:
            self.staging.clean()
        return RunReport(self.run_id, results)

"""Load landing files into bronze: every file once by content, every row of it
landed unchanged or quarantined with the reason, one file's failure never
stopping the others.

Each run gives every entry under the landing root one outcome:

  loaded     its rows are in bronze, the ones that failed a check in the
             quarantine (rows read = rows loaded + rows quarantined)
  skipped    the same content was loaded before (under any name, gzipped or not)
  rejected   the file as a whole cannot be read; the message says where and why
  changed    a file already loaded now has other content: not reloaded
  waiting    still being written, or no trigger lists it yet
  missing    a trigger lists it, but it has not arrived
  trigger    a valid trigger file (its files load)
  ignored    no source loads it (the reason says why)

The run exits non-zero when a file is rejected, changed or missing.
"""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ingest.bronze import Bronze, FileState, Staging, micros, now
from ingest.check import QUARANTINE_SCHEMA, Checker
from ingest.config import IngestConfig, Source
from ingest.landing import FileProblem, Stat, Trigger, inventory, matches, read_trigger, take_snapshot, unstable
from ingest.read import read

FAILED = ("rejected", "changed", "missing")


@dataclass(frozen=True)
class FileResult:
    source: str
    file: str
    status: str  # see the module docstring
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    sha256: str | None = None
    file_bytes: int | None = None
    batch_id: str | None = None


@dataclass
class RunReport:
    run_id: str
    results: list[FileResult] = field(default_factory=list)

    def having(self, *statuses: str) -> list[FileResult]:
        return [r for r in self.results if r.status in statuses]

    @property
    def rejected(self) -> list[FileResult]:
        return self.having("rejected")

    @property
    def missing(self) -> list[FileResult]:
        return self.having("missing")

    @property
    def failed(self) -> list[FileResult]:
        return self.having(*FAILED)

    def table(self) -> str:
        head = f"{'source':30} {'file':44} {'status':9} {'read':>8} {'loaded':>8} {'quarant.':>8}"
        lines = [head, "-" * len(head)]
        for r in self.results:
            name = r.file if len(r.file) <= 44 else "..." + r.file[-41:]
            lines.append(
                f"{r.source:30} {name:44} {r.status:9} {r.rows_read:>8} {r.rows_loaded:>8} {r.rows_quarantined:>8}"
                + (f"  {r.message}" if r.message else "")
            )
        return "\n".join(lines)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:500]


class Loader:
    def __init__(self, spark: SparkSession, config: IngestConfig, landing_root: Path):
        self.spark = spark
        self.config = config
        self.root = Path(landing_root)
        self.bronze = Bronze(spark, config)
        self.run_id = f"run_{now().strftime('%Y%m%dT%H%M%S')}_{uuid.uuid4().hex[:8]}"
        self.staging: Staging | None = None
        self._notices: list[dict] = []  # outcomes logged in one append at the end

    # --- the run ---------------------------------------------------------------

    def run(self, sources: list[Source]) -> RunReport:
        self.bronze.ensure(sources)
        self.staging = Staging(self.spark, self.config.bronze_location(), self.run_id)
        report = RunReport(self.run_id)
        try:
            found = inventory(self.root, list(self.config.sources.values()))
            report.results += [self._ignored(rel, why) for rel, why in found.ignored]
            wanted = {s.trigger for s in sources if s.trigger}
            triggers = [rel for rel in found.triggers if any(matches(rel, g) for g in wanted)]
            files = [rel for s in sources for rel in found.files[s.name]]
            moving = unstable(self.root, files + triggers, self.config.settle_seconds)
            gate, trigger_results = self._read_triggers(triggers, moving)
            report.results += trigger_results
            for source in sources:
                report.results += self.load_source(source, found.files[source.name], gate, moving)
            self.bronze.log(*self._notices)
        finally:
            self.staging.clean()
        return report

    def _ignored(self, rel: str, why: str) -> FileResult:
        if any(matches(rel, g) for g in self.config.ignore):
            why = "listed under ignore in ingest/sources.yml"
        return self._notice(FileResult("-", rel, "ignored", message=why))

    def _notice(self, result: FileResult, domain: str | None = None) -> FileResult:
        self._notices.append(self._entry(result, domain))
        return result

    def _entry(self, r: FileResult, domain: str | None, status: str | None = None, **extra) -> dict:
        return dict(
            run_id=self.run_id,
            batch_id=r.batch_id or self.run_id,
            source_name=r.source,
            domain=domain,
            file_path=r.file,
            file_name=Path(r.file).name,
            file_sha256=r.sha256,
            file_bytes=r.file_bytes,
            status=status or r.status,
            rows_read=r.rows_read,
            rows_loaded=r.rows_loaded,
            rows_quarantined=r.rows_quarantined,
            message=r.message,
            **extra,
        )

    # --- triggers -----------------------------------------------------------------

    def _read_triggers(self, rels: list[str], moving: dict[str, str]) -> tuple[dict[str, str], list[FileResult]]:
        """{listed file: batch id} from the valid triggers, and each trigger's outcome."""
        gate: dict[str, str] = {}
        results = []
        domains = {s.trigger: s.domain for s in self.config.sources.values() if s.trigger}
        for rel in rels:
            domain = next((d for g, d in domains.items() if matches(rel, g)), None)
            if rel in moving:
                results.append(self._notice(FileResult("trigger", rel, "waiting", message=moving[rel]), domain))
                continue
            try:
                trigger: Trigger = read_trigger(self.root, rel)
            except (FileProblem, OSError) as err:
                results.append(self._notice(FileResult("trigger", rel, "rejected", message=str(err)), domain))
                continue
            for listed in trigger.files:
                gate.setdefault(listed, trigger.batch_id)
            message = f"batch {trigger.batch_id}: lists {len(trigger.files)} file(s)"
            results.append(
                self._notice(FileResult("trigger", rel, "trigger", message=message, batch_id=trigger.batch_id), domain)
            )
        return gate, results

    # --- one source ---------------------------------------------------------------

    def load_source(
        self, source: Source, files: list[str], gate: dict[str, str], moving: dict[str, str]
    ) -> list[FileResult]:
        results = []
        if source.trigger:
            for rel, batch in sorted(gate.items()):
                if matches(rel, source.path) and not (self.root / rel).exists():
                    message = f"trigger batch {batch} lists it, but it has not arrived"
                    results.append(
                        self._notice(
                            FileResult(source.name, rel, "missing", message=message, batch_id=batch), source.domain
                        )
                    )
        states = self.bronze.file_states(source) if files else {}
        loaded = {st.sha256: path for path, st in states.items() if st.status in ("loaded", "duplicate")}
        for rel in files:
            if rel in moving:
                results.append(
                    self._notice(FileResult(source.name, rel, "waiting", message=moving[rel]), source.domain)
                )
                continue
            batch = None
            if source.trigger:
                batch = gate.get(rel)
                if batch is None:
                    waiting = FileResult(source.name, rel, "waiting", message="no trigger file lists it yet")
                    results.append(self._notice(waiting, source.domain))
                    continue
            result = self._guarded(source, rel, batch, states.get(rel), loaded)
            if result.status == "loaded":
                loaded[result.sha256] = rel
            results.append(result)
        return results

    def _guarded(
        self, source: Source, rel: str, batch: str | None, prior: FileState | None, loaded: dict[str, str]
    ) -> FileResult:
        """One file; no error of it crosses this line."""
        outcome = _Outcome(source, rel, batch)
        try:
            result = self._load_file(outcome, prior, loaded)
        except Exception as err:  # noqa: BLE001 - the per-file boundary: reject, log, go on
            result = outcome.result("rejected", message=f"could not be loaded: {_first_line(err)}")
            if outcome.started and not self._undo(source, outcome):
                # the partial rows stay marked `started`: the next run removes them
                return result
            self._log_load(outcome, result)
            return result
        if result.status in ("skipped", "waiting", "changed"):
            self._notice(result, source.domain)
        return result

    def _undo(self, source: Source, outcome: _Outcome) -> bool:
        try:
            self.bronze.forget_partial(source, micros(outcome.stamp))
            return True
        except Exception:  # noqa: BLE001 - the file log still says `started`
            return False

    def _load_file(self, out: _Outcome, prior: FileState | None, loaded: dict[str, str]) -> FileResult:
        source, path = out.source, self.root / out.rel
        folder = self.staging.folder()
        before = Stat.of(path)
        try:
            snap = take_snapshot(path, folder / "content", text=source.format in ("csv", "json"))
        except FileProblem as err:
            return self._reject(out, str(err))
        out.sha256, out.file_bytes = snap.sha256, snap.file_bytes
        if Stat.of(path) != before:
            return out.result("waiting", message="changed while it was being read; it loads once it is stable")
        if prior and prior.status in ("loaded", "duplicate") and prior.sha256 != snap.sha256:
            return out.result(
                "changed",
                message=(
                    f"its content changed after it was loaded at {prior.logged_at:%Y-%m-%d %H:%M:%S}; "
                    "not reloaded: deliver corrected data under a new file name"
                ),
            )
        if snap.sha256 in loaded:
            same = loaded[snap.sha256]
            return out.result("skipped", message="already loaded" if same == out.rel else f"same content as {same}")
        if prior and prior.status == "started":
            self.bronze.forget_partial(source, prior.stamp_micros)
        if snap.text_problem:
            return self._reject(out, snap.text_problem)
        try:
            counts = self._check(snap.path, source, folder)
        except FileProblem as err:
            return self._reject(out, str(err))
        return self._write(out, folder, *counts)

    def _check(self, snapshot: Path, source: Source, folder: Path) -> tuple[int, int, str]:
        """Read and check the snapshot into good.parquet and quarantine.parquet."""
        drift, chunks = read(snapshot, source)
        checker = Checker(source, self.config.missing_values, source.format == "json" and source.json_kinds == "strict")
        good = bad = 0
        with ExitStack() as stack:
            good_out = stack.enter_context(pq.ParquetWriter(folder / "good.parquet", checker.schema))
            bad_out = stack.enter_context(pq.ParquetWriter(folder / "quarantine.parquet", QUARANTINE_SCHEMA))
            for chunk in chunks:
                checked = checker.check(chunk)
                good_out.write_batch(checked.good)
                bad_out.write_batch(checked.quarantined)
                good, bad = good + checked.good.num_rows, bad + checked.quarantined.num_rows
        return good, bad, drift.note()

    def _write(self, out: _Outcome, folder: Path, good: int, bad: int, note: str) -> FileResult:
        source = out.source
        out.stamp = now()
        stamp = F.expr(f"timestamp_micros({micros(out.stamp)})").alias("_ingested_at")
        lineage = [stamp, F.lit(out.rel).alias("_source_file"), F.lit(out.batch or self.run_id).alias("_batch_id")]
        self._log_load(out, out.result("started"), logged_at=out.stamp)
        out.started = True
        if good:
            rows: DataFrame = self.staging.frame(folder / "good.parquet")
            self.bronze.append(source.table, rows.select(*source.columns, *lineage, "_rescued_data"))
        if bad:
            quarantined = self.staging.frame(folder / "quarantine.parquet").select(
                F.lit(source.name).alias("source_name"),
                F.lit(source.domain).alias("domain"),
                "raw_record",
                "reason",
                *lineage,
            )
            self.bronze.append(self.config.quarantine_table, quarantined)
        message = "; ".join(m for m in (f"{bad} row(s) quarantined" if bad else "", note) if m)
        result = out.result("loaded", rows_read=good + bad, rows_loaded=good, rows_quarantined=bad, message=message)
        self._log_load(out, result)
        return result

    def _reject(self, out: _Outcome, message: str) -> FileResult:
        result = out.result("rejected", message=message)
        self._log_load(out, result)
        return result

    def _log_load(self, out: _Outcome, result: FileResult, **extra) -> None:
        """A load event of the file log (started, loaded, rejected), written at once."""
        self.bronze.log(self._entry(result, out.source.domain, **extra))


@dataclass
class _Outcome:
    """What is known of one file as its load goes on."""

    source: Source
    rel: str
    batch: str | None
    sha256: str | None = None
    file_bytes: int | None = None
    stamp: object = None
    started: bool = False

    def result(self, status: str, **kw) -> FileResult:
        return FileResult(
            self.source.name,
            self.rel,
            status,
            sha256=self.sha256,
            file_bytes=self.file_bytes,
            batch_id=self.batch,
            **kw,
        )

"""Load landing files into bronze: every file once by content, every row of it
landed unchanged or quarantined with the reason, one file's failure never
stopping the others.

Each run gives every entry under the landing root one outcome:

  loaded     its rows are in bronze, the ones that failed a check in the
             quarantine (rows read = rows loaded + rows quarantined)
  skipped    the same content was loaded before (under any name, gzipped or not)
  rejected   the file as a whole cannot be read; the message says where and why
  held       the same content was rejected before: not read again (the
             first rejection's message says why)
  changed    a file already loaded now has other content: not reloaded
             (unless it only grew: a writer that paused past the settle time;
             then the rows of its first load are replaced by the whole file's)
  waiting    still being written, or no trigger lists it yet
  missing    a trigger lists it, but it has not arrived
  trigger    a valid trigger file (its files load)
  ignored    no source loads it (the reason says why)

A run with a rejected, changed or missing file has problems: the job exits 1
after loading everything else, and the pipeline builds on the valid data and
then ends "completed with problems".
"""

from __future__ import annotations

import hashlib
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
from ingest.landing import (
    FileProblem,
    Stat,
    Trigger,
    folder_sha256,
    inventory,
    matches,
    raw_sha256,
    read_trigger,
    shown_path,
    take_snapshot,
    unstable,
)
from ingest.read import read

FAILED = ("rejected", "changed", "missing")
# A rejection whose cause is not the file's content (the engine, a bug): the
# next run tries the file again instead of holding it.
NOT_THE_CONTENT = "could not be loaded: "


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
            for name, entries in found.misnamed.items():  # `ignore` in sources.yml wins
                found.ignored += [(rel, why) for rel, why in entries if self._listed_as_ignored(rel)]
                found.misnamed[name] = [(rel, why) for rel, why in entries if not self._listed_as_ignored(rel)]
            report.results += [self._ignored(shown_path(rel), why) for rel, why in found.ignored]
            wanted = {s.trigger for s in sources if s.trigger}
            triggers = [rel for rel in found.triggers if any(matches(rel, g) for g in wanted)]
            files = [rel for s in sources for rel in found.files[s.name]]
            moving = unstable(self.root, files + triggers, self.config.settle_seconds)
            gate, trigger_results = self._read_triggers(triggers, moving)
            report.results += trigger_results
            report.results += self._not_arrived(gate, found, sources)
            for source in sources:
                report.results += self._source(source, found, gate, moving)
        finally:
            try:
                self.bronze.log(*self._notices)
            finally:
                self.staging.clean()
        return report

    def _source(self, source: Source, found, gate: dict[str, str], moving: dict[str, str]) -> list[FileResult]:
        """One source's files; an error outside any one file (the file log cannot
        be read) is that source's outcome, and the other sources still load."""
        try:
            return self.load_source(
                source, found.files[source.name], gate, moving, found.folders[source.name], found.misnamed[source.name]
            )
        except Exception as err:  # noqa: BLE001 - the per-source boundary
            message = f"{NOT_THE_CONTENT}the source's files were not read ({_first_line(err)})"
            return [self._notice(FileResult(source.name, source.path, "rejected", message=message), source.domain)]

    def _ignored(self, rel: str, why: str) -> FileResult:
        if self._listed_as_ignored(rel):
            why = "listed under ignore in ingest/sources.yml"
        return self._notice(FileResult("-", rel, "ignored", message=why))

    def _listed_as_ignored(self, rel: str) -> bool:
        return any(matches(rel, g) for g in self.config.ignore)

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
            message = "; ".join([f"batch {trigger.batch_id}: lists {len(trigger.files)} file(s)", *trigger.notes])
            results.append(
                self._notice(FileResult("trigger", rel, "trigger", message=message, batch_id=trigger.batch_id), domain)
            )
        return gate, results

    def _not_arrived(self, gate: dict[str, str], found, sources: list[Source]) -> list[FileResult]:
        """Every trigger entry is a file that arrived (letter case aside), or is
        reported missing: under the source its name matches, else under the trigger."""
        present = {rel.lower() for paths in (*found.files.values(), *found.folders.values()) for rel in paths}
        results = []
        for rel, batch in sorted(gate.items()):
            if (self.root / rel).exists() or rel.lower() in present:
                continue
            owner = next((s for s in self.config.sources.values() if matches(rel.lower(), s.path.lower())), None)
            if owner is not None and owner not in sources:
                continue  # another source's file: its own run reports it
            message = f"trigger batch {batch} lists it, but it has not arrived" + (
                "" if owner else " (and no source in ingest/sources.yml loads a file of that name)"
            )
            result = FileResult(owner.name if owner else "trigger", rel, "missing", message=message, batch_id=batch)
            results.append(self._notice(result, owner.domain if owner else None))
        return results

    # --- one source ---------------------------------------------------------------

    def load_source(
        self,
        source: Source,
        files: list[str],
        gate: dict[str, str],
        moving: dict[str, str],
        folders: list[str] = (),
        misnamed: list[tuple[str, str]] = (),
    ) -> list[FileResult]:
        states = self.bronze.file_states(source) if files or folders or misnamed else {}
        results = [self._folder(source, rel, states.get(shown_path(rel))) for rel in folders]
        results += [
            self._refuse(source, rel, raw_sha256(self.root / rel), why, states.get(shown_path(rel)))
            for rel, why in misnamed
        ]
        loaded = {st.sha256: path for path, st in states.items() if st.status in ("loaded", "duplicate")}
        by_case = {listed.lower(): (listed, batch) for listed, batch in gate.items()}
        for rel in files:
            shown = shown_path(rel)
            if rel in moving:
                results.append(
                    self._notice(FileResult(source.name, shown, "waiting", message=moving[rel]), source.domain)
                )
                continue
            batch, note = None, ""
            if source.trigger:
                listed, batch = by_case.get(rel.lower(), (rel, None)) if rel not in gate else (rel, gate[rel])
                if batch is None:
                    waiting = FileResult(source.name, shown, "waiting", message="no trigger file lists it yet")
                    results.append(self._notice(waiting, source.domain))
                    continue
                if listed != rel:
                    note = f"its trigger lists it as {listed} (letter case differs)"
            result = self._guarded(source, rel, batch, states.get(shown), loaded, note)
            if result.status == "loaded":
                loaded[result.sha256] = shown
            results.append(result)
        return results

    def _folder(self, source: Source, rel: str, prior: FileState | None) -> FileResult:
        """A folder named like one of the source's files: rejected, and held while its listing is the same."""
        path = self.root / rel
        parts = [p for p in path.iterdir() if p.name.startswith("part-")]
        spark = f" (a Spark output folder: {len(parts)} part file(s))" if parts or (path / "_SUCCESS").exists() else ""
        why = f"a folder where a file is expected{spark}: deliver its data as one file"
        return self._refuse(source, rel, folder_sha256(path), why, prior)

    def _refuse(self, source: Source, rel: str, sha256: str, why: str, prior: FileState | None) -> FileResult:
        """An entry meant for the source that it cannot read: rejected, then held while its content is the same."""
        out = _Outcome(source, rel, None, sha256=sha256)
        return self._held(out, prior) or self._reject(out, why)

    def _held(self, out: _Outcome, prior: FileState | None) -> FileResult | None:
        """The same content was rejected before for what it holds: not read again."""
        if not prior or prior.status != "rejected" or prior.sha256 != out.sha256 or not out.sha256:
            return None
        if prior.message.startswith(NOT_THE_CONTENT):
            return None
        message = (
            f"the same content was rejected at {prior.logged_at:%Y-%m-%d %H:%M:%S} and is not read again: "
            f"{prior.message}"
        )
        return self._notice(out.result("held", message=message[:1000]), out.source.domain)

    def _guarded(
        self,
        source: Source,
        rel: str,
        batch: str | None,
        prior: FileState | None,
        loaded: dict[str, str],
        note: str = "",
    ) -> FileResult:
        """One file; no error of it crosses this line."""
        outcome = _Outcome(source, rel, batch, note=note)
        try:
            result = self._load_file(outcome, prior, loaded)
        except Exception as err:  # noqa: BLE001 - the per-file boundary: reject, log, go on
            result = outcome.result("rejected", message=f"{NOT_THE_CONTENT}{_first_line(err)}")
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
            out.sha256, out.file_bytes = raw_sha256(path), before.size
            return self._held(out, prior) or self._reject(out, str(err))
        out.sha256, out.file_bytes = snap.sha256, snap.file_bytes
        if Stat.of(path) != before:
            return out.result("waiting", message="changed while it was being read; it loads once it is stable")
        held = self._held(out, prior)
        if held:
            return held
        if prior and prior.status in ("loaded", "duplicate") and prior.sha256 != snap.sha256:
            if not _grew(out.rel, snap.path, prior):
                return out.result(
                    "changed",
                    message=(
                        f"its content changed after it was loaded at {prior.logged_at:%Y-%m-%d %H:%M:%S}; "
                        "not reloaded: deliver corrected data under a new file name"
                    ),
                )
            # its writer paused past the settle time, so the first load read a cut last row
            self.bronze.forget_partial(source, prior.rows_stamp_micros)
            grown = f"grew after its load at {prior.logged_at:%Y-%m-%d %H:%M:%S}: that load's rows replaced by the whole file's"
            out.note = "; ".join(n for n in (out.note, grown) if n)
        if snap.sha256 in loaded:
            same = loaded[snap.sha256]
            return out.result("skipped", message="already loaded" if same == out.shown else f"same content as {same}")
        if prior and prior.status == "started":
            self.bronze.forget_partial(source, prior.stamp_micros)
        if out.shown != out.rel:
            return self._reject(out, "the file name is not valid UTF-8 (shown with \\x escapes): rename the file")
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
        lineage = [stamp, F.lit(out.shown).alias("_source_file"), F.lit(out.batch or self.run_id).alias("_batch_id")]
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
        message = "; ".join(m for m in (f"{bad} row(s) quarantined" if bad else "", note, out.note) if m)
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
    note: str = ""  # said in the message of the file's outcome

    @property
    def shown(self) -> str:
        return shown_path(self.rel)

    def result(self, status: str, **kw) -> FileResult:
        if self.note and status != "loaded" and "message" in kw:
            kw["message"] = "; ".join(m for m in (kw["message"], self.note) if m)
        return FileResult(
            self.source.name,
            self.shown,
            status,
            sha256=self.sha256,
            file_bytes=self.file_bytes,
            batch_id=self.batch,
            **kw,
        )


def _grew(rel: str, snapshot: Path, prior: FileState) -> bool:
    """Whether the file is its loaded content with more appended (an
    uncompressed file whose first bytes hash as the loaded content did)."""
    if rel.endswith(".gz") or prior.rows_stamp_micros is None or not prior.file_bytes:
        return False
    if snapshot.stat().st_size <= prior.file_bytes:
        return False
    digest, left = hashlib.sha256(), prior.file_bytes
    with open(snapshot, "rb") as handle:
        while left:
            block = handle.read(min(left, 1 << 20))
            if not block:
                return False
            digest.update(block)
            left -= len(block)
    return digest.hexdigest() == prior.sha256

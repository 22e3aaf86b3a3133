"""Find landing files, fingerprint them, check their encoding, and apply
trigger gating. CSV and JSON files may also arrive gzipped (`<name>.gz`)."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

from ingest.config import Source


@dataclass(frozen=True)
class LandingFile:
    source: Source
    path: Path
    sha256: str
    size: int
    batch_id: str | None  # the trigger's batch, for gated sources

    def open(self):
        return gzip.open(self.path, "rb") if self.path.suffix == ".gz" else open(self.path, "rb")

    def first_line(self) -> str | None:
        """The first line as text (a CSV header), or None for an empty file."""
        with self.open() as handle:
            line = handle.readline(1 << 16)
        return line.decode("utf-8", errors="replace").rstrip("\r\n") if line else None

    def text_problem(self) -> str | None:
        """Why a text file cannot be read as UTF-8 (or unzipped), or None.

        Checked here, the same way on every engine: Sail's reader fails the
        whole read on an invalid byte, Spark's silently replaces it."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        try:
            with self.open() as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError as err:
                        return (f"not UTF-8: invalid byte 0x{block[err.start]:02x} at offset {offset + err.start} "
                                "(re-deliver the file encoded as UTF-8)")  # fmt: skip
                    offset += len(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "not UTF-8: the file ends inside a multi-byte character"
        except (OSError, EOFError, zlib.error) as err:
            return f"corrupt gzip file: {err}"
        return None

    @property
    def uri(self) -> str:
        return self.path.resolve().as_uri()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_paths(root: Path, source: Source) -> list[Path]:
    """Files of a source, in name order; text formats may be gzipped."""
    found = set(root.glob(source.path))
    if source.format in ("csv", "json"):
        found |= set(root.glob(source.path + ".gz"))
    return sorted(p for p in found if p.is_file())


def triggered_files(root: Path, pattern: str) -> dict[Path, str]:
    """Files named by the trigger files matching `pattern`, with their batch id.

    A trigger lists its files relative to its domain folder (the folder above
    `_triggers`), as the e-commerce document's trigger JSON does.
    """
    named: dict[Path, str] = {}
    for trigger in sorted(root.glob(pattern)):
        try:
            body = json.loads(trigger.read_text())
            files = body["files"]
            batch = str(body.get("batch_id") or trigger.stem)
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"trigger file {trigger} is not valid: {err}") from err
        base = trigger.parent.parent
        for entry in files.values() if isinstance(files, dict) else files:
            # an entity's entry is one file, or a list of its part files
            for rel in [entry] if isinstance(entry, str) else entry:
                named[(base / rel).resolve()] = batch
    return named


def missing_triggered(root: Path, source: Source) -> list[tuple[Path, str]]:
    """Files a trigger names for this source that are not in the landing folder."""
    if not source.trigger:
        return []
    named = triggered_files(root, source.trigger).items()
    return sorted((path, batch) for path, batch in named if not path.exists() and path.match(source.path))


def discover(root: Path, source: Source) -> tuple[list[LandingFile], list[Path]]:
    """(files ready to load, files still waiting for a trigger), in name order."""
    gate = triggered_files(root, source.trigger) if source.trigger else None
    ready, waiting = [], []
    for path in source_paths(root, source):
        batch = None
        if gate is not None:
            batch = gate.get(path.resolve())
            if batch is None:
                waiting.append(path)
                continue
        ready.append(LandingFile(source, path, sha256(path), path.stat().st_size, batch))
    return ready, waiting

"""Find landing files, fingerprint them, and apply trigger gating."""

from __future__ import annotations

import hashlib
import json
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

    def first_line(self) -> str | None:
        """The first line as text (a CSV header), or None for an empty file."""
        with open(self.path, "rb") as handle:
            line = handle.readline(1 << 16)
        return line.decode("utf-8", errors="replace").rstrip("\r\n") if line else None

    @property
    def uri(self) -> str:
        return self.path.resolve().as_uri()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        for rel in files.values() if isinstance(files, dict) else files:
            named[(base / rel).resolve()] = batch
    return named


def discover(root: Path, source: Source) -> tuple[list[LandingFile], list[Path]]:
    """(files ready to load, files still waiting for a trigger), in name order."""
    gate = triggered_files(root, source.trigger) if source.trigger else None
    ready, waiting = [], []
    for path in sorted(root.glob(source.path)):
        if not path.is_file():
            continue
        batch = None
        if gate is not None:
            batch = gate.get(path.resolve())
            if batch is None:
                waiting.append(path)
                continue
        ready.append(LandingFile(source, path, sha256(path), path.stat().st_size, batch))
    return ready, waiting

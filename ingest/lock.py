"""One ingest run per landing folder at a time (and one build per lake:
`lakehouse.pipeline` takes the same kind of lock).

Two loads of the same files at once would both see a file as new and load it
twice. An exclusive advisory lock (flock) on a file beside the landing folder
serialises them; the kernel releases it when the holder exits, even on
SIGKILL, so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockBusy(RuntimeError):
    """Another ingest run holds the lock."""


def lock_path(landing_root: Path) -> Path:
    return landing_root.parent / f".{landing_root.name}.ingest.lock"


@contextmanager
def ingest_lock(landing_root: Path, wait_s: float = 0) -> Iterator[None]:
    busy = f"another ingest run (pid {{holder}}) is loading {landing_root}; wait for it, or pass --wait SECONDS"
    with exclusive(lock_path(landing_root), busy, wait_s):
        yield


@contextmanager
def exclusive(path: Path, busy: str, wait_s: float = 0) -> Iterator[None]:
    """Hold an exclusive lock on `path` (waiting up to `wait_s`), or raise
    LockBusy with `busy`, where {holder} is the holder's pid."""
    try:
        handle = open(path, "a+")
    except OSError as err:  # e.g. a read-only mount: the platform schedules one run at a time
        print(f"warning: cannot create the lock {path} ({err}); running without it")
        yield
        return
    with handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise LockBusy(busy.replace("{holder}", holder)) from None
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

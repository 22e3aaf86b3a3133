"""Archive what a load is done with, as the e-commerce document's loaders do
("archives processed files"): `python -m ingest load --archive DIR`.

After the run (bronze and the file log written), each landing file whose
content is in bronze (`loaded`, or `skipped` because the same content was
loaded before) moves to the same relative path under DIR. A trigger and the
files it lists move together, once every one of them is in bronze; until
then they all stay, so the trigger never points at a file that is gone.
Rejected, changed, waiting and missing files stay where operators see them.

A crash between the load and the move loses nothing: the next run finds the
files, skips them (their content is in bronze) and archives them then. A file
already in the archive under the same name is kept, and the newcomer is
archived beside it with the run id appended.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ingest.landing import FileProblem, read_trigger

DONE = ("loaded", "skipped")


def archive(root: Path, dest: Path, report) -> list[str]:
    """Move the files `report` is done with from `root` to `dest`; returns
    their landing-relative paths."""
    done = {r.file for r in report.results if r.source not in ("-", "trigger") and r.status in DONE}
    held: set[str] = set()
    ready: list[str] = []
    for result in report.results:
        if result.source != "trigger":
            continue
        try:
            listed = set(read_trigger(root, result.file).files)
        except (FileProblem, OSError):
            continue  # an unreadable trigger stays; so do files only it could release
        if result.status == "trigger" and listed <= done:
            ready.append(result.file)
        else:
            held |= listed
    moving = sorted((done - held) | set(ready))
    for rel in moving:
        _move(root / rel, dest / rel, report.run_id)
    return moving


def _move(src: Path, target: Path, run_id: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target = target.with_name(f"{target.name}.{run_id}")
    shutil.move(str(src), str(target))

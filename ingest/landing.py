"""The landing folder: which file belongs to which source, which files are
stable, what the triggers say, and the snapshot each file is loaded from.

A file is read once: its bytes are copied (gunzipped where the name ends in
`.gz`) into a private snapshot while they are fingerprinted, and everything
after that (the "already loaded?" check, parsing, the row counts) works on
the snapshot. The fingerprint is of the content, so the same rows delivered
compressed and uncompressed are one file.
"""

from __future__ import annotations

import codecs
import fnmatch
import gzip
import hashlib
import json
import os
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ingest.config import Source

BLOCK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"


class FileProblem(Exception):
    """One file cannot be loaded as a whole; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    """What was read of a landing file: its content's sha256 and a private copy."""

    path: Path
    sha256: str
    content_bytes: int  # uncompressed
    file_bytes: int  # on disk, as delivered
    text_problem: str | None  # why a text file is not UTF-8, if it is not


@dataclass(frozen=True)
class Stat:
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Stat:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns)


# what a text source's file is when it starts with these bytes instead of text
NOT_TEXT = (
    (b"\xff\xfe\x00\x00", "encoded as UTF-32 (it starts with its byte-order mark): re-deliver it as UTF-8"),
    (b"\x00\x00\xfe\xff", "encoded as UTF-32 (it starts with its byte-order mark): re-deliver it as UTF-8"),
    (b"\xff\xfe", "encoded as UTF-16 (it starts with its byte-order mark): re-deliver it as UTF-8"),
    (b"\xfe\xff", "encoded as UTF-16 (it starts with its byte-order mark): re-deliver it as UTF-8"),
    (b"PK\x03\x04", "a zip archive (an Excel workbook, or a zipped file), not text: deliver the file itself"),
    (b"PAR1", "a parquet file, not text: this source reads text"),
    (b"%PDF", "a PDF document, not text"),
)


def _refuse_binary(head: bytes, gzipped: bool) -> None:
    """A text source's file that is plainly something else, named."""
    if head.startswith(GZIP_MAGIC):
        raise FileProblem(
            "compressed twice: the content of this .gz file is itself gzip; deliver it compressed once"
            if gzipped
            else "gzip-compressed, but its name does not end in .gz: deliver it as <name>.gz"
        )
    for magic, what in NOT_TEXT:
        if head.startswith(magic):
            raise FileProblem(what)


def _opener(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def take_snapshot(path: Path, into: Path, text: bool) -> Snapshot:
    """Copy `path` (gunzipped) to `into`, hashing and, for text, UTF-8-checking it."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    problem, offset = None, 0
    gzipped = path.name.endswith(".gz")
    try:
        with _opener(path) as src, open(into, "wb") as dst:
            for block in iter(lambda: src.read(BLOCK), b""):
                if offset == 0 and text:
                    _refuse_binary(block, gzipped)
                digest.update(block)
                dst.write(block)
                if text and problem is None:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError as err:
                        problem = (
                            f"not UTF-8: invalid byte 0x{block[err.start]:02x} at offset {offset + err.start} "
                            "(re-deliver the file encoded as UTF-8)"
                        )
                offset += len(block)
    except gzip.BadGzipFile as err:
        with open(path, "rb") as head:
            starts_as_gzip = head.read(2) == GZIP_MAGIC
        if starts_as_gzip and "Not a gzipped file" in str(err):
            raise FileProblem(
                "corrupt gzip file: after the compressed data come bytes that are not gzip "
                "(extra bytes appended to the file, or a damaged second part)"
            ) from None
        if not starts_as_gzip:
            raise FileProblem("not a gzip file, although its name ends in .gz") from None
        raise FileProblem(f"corrupt gzip file: {err}") from None
    except (EOFError, zlib.error) as err:
        raise FileProblem(f"corrupt gzip file: {err}") from None
    if text and problem is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            problem = "not UTF-8: the file ends inside a multi-byte character"
    return Snapshot(into, digest.hexdigest(), offset, path.stat().st_size, problem)


# --- which file is whose -----------------------------------------------------


def _patterns(source: Source) -> list[str]:
    return [source.path, source.path + ".gz"] if source.format in ("csv", "json") else [source.path]


def matches(rel: str, pattern: str) -> bool:
    """Glob match of a landing-relative path, one folder level per '/' (as Path.glob)."""
    path_parts, pattern_parts = PurePosixPath(rel).parts, PurePosixPath(pattern).parts
    return len(path_parts) == len(pattern_parts) and all(
        fnmatch.fnmatchcase(p, q) for p, q in zip(path_parts, pattern_parts)
    )


@dataclass
class Inventory:
    """Every entry under the landing root, sorted into a source's files, trigger
    files, folders where a source expects a file, and entries that no source
    claims (with the reason)."""

    files: dict[str, list[str]] = field(default_factory=dict)  # source name -> relative paths
    triggers: list[str] = field(default_factory=list)
    folders: dict[str, list[str]] = field(default_factory=dict)  # source name -> relative paths
    # source name -> (relative path, why): a file meant for a source whose name
    # it misses (letter case, a compression the source does not read)
    misnamed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (relative path, reason)


def shown_path(rel: str) -> str:
    """A path as logs and reports show it. A name that is not valid UTF-8 comes
    from the disk with its bytes smuggled in as surrogates, which no table or
    terminal takes: those bytes are shown as \\xNN."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return os.fsencode(rel).decode("utf-8", "backslashreplace")


def folder_sha256(path: Path) -> str:
    """A fingerprint of a folder's listing (names and sizes), to remember a
    rejected folder until its content changes."""
    digest = hashlib.sha256()
    for entry in sorted(path.rglob("*")):
        size = entry.stat().st_size if entry.is_file() else -1
        digest.update(f"{shown_path(entry.relative_to(path).as_posix())}\0{size}\n".encode())
    return digest.hexdigest()


def raw_sha256(path: Path) -> str:
    """The sha256 of a file's bytes as delivered: the fingerprint of a file
    whose content cannot be read (a corrupt gzip)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


# compressions and archives no source reads: a file named like a source's
# files plus one of these is that source's, delivered in a form it cannot read
UNREAD_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".zip", ".7z", ".tar", ".tgz", ".Z")


def _misnamed(rel: str, sources: list[Source]) -> tuple[str, str] | None:
    """(source, why) when a file is plainly meant for a source whose name it misses."""
    for source in sources:
        if any(matches(rel.lower(), p.lower()) for p in _patterns(source)):
            return source.name, (
                f"its name matches {source.path} only when letter case is ignored: "
                "rename it (patterns are case-sensitive)"
            )
    for suffix in UNREAD_SUFFIXES:
        if rel.endswith(suffix):
            for source in sources:
                if matches(rel[: -len(suffix)], source.path):
                    readable = "uncompressed or gzipped (.gz)" if source.format != "parquet" else "uncompressed"
                    return (
                        source.name,
                        f"compressed as {suffix}, which {source.name} does not read: deliver it {readable}",
                    )
    return None


def _why_ignored(rel: str, entry: Path, trigger_globs: set[str]) -> str:
    if entry.is_symlink() and not entry.exists():
        return "a dangling symbolic link"
    if not entry.is_file():
        return "not a regular file"
    if any(matches(rel.lower(), g.lower()) for g in trigger_globs):
        return "its name matches a trigger pattern only when case is ignored (patterns are case-sensitive)"
    return "matches no source in ingest/sources.yml"


def inventory(root: Path, sources: list[Source]) -> Inventory:
    """Walk the landing root once and say what every entry is. Folders that are
    symbolic links are followed (a source folder may be a mount elsewhere),
    each real folder once."""
    found = Inventory(
        files={s.name: [] for s in sources},
        folders={s.name: [] for s in sources},
        misnamed={s.name: [] for s in sources},
    )
    trigger_globs = {s.trigger for s in sources if s.trigger}
    seen = {os.path.realpath(root)}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames.sort()
        for name in list(dirnames):
            entry = Path(dirpath, name)
            rel = entry.relative_to(root).as_posix()
            owners = [s.name for s in sources if any(matches(rel, p) for p in _patterns(s))]
            real = os.path.realpath(entry)
            if owners:  # e.g. a Spark output folder (part files and _SUCCESS) named like a file
                found.folders[owners[0]].append(rel)
                dirnames.remove(name)
            elif real in seen:
                found.ignored.append((rel, "a symbolic link to a folder already read (a loop, or a second link)"))
                dirnames.remove(name)
            else:
                seen.add(real)
        for name in sorted(filenames):
            entry = Path(dirpath, name)
            rel = entry.relative_to(root).as_posix()
            owners = [s.name for s in sources if any(matches(rel, p) for p in _patterns(s))]
            is_trigger = any(matches(rel, g) for g in trigger_globs)
            if entry.is_file() and (owners or is_trigger):
                if is_trigger:
                    found.triggers.append(rel)
                else:  # sources.yml keeps patterns disjoint; the first one wins
                    found.files[owners[0]].append(rel)
                continue
            meant = _misnamed(rel, sources) if entry.is_file() else None
            if meant:
                found.misnamed[meant[0]].append((rel, meant[1]))
            else:
                found.ignored.append((rel, _why_ignored(rel, entry, trigger_globs)))
    return found


# --- stability -----------------------------------------------------------------


def unstable(root: Path, rels: list[str], settle_s: float) -> dict[str, str]:
    """Files still being written: changed in size or mtime over the settle
    interval. Files older than the interval are taken as stable at once; the
    rest are looked at again after waiting (once, for all of them)."""
    first, changing = {}, {}
    for rel in rels:
        try:
            first[rel] = Stat.of(root / rel)
        except OSError as err:
            changing[rel] = f"cannot be looked at ({err.strerror or err})"
    young = [rel for rel, st in first.items() if time.time_ns() - st.mtime_ns < settle_s * 1e9]
    if not young:
        return changing
    newest = max(first[rel].mtime_ns for rel in young)
    time.sleep(max(0.0, settle_s - (time.time_ns() - newest) / 1e9))
    for rel in young:
        try:
            now = Stat.of(root / rel)
        except OSError:
            changing[rel] = "removed while the job looked at it"
            continue
        if now != first[rel]:
            changing[rel] = f"still being written (size or time changed within the {settle_s:g} s settle interval)"
    return changing


# --- triggers --------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    rel: str
    batch_id: str
    files: tuple[str, ...]  # landing-relative paths it lists
    notes: tuple[str, ...] = ()  # how entries were read, for its outcome's message


def read_trigger(root: Path, rel: str) -> Trigger:
    """A trigger file lists its batch's files relative to its domain folder
    (the folder above `_triggers`), as the e-commerce document's trigger does.
    Anything else about it is a `FileProblem` naming what is wrong."""
    path = root / rel
    raw = path.read_bytes()
    if not raw.strip():
        raise FileProblem("the trigger file is empty")
    try:
        body = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError as err:
        raise FileProblem(f"the trigger file is not UTF-8 ({err.reason} at offset {err.start})") from None
    except (ValueError, RecursionError) as err:
        why = "nested too deeply" if isinstance(err, RecursionError) else err
        raise FileProblem(f"the trigger file is not valid JSON: {why}") from None
    if not isinstance(body, dict) or "files" not in body:
        raise FileProblem('the trigger file must be a JSON object with a "files" list or object')
    batch = body.get("batch_id", PurePosixPath(rel).stem)
    if not isinstance(batch, str) or not batch.strip() or len(batch) > 200:
        raise FileProblem(f"batch_id {batch!r} must be non-empty text of at most 200 characters")
    entries = body["files"]
    entries = list(entries.values()) if isinstance(entries, dict) else entries
    if not isinstance(entries, list):
        raise FileProblem('"files" must be a list or an object of file names')
    base = PurePosixPath(rel).parent.parent
    listed, notes = [], []
    for entry in entries:
        for name in [entry] if isinstance(entry, str) else entry if isinstance(entry, list) else [entry]:
            if isinstance(name, str) and "\\" in name:  # written on Windows: a folder separator
                notes.append(f"entry {name!r} read as {name.replace(chr(92), '/')!r}")
                name = name.replace("\\", "/")
            if not isinstance(name, str) or not name or name.startswith("/") or ".." in PurePosixPath(name).parts:
                raise FileProblem(f"entry {name!r} is not a file name relative to the domain folder")
            listed.append((base / name).as_posix())
    return Trigger(rel, batch, tuple(listed), tuple(notes))


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"duplicate key(s) {', '.join(dup)}")
    return dict(pairs)

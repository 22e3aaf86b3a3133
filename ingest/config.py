"""Load and check ingest/sources.yml, the one declarative description of every
landing source. Names become SQL identifiers and paths become file globs, so
both are validated here, once, before any of them reaches Spark."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

CONFIG_FILE = Path(__file__).with_name("sources.yml")
FORMATS = ("csv", "json", "parquet")
TABLE_FORMATS = ("delta", "parquet")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,127}$")
TYPE = re.compile(r"^(string|int|bigint|double|boolean|date|timestamp|decimal\(\d{1,2},\d{1,2}\))$")


class ConfigError(ValueError):
    """sources.yml or a command-line source name is wrong; the message says where."""


@dataclass(frozen=True)
class Source:
    name: str
    domain: str
    format: str
    path: str
    columns: dict[str, str]
    keys: tuple[str, ...]
    required: tuple[str, ...]
    trigger: str | None = None
    # JSON sources: strict refuses a number where text is declared and the reverse;
    # lenient takes a number's literal text, or numeric text, unchanged.
    json_kinds: str = "strict"

    @property
    def table(self) -> str:
        return self.name


@dataclass(frozen=True)
class IngestConfig:
    bronze_schema: str
    file_log_table: str
    quarantine_table: str
    sources: dict[str, Source]
    # Bronze table format: delta, or parquet on a cluster without Delta jars.
    table_format: str = "delta"
    # A file is loaded once its size and mtime have not changed for this long.
    settle_seconds: float = 2.0
    # Values that mean "missing" in a required column (compared trimmed, any case).
    missing_values: tuple[str, ...] = ("null", "none", "n/a", "na", "nil", "-")
    # Landing files that belong to no source and are known (reported as ignored).
    ignore: tuple[str, ...] = ()
    # Where bronze tables live: `location_root` as given, else under the local
    # lake's warehouse folder, else (neither) managed by the catalog.
    lake_root: str | None = None
    location_root: str | None = None

    def bronze_location(self) -> str | None:
        """The bronze schema's folder. It becomes a SQL string literal, so a
        quote, backslash or line break in it is refused."""
        if self.location_root:
            root = self.location_root.rstrip("/")
        elif self.lake_root:
            root = f"file://{os.path.abspath(self.lake_root)}/warehouse/{self.bronze_schema}"
        else:
            return None
        if any(c in root for c in "'\\\n\r"):
            raise ConfigError(f"the bronze location {root!r} has a quote, backslash or line break; use a plainer path")
        return root

    def select(self, names: list[str] | None = None, domains: list[str] | None = None) -> list[Source]:
        """Sources by name and/or domain; an unknown name is an error, not a no-op."""
        unknown = sorted(set(names or []) - set(self.sources))
        if unknown:
            raise ConfigError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(sorted(self.sources))}")
        known_domains = {s.domain for s in self.sources.values()}
        bad_domains = sorted(set(domains or []) - known_domains)
        if bad_domains:
            raise ConfigError(f"unknown domain(s) {', '.join(bad_domains)}; known: {', '.join(sorted(known_domains))}")
        return [
            s for s in self.sources.values() if (not names or s.name in names) and (not domains or s.domain in domains)
        ]


def _identifier(value: object, where: str) -> str:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise ConfigError(f"{where}: {value!r} is not a lowercase identifier ([a-z][a-z0-9_]*)")
    return value


def _relative_glob(value: object, where: str) -> str:
    if not isinstance(value, str) or not value or value.startswith("/") or ".." in Path(value).parts:
        raise ConfigError(f"{where}: {value!r} must be a glob relative to the landing root, without '..'")
    return value


def _source(name: str, raw: dict) -> Source:
    where = f"sources.{name}"
    _identifier(name, where)
    fmt = raw.get("format")
    if fmt not in FORMATS:
        raise ConfigError(f"{where}.format: {fmt!r} is not one of {', '.join(FORMATS)}")
    columns = raw.get("columns") or {}
    if not columns:
        raise ConfigError(f"{where}.columns: at least one column is needed")
    for col, typ in columns.items():
        _identifier(col, f"{where}.columns")
        if not isinstance(typ, str) or not TYPE.match(typ):
            raise ConfigError(f"{where}.columns.{col}: unsupported type {typ!r}")
    keys = tuple(raw.get("keys") or ())
    required = tuple(raw.get("required") or keys)
    for col in keys + required:
        if col not in columns:
            raise ConfigError(f"{where}: key/required column {col!r} is not in columns")
    trigger = raw.get("trigger")
    json_kinds = raw.get("json_kinds", "strict")
    if json_kinds not in ("strict", "lenient"):
        raise ConfigError(f"{where}.json_kinds: {json_kinds!r} is not strict or lenient")
    return Source(
        name=name,
        domain=_identifier(raw.get("domain"), f"{where}.domain"),
        format=fmt,
        path=_relative_glob(raw.get("path"), f"{where}.path"),
        columns=dict(columns),
        keys=keys,
        required=required,
        trigger=_relative_glob(trigger, f"{where}.trigger") if trigger else None,
        json_kinds=json_kinds,
    )


def with_settle_seconds(config: IngestConfig, seconds: float) -> IngestConfig:
    if not 0 <= seconds <= 3600:
        raise ConfigError(f"settle interval {seconds} s must be between 0 and 3600")
    return dataclasses.replace(config, settle_seconds=seconds)


def _text_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of text values")
    return tuple(value)


def with_bronze_schema(config: IngestConfig, schema: str) -> IngestConfig:
    """The same sources, written to another (validated) schema."""
    return dataclasses.replace(config, bronze_schema=_identifier(schema, "--bronze-schema"))


def _table_format(raw: dict, override: str | None) -> str:
    """sources.yml's table_format; the engine's (LAKE_TABLE_FORMAT at the command line) wins."""
    value = override or raw.get("table_format", "delta")
    if value not in TABLE_FORMATS:
        raise ConfigError(f"table format {value!r} is not one of {', '.join(TABLE_FORMATS)}")
    return value


def load(
    path: Path = CONFIG_FILE,
    table_format: str | None = None,
    lake_root: str | Path | None = None,
    location_root: str | None = None,
) -> IngestConfig:
    """sources.yml, with the settings of the run the caller read (the command line reads the environment)."""
    raw = yaml.safe_load(Path(path).read_text()) or {}
    sources = raw.get("sources") or {}
    if not sources:
        raise ConfigError(f"{path}: no sources defined")
    defaults = IngestConfig("", "", "", {})
    settle = raw.get("settle_seconds", defaults.settle_seconds)
    if isinstance(settle, bool) or not isinstance(settle, (int, float)) or not 0 <= settle <= 3600:
        raise ConfigError(f"settle_seconds: {settle!r} must be a number of seconds from 0 to 3600")
    return IngestConfig(
        settle_seconds=float(settle),
        missing_values=_text_list(raw.get("missing_values", list(defaults.missing_values)), "missing_values"),
        ignore=tuple(_relative_glob(g, "ignore") for g in _text_list(raw.get("ignore", []), "ignore")),
        table_format=_table_format(raw, table_format),
        lake_root=str(lake_root) if lake_root else None,
        location_root=location_root or None,
        bronze_schema=_identifier(raw.get("bronze_schema", "bronze"), "bronze_schema"),
        file_log_table=_identifier(raw.get("file_log_table", "ingest_file_log"), "file_log_table"),
        quarantine_table=_identifier(raw.get("quarantine_table", "ingest_quarantine"), "quarantine_table"),
        sources={name: _source(name, body or {}) for name, body in sources.items()},
    )

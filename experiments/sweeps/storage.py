"""A sweep's results folder: ``manifest.json`` and one Parquet file per finished chunk.

Layout::

    DIR/manifest.json                          the sweep, its run table and chunk status
    DIR/chunks/part-000000000-000000050.parquet   runs 0-49, one row per run

A chunk file is written under a temporary name, flushed to disk and renamed, so it is
either whole or absent; its name says which runs it holds. The chunk files, not the
manifest, are the record of what is finished: the manifest's chunk status is rewritten
as chunks land (at most every few seconds, and at the end), and a resumed sweep rebuilds
it from the files. A lock file keeps two sweeps from writing into one folder at once.

DuckDB reads the results directly: ``read_parquet('DIR/**/*.parquet')``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rainforest.experiments.files import is_temporary, write_atomic
from rainforest.experiments.sweeps.manifest import FORMAT, ChunkEntry, Manifest
from rainforest.scenarios.errors import ScenarioError

MANIFEST = "manifest.json"
CHUNKS = "chunks"
LOCK = ".lock"
_CHUNK_RE = re.compile(r"^part-(\d{9})-(\d{9})\.parquet$")
_ARROW_TYPES = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "str": pa.string()}
RUN_COLUMNS: tuple[str, ...] = ("run", "sample", "replicate", "seed")
MANIFEST_INTERVAL_S = 5.0


def chunk_name(first: int, stop: int) -> str:
    """The file name of the chunk holding runs ``first`` to ``stop - 1``."""
    return f"part-{first:09d}-{stop:09d}.parquet"


def parse_chunk_name(name: str) -> tuple[int, int] | None:
    match = _CHUNK_RE.match(name)
    return None if match is None else (int(match.group(1)), int(match.group(2)))


def result_schema(param_kinds: Mapping[str, str], value_columns: Sequence[str]) -> pa.Schema:
    """Every chunk file's schema, fixed up front so all chunks (even all-failed ones) agree."""
    fields = [pa.field(name, pa.int64(), nullable=False) for name in RUN_COLUMNS]
    fields += [pa.field(name, _ARROW_TYPES[kind]) for name, kind in param_kinds.items()]
    fields += [pa.field(name, pa.float64()) for name in value_columns]
    fields.append(pa.field("error", pa.string()))
    return pa.schema(fields)


@dataclass
class Chunk:
    first: int
    stop: int

    @property
    def name(self) -> str:
        return chunk_name(self.first, self.stop)


class ResultsFolder:
    """One sweep's results folder, locked for writing while a sweep runs on it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.chunks_dir = self.path / CHUNKS
        self.manifest_path = self.path / MANIFEST
        self._lock_fd: int | None = None
        self._manifest_written = 0.0

    # ---------------------------------------------------------------- opening

    def read_manifest(self) -> Manifest | None:
        """The manifest, or None when the folder has none; a bad one is a ScenarioError."""
        if not self.manifest_path.exists():
            return None
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ScenarioError(
                f"{self.manifest_path}: not a readable sweep manifest ({exc})"
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ScenarioError(f"{self.manifest_path}: not a rainforest sweep manifest")
        try:
            return Manifest.from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ScenarioError(
                f"{self.manifest_path}: not a complete sweep manifest ({exc!r} is wrong)"
            ) from None

    def check_writable_folder(self) -> None:
        """Refuse a path that is a file, or a non-empty folder that holds no sweep."""
        if self.path.exists() and not self.path.is_dir():
            raise ScenarioError(f"--out {self.path}: exists and is not a folder")
        if self.path.is_dir() and not self.manifest_path.exists():
            others = [p.name for p in self.path.iterdir() if p.name not in (LOCK, CHUNKS)]
            if self.chunks_dir.is_dir():
                others += [p.name for p in self.chunks_dir.iterdir() if not is_temporary(p.name)]
            if others:
                raise ScenarioError(
                    f"--out {self.path}: holds files but no sweep manifest; refusing to "
                    "write into it (choose a new or empty folder)"
                )

    def lock(self) -> None:
        """Hold the folder's lock until ``unlock``; another running sweep is refused."""
        try:
            self.chunks_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError(f"--out {self.path}: cannot create the folder ({exc})") from None
        fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # no advisory locks on this platform
            pass
        except OSError:
            os.close(fd)
            raise ScenarioError(
                f"--out {self.path}: another sweep is writing to this folder right now"
            ) from None
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def remove_temporaries(self) -> None:
        """Temporary files an interrupted write left behind."""
        for folder in (self.path, self.chunks_dir):
            if folder.is_dir():
                for p in folder.iterdir():
                    if is_temporary(p.name):
                        p.unlink(missing_ok=True)

    # ---------------------------------------------------------------- chunks

    def finished_chunks(self, n_runs: int | None = None) -> list[Chunk]:
        """The chunk files present, by first run; overlapping or stray ranges are refused."""
        chunks = []
        if self.chunks_dir.is_dir():
            for p in self.chunks_dir.iterdir():
                span = parse_chunk_name(p.name)
                if span is not None:
                    chunks.append(Chunk(*span))
        chunks.sort(key=lambda c: c.first)
        stop = 0
        for c in chunks:
            if c.first < stop or c.stop <= c.first or (n_runs is not None and c.stop > n_runs):
                raise ScenarioError(
                    f"{self.chunks_dir}: chunk file {c.name} does not fit this sweep's runs"
                )
            stop = c.stop
        return chunks

    def write_chunk(self, chunk: Chunk, table: pa.Table) -> Path:
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        path = self.chunks_dir / chunk.name
        write_atomic(path, sink.getvalue().to_pybytes())
        return path

    # ---------------------------------------------------------------- manifest

    def manifest_due(self) -> bool:
        """Whether a running sweep should rewrite the manifest now (every few seconds)."""
        return time.monotonic() - self._manifest_written >= MANIFEST_INTERVAL_S

    def write_manifest(self, manifest: Manifest) -> Manifest:
        """Rewrite the manifest atomically; the record written (its time updated)."""
        manifest = replace(manifest, updated=_now())
        data = json.dumps(manifest.to_dict(), indent=1, allow_nan=False) + "\n"
        write_atomic(self.manifest_path, data.encode("utf-8"))
        self._manifest_written = time.monotonic()
        return manifest


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def chunk_status(
    chunks: Iterable[Chunk], done: set[int], failed: Mapping[int, int]
) -> tuple[ChunkEntry, ...]:
    """The manifest's chunk list: each chunk's runs, file, status and failed runs."""
    return tuple(
        ChunkEntry(
            c.first,
            c.stop,
            f"{CHUNKS}/{c.name}",
            "done" if c.first in done else "pending",
            failed.get(c.first),
        )  # fmt: skip
        for c in chunks
    )


def load_manifest(path: str | Path) -> Manifest:
    """A results folder's manifest; a folder without one is a ScenarioError."""
    folder = ResultsFolder(Path(path))
    if not folder.path.is_dir():
        raise ScenarioError(f"{folder.path}: no such folder")
    manifest = folder.read_manifest()
    if manifest is None:
        raise ScenarioError(f"{folder.path}: not a sweep results folder (no {MANIFEST})")
    return manifest


def manifest_schema(manifest: Manifest) -> pa.Schema:
    """The chunk files' Arrow schema, as the manifest records it."""
    return pa.schema([pa.field(n, pa.type_for_alias(t)) for n, t in manifest.schema.items()])


def _known_columns(columns: Any, schema: pa.Schema) -> list[str]:
    """``columns`` checked against the results' columns: one ScenarioError naming the
    argument, or the first unknown column and what the results hold."""
    if isinstance(columns, str) or not isinstance(columns, Sequence):
        raise ScenarioError(f"columns: a list of column names, got {columns!r}")
    for name in columns:
        if not isinstance(name, str):
            raise ScenarioError(f"columns: a list of column names, got {name!r} in it")
        if name not in schema.names:
            shown = ", ".join(schema.names[:20]) + (", ..." if len(schema.names) > 20 else "")
            raise ScenarioError(f"columns: no column {name!r} in the results ({shown})")
    return list(columns)


def load_results(path: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A sweep's finished runs as one DataFrame, one row per run, in run order.

    ``columns`` picks columns (the run columns are always kept). Runs of unfinished
    chunks are simply absent; the manifest's run table lists every planned run.
    """
    from rainforest.experiments.sweeps.integrity import require_whole

    manifest = load_manifest(path)
    folder = ResultsFolder(Path(path))
    require_whole(folder, manifest)  # a damaged chunk file: one message, resume to repair
    files = [folder.chunks_dir / c.name for c in folder.finished_chunks(manifest.runs.count)]
    schema = manifest_schema(manifest)
    wanted = None
    if columns is not None:
        wanted = list(dict.fromkeys([*RUN_COLUMNS, *_known_columns(columns, schema)]))
    if not files:
        empty = schema.empty_table()
        return (empty.select(wanted) if wanted else empty).to_pandas()
    tables = [pq.read_table(f, columns=wanted) for f in files]
    table = pa.concat_tables(tables).sort_by("run")
    return table.to_pandas()

"""Whole or damaged: checking a sweep's chunk files against what the manifest recorded.

A partial copy or a full disk can leave a chunk file truncated, zero-filled, swapped
with another or gone. The manifest records each finished chunk file's size and SHA-256
(``Manifest.checksums``, by file); a chunk file is *whole* when its size and hash
are the recorded ones, or, where none is recorded (a chunk finished since the manifest
was last written, or a folder from before checksums), when it reads as Parquet, has the
sweep's columns and holds exactly the runs its name says.

- ``verify_folder`` says, without changing anything, which files are whole, which are
  damaged (and why), which finished files are missing, and which runs no whole file holds.
- ``repair_folder`` (a resumed sweep, holding the folder's lock) moves each damaged file
  aside into ``DIR/damaged/``, forgets its record and records the hashes of the whole
  files, so the runs they held are run again and the dataset equals an undamaged run's.
- ``require_whole`` (``load_results``, ``rainforest analyze``) refuses a damaged folder
  with ``DamagedResults``, one message naming the files (the CLI adds the command that
  repairs it).

Nothing here prints: ``rainforest sweep --verify`` prints the ``FolderCheck``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from rainforest.experiments.sweeps.manifest import Manifest
from rainforest.experiments.sweeps.storage import (
    CHUNKS,
    Chunk,
    ResultsFolder,
    load_manifest,
    parse_chunk_name,
)
from rainforest.scenarios.errors import ScenarioError

DAMAGED = "damaged"  # DIR/damaged/: damaged chunk files, moved aside by a resumed sweep
CHECKSUMS = "checksums"  # the manifest's table of finished chunk files: size and SHA-256
NAMED = 5  # files named in a one-line message; the rest are counted
_BLOCK = 1 << 20


@dataclass
class Damage:
    """A chunk file that is not whole: present but bad, or finished and since gone."""

    file: str  # relative to the results folder: chunks/part-....parquet
    first: int
    stop: int
    reason: str
    missing: bool = False

    def runs(self) -> str:
        return run_span(self.first, self.stop)


@dataclass
class FolderCheck:
    """What a results folder holds: whole chunk files, damaged ones, and runs to do."""

    path: Path
    total_runs: int
    whole: list[Chunk] = field(default_factory=list)
    digests: dict[str, dict[str, Any]] = field(default_factory=dict)  # whole files, by file
    damaged: list[Damage] = field(default_factory=list)
    unfinished: list[tuple[int, int]] = field(default_factory=list)  # runs in no whole file

    @property
    def whole_runs(self) -> int:
        return sum(c.stop - c.first for c in self.whole)

    @property
    def ok(self) -> bool:
        return not self.damaged and not self.unfinished

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.path),
            "total_runs": self.total_runs,
            "whole_runs": self.whole_runs,
            "whole": [f"{CHUNKS}/{c.name}" for c in self.whole],
            "damaged": [
                {"file": d.file, "runs": [d.first, d.stop], "reason": d.reason}
                for d in self.damaged
                if not d.missing
            ],
            "missing": [
                {"file": d.file, "runs": [d.first, d.stop]} for d in self.damaged if d.missing
            ],
            "unfinished_runs": [list(r) for r in self.unfinished],
            "ok": self.ok,
        }


def file_digest(path: Path) -> dict[str, Any]:
    """A file's size in bytes and SHA-256, as the manifest records them."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
            size += len(block)
    return {"size": size, "sha256": digest.hexdigest()}


def record_chunk(checksums: MutableMapping[str, dict[str, Any]], path: Path) -> None:
    """Record a chunk file just written: its size and hash, for the manifest."""
    checksums[f"{CHUNKS}/{path.name}"] = file_digest(path)


def run_span(first: int, stop: int) -> str:
    """Runs ``first`` to ``stop - 1`` as a message names them: ``3`` or ``3-7``."""
    return f"{first}" if stop - first == 1 else f"{first}-{stop - 1}"


def _check_rows(path: Path, chunk: Chunk, names: list[str]) -> str | None:
    """Why a chunk file without a recorded hash is not whole, or None when it is."""
    try:
        table = pq.read_table(path)
    except Exception as exc:  # whatever stops it being read, it is damaged
        return f"unreadable ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
    if names and table.column_names != names:
        return "its columns are not this sweep's"
    try:
        runs = table["run"].to_pylist()
    except (KeyError, pa.ArrowException):  # pragma: no cover - the columns were checked
        return "it has no run column"
    if runs != list(range(chunk.first, chunk.stop)):
        held = f"runs {run_span(min(runs), max(runs) + 1)}" if runs else "no runs"
        return f"holds {held}, not the runs {run_span(chunk.first, chunk.stop)} its name says"
    return None


def _check_file(
    path: Path, chunk: Chunk, recorded: dict[str, Any] | None, names: list[str]
) -> tuple[str | None, dict[str, Any] | None]:
    """(why the file is damaged or None, its size and hash when whole)."""
    try:
        digest = file_digest(path)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})", None
    if recorded is not None and "sha256" in recorded:
        size = recorded.get("size")
        if size is not None and digest["size"] != size:
            shorter = "shorter" if digest["size"] < size else "longer"
            return f"{shorter} than recorded: {digest['size']} of {size} bytes", None
        if digest["sha256"] != recorded["sha256"]:
            return "its contents differ from the recorded checksum", None
        return None, digest
    why = _check_rows(path, chunk, names)
    return why, None if why else digest


def verify_folder(folder: ResultsFolder, manifest: Manifest) -> FolderCheck:
    """Check every chunk file of ``folder`` against ``manifest``; nothing is changed."""
    n_runs = manifest.runs.count
    check = FolderCheck(folder.path, n_runs)
    recorded: dict[str, Any] = dict(manifest.checksums or {})
    finished = set(recorded) | {e.file for e in manifest.chunks if e.done and e.file}
    names = list(manifest.schema)
    present = folder.finished_chunks(n_runs)
    for chunk in present:
        file = f"{CHUNKS}/{chunk.name}"
        why, digest = _check_file(folder.chunks_dir / chunk.name, chunk, recorded.get(file), names)
        if why is None:
            check.whole.append(chunk)
            check.digests[file] = digest
        else:
            check.damaged.append(Damage(file, chunk.first, chunk.stop, why))
    spans = [(c.first, c.stop) for c in present]
    for file in sorted(finished - {f"{CHUNKS}/{c.name}" for c in present}):
        span = parse_chunk_name(Path(file).name)
        if span is None or span[1] > n_runs:
            continue
        if any(a < span[1] and span[0] < b for a, b in spans):
            continue  # its runs are in other files now (a resumed sweep re-chunked them)
        gone = "recorded as finished, but not in the folder"
        check.damaged.append(Damage(file, *span, gone, missing=True))
    check.damaged.sort(key=lambda d: d.first)
    at = 0
    for c in check.whole:
        if c.first > at:
            check.unfinished.append((at, c.first))
        at = c.stop
    if at < n_runs:
        check.unfinished.append((at, n_runs))
    return check


def whole_chunks(folder: ResultsFolder, manifest: Manifest | None, n_runs: int) -> list[Chunk]:
    """The chunk files a sweep keeps: any in a folder without a manifest, else the whole."""
    if manifest is None:
        return folder.finished_chunks(n_runs)
    return verify_folder(folder, manifest).whole


def _aside(folder: ResultsFolder, name: str) -> Path:
    """A free name in DIR/damaged/ for a chunk file (not ``*.parquet``: globs skip it)."""
    target_dir = folder.path / DAMAGED
    target_dir.mkdir(exist_ok=True)
    target = target_dir / f"{name}.damaged"
    n = 1
    while target.exists():
        target = target_dir / f"{name}.{n}.damaged"
        n += 1
    return target


def repair_folder(folder: ResultsFolder, manifest: Manifest) -> tuple[Manifest, list[str]]:
    """Move damaged chunk files aside and record the whole ones: the manifest now, and
    one line per file for the sweep's notes.

    Call with the folder locked. The manifest is rewritten at once, so a later check
    does not look for the files moved aside.
    """
    check = verify_folder(folder, manifest)
    lines = []
    for d in check.damaged:
        if d.missing:
            lines.append(f"{d.file} is missing; its runs ({d.runs()}) will run again")
            continue
        target = _aside(folder, Path(d.file).name)
        os.replace(folder.path / d.file, target)
        lines.append(
            f"{d.file} is damaged ({d.reason}): moved to {target.relative_to(folder.path)}; "
            f"its runs ({d.runs()}) will run again"
        )
    known = manifest.checksums or {}
    if lines or known != check.digests:
        manifest = folder.write_manifest(replace(manifest, checksums=check.digests))
    return manifest, lines


class DamagedResults(ScenarioError):
    """A results folder with damaged or missing chunk files: running the sweep into it
    again moves them aside and runs their runs again."""

    def __init__(self, path: Path, sweep_file: str, damaged: list[Damage]) -> None:
        self.path = Path(path)
        self.sweep_file = sweep_file
        self.damaged = list(damaged)
        n = len(self.damaged)
        self.what = f"{self.path}: {n} damaged chunk file{'s' if n > 1 else ''}: {_named(damaged)}"
        super().__init__(
            f"{self.what}; running the sweep into this folder again runs their runs again"
        )


def _named(damaged: Iterable[Damage]) -> str:
    items = [f"{d.file} ({'missing' if d.missing else d.reason})" for d in damaged]
    more = len(items) - NAMED
    return ", ".join(items[:NAMED]) + (f" and {more} more" if more > 0 else "")


def require_whole(folder: ResultsFolder, manifest: Manifest) -> FolderCheck:
    """The folder's check; a damaged folder is one DamagedResults naming the files."""
    check = verify_folder(folder, manifest)
    if check.damaged:
        raise DamagedResults(folder.path, manifest.sweep_file, check.damaged)
    return check


def verify_results(sweep: Any, out: Path) -> tuple[Manifest, FolderCheck]:
    """Check ``out`` against ``sweep`` without running or changing anything: its manifest
    and what is whole, damaged and missing. Another sweep's folder is refused."""
    from rainforest.experiments.sweeps.runner import check_folder, sweep_identity

    manifest = load_manifest(out)
    folder = ResultsFolder(Path(out))
    check_folder(sweep, folder, sweep_identity(sweep))
    return manifest, verify_folder(folder, manifest)

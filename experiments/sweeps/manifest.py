"""A sweep's manifest as a typed record: what ``DIR/manifest.json`` holds.

The runner writes it, the integrity checks and the readers (``analyze``, ``report``,
``discover``, ``attribute``) read it; each reads a named field instead of a key of a
nested dict. ``Manifest.from_dict`` reads every manifest written so far (older folders
lack ``common_seeds``, ``model`` and ``checksums``: their defaults are what those
folders meant), and ``to_dict`` writes the same JSON layout, so old folders load and
resume. Keys this version does not know are kept in ``extra`` and written back.

The record is frozen: what changes while a sweep runs (chunk status, checksums, the
status) makes a new record with ``dataclasses.replace``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

FORMAT = "rainforest-sweep/1"


@dataclass(frozen=True)
class FunctionRecord:
    """What computes a function sweep's numbers: the function and its module's hash."""

    function: str
    source_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"function": self.function, "source_sha256": self.source_sha256}


@dataclass(frozen=True)
class Samples:
    """The sampled parameter values: one row per sample, one column per parameter
    (None where a row leaves a parameter at its base value); ``unit`` is the samplers'
    points in the unit cube (Morris needs them), or None."""

    count: int
    columns: Sequence[str]
    values: Sequence[Sequence[Any]]
    unit: Sequence[Sequence[float]] | None = None

    def row(self, sample: int) -> dict[str, Any]:
        """Sample ``sample``'s values by column, without the ones it leaves unset."""
        return {
            c: v for c, v in zip(self.columns, self.values[sample], strict=True) if v is not None
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count, "columns": list(self.columns), "values": self.values,
            "unit": self.unit,
        }  # fmt: skip


@dataclass(frozen=True)
class RunTable:
    """Every planned run: its sample, replicate and seed, by run number."""

    count: int
    sample: Sequence[int]
    replicate: Sequence[int]
    seed: Sequence[int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count, "sample": self.sample, "replicate": self.replicate,
            "seed": self.seed,
        }  # fmt: skip


@dataclass(frozen=True)
class ChunkEntry:
    """One chunk of the manifest's chunk list: its runs, file, status and failed runs."""

    first: int
    stop: int
    file: str
    status: str  # "done" or "pending"
    failed_runs: int | None = None

    @property
    def done(self) -> bool:
        return self.status == "done"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "first": self.first, "stop": self.stop, "file": self.file, "status": self.status,
        }  # fmt: skip
        if self.failed_runs is not None:
            out["failed_runs"] = self.failed_runs
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChunkEntry:
        return cls(
            int(data["first"]), int(data["stop"]), str(data.get("file", "")),
            str(data.get("status", "pending")), data.get("failed_runs"),
        )  # fmt: skip


@dataclass(frozen=True)
class Manifest:
    """A sweep's results folder's record: the sweep, the code, its samples and runs, and
    how far it got. Field names are the JSON keys."""

    name: str
    identity: str  # the sweep file's hash and its base scenarios: binds the folder
    sweep_file: str
    sweep_sha256: str
    sweep_text: str
    code: Mapping[str, Any]  # provenance.code_version() when the sweep started
    created: str
    root_seed: int
    sampler: str
    replicates: int
    indicators: tuple[str, ...]
    years: tuple[int, ...]
    parameters: tuple[Mapping[str, Any], ...]  # each parameter as the sweep file set it
    samples: Samples
    runs: RunTable
    schema: Mapping[str, str]  # every chunk file's columns and Arrow types
    description: str = ""
    model: FunctionRecord | None = None  # None: the rainforest model
    common_seeds: bool = False
    scale: str | None = None
    report_year: int | None = None
    morris_levels: int = 4
    second_order: bool = False
    base: str | None = None
    chunks: tuple[ChunkEntry, ...] = ()
    status: str = "running"  # running, incomplete, finished, finished with failures
    chunk_size: int | None = None
    checksums: Mapping[str, Mapping[str, Any]] | None = None  # by file: size and sha256
    finished_runs: int | None = None
    failed_runs: int | None = None
    updated: str | None = None
    format: str = FORMAT
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys this version does not know

    @property
    def function(self) -> str | None:
        """The function a function sweep runs, or None for the model."""
        return None if self.model is None else self.model.function

    @property
    def parameter_paths(self) -> list[str]:
        return [str(p["path"]) for p in self.parameters]

    @property
    def done_runs(self) -> int:
        """Runs in chunks the manifest lists as done (the chunk files are the record)."""
        return sum(c.stop - c.first for c in self.chunks if c.done)

    def to_dict(self) -> dict[str, Any]:
        """The manifest as ``manifest.json`` holds it."""
        out: dict[str, Any] = {}
        for key in _ORDER:
            value = getattr(self, key)
            if key in _OMITTED_WHEN_NONE and value is None:
                continue
            if key == "model":
                value = None if value is None else value.to_dict()
            elif key in ("samples", "runs"):
                value = value.to_dict()
            elif key == "chunks":
                value = [c.to_dict() for c in value]
            elif key in ("indicators", "years", "parameters"):
                value = list(value)
            elif key in ("code", "schema", "checksums"):
                value = dict(value)
            out[key] = value
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        """The record of a manifest.json's contents; a missing required key is a KeyError."""
        samples = data["samples"]
        runs = data["runs"]
        model = data.get("model")
        known = {f.name for f in fields(cls)}
        return cls(
            format=data["format"],
            name=data["name"],
            description=data.get("description") or "",
            identity=data["identity"],
            sweep_file=data["sweep_file"],
            sweep_sha256=data["sweep_sha256"],
            sweep_text=data.get("sweep_text", ""),
            code=data.get("code") or {},
            created=data.get("created", ""),
            model=FunctionRecord(model["function"], model.get("source_sha256")) if model else None,
            root_seed=int(data["root_seed"]),
            common_seeds=bool(data.get("common_seeds", False)),
            sampler=data["sampler"],
            scale=data.get("scale"),
            replicates=int(data["replicates"]),
            indicators=tuple(data["indicators"]),
            years=tuple(data.get("years") or ()),
            report_year=data.get("report_year"),
            morris_levels=int(data.get("morris_levels", 4)),
            second_order=bool(data.get("second_order", False)),
            base=data.get("base"),
            parameters=tuple(data.get("parameters") or ()),
            samples=Samples(
                int(samples["count"]), samples["columns"], samples["values"], samples.get("unit")
            ),
            runs=RunTable(int(runs["count"]), runs["sample"], runs["replicate"], runs["seed"]),
            schema=data["schema"],
            chunks=tuple(ChunkEntry.from_dict(c) for c in data.get("chunks") or ()),
            status=data.get("status", "running"),
            chunk_size=data.get("chunk_size"),
            checksums=data.get("checksums"),
            finished_runs=data.get("finished_runs"),
            failed_runs=data.get("failed_runs"),
            updated=data.get("updated"),
            extra={k: v for k, v in data.items() if k not in known},
        )


# manifest.json's keys in the order they are written (the order of the first manifests)
_ORDER: tuple[str, ...] = (
    "format", "name", "description", "identity", "sweep_file", "sweep_sha256", "sweep_text",
    "code", "created", "model", "root_seed", "common_seeds", "sampler", "scale", "replicates",
    "indicators", "years", "report_year", "morris_levels", "second_order", "base",
    "parameters", "samples", "runs", "schema", "chunks", "status", "chunk_size", "checksums",
    "finished_runs", "failed_runs", "updated",
)  # fmt: skip
_OMITTED_WHEN_NONE = frozenset(
    {"chunk_size", "checksums", "finished_runs", "failed_runs", "updated"}
)

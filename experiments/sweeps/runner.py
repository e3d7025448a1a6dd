"""Running a sweep: plan its runs, skip finished chunks, run the rest, store each chunk.

Run ``r`` is sample ``r // replicates``, replicate ``r % replicates``; its seed is
``derive_seed(root seed, sample, replicate)``, or ``derive_seed(root seed, 0, replicate)``
when the sweep asks for common seeds (every sample's replicate on the same seed). Chunks
are contiguous ranges of runs, so the chunk files cover the run table whatever the chunk
size was when each was written: a resumed sweep runs exactly the runs no chunk file holds
yet, and the final dataset is the same as an uninterrupted run's. A results folder is
bound to one sweep by an identity (the sweep file's hash and its base scenarios in
full); another sweep's folder is refused, never overwritten.

Nothing here prints: ``run_sweep`` returns a ``SweepSummary`` and raises ScenarioError
on bad input; a ``Progress`` the caller passes is told of each chunk.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rainforest.experiments.provenance import code_version, model_fingerprint
from rainforest.experiments.sweeps.executors import (
    ChunkFailure,
    ChunkOutcome,
    ChunkTask,
    Executor,
    WorkersLost,
)
from rainforest.experiments.sweeps.functions import source_digest
from rainforest.experiments.sweeps.integrity import record_chunk, repair_folder, whole_chunks
from rainforest.experiments.sweeps.manifest import FunctionRecord, Manifest, RunTable, Samples
from rainforest.experiments.sweeps.samplers import sample_count, sample_table
from rainforest.experiments.sweeps.spec import SCENARIO_PARAMETER, Sweep, column_kinds, year_columns
from rainforest.experiments.sweeps.storage import (
    RUN_COLUMNS,
    Chunk,
    ResultsFolder,
    chunk_status,
    manifest_schema,
    result_schema,
)
from rainforest.scenarios.errors import ScenarioError
from rainforest.sim.seeds import derive_seed

MAX_RUNS = 5_000_000  # the manifest lists every run; beyond this, split the sweep
MAX_CHUNK = 50
FAILURES_KEPT = 1000


class Progress(Protocol):
    def start(self, total: int, done: int) -> None: ...

    def advance(self, runs: int, failed: int) -> None: ...

    def stop(self) -> None: ...


@dataclass
class SweepSummary:
    """What a sweep command did, and what the folder now holds."""

    name: str
    out: Path
    executor: str
    total_runs: int
    finished_runs: int = 0
    ran_now: int = 0
    failed_runs: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)  # the first FAILURES_KEPT
    unrun: list[str] = field(default_factory=list)  # chunks that could not be run, and why
    aborted: str | None = None
    seconds: float = 0.0
    compute_seconds: float = 0.0  # the workers' time inside chunks run in this call
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed_runs == 0 and self.finished_runs == self.total_runs

    def to_dict(self) -> dict[str, Any]:
        return {
            "sweep": self.name, "out": str(self.out), "executor": self.executor,
            "total_runs": self.total_runs, "finished_runs": self.finished_runs,
            "ran_now": self.ran_now, "failed_runs": self.failed_runs,
            "failures": self.failures, "unrun_chunks": self.unrun, "aborted": self.aborted,
            "seconds": round(self.seconds, 3),
            "compute_seconds": round(self.compute_seconds, 3), "notes": self.notes,
        }  # fmt: skip


def sweep_identity(sweep: Sweep) -> str:
    """The sweep file's hash and its base scenarios in full: what binds a results folder."""
    bases = {ref: s.model_dump(mode="json") for ref, s in sweep.bases.items()}
    text = json.dumps({"sweep_sha256": sweep.sha256, "bases": bases}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_manifest(sweep: Sweep, identity: str) -> Manifest:
    """The manifest of a new sweep: the sweep, code version, samples and run table."""
    n_samples = sample_count(sweep)
    n_runs = n_samples * sweep.replicates
    if n_runs > MAX_RUNS:
        raise ScenarioError(
            f"{sweep.source}: {n_runs:,} runs ({n_samples:,} samples x {sweep.replicates} "
            f"replicates) is more than one sweep holds ({MAX_RUNS:,}); split it"
        )
    table = sample_table(sweep)
    kinds = column_kinds(sweep)
    values = year_columns(sweep.indicators, sweep.years)
    schema = result_schema(kinds, values)
    R = sweep.replicates
    if sweep.common_seeds:
        common = [derive_seed(sweep.seed, 0, r) for r in range(R)]
        seeds = [common[r % R] for r in range(n_runs)]
    else:
        seeds = [derive_seed(sweep.seed, r // R, r % R) for r in range(n_runs)]
    if sweep.parameters:
        parameters = [p.describe() for p in sweep.parameters]
    else:
        parameters = [{"path": c, "kind": k} for c, k in kinds.items()]
    return Manifest(
        name=sweep.name,
        description=sweep.description,
        identity=identity,
        sweep_file=sweep.source,
        sweep_sha256=sweep.sha256,
        sweep_text=sweep.text,
        code=code_version(),
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        model=_model_record(sweep),
        root_seed=sweep.seed,
        common_seeds=sweep.common_seeds,
        sampler=sweep.sampler,
        scale=sweep.scale,
        replicates=R,
        indicators=tuple(sweep.indicators),
        years=tuple(sweep.years),
        report_year=sweep.report_year,
        morris_levels=sweep.morris_levels,
        second_order=sweep.second_order,
        base=sweep.base,
        parameters=tuple(parameters),
        samples=Samples(
            count=n_samples,
            columns=list(table.columns),
            values=[[row.get(c) for c in table.columns] for row in table.values],
            unit=None if table.unit is None else table.unit.tolist(),
        ),
        runs=RunTable(
            count=n_runs,
            sample=[r // R for r in range(n_runs)],
            replicate=[r % R for r in range(n_runs)],
            seed=seeds,
        ),
        schema={f.name: str(f.type) for f in schema},
    )


def _model_record(sweep: Sweep) -> FunctionRecord | None:
    """What computes a function sweep's numbers (None: the rainforest model)."""
    if sweep.function is None:
        return None
    return FunctionRecord(sweep.function, source_digest(sweep.function))


def check_folder(sweep: Sweep, folder: ResultsFolder, identity: str) -> Manifest | None:
    """The manifest the folder holds for this sweep, or None for a new or empty folder.

    Another sweep's folder, or a non-empty folder without a manifest, is refused; nothing
    is written.
    """
    folder.check_writable_folder()
    manifest = folder.read_manifest()
    if manifest is not None and manifest.identity != identity:
        if manifest.sweep_sha256 == sweep.sha256:
            why = "the same sweep file, but its base scenario has changed since"
        elif manifest.sweep_file == sweep.source:
            why = f"{sweep.source} as it was before it was edited"
        else:
            why = f"sweep {manifest.name!r} from {manifest.sweep_file}"
        raise ScenarioError(
            f"--out {folder.path}: holds the results of another sweep ({why}); refusing to "
            "overwrite them (choose another folder)"
        )
    return manifest


def resume_notes(sweep: Sweep, manifest: Manifest) -> list[str]:
    """What differs between the folder's sweep and this invocation, worth telling the user."""
    notes = []
    if sweep.function is not None:
        recorded = None if manifest.model is None else manifest.model.source_sha256
        if recorded != source_digest(sweep.function):
            notes.append(
                f"the module of {sweep.function} has changed since this sweep started; "
                "finished chunks keep the numbers of the earlier code"
            )
    elif manifest.code.get("model_sha256") != model_fingerprint():
        notes.append(
            "the model's code has changed since this sweep started; finished chunks keep "
            "the numbers of the earlier code"
        )
    return notes


def pending_ranges(n_runs: int, finished: list[Chunk]) -> list[tuple[int, int]]:
    """The run ranges no chunk file holds yet."""
    ranges = []
    at = 0
    for c in finished:
        if c.first > at:
            ranges.append((at, c.first))
        at = c.stop
    if at < n_runs:
        ranges.append((at, n_runs))
    return ranges


def auto_chunk_size(runs: int, parallelism: int) -> int:
    """About eight chunks per worker, at most MAX_CHUNK runs: workers finish together,
    and an interrupted sweep loses little."""
    return max(1, min(MAX_CHUNK, math.ceil(runs / (8 * max(1, parallelism)))))


def _chunks(ranges: list[tuple[int, int]], size: int) -> list[Chunk]:
    return [Chunk(a, min(a + size, b)) for a, b in ranges for a in range(a, b, size)]


def _sample_values(manifest: Manifest) -> list[dict[str, Any]]:
    return [manifest.samples.row(s) for s in range(len(manifest.samples.values))]


def _chunk_table(
    outcome: ChunkOutcome, manifest: Manifest, samples: list[dict[str, Any]], schema: pa.Schema
) -> pa.Table:
    runs = manifest.runs
    param_columns = manifest.samples.columns
    value_columns = [n for n in schema.names if n not in (*RUN_COLUMNS, *param_columns, "error")]
    data: dict[str, list] = {name: [] for name in schema.names}
    for run, error, numbers in outcome.rows:
        sample = runs.sample[run]
        data["run"].append(run)
        data["sample"].append(sample)
        data["replicate"].append(runs.replicate[run])
        data["seed"].append(runs.seed[run])
        for c in param_columns:
            data[c].append(samples[sample].get(c))
        for i, c in enumerate(value_columns):
            data[c].append(None if numbers is None else numbers[i])
        data["error"].append(error)
    return pa.table(data, schema=schema)


def _failures_in(folder: ResultsFolder, chunk: Chunk) -> list[dict[str, Any]]:
    table = pq.read_table(
        folder.chunks_dir / chunk.name, columns=["run", "sample", "replicate", "seed", "error"]
    )
    return table.filter(pc.is_valid(table["error"])).to_pylist()


def _tasks(
    chunks: list[Chunk], sweep: Sweep, manifest: Manifest, samples: list[dict]
) -> Iterator[ChunkTask]:
    runs = manifest.runs
    for c in chunks:
        function = sweep.function
        yield ChunkTask(
            first=c.first,
            stop=c.stop,
            bases={} if function else _bases_for(sweep, samples, runs.sample[c.first : c.stop]),
            default_base=sweep.base or "",
            indicators=tuple(manifest.indicators),
            years=tuple(manifest.years),
            runs=tuple((r, runs.seed[r], samples[runs.sample[r]]) for r in range(c.first, c.stop)),
            function=function,
        )


def _bases_for(sweep: Sweep, samples: list[dict], sample_ids: list[int]) -> dict:
    refs = {sweep.base} | {
        samples[s][SCENARIO_PARAMETER] for s in sample_ids if SCENARIO_PARAMETER in samples[s]
    }
    return {ref: sweep.bases[ref] for ref in refs}


def run_sweep(
    sweep: Sweep,
    out: Path,
    make_executor: Callable[[], Executor],
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> SweepSummary:
    """Run every run of ``sweep`` that ``out`` does not hold yet; the summary says how it went.

    Everything that can fail on bad input (the folder's checks, the run count, starting
    the executor or reaching the cluster) happens before anything is written.
    """
    started = time.perf_counter()
    folder = ResultsFolder(Path(out))
    identity = sweep_identity(sweep)
    found = check_folder(sweep, folder, identity)
    manifest = found if found is not None else new_manifest(sweep, identity)
    n_runs = manifest.runs.count
    pending = pending_ranges(n_runs, whole_chunks(folder, found, n_runs))  # damaged: run again
    executor = make_executor() if pending else None
    try:
        folder.lock()
        try:
            found = check_folder(sweep, folder, identity)  # again, now that no one else writes
            notes = [] if found is None else resume_notes(sweep, found)
            if found is None:
                manifest = folder.write_manifest(manifest)
            else:
                manifest = found
            folder.remove_temporaries()
            if found is not None:
                manifest, repaired = repair_folder(folder, manifest)  # damaged: moved aside
                notes += repaired
            summary = SweepSummary(sweep.name, Path(out), "-", n_runs, notes=notes)
            _run_locked(sweep, folder, manifest, executor, chunk_size, progress, summary)
        finally:
            folder.remove_temporaries()  # what an interrupted write (Ctrl-C) left behind
            folder.unlock()
    finally:
        if executor is not None:
            executor.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _run_locked(
    sweep: Sweep,
    folder: ResultsFolder,
    manifest: Manifest,
    executor: Executor | None,
    chunk_size: int | None,
    progress: Progress | None,
    summary: SweepSummary,
) -> None:
    n_runs = manifest.runs.count
    schema = manifest_schema(manifest)
    samples = _sample_values(manifest)
    finished = folder.finished_chunks(n_runs)
    failed_by_chunk: dict[int, int] = {}
    for c in finished:
        summary.finished_runs += c.stop - c.first
        rows = _failures_in(folder, c)
        if rows:
            failed_by_chunk[c.first] = len(rows)
            summary.failed_runs += len(rows)
            summary.failures.extend(rows[: FAILURES_KEPT - len(summary.failures)])
    ranges = pending_ranges(n_runs, finished)
    to_run = sum(b - a for a, b in ranges)
    done = {c.first for c in finished}
    if to_run == 0 or executor is None:
        manifest = replace(manifest, chunks=chunk_status(finished, done, failed_by_chunk))
        _finish(folder, manifest, summary)
        return
    summary.executor = executor.name
    size = chunk_size or auto_chunk_size(to_run, executor.parallelism)
    todo = _chunks(ranges, size)
    every = sorted([*finished, *todo], key=lambda c: c.first)
    checksums = dict(manifest.checksums or {})

    def now() -> Manifest:
        """The manifest as the chunks written so far leave it."""
        return replace(
            manifest, chunks=chunk_status(every, done, failed_by_chunk), checksums=dict(checksums)
        )

    manifest = folder.write_manifest(replace(now(), chunk_size=size))
    if progress is not None:
        progress.start(n_runs, summary.finished_runs)
    if sweep.function is None:
        fingerprint = model_fingerprint()
    else:
        fingerprint = source_digest(sweep.function) or ""  # as the workers report it
    runs = manifest.runs
    try:
        for outcome in executor.run(_tasks(todo, sweep, manifest, samples)):
            if isinstance(outcome, ChunkFailure):
                task = outcome.task
                summary.unrun.append(f"runs {task.first}-{task.stop - 1}: {outcome.reason}")
                continue
            if executor.remote and outcome.fingerprint != fingerprint:
                summary.unrun.append(
                    f"runs {outcome.first}-{outcome.stop - 1}: worker {outcome.host} runs "
                    f"different {'model' if sweep.function is None else 'function'} code from "
                    "this machine's; not stored"
                )
                continue
            summary.compute_seconds += outcome.seconds
            chunk = Chunk(outcome.first, outcome.stop)
            path = folder.write_chunk(chunk, _chunk_table(outcome, manifest, samples, schema))
            record_chunk(checksums, path)  # its size and checksum, for a later resume's check
            failed = [(run, error) for run, error, _ in outcome.rows if error is not None]
            n = outcome.stop - outcome.first
            summary.finished_runs += n
            summary.ran_now += n
            summary.failed_runs += len(failed)
            for run, error in failed:
                if len(summary.failures) < FAILURES_KEPT:
                    summary.failures.append({
                        "run": run, "sample": runs.sample[run],
                        "replicate": runs.replicate[run], "seed": runs.seed[run],
                        "error": error,
                    })  # fmt: skip
            done.add(chunk.first)
            if failed:
                failed_by_chunk[chunk.first] = len(failed)
            if folder.manifest_due():
                folder.write_manifest(now())
            if progress is not None:
                progress.advance(n, len(failed))
    except WorkersLost as exc:
        summary.aborted = str(exc)
    finally:
        if progress is not None:
            progress.stop()
        manifest = folder.write_manifest(replace(now(), status="incomplete"))
    _finish(folder, manifest, summary)


def _finish(folder: ResultsFolder, manifest: Manifest, summary: SweepSummary) -> None:
    if summary.finished_runs < summary.total_runs:
        status = "incomplete"
    else:
        status = "finished with failures" if summary.failed_runs else "finished"
    folder.write_manifest(
        replace(
            manifest, status=status, finished_runs=summary.finished_runs,
            failed_runs=summary.failed_runs,
        )
    )  # fmt: skip

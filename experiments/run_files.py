"""Writing a run's results: per-tick indicators as Parquet and the summary as JSON.

The files are written as a set with ``files.write_files``, so an interrupted write never
leaves a half-written file, nor new files beside the previous run's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from rainforest.experiments.files import FileData, write_files
from rainforest.runs.result import RunResult, replicates_frame


def write_run_results(
    out_dir: Path,
    results: Sequence[RunResult],
    summary: dict,
    figures: Mapping[str, bytes] | None = None,
) -> list[Path]:
    """indicators.parquet, summary.json and ``figures`` (PNG name -> bytes) in ``out_dir``
    (created if needed), as one set: a failure midway leaves the folder's previous files.

    The file's summary also records the code version (``provenance.code_version``), so a
    report made from the folder later says which code made the numbers, and the
    scenario's description, so it can say what the scenario is."""
    from rainforest.experiments.provenance import code_version

    summary = {**summary, "code_version": code_version()}
    if results and results[0].scenario.description:
        summary["description"] = results[0].scenario.description
    table = pa.Table.from_pandas(replicates_frame(results), preserve_index=False)
    files: dict[str, FileData] = {
        "indicators.parquet": lambda tmp: pq.write_table(table, tmp),
        "summary.json": json.dumps(summary, indent=2) + "\n",
        **(figures or {}),
    }
    return write_files(out_dir, files)

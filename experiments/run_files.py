"""Writing a run's results: per-tick indicators as Parquet and the summary as JSON.

Every file is written with ``files.write_atomic``, so an interrupted write never leaves a
half-written file behind.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from rainforest.experiments.files import output_folder, write_atomic
from rainforest.runs.result import RunResult, replicates_frame


def write_run_results(out_dir: Path, results: Sequence[RunResult], summary: dict) -> list[Path]:
    """indicators.parquet and summary.json in ``out_dir`` (created if needed).

    The file's summary also records the code version (``provenance.code_version``), so a
    report made from the folder later says which code made the numbers."""
    from rainforest.experiments.provenance import code_version

    out_dir = output_folder(out_dir)
    summary = {**summary, "code_version": code_version()}
    parquet = out_dir / "indicators.parquet"
    table = pa.Table.from_pandas(replicates_frame(results), preserve_index=False)
    write_atomic(parquet, lambda tmp: pq.write_table(table, tmp))
    summary_path = out_dir / "summary.json"
    write_atomic(summary_path, json.dumps(summary, indent=2) + "\n")
    return [parquet, summary_path]

"""Writing a run's results: per-tick indicators as Parquet and the summary as JSON.

Every file is written under a temporary name in the same folder and renamed into place,
so an interrupted write never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rainforest.experiments.run import RunResult
from rainforest.scenarios.errors import ScenarioError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replicates_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """All replicates' per-tick indicators in one long table, keyed by replicate and seed."""
    frames = []
    for r, result in enumerate(results):
        frame = result.indicators.copy()
        frame.insert(0, "seed", result.seed)
        frame.insert(0, "replicate", r)
        frame.insert(0, "scenario", result.scenario.name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def output_folder(out_dir: Path) -> Path:
    """``out_dir``, created if needed; a file in the way is bad input, named as ``--out``."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ScenarioError(f"--out {out_dir}: exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"--out {out_dir}: cannot create the folder ({exc})") from None
    return out_dir


def write_run_results(out_dir: Path, results: Sequence[RunResult], summary: dict) -> list[Path]:
    """indicators.parquet and summary.json in ``out_dir`` (created if needed)."""
    out_dir = output_folder(out_dir)
    parquet = out_dir / "indicators.parquet"
    atomic_write_parquet(parquet, replicates_frame(results))
    summary_path = out_dir / "summary.json"
    atomic_write_bytes(summary_path, (json.dumps(summary, indent=2) + "\n").encode())
    return [parquet, summary_path]

"""An analysis's output folder: ``analysis.json``, its figures (PNG) and tables (CSV).

Every analysis command (``analyze``, ``attribute``, ``discover``, ``optimize``,
``switching``) writes the same shape, so ``rainforest report`` renders any of them by its
``kind``: ``analysis.json`` holds ``kind``, ``title``, ``provenance`` (which runs made
it), ``figures`` and ``tables`` (file and caption) and the kind's own data. The figures
and tables are written first and ``analysis.json`` last, each atomically, so a reader
that finds ``analysis.json`` finds every file it names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from rainforest.experiments.files import write_files
from rainforest.runs.json_data import plain

ANALYSIS_FILE = "analysis.json"


def provenance(
    source: str,
    code_version: Mapping[str, Any],
    root_seed: int | None = None,
    replicates: int | None = None,
    scale: str | None = None,
    manifest_hash: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Which runs made an analysis: what the report prints under each of its figures."""
    out: dict[str, Any] = {"source": str(source), "code_version": dict(code_version)}
    if manifest_hash is not None:
        out["manifest_hash"] = manifest_hash
    if root_seed is not None:
        out["seeds"] = {"root": int(root_seed), "replicates": int(replicates or 0)}
    if scale is not None:
        out["scale"] = scale
    out.update(extra)
    return out


def write_analysis(
    out_dir: str | Path,
    analysis: Mapping[str, Any],
    figures: Mapping[str, tuple[bytes, str]] = {},  # noqa: B006 - read only
    tables: Mapping[str, tuple[pd.DataFrame, str]] = {},  # noqa: B006 - read only
) -> list[Path]:
    """Write the tables, the figures, then ``analysis.json``; returns the paths written.

    ``figures`` maps a PNG file name to (bytes, caption), ``tables`` a CSV file name to
    (DataFrame, caption); both are listed in ``analysis.json`` with their captions.
    """
    files: dict[str, bytes] = {}
    for name, (frame, _) in tables.items():
        files[name] = frame.to_csv(index=False).encode("utf-8")
    for name, (png, _) in figures.items():
        files[name] = png
    data = dict(analysis)
    data["figures"] = [{"file": n, "caption": c} for n, (_, c) in figures.items()]
    data["tables"] = [{"file": n, "caption": c} for n, (_, c) in tables.items()]
    text = json.dumps(plain(data), indent=2, allow_nan=False) + "\n"
    files[ANALYSIS_FILE] = text.encode("utf-8")
    return write_files(Path(out_dir), files)  # as a set: all new, or the folder as it was

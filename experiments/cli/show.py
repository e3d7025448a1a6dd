"""How the analysis commands (discover, optimize, switching) end: the report as JSON on
standard output, or rendered for a reader with the files written listed after it."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def show_analysis(
    report: dict[str, Any], written: Sequence[Path], as_json: bool, render: Callable
) -> int:
    """Print ``report`` (``--json``: as plain JSON; else through ``render``) and the
    paths written; returns the command's exit status."""
    if as_json:
        from rainforest.experiments.studies.analysis_dir import plain

        print(json.dumps(plain(report), indent=2))
        return 0
    render(report)
    if written:
        print(f"wrote {', '.join(str(p) for p in written)}")
    return 0

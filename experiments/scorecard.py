"""The 2030 scorecard: each indicator against its target, over replicates.

The summary is plain data (``summary_dict``) so the CLI's ``--json``, ``summary.json``
and later analyses share one shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from rainforest.experiments.run import RunResult
from rainforest.sim.indicators import INDICATORS


def summary_dict(results: Sequence[RunResult], root_seed: int) -> dict:
    """Median, 5-95 % band and reach probability of every indicator in the report year."""
    if not results:
        raise ValueError("no results to summarise")
    first = results[0]
    finals = [r.at_year_end() for r in results]
    indicators = {}
    for spec in INDICATORS:
        values = np.array([f[spec.name] for f in finals], dtype=np.float64)
        target = spec.target
        entry = {
            "target": target,
            "unit": spec.unit,
            "median": float(np.median(values)),
            "p05": float(np.quantile(values, 0.05)),
            "p95": float(np.quantile(values, 0.95)),
            "reach_probability": (None if target is None else float(np.mean(values >= target))),
        }
        indicators[spec.name] = entry
    return {
        "scenario": first.scenario.name,
        "seed": int(root_seed),
        "replicates": len(results),
        "scale": first.scale,
        "year": first.report_year,
        "seeds": [r.seed for r in results],
        "indicators": indicators,
    }


SCORECARD_COLUMNS: tuple[str, ...] = (
    "indicator", "target", "unit", "median", "p05", "p95", "reach_probability",
)  # fmt: skip


def _ordered(summary: dict) -> list[tuple[str, dict]]:
    """Targeted indicators first, then the others, each group in the indicators' order."""
    items = list(summary["indicators"].items())
    return [i for i in items if i[1]["target"] is not None] + [
        i for i in items if i[1]["target"] is None
    ]


def scorecard_frame(summary: dict) -> pd.DataFrame:
    """The scorecard as a pandas DataFrame, one row per indicator in the printed order:
    what a notebook shows and filters, with the numbers of ``summary_dict``."""
    rows = [
        {"indicator": name, **{c: entry[c] for c in SCORECARD_COLUMNS[1:]}}
        for name, entry in _ordered(summary)
    ]
    return pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def render_scorecard(summary: dict, console=None) -> None:
    """Print the scorecard as a table: targeted indicators first, then the others."""
    import sys

    from rich.console import Console
    from rich.table import Table

    # a pipe or a file gets full-width rows; a terminal gets its own width
    console = console or Console(width=None if sys.stdout.isatty() else 132)
    reps = summary["replicates"]
    table = Table(
        title=(
            f"{summary['scenario']} - {summary['year']} scorecard "
            f"({summary['scale']} scale, "
            f"{reps} replicate{'s' if reps != 1 else ''}, seed {summary['seed']})"
        )
    )
    table.add_column("indicator", no_wrap=True)
    table.add_column("target", justify="right")
    table.add_column("median", justify="right")
    table.add_column("5-95 %", justify="right")
    table.add_column("reached", justify="right")
    table.add_column("unit")
    for name, entry in _ordered(summary):
        reach = entry["reach_probability"]
        table.add_row(
            name,
            _fmt(entry["target"]),
            _fmt(entry["median"]),
            f"{_fmt(entry['p05'])} - {_fmt(entry['p95'])}",
            "-" if reach is None else f"{100 * reach:.0f} %",
            entry["unit"],
        )
    console.print(table)

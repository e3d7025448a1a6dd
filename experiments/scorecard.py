"""The 2030 scorecard printed: a summary (``rainforest.runs.summary``) as a table."""

from __future__ import annotations

from rainforest.runs.summary import ordered_indicators


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
    for name, entry in ordered_indicators(summary):
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

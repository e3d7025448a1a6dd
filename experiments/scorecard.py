"""The 2030 scorecard printed: a summary (``rainforest.runs.summary``) as a table.

The table fits an 80-column terminal, one line per indicator: no vertical rules, the
band written as ``low-high``, large numbers in thousands or millions, units in short
form; ``reach`` is the share of runs at or above the target.
"""

from __future__ import annotations

from rainforest.runs.summary import ordered_indicators
from rainforest.sim.indicators import INDICATOR_NAMES, spec

WIDTH = 80  # the narrowest terminal the table fits, and its width in a pipe or a file
SHORT_UNITS: tuple[tuple[str, str], ...] = (
    (" per year", "/yr"),
    (" per quarter", "/qtr"),
    (" per organisation", "/org"),
    ("knowledge units", "units"),
)


def _fmt(value: float | None, whole: bool = False) -> str:
    """A number in at most seven characters: thousands grouped, 100,000 and more in
    thousands (``250k``) or millions (``1.2M``), fractions to two places; ``whole`` (a
    count, whose band's quantiles may fall between two counts) rounded."""
    if value is None:
        return "-"
    if whole:
        value = float(round(value))
    if abs(value) >= 9_999_500:
        return f"{value / 1e6:,.1f}M"
    if abs(value) >= 100_000:
        return f"{value / 1e3:,.0f}k"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def short_unit(unit: str) -> str:
    """A unit as the scorecard's last column shows it: ``RMB bn per year`` -> ``RMB bn/yr``."""
    for long, short in SHORT_UNITS:
        unit = unit.replace(long, short)
    return unit


def render_scorecard(summary: dict, console=None) -> None:
    """Print the scorecard as a table: targeted indicators first, then the others."""
    import sys

    from rich import box
    from rich.console import Console
    from rich.table import Table

    # a terminal gets its own width (the table needs 80 columns); a pipe or a file 80
    console = console or Console(width=None if sys.stdout.isatty() else WIDTH)
    reps = summary["replicates"]
    over = "posterior draws x seeds" if summary.get("posterior") else "seeds"
    table = Table(
        title=(
            f"{summary['scenario']}: {summary['year']} scorecard ({summary['scale']} scale, "
            f"{reps} run{'s' if reps != 1 else ''} over {over}, seed {summary['seed']})"
        ),
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 0, 0, 1),
    )
    table.add_column("indicator", no_wrap=True)
    table.add_column("target", justify="right", no_wrap=True)
    table.add_column("median", justify="right", no_wrap=True)
    table.add_column("5-95 %", justify="right", no_wrap=True)
    table.add_column("reach", justify="right", no_wrap=True)
    table.add_column("unit", no_wrap=True, overflow="ellipsis")
    for name, entry in ordered_indicators(summary):
        reach = entry["reach_probability"]
        whole = name in INDICATOR_NAMES and spec(name).integer
        table.add_row(
            name,
            _fmt(entry["target"]),
            _fmt(entry["median"], whole),
            f"{_fmt(entry['p05'], whole)}-{_fmt(entry['p95'], whole)}",
            "-" if reach is None else f"{100 * reach:.0f} %",
            short_unit(entry["unit"]),
        )
    console.print(table)

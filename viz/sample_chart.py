"""A sweep's samples side by side: each sample's median and 5-95 % band against the target.

Sweep results keep indicators at a few year ends only, not quarter by quarter: what a
reader of a list sweep (the timing what-ifs, the leave-one-outs) wants is each row's
outcome against the target on one axis (``sample_ranges``) and, where the sweep kept
several years, each row's path over them (``year_fans``). The figures take the
per-sample numbers as plain data, as the experiments layer computes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from rainforest.viz.figures import BAND, SCENARIO_COLOURS, TARGET_COLOUR


def sample_ranges(
    labels: Sequence[str],
    medians: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    axis_label: str,
    title: str,
    target: float | None = None,
) -> Figure:
    """Per sample, a dot at the median and a bar over the 5-95 % band; the target dashed.

    A sample without finished runs (None) is drawn as an empty row, so the rows stay
    those of the sample table. ``target`` is None for an outcome without one."""
    if not labels or not len(labels) == len(medians) == len(lows) == len(highs):
        raise ValueError("sample_ranges needs one median, low and high per label")

    def arr(values: Sequence[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    median, low, high = arr(medians), arr(lows), arr(highs)
    n = len(labels)
    fig = Figure(figsize=(9.0, 1.9 + 0.38 * n), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(n)
    colour = SCENARIO_COLOURS[0]
    ax.hlines(y, low, high, color=colour, lw=5, alpha=0.35, label=f"{BAND[0]:g}-{BAND[1]:g} % band")
    ax.plot(median, y, "o", color=colour, label="median")
    if target is not None:
        ax.axvline(target, color=TARGET_COLOUR, ls="--", lw=1.5, label=f"target {target:g}")
    ax.set_yticks(y, list(labels), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(axis_label)
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=3, fontsize=8)  # below: it covers no row
    return fig


def year_fans(
    series: Mapping[str, tuple[Sequence[int], Sequence[float], Sequence[float], Sequence[float]]],
    axis_label: str,
    title: str,
    target: float | None = None,
    target_year: int | None = None,
) -> Figure:
    """A fan chart over the years a sweep kept: per sample (label -> years, medians, lows,
    highs), the median line and the 5-95 % band, with the target at its year.

    Sweeps keep year ends only, so the fan joins those years with straight lines; a run
    folder's fan chart (``figures.fan_chart``) shows every quarter."""
    if not series:
        raise ValueError("year_fans needs at least one sample")
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.add_subplot()
    top = 0.0
    for i, (label, (years, median, low, high)) in enumerate(series.items()):
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        x = np.asarray(years, dtype=np.float64)
        lo, mid, hi = (np.asarray(v, dtype=np.float64) for v in (low, median, high))
        ax.fill_between(x, lo, hi, color=colour, alpha=0.2, linewidth=0)
        ax.plot(x, mid, "o-", color=colour, lw=1.6, ms=4, label=label)
        top = max(top, float(np.nanmax(hi)))
    if target is not None:
        when = f"{target_year} " if target_year is not None else ""
        ax.axhline(target, color=TARGET_COLOUR, ls="--", lw=1.5, label=f"{when}target {target:g}")
        top = max(top, target)
    ax.set_ylim(0.0, top * 1.1 if top > 0 else 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(axis_label)
    ax.set_xlabel("year (values at the end of each year kept)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=min(4, len(series) + 1), fontsize=7)
    return fig

"""A sweep's samples side by side: each sample's median and 5-95 % band against the target.

Sweep results keep indicators at year ends only, so they get no fan chart; what a reader
of a list sweep (the timing what-ifs, the leave-one-outs) wants instead is each row's
outcome against the target on one axis. The figure takes the per-sample numbers as plain
data, as the sweep analysis computes them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
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
    fig = Figure(figsize=(9.0, 1.6 + 0.38 * n))
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
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig

"""Figures of a scenario discovery: PRIM's peeling trajectory and the box's limits.

They take the discovery as plain data (the ``boxes`` of ``analysis.json``), so a report
can redraw them from the file. The trajectory is the trade-off a researcher chooses on:
each peel raises the density (how sure the target is inside the box) and lowers the
coverage (how many of the runs of interest the box explains); the chosen box is ringed.
The limits chart shows, per input, the box's range as a share of the range sampled, so
inputs of different units sit on one axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from rainforest.viz.captions import wrap

RESTRICTED_CMAP = "viridis"
CHOSEN_COLOUR = "#b2182b"


def peeling_trajectory(
    box: Mapping[str, Any], min_density: float | None = None, title: str = ""
) -> Figure:
    """Coverage against density along the trajectory, coloured by restricted inputs."""
    steps: Sequence[Mapping[str, Any]] = box["trajectory"]
    coverage = np.array([s["coverage"] for s in steps], dtype=np.float64)
    density = np.array([s["density"] for s in steps], dtype=np.float64)
    restricted = np.array([s["restricted"] for s in steps], dtype=np.int64)
    fig = Figure(figsize=(6.5, 4.8), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(coverage, density, color="0.7", linewidth=0.8, zorder=1)
    levels = np.arange(restricted.min(), restricted.max() + 2) - 0.5
    points = ax.scatter(
        coverage, density, c=restricted, cmap=RESTRICTED_CMAP, s=22, zorder=2,
        vmin=levels[0], vmax=levels[-1],
    )  # fmt: skip
    bar = fig.colorbar(points, ax=ax, ticks=np.unique(restricted), boundaries=levels)
    bar.set_label("restricted inputs")
    chosen = box["chosen"]
    ax.scatter(
        [coverage[chosen]], [density[chosen]], s=160, facecolors="none",
        edgecolors=CHOSEN_COLOUR, linewidths=1.8, zorder=3, label=f"chosen box (step {chosen})",
    )  # fmt: skip
    if min_density is not None:
        ax.axhline(min_density, color=CHOSEN_COLOUR, linestyle="--", linewidth=0.9,
                   label=f"min density {min_density:g}")  # fmt: skip
    ax.set_xlabel("coverage (share of the runs of interest inside the box)")
    ax.set_ylabel("density (share of the box's runs that are of interest)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0.0, 1.03)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=2, fontsize=8)  # below: it covers no step
    ax.set_title(wrap(title or f"PRIM peeling trajectory, box {box['box']}"), fontsize=10)
    return fig


def box_limits(box: Mapping[str, Any], title: str = "") -> Figure:
    """Each numeric input's box range as a share of its sampled range; levels as text."""
    limits = [lim for lim in box["limits"] if "min" in lim]
    levels = [lim for lim in box["limits"] if "levels" in lim]
    n = max(1, len(limits))
    fig = Figure(figsize=(7.5, 1.2 + 0.42 * n + 0.3 * len(levels)), layout="constrained")
    ax = fig.add_subplot()
    for i, lim in enumerate(reversed(limits)):
        span = lim["data_max"] - lim["data_min"]
        lo = 0.0 if span == 0 else (lim["min"] - lim["data_min"]) / span
        hi = 1.0 if span == 0 else (lim["max"] - lim["data_min"]) / span
        colour = CHOSEN_COLOUR if lim["restricted"] else "0.75"
        ax.barh(i, hi - lo, left=lo, height=0.55, color=colour)
        if lim["restricted"]:
            ax.text(lo, i + 0.33, f"{lim['min']:.4g}", ha="left", va="bottom", fontsize=7)
            ax.text(hi, i + 0.33, f"{lim['max']:.4g}", ha="right", va="bottom", fontsize=7)
    ax.set_yticks(range(len(limits)), [lim["input"] for lim in reversed(limits)], fontsize=8)
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(-0.6, n - 0.2)
    ax.set_xlabel("share of the sampled range (restricted inputs in colour)")
    ax.grid(axis="x", alpha=0.3)
    text = [
        f"{lim['input']} in {{{', '.join(lim['levels'])}}}" for lim in levels if lim["restricted"]
    ]
    stats = f"coverage {box['coverage']:.2f}, density {box['density']:.2f}, mass {box['mass']:.2f}"
    ax.set_title(wrap((title or f"PRIM box {box['box']}") + f"\n{stats}"), fontsize=10)
    if text:
        fig.supxlabel("; ".join(text), fontsize=8)
    return fig

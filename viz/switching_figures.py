"""The tornado chart of switching values.

It takes the switching analysis as plain data (the ``inputs`` of ``analysis.json``).
Each bar spans the median outcome with one input at the low end of its range and at the
high end (the range under its name), everything else as in the scenario; the widest bars
are the inputs that matter most, so they go on top. A vertical line marks the threshold
and one the scenario's own outcome; where a bar crosses the threshold, a marker names the
input's switching value, the value at which the target stops (or starts) being reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from rainforest.viz.captions import wrap

LOW_COLOUR = "#0072B2"
HIGH_COLOUR = "#E69F00"
TARGET_COLOUR = "#b2182b"


def tornado(
    inputs: Sequence[Mapping[str, Any]],
    threshold: float,
    base_outcome: float | None = None,
    unit: str = "",
    title: str = "",
) -> Figure:
    """Outcome at each input's low and high end, widest first, crossings marked."""
    n = max(1, len(inputs))
    fig = Figure(figsize=(8.0, 1.6 + 0.6 * n), layout="constrained")
    ax = fig.add_subplot()
    centre = base_outcome if base_outcome is not None else threshold
    for row, e in enumerate(inputs):
        y = n - 1 - row
        for end, colour in (("low", LOW_COLOUR), ("high", HIGH_COLOUR)):
            value = e[f"outcome_{end}"]
            ax.barh(
                y, value - centre, left=centre, height=0.6, color=colour, alpha=0.85,
                label=f"{end} end of the range" if row == 0 else None,
            )  # fmt: skip
        for c in e["crossings"]:
            ax.plot([threshold], [y], marker="D", color=TARGET_COLOUR, markersize=6, zorder=3)
            ax.annotate(
                f"switches at {c['value']:.4g}", (threshold, y), xytext=(5, 6),
                textcoords="offset points", fontsize=7, color=TARGET_COLOUR,
            )  # fmt: skip
        if not e["crossings"]:
            ax.annotate(
                "not crossed within range", (threshold, y), xytext=(5, 6),
                textcoords="offset points", fontsize=7, color="0.4",
            )  # fmt: skip
    ax.axvline(threshold, color=TARGET_COLOUR, linestyle="--", linewidth=1.0,
               label=f"threshold {threshold:g}")  # fmt: skip
    if base_outcome is not None:
        ax.axvline(base_outcome, color="black", linewidth=0.8,
                   label=f"scenario as it is ({base_outcome:.4g})")  # fmt: skip
    labels = [f"{e['input']}\n{e['low']:.4g} to {e['high']:.4g}" for e in reversed(inputs)]
    ax.set_yticks(range(n), labels, fontsize=8)
    ax.set_ylim(-0.9, n - 0.3)
    ax.set_xlabel(f"median outcome{f' ({unit})' if unit else ''}")
    ax.grid(axis="x", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=4, fontsize=7)
    ax.set_title(wrap(title or "Switching values"), fontsize=10)
    return fig

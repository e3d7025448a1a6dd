"""Static figures for reports: the output fan chart and the 2030 scorecard chart.

Both take replicates as plain per-tick indicator tables (one pandas DataFrame per run,
with ``year``, ``quarter`` and one column per indicator, as ``experiments.run`` makes
them), grouped by scenario name, so this layer needs nothing from the experiments layer.
A single run is not an answer in a stochastic model: the fan chart shows the median and
the 5-95 % band over each scenario's runs, and the scorecard the median and band of each 2030
indicator as a share of its target.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from rainforest.scenarios.targets import TARGET_YEAR, targets
from rainforest.sim.indicators import spec

Runs = Mapping[str, Sequence[pd.DataFrame]]

BAND = (5.0, 95.0)
TARGET_COLOUR = "#b2182b"
SCENARIO_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
FAN_CHART = "fan_chart.png"
SCORECARD = "scorecard.png"


def _check(runs: Runs) -> None:
    if not runs or any(len(frames) == 0 for frames in runs.values()):
        raise ValueError("figures need at least one run for every scenario")


def _stack(frames: Sequence[pd.DataFrame], column: str) -> np.ndarray:
    """(replicates, ticks) values of one indicator; replicates must have equal length."""
    lengths = {len(f) for f in frames}
    if len(lengths) != 1:
        raise ValueError(f"replicates differ in length ({sorted(lengths)} quarters)")
    return np.stack([f[column].to_numpy(dtype=np.float64) for f in frames])


def report_year(frames: Sequence[pd.DataFrame]) -> int:
    """The target year, or the last year simulated if the runs end before it."""
    return min(TARGET_YEAR, int(frames[0]["year"].max()))


def literal(text: str) -> str:
    """``text`` as matplotlib should show it: a ``$`` in a scenario or folder name is a
    dollar sign, not the start of mathtext (which may fail to parse and lose the figure)."""
    return str(text).replace("$", r"\$")


def fan_chart(runs: Runs, indicator: str = "output_value_bn") -> Figure:
    """Median and 5-95 % band over each scenario's runs (seeds, or posterior draws: the
    report's summary says which), against the indicator's target. The legend sits below
    the axes, where it can cover neither a band nor the target line."""
    _check(runs)
    s = spec(indicator)
    fig = Figure(figsize=(7.5, 4.5))
    ax = fig.add_subplot()
    top = 0.0
    for i, (name, frames) in enumerate(runs.items()):
        values = _stack(frames, indicator)
        first = frames[0]
        x = first["year"].to_numpy() + (first["quarter"].to_numpy() - 0.5) / 4.0
        low, median, high = np.percentile(values, [BAND[0], 50.0, BAND[1]], axis=0)
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        ax.fill_between(x, low, high, color=colour, alpha=0.25, linewidth=0)
        label = f"{literal(name)}: median of {len(frames)} runs"
        ax.plot(x, median, color=colour, lw=1.8, label=label)
        top = max(top, float(high.max()))
    if s.target is not None:
        ax.axhline(
            s.target, color=TARGET_COLOUR, ls="--", lw=1.5,
            label=f"{TARGET_YEAR} target: {s.target:g} {s.unit}",
        )  # fmt: skip
        top = max(top, s.target)
    ax.set_ylim(0.0, top * 1.1 if top > 0 else 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(f"{indicator} ({s.unit})")
    ax.set_xlabel("year (ticks at 1 January)")
    ax.set_title(
        f"{s.description[:1].upper()}{s.description[1:]}:\nmedian and "
        f"{BAND[0]:g}-{BAND[1]:g} % band over each scenario's runs",
        fontsize=9,
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def scorecard_chart(runs: Runs) -> Figure:
    """Each targeted indicator in the report year as a share of its target, per scenario."""
    _check(runs)
    goals = targets()
    names = list(goals)
    n_scen = len(runs)
    height = 0.8 / n_scen
    fig = Figure(figsize=(8.0, 1.0 + 0.55 * len(names) * max(1, n_scen) ** 0.5))
    ax = fig.add_subplot()
    years = set()
    for i, (scenario, frames) in enumerate(runs.items()):
        year = report_year(frames)
        years.add(year)
        rows = [f[f["year"] == year].iloc[-1] for f in frames]
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        for j, name in enumerate(names):
            share = 100.0 * np.array([float(r[name]) for r in rows]) / goals[name].value
            low, median, high = np.percentile(share, [BAND[0], 50.0, BAND[1]])
            y = j + (i - (n_scen - 1) / 2.0) * height
            ax.barh(
                y, median, height=height * 0.9, color=colour, alpha=0.8,
                label=literal(scenario) if j == 0 else None,
            )  # fmt: skip
            ax.errorbar(
                median, y, xerr=[[median - low], [high - median]], color="black", lw=1,
                capsize=2,
            )  # fmt: skip
            value = float(np.median([float(r[name]) for r in rows]))
            ax.text(
                high, y, f"  {value:,.4g}", va="center", ha="left", fontsize=7,
            )  # fmt: skip
    ax.axvline(100.0, color=TARGET_COLOUR, ls="--", lw=1.5, label="target reached (100 %)")
    ax.set_yticks(
        range(len(names)), [f"{goals[n].label} ({goals[n].value:g})" for n in names], fontsize=8
    )
    ax.invert_yaxis()
    ax.set_xlabel(
        f"share of the {TARGET_YEAR} target (%): median, {BAND[0]:g}-{BAND[1]:g} % band; "
        "labels: median value",
        fontsize=8,
    )
    shown = ", ".join(str(y) for y in sorted(years))
    ax.set_title(f"Scorecard: values at the end of {shown} against the plan's targets", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlim(0.0, ax.get_xlim()[1] * 1.08)  # room for the value labels
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncols=min(4, n_scen + 1), fontsize=8)
    fig.tight_layout()
    return fig


def png_bytes(fig: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def report_pngs(runs: Runs) -> dict[str, bytes]:
    """File name -> PNG bytes of both report figures."""
    return {FAN_CHART: png_bytes(fan_chart(runs)), SCORECARD: png_bytes(scorecard_chart(runs))}

"""Figures of a Shapley attribution: the waterfall of each indicator, and the interactions.

They take the attribution as plain data (the dict ``rainforest attribute`` writes to
``analysis.json``), so this layer needs nothing from the experiments layer. The
waterfall reads from left to right as the plans' contributions stack up: the value with
no plan, one bar per plan (its Shapley value, with its 95 % bootstrap interval), and the
value with all six, which the bars reach exactly (efficiency); the plan's target is a
dashed line. The interaction grid shows, per indicator, the Shapley interaction index of
every pair of plans on a diverging scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

UP, DOWN, ENDS = "#1b7837", "#b2182b", "#4d4d4d"
TARGET_COLOUR = "#b2182b"
MEASURE_TITLES = {"value": "2030 value", "reach_probability": "probability of reaching the target"}


def _waterfall_axes(ax, m: Mapping[str, Any], plans: list[str], target: float | None) -> None:
    labels = ["no plan", *[p.replace("_", "-") for p in plans], "all plans"]
    none, every = m["none"]["mean"], m["all"]["mean"]
    level = none
    x = np.arange(len(labels))
    ax.bar(x[0], none, color=ENDS, width=0.6)
    for k, plan in enumerate(plans, start=1):
        value = m["shapley"][plan]
        step = value["mean"]
        ax.bar(x[k], step, bottom=level, color=UP if step >= 0 else DOWN, width=0.6)
        top = level + step
        err = [[max(0.0, step - value["low"])], [max(0.0, value["high"] - step)]]
        ax.errorbar(x[k], top, yerr=err, color="black", capsize=3, linewidth=0.8)
        ax.plot([x[k - 1] + 0.3, x[k] - 0.3], [level, level], color="grey", linewidth=0.6)
        level = top
    ax.bar(x[-1], every, color=ENDS, width=0.6)
    err_all = [[max(0.0, every - m["all"]["low"])], [max(0.0, m["all"]["high"] - every)]]
    ax.errorbar(x[-1], every, yerr=err_all, color="black", capsize=3, linewidth=0.8)
    if target is not None and math.isfinite(target):
        ax.axhline(target, color=TARGET_COLOUR, linestyle="--", linewidth=1.0, label="target")
        # named on the line itself, right of the last bar: a legend box would cover bars
        ax.annotate(f"target {target:g}", xy=(1.0, target), xycoords=("axes fraction", "data"),
                    xytext=(3, 0), textcoords="offset points", va="center", ha="left",
                    fontsize=8, color=TARGET_COLOUR, annotation_clip=False)  # fmt: skip
    ax.set_xticks(x, labels, rotation=35, ha="right", fontsize=8)
    ax.axhline(0.0, color="black", linewidth=0.5)


def waterfall(report: Mapping[str, Any], indicator: str) -> Figure:
    """No plan -> each plan's Shapley value -> all plans, for one indicator: its 2030
    value, and beside it the probability of reaching its target when it has one."""
    entry = report["indicators"][indicator]
    measures = entry["measures"]
    fig = Figure(figsize=(5.2 * len(measures) + 0.6, 4.6), layout="constrained")
    plans = list(report["plans"])
    for k, (measure, m) in enumerate(measures.items()):
        ax = fig.add_subplot(1, len(measures), k + 1)
        target = entry["target"] if measure == "value" else None
        _waterfall_axes(ax, m, plans, target)
        unit = "probability" if measure == "reach_probability" else entry["unit"]
        ax.set_ylabel(f"{indicator} ({unit})" if measure == "value" else unit)
        ax.set_title(MEASURE_TITLES.get(measure, measure), fontsize=10)
    fig.suptitle(
        f"{report['scenario']}: {indicator} in {report['year']}, Shapley value of each plan "
        f"({report['replicates_used']} replicates, {int(100 * report['conf_level'])} % "
        "intervals)",
        fontsize=10,
    )
    return fig


def interaction_matrix(m: Mapping[str, Any], plans: list[str]) -> np.ndarray:
    """The pairs' mean Shapley interaction indices as a symmetric plans x plans matrix."""
    index = {p: i for i, p in enumerate(plans)}
    out = np.zeros((len(plans), len(plans)))
    for pair in m["interactions"]:
        i, j = index[pair["plans"][0]], index[pair["plans"][1]]
        out[i, j] = out[j, i] = pair["interaction"]["mean"]
    return out


def interaction_grid(report: Mapping[str, Any], measure: str = "value") -> Figure:
    """One heat map of pairwise interaction indices per indicator (diverging, centred on 0,
    each on its own scale: the indicators have different units)."""
    plans = list(report["plans"])
    names = [n for n, e in report["indicators"].items() if measure in e["measures"]]
    cols = min(4, max(1, len(names)))
    rows = max(1, math.ceil(len(names) / cols))
    fig = Figure(figsize=(3.4 * cols, 3.2 * rows + 0.4), layout="constrained")
    short = [p.replace("hand_in_hand", "h-in-h").replace("open_source", "open-src") for p in plans]
    for k, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, k + 1)
        matrix = interaction_matrix(report["indicators"][name]["measures"][measure], plans)
        bound = float(np.max(np.abs(matrix)))
        image = ax.imshow(matrix, cmap="RdBu_r", vmin=-(bound or 1.0), vmax=bound or 1.0)
        if bound == 0.0:
            ax.text(2.5, 2.5, "no interaction", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(plans)), short, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(plans)), short, fontsize=7)
        ax.set_title(name, fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle(
        f"{report['scenario']}: pairwise Shapley interaction indices, {report['year']}",
        fontsize=10,
    )
    return fig

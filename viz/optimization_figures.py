"""Figures of an allocation search: the mixes, the search, the front, and robustness.

They take the search as plain data (the ``trials`` of ``analysis.json``: each with its
total, budgets by plan, reach probability and median per objective), so a report can
redraw them from the file. Plans keep one colour in every figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from rainforest.viz.captions import wrap

PLAN_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
FRONT_COLOUR = "#b2182b"

Trial = Mapping[str, Any]


def allocation_chart(rows: Sequence[tuple[str, Trial]], indicator: str, title: str = "") -> Figure:
    """Stacked bars of each labelled trial's budget by plan, its reach written beside."""
    plans = list(rows[0][1]["budgets_bn"])
    fig = Figure(figsize=(8.0, 1.6 + 0.5 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    top = max(sum(t["budgets_bn"].values()) for _, t in rows) or 1.0
    for y, (_, trial) in enumerate(reversed(rows)):
        left = 0.0
        for i, plan in enumerate(plans):
            value = trial["budgets_bn"][plan]
            ax.barh(y, value, left=left, height=0.6, color=PLAN_COLOURS[i % 6],
                    label=plan if y == 0 else None)  # fmt: skip
            left += value
        p = trial["reach_probability"][indicator]
        ax.text(left + 0.01 * top, y, f"P(reach) {p:.2f}, median {trial['median'][indicator]:.4g}",
                va="center", fontsize=7)  # fmt: skip
    ax.set_yticks(range(len(rows)), [label for label, _ in reversed(rows)], fontsize=8)
    ax.set_xlim(0.0, top * 1.45)
    ax.set_xlabel("RMB bn a year, 2023-2030")
    ax.grid(axis="x", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=6, fontsize=7)
    ax.set_title(wrap(title or "Allocations"), fontsize=10)
    return fig


def search_history(trials: Sequence[Trial], indicator: str, title: str = "") -> Figure:
    """Each trial's reach probability in the order tried, with the best so far."""
    numbers = np.array([t["trial"] for t in trials])
    p = np.array([t["reach_probability"][indicator] for t in trials])
    fig = Figure(figsize=(7.0, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(numbers, p, s=14, color="0.45", label="trial")
    ax.step(
        numbers, np.maximum.accumulate(p), where="post", color=FRONT_COLOUR, label="best so far"
    )
    for t in trials:
        if t["reference"]:
            ax.scatter([t["trial"]], [t["reach_probability"][indicator]], marker="*", s=120,
                       color="black", zorder=3, label="the scenario's own mix")  # fmt: skip
    ax.set_xlabel("trial")
    ax.set_ylabel(f"P({indicator} reaches its threshold)")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=3, fontsize=7)  # below: it covers no point
    ax.set_title(wrap(title or "Search"), fontsize=10)
    return fig


def pareto_front(trials: Sequence[Trial], indicator: str, title: str = "") -> Figure:
    """Total cost against reach probability: every trial, the front joined as a staircase."""
    cost = np.array([t["total_bn"] for t in trials])
    p = np.array([t["reach_probability"][indicator] for t in trials])
    front = [t for t in trials if t["on_front"]]
    fig = Figure(figsize=(7.0, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(cost, p, s=14, color="0.6", label="trial")
    if front:
        front = sorted(front, key=lambda t: t["total_bn"])
        fc = [t["total_bn"] for t in front]
        fp = [t["reach_probability"][indicator] for t in front]
        ax.step(fc, fp, where="post", color=FRONT_COLOUR, linewidth=1.2)
        ax.scatter(fc, fp, s=30, color=FRONT_COLOUR, zorder=3, label="Pareto front")
    for t in trials:
        if t["reference"]:
            ax.scatter([t["total_bn"]], [t["reach_probability"][indicator]], marker="*",
                       s=140, color="black", zorder=4, label="the scenario's own mix")  # fmt: skip
    ax.set_xlabel("total budget, RMB bn a year (2023-2030)")
    ax.set_ylabel(f"P({indicator} reaches its threshold)")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=3, fontsize=7)
    ax.set_title(wrap(title or "Cost against reach"), fontsize=10)
    return fig


def robustness_chart(
    metrics: Mapping[str, Mapping[Any, float]],
    picks: Mapping[str, int],
    unit: str = "",
    title: str = "",
    reference: int | None = None,
) -> Figure:
    """Each trial's 10th-percentile outcome against its maximum regret, the picks (and
    the scenario's own mix, ``reference``) marked."""
    trials = list(metrics["p10_outcome"])
    x = np.array([metrics["p10_outcome"][t] for t in trials])
    y = np.array([metrics["max_regret_outcome"][t] for t in trials])
    fig = Figure(figsize=(7.0, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(x, y, s=16, color="0.55", label="trial")
    marks = (
        ("p10_outcome", "s", "best 10th percentile"),
        ("max_regret_outcome", "^", "least regret"),
    )
    for key, marker, label in marks:
        i = [int(t) for t in trials].index(int(picks[key]))
        ax.scatter([x[i]], [y[i]], marker=marker, s=110, facecolors="none",
                   edgecolors=FRONT_COLOUR, linewidths=1.6, zorder=3,
                   label=f"{label} (trial {picks[key]})")  # fmt: skip
    if reference is not None:
        i = [int(t) for t in trials].index(int(reference))
        ax.scatter([x[i]], [y[i]], marker="*", s=120, color="black", zorder=4,
                   label="the scenario's own mix")  # fmt: skip
    suffix = f" ({unit})" if unit else ""
    ax.set_xlabel(f"10th percentile of the median outcome across futures{suffix}")
    ax.set_ylabel(f"maximum regret across futures{suffix}")
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=2, fontsize=7)
    ax.set_title(wrap(title or "Robustness over futures"), fontsize=10)
    return fig

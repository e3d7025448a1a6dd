"""The live view's pictures, drawn with matplotlib from the model's current state.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot, no GUI backend), so
drawing is safe from the server's worker threads and leaves no global state behind. The
page turns them into PNG images: the browser needs no plotting library, hence nothing
from outside the machine.
"""

from __future__ import annotations

import functools
import io
import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from rainforest.scenarios.fields import CLUSTERS
from rainforest.sim.indicators import INDEX, N_INDICATORS, spec
from rainforest.viz.layout import DISC_RADIUS, RING_RADIUS, cluster_anchor

if TYPE_CHECKING:
    from rainforest.viz.model import ViewModel

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
CLUSTER_COLOURS: tuple[str, ...] = ("#D55E00", "#0072B2", "#E69F00", "#56B4E9", "#009E73")
EDGE_STYLES: tuple[tuple[str, str, float, float], ...] = (
    # label, colour, line width, alpha; index = the edge's kind
    ("partnership", "#8c8c8c", 0.5, 0.45),
    ("consortium (hand-in-hand)", "#CC79A7", 1.3, 0.9),
    ("innovation center", "#000000", 1.4, 0.9),
)
NETWORK_SIZE_IN = (6.5, 4.3)  # width, height in inches: the network square, then the legend
NETWORK_DPI = 90
CHART_DPI = 80
LABEL_GAP = 0.09  # cluster names sit this far above their disc
OUTPUT_TARGET_LABEL = "2030 target"
TARGET_COLOUR = "#b2182b"
SELECTED_COLOUR = "#CC0066"


def figure_png(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure as PNG bytes (at the figure's own resolution unless ``dpi`` is given)."""
    buf = io.BytesIO()
    # Fast compression: the images go to a browser on this machine or the local network.
    fig.savefig(
        buf, format="png", dpi=fig.dpi if dpi is None else dpi, pil_kwargs={"compress_level": 1}
    )
    return buf.getvalue()


def firm_marker_size(annual_revenue_bn: float) -> float:
    """Marker area (points^2) of an enterprise: grows with the root of its revenue.

    The scale is fixed, not relative to the largest firm, so a firm's dot only grows
    when its own revenue does.
    """
    return 6.0 + 16.0 * math.sqrt(max(annual_revenue_bn, 0.0))


def _network_axes(fig: Figure):
    """The square axes on the left of the network figure, in layout coordinates."""
    share = NETWORK_SIZE_IN[1] / NETWORK_SIZE_IN[0]
    ax = fig.add_axes((0.0, 0.0, share, 1.0))
    ax.set_axis_off()
    reach = RING_RADIUS + DISC_RADIUS + 0.04
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach + 2.0 * LABEL_GAP)
    ax.set_aspect("equal")
    return ax


@functools.cache
def network_background(dpi: int = NETWORK_DPI) -> np.ndarray:
    """What never changes in the network figure: cluster names and the legend, as pixels."""
    fig = Figure(figsize=NETWORK_SIZE_IN, dpi=dpi)
    ax = _network_axes(fig)
    for c, name in enumerate(CLUSTERS):
        x, y = cluster_anchor(c)
        ax.text(
            x, y + DISC_RADIUS + LABEL_GAP, name, ha="center", va="center", fontsize=8,
            color=CLUSTER_COLOURS[c], weight="bold",
        )  # fmt: skip
    handles = [
        Line2D([], [], ls="", marker="o", ms=6, color=CLUSTER_COLOURS[c], label=f"firm: {n}")
        for c, n in enumerate(CLUSTERS)
    ]
    handles += [
        Line2D([], [], ls="", marker="o", ms=math.sqrt(firm_marker_size(r)), color="#777777",
               label=f"revenue {r:g} bn/yr")
        for r in (1.0, 25.0)
    ]  # fmt: skip
    handles += [
        Line2D([], [], ls="", marker="s", ms=5, mfc="white", mec="#444444", mew=1.2,
               label="institute"),
        Line2D([], [], ls="", marker="^", ms=8, mfc="#bbbbbb", mec="black",
               label="future technical college"),
        Line2D([], [], ls="", marker="*", ms=11, mfc="#bbbbbb", mec="black",
               label="innovation center"),
    ]  # fmt: skip
    handles += [
        Line2D([], [], color=colour, lw=max(width, 1.0), label=f"tie: {label}")
        for label, colour, width, _ in EDGE_STYLES
    ]
    share = NETWORK_SIZE_IN[1] / NETWORK_SIZE_IN[0]
    fig.legend(
        handles=handles, loc="center left", bbox_to_anchor=(share, 0.5), fontsize=7,
        frameon=False, handletextpad=0.4, labelspacing=0.55,
    )  # fmt: skip
    return _pixels(fig)


def network_figure(model: ViewModel, dpi: int = NETWORK_DPI, selected: int | None = None) -> Figure:
    """The innovation network now: who is tied to whom, by what kind of tie.

    ``selected`` (an organisation id) is ringed, and its ties drawn bold on top.

    Cluster names and the legend never change: they are drawn once
    (``network_background``) and pasted in as pixels, since drawing their text every
    frame would take longer than the network itself.
    """
    # Ties and firms first, positions after: ▶ steps the model in a thread, and a firm
    # founded meanwhile must already have its place when it is drawn.
    edges = list(model.graph.edges(data="kind"))
    firms = [e for e in model.enterprises if e.alive]
    xy = model.layout.positions(model)
    fig = Figure(figsize=NETWORK_SIZE_IN, dpi=dpi)
    fig.figimage(network_background(dpi), xo=0, yo=0, zorder=-1)
    ax = _network_axes(fig)

    segments: list[list[np.ndarray]] = [[], [], []]
    for a, b, kind in edges:
        segments[int(kind)].append([xy[a], xy[b]])
    for kind, (_, colour, width, alpha) in enumerate(EDGE_STYLES):
        if segments[kind]:
            lines = LineCollection(segments[kind], colors=colour, linewidths=width, alpha=alpha)
            lines.set_zorder(1 + kind)
            ax.add_collection(lines)

    if firms:
        pos = xy[[e.org_id for e in firms]]
        ax.scatter(
            pos[:, 0], pos[:, 1],
            s=[firm_marker_size(4.0 * e.revenue) for e in firms],
            c=[CLUSTER_COLOURS[e.cluster] for e in firms],
            alpha=0.85, linewidths=0, zorder=5,
        )  # fmt: skip

    plain = [i for i in model.institutes if not (i.college or i.center)]
    colleges = [i for i in model.institutes if i.college]
    centers = [i for i in model.institutes if i.center]
    for group, marker, size, face in (
        (plain, "s", 22, None),
        (colleges, "^", 120, "cluster"),
        (centers, "*", 230, "cluster"),
    ):
        if not group:
            continue
        pos = xy[[i.org_id for i in group]]
        colours = [CLUSTER_COLOURS[i.cluster] for i in group]
        ax.scatter(
            pos[:, 0], pos[:, 1], s=size, marker=marker,
            c="white" if face is None else colours,
            edgecolors=colours if face is None else "black",
            linewidths=1.2 if face is None else 0.8, zorder=6 + (marker == "*"),
        )  # fmt: skip
    if selected is not None and selected in model.graph:
        ties = [[xy[selected], xy[other]] for other in model.graph.neighbors(selected)]
        if ties:
            ax.add_collection(
                LineCollection(ties, colors=SELECTED_COLOUR, linewidths=1.8, zorder=8)
            )
        ax.scatter(
            [xy[selected][0]], [xy[selected][1]], s=260, facecolors="none",
            edgecolors=SELECTED_COLOUR, linewidths=2.0, zorder=9,
        )  # fmt: skip
    return fig


def network_point(fig: Figure, fx: float, fy: float) -> tuple[float, float]:
    """Where a click at (fx, fy) (fractions of the image's width and height, from its top
    left) falls in the network's layout coordinates; ``fig`` must have been drawn."""
    ax = fig.axes[0]
    box = ax.get_position()  # after drawing: the box the equal aspect left
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    x = x0 + (fx - box.x0) / box.width * (x1 - x0)
    y = y0 + ((1.0 - fy) - box.y0) / box.height * (y1 - y0)
    return x, y


def network_fraction(fig: Figure, x: float, y: float) -> tuple[float, float]:
    """Where layout point (x, y) is drawn, as fractions of the image's width and height
    from its top left: the inverse of ``network_point``; ``fig`` must have been drawn."""
    ax = fig.axes[0]
    box = ax.get_position()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    fx = box.x0 + (x - x0) / (x1 - x0) * box.width
    fy = 1.0 - (box.y0 + (y - y0) / (y1 - y0) * box.height)
    return fx, fy


def _history(model: ViewModel) -> np.ndarray:
    """Indicators by tick as a (ticks, indicators) array, empty before the first step."""
    return np.array(model.history, dtype=np.float64).reshape(len(model.history), N_INDICATORS)


def _quarter_midpoints(start_year: int, n: int) -> np.ndarray:
    return start_year + (np.arange(n) + 0.5) / 4.0


def nice_top(value: float) -> float:
    """The smallest round number (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) >= ``value``.

    Chart scales only take these values, so a scale changes a few times in a run and the
    chart's drawn background (below) can be reused in between.
    """
    if value <= 0.0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if step * power >= value * (1.0 - 1e-12):
            return step * power
    return 10.0 * power


def _pixels(fig: Figure) -> np.ndarray:
    """The figure drawn, as a read-only RGBA array."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba()).copy()
    pixels.flags.writeable = False
    return pixels


def _year_axis(ax, start_year: int, end_year: int, labelsize: float) -> None:
    """Years as labels in the middle of their span."""
    years = np.arange(start_year, end_year)
    ax.set_xlim(start_year, end_year)
    ax.set_xticks(years + 0.5, [str(y) for y in years], fontsize=labelsize)
    ax.tick_params(axis="x", length=0)
    ax.set_xticks(np.arange(start_year, end_year + 1), minor=True)
    ax.tick_params(axis="x", which="minor", length=3)
    ax.tick_params(axis="y", labelsize=labelsize)


def _chart_over(background: np.ndarray, size_in: tuple[float, float], rect, xlim, ylim):
    """A figure showing ``background`` with a bare axes over it for this frame's data.

    A chart's frame, ticks, labels and legend are the slow part of drawing it, and they
    only change with the scale: they are drawn once into ``background`` (same size,
    resolution and axes rectangle) and pasted in as pixels; each frame draws only data.
    """
    fig = Figure(figsize=size_in, dpi=CHART_DPI)
    fig.figimage(background, xo=0, yo=0, zorder=-1)
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return fig, ax


OUTPUT_SIZE_IN = (6.0, 3.5)
OUTPUT_RECT = (0.11, 0.09, 0.86, 0.8)  # left, bottom, width, height; the legend above


@functools.lru_cache(maxsize=32)
def _output_background(start_year: int, end_year: int, top: float) -> np.ndarray:
    fig = Figure(figsize=OUTPUT_SIZE_IN, dpi=CHART_DPI)
    ax = fig.add_axes(OUTPUT_RECT)
    _year_axis(ax, start_year, end_year, 8)
    ax.set_ylim(0.0, top)
    ax.set_ylabel("RMB bn a year", fontsize=8)
    target = spec("output_value_bn").target
    if target is not None:
        ax.text(
            end_year - 0.1, target, f"{OUTPUT_TARGET_LABEL}: RMB {target:.0f} bn",
            color=TARGET_COLOUR, fontsize=8, va="bottom", ha="right",
        )  # fmt: skip
    handles = [
        Patch(color=colour, alpha=0.85, label=name)
        for colour, name in zip(CLUSTER_COLOURS, CLUSTERS, strict=True)
    ]
    handles += [Line2D([], [], color="black", lw=1.2, label="total")]
    handles += [Line2D([], [], color=TARGET_COLOUR, ls="--", lw=1.3, label="target")]
    fig.legend(
        handles=handles, loc="upper center", ncols=len(handles), fontsize=7, frameon=False,
        bbox_to_anchor=(0.54, 1.0), handlelength=1.5, columnspacing=1.0,
    )  # fmt: skip
    return _pixels(fig)


def output_figure(model: ViewModel) -> Figure:
    """Output value by cluster, quarter by quarter, against the 2030 target."""
    p = model.params
    target = spec("output_value_bn").target
    end_year = p.start_year + p.n_ticks // 4
    history = _history(model)
    total = history[:, INDEX["output_value_bn"]]
    top = nice_top(max(1.2 * (target or 0.0), 1.05 * float(total.max(initial=0.0))))
    fig, ax = _chart_over(
        _output_background(p.start_year, end_year, top), OUTPUT_SIZE_IN, OUTPUT_RECT,
        (p.start_year, end_year), (0.0, top),
    )  # fmt: skip
    if len(history):
        x = _quarter_midpoints(p.start_year, len(history))
        by_cluster = [history[:, INDEX[f"output_{c}_bn"]] for c in CLUSTERS]
        ax.stackplot(x, by_cluster, colors=CLUSTER_COLOURS, alpha=0.85)
        ax.plot(x, total, color="black", lw=1.2)
    if target is not None:
        ax.axhline(target, color=TARGET_COLOUR, ls="--", lw=1.3)
    return fig


TALENT_SIZE_IN = (5.6, 1.7)
TALENT_RECT = (0.13, 0.15, 0.84, 0.8)
TALENT_COLOURS = ("#0072B2", "#D55E00")  # arrived, left


@functools.lru_cache(maxsize=32)
def _talent_background(start_year: int, end_year: int, top: float) -> np.ndarray:
    fig = Figure(figsize=TALENT_SIZE_IN, dpi=CHART_DPI)
    ax = fig.add_axes(TALENT_RECT)
    _year_axis(ax, start_year, end_year, 7)
    ax.set_ylim(0.0, top)
    ax.set_ylabel("per quarter", fontsize=7)
    handles = [
        Line2D([], [], color=colour, label=label)
        for colour, label in zip(TALENT_COLOURS, ("arrived", "left"), strict=True)
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=7, frameon=False, ncols=2)
    return _pixels(fig)


def talent_figure(model: ViewModel) -> Figure:
    """Talents arriving and leaving each quarter."""
    p = model.params
    end_year = p.start_year + p.n_ticks // 4
    history = _history(model)
    flows = (history[:, INDEX["talent_inflow"]], history[:, INDEX["talent_outflow"]])
    top = nice_top(1.3 * max(float(f.max(initial=0.0)) for f in flows))
    fig, ax = _chart_over(
        _talent_background(p.start_year, end_year, top), TALENT_SIZE_IN, TALENT_RECT,
        (p.start_year, end_year), (0.0, top),
    )  # fmt: skip
    if len(history):
        x = _quarter_midpoints(p.start_year, len(history))
        for values, colour in zip(flows, TALENT_COLOURS, strict=True):
            ax.plot(x, values, color=colour)
    return fig

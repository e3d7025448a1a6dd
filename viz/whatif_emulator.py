"""The what-if's instant answer: a stored emulator of the sliders' effect, asked in milliseconds.

Real runs of a city what-if take seconds. For the scenarios and scales it was trained on
(``viz/emulators/<scenario>_<scale>/``, made by ``rainforest emulate whatif``), a
Gaussian-process emulator of the six plans' multipliers answers at once: each 2030 target's
expected value with a 90 % interval for a new run, the chance of reaching it, the expected
difference from the comparison with its interval, and the output value at each year's end
for the chart. The real runs' answer replaces it when they finish.

The chart is drawn as SVG text, not by matplotlib, so that drawing it costs no more than
asking the emulator.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from rainforest.runs.emulator import Emulator, Z
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.targets import TARGET_YEAR, targets

EMULATOR_DIR = Path(__file__).resolve().parent / "emulators"
CHART_INDICATOR = "output_value_bn"


def outcome_column(indicator: str) -> str:
    """The emulator's name for a targeted indicator at the end of the target year."""
    return f"{indicator}_{TARGET_YEAR}"


def chart_column(year: int) -> str:
    """The emulator's name for the chart's indicator at the end of ``year``."""
    return f"{CHART_INDICATOR}_{year}"


def emulator_folder(scenario_name: str, scale: str) -> Path:
    return EMULATOR_DIR / f"{scenario_name}_{scale}"


@lru_cache(maxsize=8)
def stored_emulator(scenario_name: str, scale: str) -> Emulator | None:
    """The stored emulator of ``scenario_name`` at ``scale``, or None where none is
    stored (the what-if then waits for its real runs)."""
    folder = emulator_folder(scenario_name, scale)
    if not folder.is_dir():
        return None
    return Emulator.load(folder)


def _normal_above(threshold: float, mean: float, sd: float) -> float:
    """P(X >= threshold) for X ~ N(mean, sd^2)."""
    if sd <= 0.0:
        return float(mean >= threshold)
    return 0.5 * math.erfc((threshold - mean) / (sd * math.sqrt(2.0)))


@dataclass(frozen=True)
class InstantAnswer:
    """The emulator's answer for the settings and their comparison."""

    rows: list[dict]  # one a target: label, target, mean, lower, upper, chance, delta...
    chart: dict[str, list[tuple[int, float, float, float]]]  # label -> (year, mean, lo, hi)
    outside: list[str]  # the inputs beyond the training region
    milliseconds: float
    runs: int  # the runs the emulator was trained on


def _value(emulator: Emulator, column: str, answer: Mapping) -> tuple[float, float, float]:
    """(mean, lower, upper) of one outcome; an outcome constant in every training run is
    that constant."""
    if column in answer:
        return answer[column]
    constant = emulator.about.get("constant_outputs", {})
    if column in constant:
        value = float(constant[column])
        return value, value, value
    raise ScenarioError(f"the emulator has no outcome {column!r}")


def instant_answer(
    emulator: Emulator,
    ours: Mapping[str, float],
    theirs: Mapping[str, float],
    labels: tuple[str, str] = ("these settings", "the comparison"),
) -> InstantAnswer:
    """The emulator's scorecard and chart for multipliers ``ours`` against ``theirs``."""
    start = time.perf_counter()
    pair = emulator.predict_pair(ours, theirs)
    beyond = [
        n for n, lo, hi in zip(emulator.inputs, emulator.low, emulator.high, strict=True)
        if not lo <= float(ours[n]) <= hi
    ]  # fmt: skip
    answers = [
        {"outcomes": {name: p[side] for name, p in pair.items()}, "outside": beyond}
        for side in ("a", "b")
    ]
    delta = {name: p["difference"] for name, p in pair.items()}
    rows = []
    for name, target in targets().items():
        column = outcome_column(name)
        mean, low, high = _value(emulator, column, answers[0]["outcomes"])
        other = _value(emulator, column, answers[1]["outcomes"])
        change = delta.get(column, (mean - other[0],) * 3)
        sd = (high - mean) / Z if high > mean else 0.0
        other_sd = (other[2] - other[0]) / Z if other[2] > other[0] else 0.0
        rows.append(
            {
                "indicator": name,
                "label": target.label,
                "target": float(target.value),
                "mean": mean,
                "lower": low,
                "upper": high,
                "chance": _normal_above(float(target.value), mean, sd),
                "compared_mean": other[0],
                "compared_chance": _normal_above(float(target.value), other[0], other_sd),
                "delta": change[0],
                "delta_lower": change[1],
                "delta_upper": change[2],
            }
        )
    chart = {}
    years = sorted(
        int(c.rsplit("_", 1)[1])
        for c in [*emulator.outputs, *emulator.about.get("constant_outputs", {})]
        if c.startswith(f"{CHART_INDICATOR}_")
    )
    for label, answer in zip(labels, answers, strict=True):
        chart[label] = [
            (year, *_value(emulator, chart_column(year), answer["outcomes"])) for year in years
        ]
    return InstantAnswer(
        rows,
        chart,
        answers[0]["outside"],
        1000 * (time.perf_counter() - start),
        int(emulator.about.get("runs", 0)),
    )


COLOURS = ("#1f77b4", "#ff7f0e")
TARGET_COLOUR = "#b2182b"


def svg_chart(
    chart: Mapping[str, list[tuple[int, float, float, float]]],
    target: float | None = 500.0,
    width: int = 560,
    height: int = 300,
) -> str:
    """The chart's indicator by year: each series' mean line and 90 % band, and the
    target line, as an SVG document."""
    left, right, top, bottom = 52, 12, 14, 58
    series = list(chart.items())
    years = [p[0] for _, points in series for p in points]
    highs = [p[3] for _, points in series for p in points]
    x0, x1 = min(years), max(years)
    y1 = max([*highs, target or 0.0]) * 1.08 or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(year: float) -> float:
        return left + plot_w * (year - x0) / max(x1 - x0, 1)

    def py(value: float) -> float:
        return top + plot_h * (1.0 - max(value, 0.0) / y1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="img" '
        f'aria-label="emulated {CHART_INDICATOR} by year">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#cccccc"/>',
    ]
    step = _tick_step(y1)
    tick = 0.0
    while tick <= y1:
        y = py(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e6e6"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{tick:,.0f}</text>"
        )
        tick += step
    for year in range(x0, x1 + 1):
        parts.append(
            f'<text x="{px(year):.1f}" y="{top + plot_h + 15}" font-size="11" '
            f'text-anchor="middle">{year}</text>'
        )
    if target is not None:
        y = py(target)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{TARGET_COLOUR}" stroke-dasharray="6 4" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{left + 4}" y="{y - 4:.1f}" font-size="11" '
            f'fill="{TARGET_COLOUR}">2030 target {target:,.0f}</text>'
        )
    for i, (label, points) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        upper = " ".join(f"{px(y):.1f},{py(hi):.1f}" for y, _, _, hi in points)
        lower = " ".join(f"{px(y):.1f},{py(lo):.1f}" for y, _, lo, _ in reversed(points))
        parts.append(f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.22"/>')
        line = " ".join(f"{px(y):.1f},{py(m):.1f}" for y, m, _, _ in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        ly = height - 24 + 14 * (i // 2)
        lx = left + (plot_w / 2) * (i % 2)
        parts.append(f'<rect x="{lx:.0f}" y="{ly - 9}" width="14" height="9" fill="{colour}"/>')
        parts.append(
            f'<text x="{lx + 19:.0f}" y="{ly}" font-size="11">'
            f"{escape(label)}: emulated mean, 90 % band</text>"
        )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.0f}" font-size="11" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.0f})" text-anchor="middle">'
        "RMB bn a year</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _tick_step(top: float) -> float:
    """A round step giving about five gridlines up to ``top``."""
    raw = top / 5.0
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power

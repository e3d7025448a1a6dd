"""Predictive checks for anyone with new statistics: ``rainforest check OBSERVATIONS.toml``.

A file of observations is compared with the model's predictive distribution: runs over
posterior draws (``--posterior``, the ensemble of the scenario's market form) or over
seeds of the median set, made through the one door (``runs.request``) and ending in the
last observed year, so nothing later is simulated. For each observation the report gives
the 5-95 % predictive interval, the quantile of the predictive distribution where the
observed value falls (both ends of an interval), and *pass* (the value inside the 90 %
interval, or the interval overlapping it) or *miss*.

The file holds ``[[observation]]`` tables::

    [[observation]]
    name = "output 2024"              # optional; default: indicator and years
    indicator = "output_value_bn"     # any indicator a run reports (rainforest run --json)
    year = 2024                       # measure "level" (the default) or "year_sum"
    value = 180.0                     # or: interval = [150.0, 210.0]
    source = "where the figure comes from"

    [[observation]]
    indicator = "output_value_bn"
    years = [2023, 2025]              # measure "growth" or "change"
    measure = "growth"
    interval = [0.065, 0.15]
    source = "..."

Measures: ``level``, the indicator in the last quarter of ``year`` (as ``rainforest run``
reports it); ``year_sum``, the sum of its four quarters (for the per-quarter flows, as
``talent_inflow``); ``growth``, the compound yearly growth of the year-end value from
``years[0]`` to ``years[1]``; ``change``, the year-end value of ``years[1]`` minus that of
``years[0]`` (for the counts since the start, as ``startups_founded``: what happened in
between). A malformed file is one ``ScenarioError`` naming the file, the observation and
the field.
"""

from __future__ import annotations

import io
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rainforest.experiments.studies.observations import annual_growth
from rainforest.scenarios.errors import ScenarioError

MEASURES: tuple[str, ...] = ("level", "year_sum", "growth", "change")
ONE_YEAR = ("level", "year_sum")
INTERVAL = (0.05, 0.95)  # the predictive interval an observation must meet
FIELDS = {"name", "indicator", "year", "years", "measure", "value", "interval", "source", "note"}


@dataclass(frozen=True)
class CheckObservation:
    """One observation of a check file: what a run must show, and where it comes from."""

    name: str
    indicator: str
    measure: str
    years: tuple[int, ...]  # (year,) for level and year_sum, (first, last) otherwise
    low: float
    high: float  # == low for a value
    source: str

    @property
    def is_interval(self) -> bool:
        return self.high > self.low

    @property
    def last_year(self) -> int:
        return self.years[-1]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name, "indicator": self.indicator, "measure": self.measure,
            "years": list(self.years), "source": self.source,
        }  # fmt: skip
        if self.is_interval:
            out["interval"] = [self.low, self.high]
        else:
            out["value"] = self.low
        return out


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{where}: a finite number, got {value!r}")
    return float(value)


def _year(where: str, value: Any, first: int, last: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}: a year (a whole number), got {value!r}")
    if not first <= value <= last:
        raise ScenarioError(f"{where}: {value} is outside the model's years {first}-{last}")
    return int(value)


def parse_observation(entry: Any, where: str, first_year: int, last_year: int) -> CheckObservation:
    """One ``[[observation]]`` table checked; ``where`` names it in a message."""
    from rainforest.sim.indicators import INDICATOR_NAMES

    if not isinstance(entry, Mapping):
        raise ScenarioError(f"{where}: a table of fields, got {entry!r}")
    unknown = sorted(set(entry) - FIELDS)
    if unknown:
        raise ScenarioError(f"{where}: unknown field {unknown[0]!r} (fields: {sorted(FIELDS)})")
    indicator = entry.get("indicator")
    if not isinstance(indicator, str):
        raise ScenarioError(f"{where}.indicator: missing (the indicator the figure measures)")
    if indicator not in INDICATOR_NAMES:
        raise ScenarioError(
            f"{where}.indicator: unknown indicator {indicator!r} (rainforest run --json lists them)"
        )
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ScenarioError(f"{where}.source: missing (where the figure comes from)")
    has_year, has_years = "year" in entry, "years" in entry
    if has_year == has_years:
        both = "both" if has_year else "neither"
        raise ScenarioError(f"{where}: give year (one) or years (two), not {both}")
    measure = entry.get("measure", "level" if has_year else None)
    if measure not in MEASURES:
        raise ScenarioError(
            f"{where}.measure: one of {', '.join(MEASURES)}"
            + (f", got {measure!r}" if measure is not None else " (needed with years)")
        )
    if has_year:
        if measure not in ONE_YEAR:
            raise ScenarioError(f"{where}.measure: {measure} needs years = [first, last]")
        years: tuple[int, ...] = (_year(f"{where}.year", entry["year"], first_year, last_year),)
    else:
        if measure in ONE_YEAR:
            raise ScenarioError(f"{where}.measure: {measure} needs one year (year = ...)")
        pair = entry["years"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise ScenarioError(f"{where}.years: two years [first, last], got {pair!r}")
        years = tuple(_year(f"{where}.years", y, first_year, last_year) for y in pair)
        if years[0] >= years[1]:
            raise ScenarioError(f"{where}.years: the first year must come before the last")
    has_value, has_interval = "value" in entry, "interval" in entry
    if has_value == has_interval:
        both = "both" if has_value else "neither"
        raise ScenarioError(f"{where}: give value or interval, not {both}")
    if has_value:
        low = high = _number(f"{where}.value", entry["value"])
    else:
        pair = entry["interval"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise ScenarioError(f"{where}.interval: two numbers [low, high], got {pair!r}")
        low, high = (_number(f"{where}.interval", x) for x in pair)
        if low > high:
            raise ScenarioError(f"{where}.interval: low {low} is above high {high}")
    name = entry.get("name", f"{indicator} {'-'.join(str(y) for y in years)}")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"{where}.name: a text, got {name!r}")
    return CheckObservation(name, indicator, measure, years, low, high, source.strip())


def read_observations(
    path: str | Path, first_year: int = 2021, last_year: int = 2030
) -> list[CheckObservation]:
    """The observations of a check file, each checked; bad input is one ScenarioError
    naming the file and the field."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: a folder, not an observations file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    entries = data.get("observation")
    other = sorted(set(data) - {"observation", "description"})
    if other:
        raise ScenarioError(f"{path}: unknown table or key {other[0]!r} (expected [[observation]])")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(f"{path}: no [[observation]] tables")
    out = [
        parse_observation(e, f"{path}: observation {i + 1}", first_year, last_year)
        for i, e in enumerate(entries)
    ]
    names = [ob.name for ob in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScenarioError(f"{path}: observation name {twice[0]!r} given twice")
    return out


def simulated(ob: CheckObservation, indicators: Any) -> float:
    """The value of ``ob``'s measure in one run's indicator frame."""
    frame = indicators

    def year_end(year: int) -> float:
        rows = frame[frame["year"] == year]
        return float(rows[ob.indicator].iloc[-1])

    if ob.measure == "level":
        return year_end(ob.years[0])
    if ob.measure == "year_sum":
        return float(frame[frame["year"] == ob.years[0]][ob.indicator].sum())
    first, last = ob.years
    if ob.measure == "change":
        return year_end(last) - year_end(first)
    return annual_growth(year_end(first), year_end(last), last - first)


def _quantile_of(x: float, values: np.ndarray) -> float:
    """Where ``x`` falls in ``values`` (mid-rank: ties count half)."""
    below = float(np.sum(values < x))
    ties = float(np.sum(values == x))
    return (below + 0.5 * ties) / len(values)


def assess(ob: CheckObservation, values: Sequence[float]) -> dict[str, Any]:
    """One observation against its predictive sample: interval, quantile, pass or miss."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    row: dict[str, Any] = {**ob.to_dict(), "runs": int(len(values))}
    if len(finite) < len(values):
        row["non_finite_runs"] = int(len(values) - len(finite))
    if len(finite) == 0:
        row.update(predictive=None, observed_quantile=None, result="miss")
        return row
    p05, p50, p95 = (float(q) for q in np.quantile(finite, [INTERVAL[0], 0.5, INTERVAL[1]]))
    row["predictive"] = {"p05": p05, "median": p50, "p95": p95}
    if ob.is_interval:
        row["observed_quantile"] = [_quantile_of(ob.low, finite), _quantile_of(ob.high, finite)]
        inside = ob.low <= p95 and ob.high >= p05
    else:
        row["observed_quantile"] = _quantile_of(ob.low, finite)
        inside = p05 <= ob.low <= p95
    row["result"] = "pass" if inside else "miss"
    return row


def check_runs(
    observations: Sequence[CheckObservation], frames: Sequence[Any]
) -> list[dict[str, Any]]:
    """Every observation assessed over the runs' indicator frames."""
    return [assess(ob, [simulated(ob, f) for f in frames]) for ob in observations]


def check_overrides(
    observations: Sequence[CheckObservation], form: str | None = None
) -> dict[str, Any]:
    """What the door applies for a check: runs end in the last observed year, in market
    form ``form`` when one is given."""
    out: dict[str, Any] = {"horizon_year": max(ob.last_year for ob in observations)}
    if form is not None:
        out["market.form"] = form
    return out


def report(
    observations: Sequence[CheckObservation], frames: Sequence[Any], about: Mapping[str, Any]
) -> dict[str, Any]:
    """The check's report: ``about`` (the request), each observation's row, the counts."""
    rows = check_runs(observations, frames)
    misses = [r["name"] for r in rows if r["result"] == "miss"]
    return {
        **about,
        "interval": list(INTERVAL),
        "rule": "pass: the observed value inside the 5-95 % predictive interval, or the "
        "observed interval overlapping it",
        "observations": rows,
        "passes": len(rows) - len(misses),
        "misses": misses,
    }


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.3g}" if abs(x) < 1 else f"{x:,.1f}" if abs(x) < 1000 else f"{x:,.0f}"
    return f"{x:.2e}"


def text_table(result: Mapping[str, Any]) -> str:
    """The report as a plain table: one line an observation."""
    header = ("observation", "measure", "observed", "5 %", "median", "95 %", "quantile", "result")
    lines = [header]
    for r in result["observations"]:
        observed = (
            f"{_fmt(r['interval'][0])}-{_fmt(r['interval'][1])}" if "interval" in r
            else _fmt(r["value"])
        )  # fmt: skip
        p = r["predictive"] or {}
        q = r["observed_quantile"]
        quant = "-" if q is None else (
            f"{q[0]:.2f}-{q[1]:.2f}" if isinstance(q, list) else f"{q:.2f}"
        )  # fmt: skip
        measure = f"{r['measure']} {'-'.join(str(y) for y in r['years'])}"
        lines.append((r["name"], measure, observed, _fmt(p.get("p05")), _fmt(p.get("median")),
                      _fmt(p.get("p95")), quant, r["result"].upper()))  # fmt: skip
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                  for i, (c, w) in enumerate(zip(line, widths, strict=True))).rstrip()
        for line in lines
    )  # fmt: skip


def figure(result: Mapping[str, Any], samples: Mapping[str, Sequence[float]]):
    """One panel an observation: the runs' values (dots), the 5-95 % interval (grey) and
    the observation (red line, or red band for an interval); titled pass or miss."""
    from matplotlib.figure import Figure

    rows = result["observations"]
    cols = min(3, len(rows))
    nrows = math.ceil(len(rows) / cols)
    fig = Figure(figsize=(4.2 * cols, 2.2 * nrows + 0.6))
    axes = np.atleast_1d(fig.subplots(nrows, cols, squeeze=False)).ravel()
    for ax, r in zip(axes, rows, strict=False):
        values = np.asarray(samples[r["name"]], dtype=float)
        values = values[np.isfinite(values)]
        jitter = np.linspace(-0.25, 0.25, len(values)) if len(values) > 1 else np.zeros(1)
        ax.scatter(values, jitter[: len(values)], s=10, color="#4d4d4d", alpha=0.7)
        if r["predictive"]:
            ax.axvspan(r["predictive"]["p05"], r["predictive"]["p95"], color="#bbbbbb",
                       alpha=0.5, lw=0)  # fmt: skip
        if "interval" in r:
            ax.axvspan(*r["interval"], color="#d6604d", alpha=0.35, lw=0)
        else:
            ax.axvline(r["value"], color="#b2182b", lw=2)
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.6)
        colour = "#1b7837" if r["result"] == "pass" else "#b2182b"
        ax.set_title(f"{r['name']}: {r['result'].upper()}", fontsize=9, color=colour)
        ax.tick_params(labelsize=8)
    for ax in axes[len(rows) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Predictive check: {result.get('predictive', '')} (grey: 5-95 %; red: observed)",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def png(fig) -> bytes:
    """A matplotlib Figure as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()

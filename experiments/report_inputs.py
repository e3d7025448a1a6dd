"""The folders a report reads, turned into the report's sections (``viz.report``).

Three kinds of folder, told apart by the file that defines each:

- a run's output folder (``rainforest run --out``): ``summary.json`` and
  ``indicators.parquet``; all the run folders given make the scorecard and the fan chart
  of output against the target, one scenario per folder;
- a sweep's results folder (``rainforest sweep --out``): ``manifest.json``; each sample's
  outcome against the targets, as ``rainforest analyze`` computes it;
- an analysis folder (``rainforest analyze|attribute|discover|optimize|switching --out``):
  ``analysis.json`` with its ``kind`` (a missing kind is ``"sweep"``, the older
  ``analyze`` output), ``title``, ``provenance``, ``figures`` (PNG files) and ``tables``
  (CSV files). Kinds are rendered alike: figures with captions, tables as tables, the
  provenance over both, so a new analysis needs no change here.

A folder that is none of these, a file an analysis names that is missing or is not what
it says, is bad input: one ScenarioError naming the folder and the file.

The report opens with what the run folders found, in words computed from them: each
scenario's outcome in the report year with its band, the difference between two
scenarios run on the same seeds, the chance of each target, and cautions (bands of few
runs, results at different scales). Every band says how many runs it is over and of
what: seeds, or posterior draws and seeds. The provenance of each folder is listed once,
in the sources table that closes the report; sections and figures name their source.
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from rainforest.experiments.provenance import code_version
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.schema import SCALE_NAMES
from rainforest.scenarios.targets import targets
from rainforest.sim.indicators import TARGETED, spec
from rainforest.viz.figures import fan_chart, png_bytes, scorecard_chart
from rainforest.viz.report import (
    KIND_HEADINGS,
    Figure,
    Section,
    Table,
    provenance_fields,
    provenance_line,
    render_report,
    table_from_records,
)
from rainforest.viz.sample_chart import sample_ranges, year_fans

if TYPE_CHECKING:
    from rainforest.experiments.sweeps.manifest import Manifest

SUMMARY, INDICATORS, MANIFEST, ANALYSIS = (
    "summary.json",
    "indicators.parquet",
    "manifest.json",
    "analysis.json",
)
ANALYSIS_KINDS: tuple[str, ...] = (
    "sweep", "attribution", "discovery", "optimization", "switching", "value_of_information",
)  # fmt: skip
RUN_KEYS = ("scenario", "seed", "replicates", "indicators")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
OUTPUT = "output_value_bn"
DEFAULT_TITLE = "Shanghai's future industries: the 2030 targets and the six plans"
FEW_RUNS = 20  # a 5-95 % band of fewer runs is little more than the spread of those runs
Source = tuple[int, str, Mapping[str, Any]]  # a source's number, what it is, its provenance


@dataclass(frozen=True)
class RunFolder:
    """A run's output folder: its summary, its replicates' indicators, what made them."""

    path: Path
    label: str
    summary: dict[str, Any]
    frames: list[pd.DataFrame]
    provenance: dict[str, Any]

    @property
    def runs(self) -> int:
        return int(self.summary["replicates"])

    @property
    def posterior(self) -> dict[str, Any] | None:
        """The posterior draws the runs used (``rainforest run --posterior``), or None."""
        drawn = self.summary.get("posterior")
        return drawn if isinstance(drawn, dict) else None

    @property
    def band_over(self) -> str:
        """How many runs a band is over, and of what: ``20 runs over seeds`` or
        ``20 runs: 10 posterior draws x 2 seeds``; ``20 runs on different seeds``."""
        n = f"{self.runs} run{'' if self.runs == 1 else 's'}"
        drawn = self.posterior
        if drawn is None:
            return f"{n} on different seeds"
        draws, per = drawn.get("draws", "?"), drawn.get("replicates_per_draw", "?")
        return f"{n}: {draws} posterior draws x {per} seed{'' if per == 1 else 's'}"

    @property
    def description(self) -> str:
        """What the scenario is: the description the run recorded, else the built-in
        scenario's of that name."""
        recorded = self.summary.get("description")
        if isinstance(recorded, str) and recorded.strip():
            return " ".join(recorded.split()).rstrip(".")
        from rainforest.scenarios.loader import library_names, load_scenario

        name = str(self.summary["scenario"])
        if name in library_names():
            return " ".join(load_scenario(name).description.split()).rstrip(".")
        return ""

    def year_end(self, name: str = OUTPUT) -> dict[int, float]:
        """Each run's ``name`` at the end of the report year, by the run's seed."""
        year = int(self.summary["year"])
        out = {}
        for frame in self.frames:
            rows = frame[frame["year"] == year]
            if not rows.empty:
                out[int(rows["seed"].iloc[-1])] = float(rows[name].iloc[-1])
        return out


def own_file(path: Path) -> Path:
    """``path`` if it is a regular file of its folder itself, not a link (which could
    bring any file of the machine into the report) nor a device or pipe."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise ScenarioError(f"{path}: missing") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISLNK(mode):
        raise ScenarioError(f"{path}: a link; a report reads only the folders' own files")
    if not stat.S_ISREG(mode):
        raise ScenarioError(f"{path}: not a regular file")
    return path


def _read_json(path: Path) -> Any:
    own_file(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not valid JSON ({exc})") from None


def folder_kind(path: Path) -> str:
    """``run``, ``sweep_results`` or ``analysis``; anything else is a ScenarioError."""
    if not path.exists():
        raise ScenarioError(f"{path}: no such folder")
    if not path.is_dir():
        raise ScenarioError(f"{path}: not a folder (give a run, sweep or analysis folder)")
    if (path / ANALYSIS).is_file():
        return "analysis"
    if (path / MANIFEST).is_file():
        return "sweep_results"
    if (path / SUMMARY).is_file():
        return "run"
    raise ScenarioError(
        f"{path}: not a run output folder ({SUMMARY}), a sweep results folder ({MANIFEST}) "
        f"or an analysis folder ({ANALYSIS})"
    )


# --------------------------------------------------------------------------- runs


def read_run_folder(path: Path) -> RunFolder:
    summary = _read_json(path / SUMMARY)
    if not isinstance(summary, dict) or any(k not in summary for k in RUN_KEYS):
        missing = [k for k in RUN_KEYS if not isinstance(summary, dict) or k not in summary]
        raise ScenarioError(f"{path / SUMMARY}: not a run summary (no {', '.join(missing)})")
    parquet = path / INDICATORS
    if not parquet.is_file():
        raise ScenarioError(f"{parquet}: missing (the run's indicators, quarter by quarter)")
    own_file(parquet)
    try:
        table = pd.read_parquet(parquet)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise ScenarioError(f"{parquet}: cannot be read ({exc})") from None
    needed = {"replicate", "year", "quarter", OUTPUT, *TARGETED}
    if not needed <= set(table.columns):
        missing = sorted(needed - set(table.columns))
        raise ScenarioError(f"{parquet}: no column {missing[0]!r}")
    frames = [f.reset_index(drop=True) for _, f in table.groupby("replicate", sort=True)]
    provenance = {
        "source": str(path),
        "seeds": {"root": summary["seed"], "replicates": summary["replicates"]},
        "scale": summary.get("scale"),
        "code_version": summary.get("code_version"),
    }
    drawn = summary.get("posterior")
    if isinstance(drawn, dict):
        per = drawn.get("replicates_per_draw", "?")
        provenance["posterior"] = (
            f"{drawn.get('draws', '?')} draws of {drawn.get('file', 'the ensemble')} "
            f"({drawn.get('ensemble_date', 'undated')}), {per} seed{'' if per == 1 else 's'} "
            "each"
        )
    return RunFolder(path, str(summary["scenario"]), summary, frames, provenance)


def _unique_labels(runs: list[RunFolder]) -> list[RunFolder]:
    """Scenario names as labels; a name given twice is told apart by its folder."""
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.label] = counts.get(r.label, 0) + 1
    out = []
    for r in runs:
        label = r.label if counts[r.label] == 1 else f"{r.label} ({r.path.name})"
        out.append(RunFolder(r.path, label, r.summary, r.frames, r.provenance))
    if len({r.label for r in out}) != len(out):
        raise ScenarioError(
            "the same scenario and folder name are given twice: "
            + ", ".join(str(r.path) for r in out)
        )
    return out


def value_text(name: str, value: float | None, *alike: float | None) -> str:
    """An indicator's value as the report writes it: counts as whole numbers (a band's
    interpolated quantile too), others with decimals by their size, the same decimals as
    the ``alike`` values it is shown with (a median and its band)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    size = max(abs(v) for v in (value, *alike) if v is not None and not math.isnan(v))
    if spec(name).integer or size >= 10:
        return f"{round(value):,}"
    return f"{value:,.1f}" if size >= 1 else f"{value:,.2f}"


def band_text(name: str, median: float | None, low: float | None, high: float | None) -> str:
    """``median [low - high]`` with one number format for the three."""
    if median is None:
        return "-"
    return (
        f"{value_text(name, median, low, high)} [{value_text(name, low, median, high)} - "
        f"{value_text(name, high, median, low)}]"
    )


def plain_name(name: str) -> str:
    """An indicator's plain name: its target's label, else its description."""
    goal = targets().get(name)
    return goal.label if goal is not None else spec(name).description


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.0f} %"


def run_sections(runs: Sequence[RunFolder]) -> list[Section]:
    """The scorecard against the targets and the output fan chart, over all run folders."""
    by_label = {r.label: r.frames for r in runs}
    over = "; ".join(f"{r.label}: {r.band_over}" for r in runs)
    records = []
    for name in TARGETED:
        s = spec(name)
        row: dict[str, Any] = {
            "indicator": plain_name(name),
            "target": value_text(name, s.target),
            "unit": s.unit,
        }
        for r in runs:
            entry = r.summary["indicators"].get(name, {})
            median, low, high = (entry.get(k) for k in ("median", "p05", "p95"))
            row[f"{r.label}: median [5-95 %] of {r.runs} runs"] = band_text(name, median, low, high)
            row[f"{r.label}: P(reach)"] = _percent(entry.get("reach_probability"))
        records.append(row)
    years = sorted({int(r.summary.get("year", 0)) for r in runs})
    scorecard = Section(
        id="scorecard",
        kind="scorecard",
        title=", ".join(r.label for r in runs),
        figures=(
            Figure(
                png_bytes(scorecard_chart(by_label)),
                "Each targeted indicator at the end of the report year as a share of its "
                f"2030 target: median and 5-95 % band of each scenario's runs ({over}).",
            ),
        ),
        tables=(
            table_from_records(
                f"The scorecard in {', '.join(map(str, years))}: median, 5-95 % band and "
                f"probability of reaching each target, of each scenario's runs ({over})",
                records,
            ),
        ),
    )
    fan = Section(
        id="fan-chart",
        kind="fan_chart",
        title=", ".join(r.label for r in runs),
        figures=(
            Figure(
                png_bytes(fan_chart(by_label, OUTPUT)),
                "Future-industry output, quarter by quarter: the median and 5-95 % band of "
                f"each scenario's runs ({over}), against the RMB 500 bn target for 2030.",
            ),
        ),
    )
    return [scorecard, fan]


# --------------------------------------------------------------------------- the summary


def outcome_sentence(run: RunFolder) -> str:
    """A scenario's outcome in words: the output in the report year, its band over how
    many runs of what, and the chance of reaching its target."""
    entry = run.summary["indicators"][OUTPUT]
    unit, year = spec(OUTPUT).unit, run.summary["year"]
    what = f" ({run.description})" if run.description else ""
    median, low, high = entry["median"], entry["p05"], entry["p95"]
    text = (
        f"{run.label}{what}: in {year}, {plain_name(OUTPUT).lower()} is "
        f"{value_text(OUTPUT, median, low, high)} {unit} (median; 5-95 % band "
        f"{value_text(OUTPUT, low, median, high)}-{value_text(OUTPUT, high, median, low)} "
        f"over {run.band_over}{_form_text(run)})"
    )
    if entry.get("target") is not None and entry.get("reach_probability") is not None:
        text += (
            f", against the 2030 target of {value_text(OUTPUT, entry['target'])}: reached in "
            f"{_percent(entry['reach_probability'])} of runs"
        )
    return text + "."


def _form_text(run: RunFolder) -> str:
    """Under which market form the runs ran (docs/ODD.md 7.7), where the summary says."""
    form = run.summary.get("market_form")
    return f", {form} market form" if isinstance(form, str) and form else ""


def targets_sentence(run: RunFolder) -> str:
    """Which targets a scenario reaches in most runs, in one sentence (the summary's
    table gives the chance of each)."""
    chances = {
        name: run.summary["indicators"].get(name, {}).get("reach_probability") for name in TARGETED
    }
    likely = [plain_name(n) for n, p in chances.items() if p is not None and p >= 0.5]
    known = sum(p is not None for p in chances.values())
    named = f": {'; '.join(likely)}" if likely else ""
    return (
        f"{run.label} reaches {len(likely)} of the {known} targets in at least half of its "
        f"runs{named}. The table gives the chance of each."
    )


def paired(first: RunFolder, second: RunFolder) -> list[tuple[float, float]] | None:
    """The two folders' outputs in the report year, run by run on the same seeds (and
    posterior draws); None when they were not run on the same ones."""
    if first.summary.get("year") != second.summary.get("year"):
        return None
    if (first.posterior or {}).get("sets") != (second.posterior or {}).get("sets"):
        return None
    a, b = first.year_end(), second.year_end()
    if not a or set(a) != set(b):
        return None
    return [(a[seed], b[seed]) for seed in sorted(a)]


def difference_sentence(run: RunFolder, reference: RunFolder) -> str | None:
    """What ``run`` adds over ``reference`` on the same seeds, or None where their seeds
    differ (then no paired difference can be read)."""
    pairs = paired(run, reference)
    if pairs is None:
        return None
    import numpy as np

    gaps = np.array([a - b for a, b in pairs])
    median = float(np.median(gaps))
    low, high = (float(q) for q in np.quantile(gaps, [0.05, 0.95]))
    higher = int(np.sum(gaps > 0))
    side = "above" if median >= 0 else "below"
    return (
        f"On the same {len(pairs)} seeds{' and posterior draws' if run.posterior else ''}, "
        f"{run.label}'s {plain_name(OUTPUT).lower()} in {run.summary['year']} is "
        f"{value_text(OUTPUT, abs(median), low, high)} {spec(OUTPUT).unit} {side} "
        f"{reference.label}'s (median of the paired differences; 5-95 % band "
        f"{value_text(OUTPUT, low, median, high)} to {value_text(OUTPUT, high, median, low)}"
        f"), higher in {higher} of {len(pairs)} pairs."
    )


def _reference(runs: Sequence[RunFolder]) -> RunFolder:
    """The run the others are compared with: the baseline if given, else the first."""
    return next((r for r in runs if r.summary.get("scenario") == "baseline"), runs[0])


def _few_runs_caution(runs: Sequence[RunFolder]) -> str | None:
    few = [r for r in runs if r.runs < FEW_RUNS]
    if not few:
        return None
    named = ", ".join(f"{r.label} ({r.band_over})" for r in few)
    return (
        f"Caution: the bands of {named} rest on few runs. A 5-95 % band of fewer than "
        f"{FEW_RUNS} runs is little more than the spread of those runs; rerun with more "
        "replicates (--replicates) before reading much into it."
    )


def scales_caution(sources: Sequence[Source]) -> str | None:
    """A caution where the sources were run at different scales, naming which."""
    by_scale: dict[str, list[int]] = {}
    for number, _, provenance in sources:
        scale = provenance.get("scale")
        if scale in SCALE_NAMES:
            by_scale.setdefault(str(scale), []).append(number)
    if len(by_scale) < 2:
        return None
    listed = "; ".join(
        f"{scale}: source{'s' if len(ns) > 1 else ''} {', '.join(map(str, ns))}"
        for scale, ns in by_scale.items()
    )
    return (
        f"Caution: these results come from runs at different scales ({listed}). The "
        "model's numbers depend on the scale it runs at, so compare numbers of one scale "
        "only."
    )


def summary_section(runs: Sequence[RunFolder]) -> Section:
    """The report's opening: what the run folders found, in words and one small table."""
    if not runs:
        return Section(
            id="summary",
            kind="summary",
            title="",
            made_by="from the folders below",
            notes=(
                "No run folder (rainforest run --out) is in this report: the sections below "
                "summarise each sweep and analysis.",
            ),
        )
    notes = [outcome_sentence(r) for r in runs]
    reference = _reference(runs)
    for r in runs:
        if r is not reference:
            sentence = difference_sentence(r, reference)
            notes.append(
                sentence
                if sentence is not None
                else f"{r.label} and {reference.label} were not run on the same seeds, so "
                "their difference cannot be read run by run; compare their bands only."
            )
    notes += [targets_sentence(r) for r in runs]
    records = []
    for name in TARGETED:
        row: dict[str, Any] = {
            "2030 target": plain_name(name),
            "value": f"{value_text(name, spec(name).target)} {spec(name).unit}",
        }
        for r in runs:
            entry = r.summary["indicators"].get(name, {})
            row[f"{r.label}: chance ({r.runs} runs)"] = _percent(entry.get("reach_probability"))
        records.append(row)
    caution = _few_runs_caution(runs)
    return Section(
        id="summary",
        kind="summary",
        title=", ".join(r.label for r in runs),
        notes=tuple(notes),
        cautions=() if caution is None else (caution,),
        tables=(
            table_from_records(
                "The chance of reaching each 2030 target: the share of each scenario's runs "
                "at or above it",
                records,
            ),
        ),
    )


# --------------------------------------------------------------------------- sweeps


def _short(path: str) -> str:
    return ".".join(str(path).split(".")[-2:])


LABEL_CHARS = 60
SAMPLES_DRAWN = 40
FAN_SAMPLES = 7  # the most samples one fan chart keeps apart (its colours)


def sample_label(parameters: Mapping[str, Any]) -> str:
    """A sample's values in a few words: paths shortened to their last two parts, and the
    same value on several paths of one name said once (``budget_bn.front_load = 0.5 (x6)``)."""
    if not parameters:
        return "base"
    groups: dict[tuple[str, str], int] = {}
    for path, value in parameters.items():
        key = (_short(path) if path != "scenario" else "scenario", repr(value).strip("'"))
        groups[key] = groups.get(key, 0) + 1
    text = ", ".join(f"{k} = {v}" + (f" (x{n})" if n > 1 else "") for (k, v), n in groups.items())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 3] + "..."


def sweep_results_section(path: Path, index: int) -> Section:
    """Each sample's outcome in the report year: a range chart and the sample table."""
    from rainforest.experiments.sweeps.analysis import analyze
    from rainforest.experiments.sweeps.storage import load_manifest

    own_file(path / MANIFEST)
    chunks = path / "chunks"
    if chunks.is_symlink():
        raise ScenarioError(f"{chunks}: a link; a report reads only the folders' own files")
    for chunk in chunks.glob("*.parquet") if chunks.is_dir() else ():
        own_file(chunk)
    manifest = load_manifest(path)
    report = analyze(path)
    provenance = {
        "source": str(path),
        "manifest_hash": manifest.identity,
        "seeds": {"root": manifest.root_seed, "replicates": manifest.replicates},
        "scale": manifest.scale or "as the base scenario",
        "code_version": dict(manifest.code),
    }
    made_by = provenance_line(provenance)
    year, samples = report["year"], report["samples"]
    records = []
    labels = []
    for s in samples:
        label = sample_label(s["parameters"])
        labels.append(f"{s['sample']}: {label}")
        row: dict[str, Any] = {"sample": s["sample"], **s["parameters"], "runs": s["runs"]}
        for name, st in s["indicators"].items():
            row[f"{name} median"] = st["median"]
            if st["reach_probability"] is not None:
                row[f"{name} P(reach)"] = f"{100 * st['reach_probability']:.0f} %"
        records.append(row)
    indicator = OUTPUT if OUTPUT in manifest.indicators else manifest.indicators[0]
    when = "" if year is None else f" in {year}"  # a sweep of a plain function has no year
    figures: list[Figure] = []
    if samples:
        shown = samples[:SAMPLES_DRAWN]
        values = [s["indicators"][indicator] for s in shown]
        target, unit = values[0].get("target"), values[0].get("unit")
        fig = sample_ranges(
            labels[:SAMPLES_DRAWN],
            [v["median"] for v in values],
            [v["p05"] for v in values],
            [v["p95"] for v in values],
            f"{indicator}{when}" + (f" ({unit})" if unit else ""),
            f"{manifest.name}: {indicator}{when} by sample ({manifest.replicates} replicates each)",
            target,
        )
        caption = (
            f"{indicator}{when} for each sample of the sweep {manifest.name}: the "
            "median and 5-95 % band over its replicates"
            + (", against the target" if target is not None else "")
            + (
                f" (the first {SAMPLES_DRAWN} of {len(samples)} samples)"
                if len(samples) > SAMPLES_DRAWN
                else ""
            )
            + "."
        )
        figures.append(Figure(png_bytes(fig), caption, made_by))
    fans = _year_fans(path, manifest, samples, labels, indicator, made_by)
    if fans is not None:
        figures.append(fans)
    notes = (
        f"{report['finished_runs']} of {report['total_runs']} runs finished, "
        f"{report['failed_runs']} failed; sampler {report['sampler']}.",
    )
    if manifest.description:
        notes = (manifest.description, *notes)
    table = table_from_records(
        f"Outcomes by sample{when}: median and probability of reaching each target",
        records,
        made_by,
    )
    return Section(
        id=f"part-{index}-sweep-results",
        kind="sweep_results",
        title=manifest.name,
        provenance=provenance,
        figures=tuple(figures),
        tables=(table,),
        notes=notes,
    )


def _year_fans(
    path: Path,
    manifest: Manifest,
    samples: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    indicator: str,
    made_by: str,
) -> Figure | None:
    """The fan chart over the years a sweep kept, one fan per sample; None where the
    sweep kept one year, or has more samples than one chart can tell apart."""
    from rainforest.experiments.sweeps.storage import load_results

    years = [int(y) for y in manifest.years]
    if len(years) < 2 or not samples or len(samples) > FAN_SAMPLES or manifest.model:
        return None
    columns = [f"{indicator}_{y}" for y in years]
    frame = load_results(path, columns=[*columns, "error"])
    ok = frame[frame["error"].isna()]
    series = {}
    for s, label in zip(samples, labels, strict=True):
        runs = ok[ok["sample"] == s["sample"]][columns]
        if runs.empty:
            continue
        q = runs.quantile([0.05, 0.5, 0.95])
        series[label] = (years, q.loc[0.5].tolist(), q.loc[0.05].tolist(), q.loc[0.95].tolist())
    if not series:
        return None
    first = samples[0]["indicators"][indicator]
    unit = first.get("unit")
    fig = year_fans(
        series,
        indicator + (f" ({unit})" if unit else ""),
        f"{manifest.name}: {indicator} by sample, median and 5-95 % band over "
        f"{manifest.replicates} replicates",
        first.get("target"),
        manifest.report_year,
    )
    caption = (
        f"{indicator} at the end of {', '.join(map(str, years))} for each sample of the sweep "
        f"{manifest.name}: the median and 5-95 % band over its replicates"
        + (", against the target." if first.get("target") is not None else ".")
    )
    return Figure(png_bytes(fig), caption, made_by)


# --------------------------------------------------------------------------- analyses


def _listed_file(folder: Path, entry: Any, where: str, suffix: str) -> tuple[Path, str]:
    """A ``{"file": ..., "caption": ...}`` entry of analysis.json, checked."""
    if not isinstance(entry, Mapping) or not isinstance(entry.get("file"), str):
        raise ScenarioError(f"{folder / ANALYSIS}: {where}: needs a file name and a caption")
    name = entry["file"]
    if Path(name).name != name or not name.lower().endswith(suffix):
        raise ScenarioError(
            f"{folder / ANALYSIS}: {where}: {name!r} must be a {suffix} file in the folder"
        )
    path = folder / name
    if not path.is_file():
        raise ScenarioError(f"{path}: missing (listed in {ANALYSIS} {where})")
    return own_file(path), str(entry.get("caption") or name)


def _read_png(path: Path) -> bytes:
    data = path.read_bytes()
    if not data.startswith(PNG_MAGIC):
        raise ScenarioError(f"{path}: not a PNG image")
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _read_csv(path: Path, caption: str, made_by: str) -> Table:
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame()
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ScenarioError(f"{path}: not a readable CSV table ({exc})") from None
    records = [{c: _plain(v) for c, v in row.items()} for row in frame.to_dict("records")]
    if not records:
        return Table(caption, tuple(map(str, frame.columns)), (), 0, made_by)
    return table_from_records(caption, records, made_by)


def _older_sweep_analysis(folder: Path, data: dict) -> tuple[list[dict], list[dict], dict]:
    """Figures, tables and provenance of ``rainforest analyze --out`` output that predates
    the shared contract (no ``figures``/``tables``/``provenance`` keys): its bar charts and
    CSV files are found by the names ``analyze`` gives them."""
    figures, tables = [], []
    sens = data.get("sensitivity")
    if isinstance(sens, Mapping):
        method = sens.get("method")
        label = {"sobol": "Sobol' indices S1 and ST", "morris": "Morris mu* and sigma"}.get(
            method, str(method)
        )
        for name in sens.get("indicators") or {}:
            file = f"{method}_{name}.png"
            if (folder / file).is_file():
                figures.append(
                    {"file": file, "caption": f"{label} of {name} in {data.get('year')}"}
                )
        if (folder / "sensitivity.csv").is_file():
            tables.append({"file": "sensitivity.csv", "caption": f"{label}, by indicator"})
    if (folder / "samples.csv").is_file():
        tables.append({"file": "samples.csv", "caption": "Outcomes by sample"})
    provenance = {"source": f"sweep {data.get('sweep', '?')}"}
    return figures, tables, provenance


def analysis_section(folder: Path, index: int) -> Section:
    """One analysis folder, rendered by the shared contract whatever its kind."""
    data = _read_json(folder / ANALYSIS)
    if not isinstance(data, dict):
        raise ScenarioError(f"{folder / ANALYSIS}: must hold a JSON object")
    kind = data.get("kind", "sweep")
    if kind not in ANALYSIS_KINDS:
        raise ScenarioError(
            f"{folder / ANALYSIS}: kind: unknown kind {kind!r} (known: {', '.join(ANALYSIS_KINDS)})"
        )
    figures_spec, tables_spec = data.get("figures"), data.get("tables")
    provenance = data.get("provenance")
    if kind == "sweep" and figures_spec is None and tables_spec is None:
        figures_spec, tables_spec, older = _older_sweep_analysis(folder, data)
        provenance = provenance or older
    for key, value in (("figures", figures_spec), ("tables", tables_spec)):
        if value is not None and not isinstance(value, list):
            raise ScenarioError(f"{folder / ANALYSIS}: {key}: must be a list")
    if provenance is not None and not isinstance(provenance, Mapping):
        raise ScenarioError(f"{folder / ANALYSIS}: provenance: must be a JSON object")
    provenance = dict(provenance or {})
    made_by = provenance_line(provenance)
    figures = []
    for i, entry in enumerate(figures_spec or []):
        path, caption = _listed_file(folder, entry, f"figures[{i}]", ".png")
        figures.append(Figure(_read_png(path), caption, made_by))
    tables = []
    for i, entry in enumerate(tables_spec or []):
        path, caption = _listed_file(folder, entry, f"tables[{i}]", ".csv")
        tables.append(_read_csv(path, caption, made_by))
    title = data.get("title")
    if not title and kind == "sweep":
        title = f"{data.get('sweep', folder.name)} ({data.get('sampler', 'sweep')})"
    notes: tuple[str, ...] = ()
    if kind == "sweep" and "finished_runs" in data:
        notes = (
            f"{data['finished_runs']} of {data.get('total_runs', '?')} runs finished, "
            f"{data.get('failed_runs', 0)} failed; indicators in {data.get('year')}.",
        )
    if not figures and not tables:
        notes = (*notes, "This analysis lists no figures or tables.")
    return Section(
        id=f"part-{index}-{kind}",
        kind=kind,
        title=str(title or folder.name),
        provenance=provenance,
        figures=tuple(figures),
        tables=tuple(tables),
        notes=notes,
    )


# --------------------------------------------------------------------------- the report


def _cite(section: Section, numbers: Sequence[int]) -> Section:
    """The section, its figures and tables naming their sources by number (the sources
    table says once what made each)."""
    ref = f"from source{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"
    return replace(
        section,
        made_by=ref,
        figures=tuple(replace(f, provenance=ref) for f in section.figures),
        tables=tuple(replace(t, provenance="") for t in section.tables),
    )


def sources_section(sources: Sequence[Source], runs_text: Mapping[int, str]) -> Section:
    """Each source's provenance, once: folder, seeds and runs, scale, code version;
    ``runs_text`` says of a run folder's source how many runs, of what."""
    records = []
    for number, what, provenance in sources:
        fields = provenance_fields(provenance)
        if number in runs_text:
            fields["seeds and runs"] = runs_text[number]
        records.append({"source": number, "what": what, **fields})
    return Section(
        id="sources",
        kind="sources",
        title="",
        tables=(
            Table(
                "What made each result: the folder, its root seed and runs, the population "
                "scale and the code version",
                tuple(records[0]) if records else (),
                tuple(tuple(r.values()) for r in records),
            ),
        ),
    )


def voi_sentence(folder: Path) -> str | None:
    """What is most worth learning, in words, from a ``rainforest voi`` folder (None for
    any other analysis): the parameter with the largest EVPPI, its share of the EVPI,
    whether today's observations inform it, and the best allocation on expectation."""
    data = _read_json(folder / "analysis.json")
    if not isinstance(data, dict) or data.get("kind") != "value_of_information":
        return None
    rows = [r for r in data.get("evppi", []) if r.get("kind") == "parameter"]
    if not rows:
        return None
    top = max(rows, key=lambda r: r["evppi"])
    unit = data.get("unit", "")
    informed = top.get("identified_today") or "unknown"
    by = f", moved by {top['informed_by']}" if top.get("informed_by") else ""
    by_name = {c.get("candidate"): c for c in data.get("candidates", [])}
    best = data.get("best_candidate")
    margin = ""
    if best in by_name and "today" in by_name and best != "today":
        gain = by_name[best]["mean_output_bn"] - by_name["today"]["mean_output_bn"]
        margin = (
            f" Of the allocations tried, {best} buys most: {gain:+.3g} RMB bn of mean 2030 "
            "output over today's allocation."
        )
    return (
        f"Most worth learning before choosing among {len(data.get('candidates', []))} "
        f"allocations ({data.get('band', '')}): {top['parameter']}, whose perfect knowledge "
        f"would be worth {top['evppi']:.3g} ({unit}) of the {data['evpi']:.3g} that knowing "
        f"every parameter would be worth; today's observations: {informed}{by}. Best on "
        f"expectation: {data.get('best_candidate')}.{margin}"
    )


def report_sections(folders: Sequence[str | Path]) -> list[Section]:
    """Sections for the folders: the summary in words first, then the scorecard and fan
    chart of all the run folders together, each other folder's section in the order
    given, and the sources table last."""
    if not folders:
        raise ScenarioError("report: give at least one run, sweep or analysis folder")
    kinds = [(Path(f), folder_kind(Path(f))) for f in folders]
    runs = _unique_labels([read_run_folder(p) for p, k in kinds if k == "run"])
    others = []  # read (and checked) before the run figures are drawn
    for index, (path, kind) in enumerate(kinds, start=1):
        if kind == "sweep_results":
            others.append(sweep_results_section(path, index))
        elif kind == "analysis":
            others.append(analysis_section(path, index))
    sources: list[Source] = []
    runs_text: dict[int, str] = {}
    for r in runs:
        number = len(sources) + 1
        what = f"run of {r.label}" + (" on the posterior" if r.posterior else "")
        sources.append((number, what, r.provenance))
        runs_text[number] = f"root seed {r.summary['seed']}, {r.band_over}"
    run_numbers = list(runs_text)
    cited = []
    for section in others:
        number = len(sources) + 1
        sources.append((number, f"{section.heading}: {section.title}", section.provenance))
        cited.append(_cite(section, [number]))
    summary = summary_section(runs)
    learned = [voi_sentence(p) for p, k in kinds if k == "analysis"]
    if any(learned):
        summary = replace(summary, notes=(*summary.notes, *(t for t in learned if t)))
    caution = scales_caution(sources)
    if caution is not None:
        summary = replace(summary, cautions=(*summary.cautions, caution))
    head = [summary if not runs else _cite(summary, run_numbers)]
    if runs:
        head += [_cite(s, run_numbers) for s in run_sections(runs)]
    return head + cited + [sources_section(sources, runs_text)]


def build_report(folders: Sequence[str | Path], title: str = DEFAULT_TITLE) -> str:
    """The HTML report of ``folders`` (see ``viz.report``)."""
    return render_report(title, report_sections(folders), code_version())


__all__ = ["ANALYSIS_KINDS", "KIND_HEADINGS", "build_report", "folder_kind", "report_sections"]

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
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from rainforest.experiments.provenance import code_version
from rainforest.scenarios.errors import ScenarioError
from rainforest.sim.indicators import TARGETED, spec
from rainforest.viz.figures import fan_chart, png_bytes, scorecard_chart
from rainforest.viz.report import (
    KIND_HEADINGS,
    Figure,
    Section,
    Table,
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
ANALYSIS_KINDS: tuple[str, ...] = ("sweep", "attribution", "discovery", "optimization", "switching")
RUN_KEYS = ("scenario", "seed", "replicates", "indicators")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
OUTPUT = "output_value_bn"
DEFAULT_TITLE = "Shanghai's future industries: the 2030 targets and the six plans"


@dataclass(frozen=True)
class RunFolder:
    """A run's output folder: its summary, its replicates' indicators, what made them."""

    path: Path
    label: str
    summary: dict[str, Any]
    frames: list[pd.DataFrame]
    provenance: dict[str, Any]


def _read_json(path: Path) -> Any:
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


def _runs_provenance(runs: Sequence[RunFolder]) -> str:
    return "; ".join(f"{r.label}: {provenance_line(r.provenance)}" for r in runs)


def run_sections(runs: Sequence[RunFolder]) -> list[Section]:
    """The scorecard against the targets and the output fan chart, over all run folders."""
    by_label = {r.label: r.frames for r in runs}
    made_by = _runs_provenance(runs) if len(runs) > 1 else provenance_line(runs[0].provenance)
    records = []
    for name in TARGETED:
        s = spec(name)
        row: dict[str, Any] = {"indicator": name, "target": s.target, "unit": s.unit}
        for r in runs:
            entry = r.summary["indicators"].get(name, {})
            median, low, high = (entry.get(k) for k in ("median", "p05", "p95"))
            band = "-" if median is None else f"{median:,.4g} [{low:,.4g} - {high:,.4g}]"
            row[f"{r.label}: median [5-95 %]"] = band
            reach = entry.get("reach_probability")
            row[f"{r.label}: P(reach)"] = "-" if reach is None else f"{100 * reach:.0f} %"
        records.append(row)
    years = sorted({int(r.summary.get("year", 0)) for r in runs})
    scorecard = Section(
        id="scorecard",
        kind="scorecard",
        title=", ".join(r.label for r in runs),
        made_by=made_by,
        figures=(
            Figure(
                png_bytes(scorecard_chart(by_label)),
                "Each targeted indicator at the end of the report year as a share of its "
                "2030 target: median and 5-95 % band over replicates, per scenario.",
                made_by,
            ),
        ),
        tables=(
            table_from_records(
                f"The scorecard in {', '.join(map(str, years))}: median, 5-95 % band and "
                "probability of reaching each target over replicates",
                records,
                made_by,
            ),
        ),
    )
    fan = Section(
        id="fan-chart",
        kind="fan_chart",
        title=", ".join(r.label for r in runs),
        made_by=made_by,
        figures=(
            Figure(
                png_bytes(fan_chart(by_label, OUTPUT)),
                "Future-industry output, quarter by quarter: the median and 5-95 % band over "
                "replicates for each scenario, against the RMB 500 bn target for 2030.",
                made_by,
            ),
        ),
    )
    return [scorecard, fan]


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
    return path, str(entry.get("caption") or name)


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


def report_sections(folders: Sequence[str | Path]) -> list[Section]:
    """Sections for the folders, in the order given; all the run folders together make
    the scorecard and fan chart, which come first."""
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
    return (run_sections(runs) if runs else []) + others


def build_report(folders: Sequence[str | Path], title: str = DEFAULT_TITLE) -> str:
    """The HTML report of ``folders`` (see ``viz.report``)."""
    return render_report(title, report_sections(folders), code_version())


__all__ = ["ANALYSIS_KINDS", "KIND_HEADINGS", "build_report", "folder_kind", "report_sections"]

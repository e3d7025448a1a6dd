"""Analysing a sweep's results folder: outcomes by sample, and sensitivity indices.

Per sample: the median and 5-95 % band of each kept indicator in the report year (the
plan's target year when the sweep kept it) and the probability of reaching each target,
over the sample's finished replicates, computed as the scorecard computes them. For
Sobol' and Morris sweeps: first-order and total Sobol' indices, or Morris mu* and sigma,
of the replicate mean, with bootstrap confidence intervals (SALib), per indicator.
A sweep of a plain function (``model = "module:function"``) is analysed the same way:
its outcomes have no year and no target.
"""

from __future__ import annotations

import io
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rainforest.experiments.files import output_folder, write_atomic
from rainforest.experiments.sweeps.manifest import Manifest
from rainforest.experiments.sweeps.spec import value_column
from rainforest.experiments.sweeps.storage import load_manifest, load_results
from rainforest.scenarios.errors import ScenarioError
from rainforest.sim.indicators import spec

CONF_LEVEL = 0.95
RESAMPLES = 200


def _float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _is_function(manifest: Manifest) -> bool:
    return manifest.model is not None


def _target(manifest: Manifest, name: str) -> float | None:
    """An indicator's 2030 target; a function's outcomes have none."""
    return None if _is_function(manifest) else spec(name).target


def _unit(manifest: Manifest, name: str) -> str:
    return "" if _is_function(manifest) else spec(name).unit


def sample_outcomes(frame: pd.DataFrame, manifest: Manifest, year: int | None) -> list[dict]:
    """Per sample: runs, failed runs, and each indicator's median, band and reach."""
    ok = frame[frame["error"].isna()]
    runs = frame.groupby("sample").size()
    failed = frame[frame["error"].notna()].groupby("sample").size()
    stats: dict[str, dict[str, pd.Series]] = {}
    for name in manifest.indicators:
        col = value_column(name, year)
        g = ok.groupby("sample")[col]
        target = _target(manifest, name)
        stats[name] = {
            "median": g.median(),
            "p05": g.quantile(0.05),
            "p95": g.quantile(0.95),
            "reach": None if target is None else (ok[col] >= target).groupby(ok["sample"]).mean(),
        }
    out = []
    for s in range(len(manifest.samples.values)):
        entry: dict[str, Any] = {
            "sample": s,
            "parameters": manifest.samples.row(s),
            "runs": int(runs.get(s, 0)),
            "failed": int(failed.get(s, 0)),
            "indicators": {},
        }
        for name in manifest.indicators:
            st = stats[name]
            target = _target(manifest, name)
            entry["indicators"][name] = {
                "target": target,
                "unit": _unit(manifest, name),
                "median": _float(st["median"].get(s)),
                "p05": _float(st["p05"].get(s)),
                "p95": _float(st["p95"].get(s)),
                "reach_probability": None if st["reach"] is None else _float(st["reach"].get(s)),
            }
        out.append(entry)
    return out


def sensitivity(frame: pd.DataFrame, manifest: Manifest, year: int | None) -> dict | None:
    """Sobol' indices or Morris measures per indicator; None for other samplers."""
    method = manifest.sampler
    if method not in ("sobol", "morris"):
        return None
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    names = manifest.parameter_paths
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    n_samples = manifest.samples.count
    ok = frame[frame["error"].isna()]
    result: dict[str, Any] = {"method": method, "conf_level": CONF_LEVEL, "indicators": {}}
    for name in manifest.indicators:
        means = ok.groupby("sample")[value_column(name, year)].mean().reindex(range(n_samples))
        entry: dict[str, Any] = {"parameters": [], "note": None, "unit": _unit(manifest, name)}
        result["indicators"][name] = entry
        missing = int(means.isna().sum())
        if missing:
            entry["note"] = f"{missing} of {n_samples} samples have no finished run"
            continue
        y = means.to_numpy(dtype=np.float64)
        if np.ptp(y) == 0.0:
            entry["note"] = "the same value in every sample: nothing to apportion"
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == "sobol":
                si = sobol_analyze.analyze(
                    problem, y, calc_second_order=manifest.second_order,
                    num_resamples=RESAMPLES, conf_level=CONF_LEVEL, seed=manifest.root_seed,
                )  # fmt: skip
                for i, p in enumerate(names):
                    measures = {k: _float(si[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf")}
                    entry["parameters"].append({"parameter": p, **measures})
            else:
                x = np.asarray(manifest.samples.unit, dtype=np.float64)
                si = morris_analyze.analyze(
                    problem, x, y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                    num_levels=manifest.morris_levels, seed=manifest.root_seed,
                )  # fmt: skip
                for i, p in enumerate(names):
                    keys = ("mu", "mu_star", "mu_star_conf", "sigma")
                    measures = {k: _float(si[k][i]) for k in keys}
                    entry["parameters"].append({"parameter": p, **measures})
    return result


def analyze(path: str | Path) -> dict[str, Any]:
    """The analysis of a results folder as plain data (what ``--json`` prints)."""
    manifest = load_manifest(path)
    year = manifest.report_year
    columns = [value_column(name, year) for name in manifest.indicators]
    frame = load_results(path, columns=[*columns, "error"])
    if frame.empty:
        raise ScenarioError(f"{path}: no finished runs to analyse yet")
    return {
        "sweep": manifest.name,
        "sampler": manifest.sampler,
        "model": manifest.function,
        "year": year,
        "total_runs": manifest.runs.count,
        "finished_runs": int(len(frame)),
        "failed_runs": int(frame["error"].notna().sum()),
        "parameters": list(manifest.samples.columns),
        "samples": sample_outcomes(frame, manifest, year),
        "sensitivity": sensitivity(frame, manifest, year),
    }


# --------------------------------------------------------------------------- reports


def samples_frame(report: dict[str, Any]) -> pd.DataFrame:
    """The per-sample outcomes as one flat table (``samples.csv``)."""
    rows = []
    for s in report["samples"]:
        row: dict[str, Any] = {"sample": s["sample"], **s["parameters"]}
        row["runs"], row["failed"] = s["runs"], s["failed"]
        for name, st in s["indicators"].items():
            for key in ("median", "p05", "p95", "reach_probability"):
                if key != "reach_probability" or st["target"] is not None:
                    row[f"{name}_{key}"] = st[key]
        rows.append(row)
    return pd.DataFrame(rows)


def sensitivity_frame(report: dict[str, Any]) -> pd.DataFrame:
    """The sensitivity measures as one flat table (``sensitivity.csv``)."""
    sens = report["sensitivity"]
    rows = []
    if sens is not None:
        for name, entry in sens["indicators"].items():
            for p in entry["parameters"]:
                rows.append({"indicator": name, **p})
    return pd.DataFrame(rows)


def bar_chart(report: dict[str, Any], indicator: str) -> bytes:
    """One indicator's Sobol' indices (S1, ST) or Morris mu*/sigma as bars, with CIs (PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sens = report["sensitivity"]
    entries = sens["indicators"][indicator]["parameters"]
    labels = [e["parameter"] for e in entries]
    x = np.arange(len(labels))
    fig = Figure(figsize=(max(6.0, 1.1 * len(labels) + 2), 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.38

    def values(key: str) -> list[float]:
        return [np.nan if e[key] is None else e[key] for e in entries]

    if sens["method"] == "sobol":
        ax.bar(x - width / 2, values("S1"), width, yerr=values("S1_conf"), capsize=3, label="S1")
        ax.bar(x + width / 2, values("ST"), width, yerr=values("ST_conf"), capsize=3, label="ST")
        ax.set_ylabel("Sobol' index")
        title = "first-order (S1) and total (ST) Sobol' indices"
    else:
        ax.bar(
            x - width / 2, values("mu_star"), width, yerr=values("mu_star_conf"), capsize=3,
            label="mu*",
        )  # fmt: skip
        ax.bar(x + width / 2, values("sigma"), width, label="sigma")
        unit = sens["indicators"][indicator].get("unit") or ""
        ax.set_ylabel(f"{indicator} ({unit})" if unit else indicator)
        title = "Morris mu* and sigma"
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.legend()
    when = "" if report["year"] is None else f" in {report['year']}"
    ax.set_title(
        f"{report['sweep']}: {indicator}{when}\n{title}, "
        f"{int(100 * sens['conf_level'])} % intervals"
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def write_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """analysis.json, samples.csv, sensitivity.csv and one bar chart per indicator."""
    out_dir = output_folder(out_dir)
    written = []
    data = (json.dumps(report, indent=2) + "\n").encode()
    write_atomic(out_dir / "analysis.json", data)
    written.append(out_dir / "analysis.json")
    write_atomic(out_dir / "samples.csv", samples_frame(report).to_csv(index=False).encode())
    written.append(out_dir / "samples.csv")
    sens = report["sensitivity"]
    if sens is not None:
        path = out_dir / "sensitivity.csv"
        write_atomic(path, sensitivity_frame(report).to_csv(index=False).encode())
        written.append(path)
        for name, entry in sens["indicators"].items():
            if entry["parameters"]:
                path = out_dir / f"{sens['method']}_{name}.png"
                write_atomic(path, bar_chart(report, name))
                written.append(path)
    return written

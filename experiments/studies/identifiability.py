"""What the data know: an identifiability report of a posterior ensemble.

A posterior that spans its prior says the observations did not inform the parameter,
whatever its median. For every free parameter of an ensemble record (its ``priors`` and
accepted ``sets``) the report gives, in *prior-quantile units* (the prior's CDF applied
to each accepted value, so a log-uniform prior counts the same as a uniform one):

- ``sd_ratio``: posterior sd / prior sd (1: no contraction; the uniform's sd is 1/sqrt(12));
- ``ks``: the Kolmogorov-Smirnov distance of the quantiles from uniform, with the 5 %
  critical value of the exact one-sample distribution (``scipy.stats.kstwo``) for the
  number of sets; ``verdict`` is "informed" when the distance exceeds it, else "not
  informed" (the posterior cannot be told from the prior with these sets). A whole-number
  parameter is compared with its discrete prior (a conservative test);
- ``at_bound``: the share of sets within 2 % of the prior's lower and upper bound, the
  prior's own share there, and ``presses`` ("low"/"high") when a one-sided binomial test
  finds more sets within 2 % or within 10 % of that bound than the prior puts there
  (p < 0.01 for either window): a posterior whose density rises into the bound;
- ``informed_by``: Spearman's rank correlation of the parameter with each observation.
  Over *every simulated run* when the caller passes them (``rainforest calibrate`` does:
  then it measures which observations move with the parameter across the prior, i.e.
  which bands can select on it), otherwise over the accepted sets (the file keeps only
  those; the observations are then confined to their bands, so the correlations are
  weaker). ``basis`` in the report says which; observations with |rho| at or above
  ``max(0.1, 2.576 / sqrt(n - 1))`` (1 % two-sided) are listed.

and the posterior correlation matrix of the parameters (Pearson, prior-quantile units).

``python -m rainforest.experiments.studies.identifiability ENSEMBLE.toml [--out DIR]``
(or ``rainforest calibrate --report ENSEMBLE.toml``) writes the report of an existing
ensemble file; ``rainforest calibrate --out FILE`` writes it beside the file it makes.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rainforest.scenarios.ensemble import ensemble_form

BOUND_WIDTH = 0.02  # "at a bound": within this share of the prior's quantile range
NEAR_WIDTH = 0.10  # the wider window of the pressing test (more sets, more power)
KS_LEVEL = 0.05  # the KS test's level
BOUND_P = 0.01  # the binomial test's level for "presses against a bound"
CORRELATION_SHOWN = 0.3  # posterior correlations listed as strong pairs
UNIFORM_SD = 1.0 / math.sqrt(12.0)


class Prior:
    """One parameter's prior as the ensemble records it: uniform or log-uniform on
    [low, high], possibly rounded to whole numbers (as ``FreeParameter.from_unit``)."""

    def __init__(self, path: str, entry: Mapping[str, Any]) -> None:
        self.path = path
        self.low = float(entry["low"])
        self.high = float(entry["high"])
        self.log = entry.get("scale", "linear") == "log"
        self.integer = bool(entry.get("integer", False))
        if not self.high > self.low or (self.log and self.low <= 0.0):
            raise ValueError(f"priors.{path}: not a usable range [{self.low}, {self.high}]")

    def to_unit(self, x: np.ndarray | float) -> np.ndarray:
        """Prior quantile of ``x`` (of the continuous prior before rounding), in [0, 1]."""
        x = np.asarray(x, dtype=float)
        if self.log:
            u = (np.log(x) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        else:
            u = (x - self.low) / (self.high - self.low)
        return np.clip(u, 0.0, 1.0)

    def support(self) -> tuple[np.ndarray, np.ndarray]:
        """A whole-number prior's values and their prior probabilities."""
        k = np.arange(math.ceil(self.low), math.floor(self.high) + 1, dtype=float)
        cdf = self.to_unit(np.minimum(k + 0.5, self.high))
        cdf[-1] = 1.0
        return k, np.diff(np.concatenate([[0.0], cdf]))


def ks_critical(n: int, level: float = KS_LEVEL) -> float:
    """The critical value of the one-sample two-sided KS distance for ``n`` points."""
    from scipy.stats import kstwo

    return float(kstwo.ppf(1.0 - level, n))


def ks_distance(prior: Prior, values: np.ndarray) -> float:
    """The KS distance of ``values`` from ``prior`` (sup |ECDF - CDF|), computed on the
    prior-quantile transform (exactly against the discrete prior for whole numbers)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if prior.integer:
        k, p = prior.support()
        ecdf = np.array([np.mean(np.round(values) <= v) for v in k])
        return float(np.max(np.abs(ecdf - np.cumsum(p))))
    u = np.sort(prior.to_unit(values))
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - u), np.max(u - (i - 1) / n)))


def prior_sd(prior: Prior) -> float:
    """The prior's sd in quantile units (the uniform's, or the discrete prior's)."""
    if not prior.integer:
        return UNIFORM_SD
    k, p = prior.support()
    u = prior.to_unit(k)
    mean = float(np.sum(p * u))
    return math.sqrt(float(np.sum(p * (u - mean) ** 2)))


def prior_mass_near(prior: Prior, width: float) -> tuple[float, float]:
    """The prior's mass within ``width`` (quantile units) of its lower and upper bound."""
    if not prior.integer:
        return width, width
    k, p = prior.support()
    u = prior.to_unit(k)
    return float(p[u <= width].sum()), float(p[u >= 1.0 - width].sum())


def pressed_bounds(prior: Prior, u: np.ndarray) -> list[str]:
    """The bounds ("low", "high") holding more sets than the prior puts near them: a
    one-sided binomial test at ``BOUND_P`` in a 2 % or a 10 % window."""
    from scipy.stats import binom

    n = len(u)
    pressed = []
    for side in ("low", "high"):
        for width in (BOUND_WIDTH, NEAR_WIDTH):
            mass = prior_mass_near(prior, width)[side == "high"]
            k = int(np.sum(u <= width)) if side == "low" else int(np.sum(u >= 1.0 - width))
            if k > 0 and mass < 1.0 and binom.sf(k - 1, n, mass) < BOUND_P:
                pressed.append(side)
                break
    return pressed


def _spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    from scipy.stats import rankdata

    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return None
    rx, ry = rankdata(x[ok]), rankdata(y[ok])
    if rx.std() == 0.0 or ry.std() == 0.0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def identifiability(
    record: Mapping[str, Any], runs: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The identifiability report of an ensemble ``record`` (as ``load_ensemble`` or
    ``calibrate`` gives it); ``runs``, every simulated run (each with ``parameters`` and
    ``observed``), when the caller has them, is the basis of ``informed_by``."""
    priors = [Prior(path, entry) for path, entry in record["priors"].items()]
    sets = record["sets"]
    n = len(sets)
    if n < 2:
        raise ValueError("the ensemble needs at least two accepted sets")
    critical = ks_critical(n)
    units = np.empty((n, len(priors)))
    parameters: dict[str, Any] = {}
    for j, prior in enumerate(priors):
        values = np.array([float(s["parameters"][prior.path]) for s in sets])
        u = prior.to_unit(values)
        units[:, j] = u
        ks = ks_distance(prior, values)
        low_mass, high_mass = prior_mass_near(prior, BOUND_WIDTH)
        presses = pressed_bounds(prior, u)
        parameters[prior.path] = {
            "sd_ratio": round(float(u.std(ddof=1)) / prior_sd(prior), 4),
            "ks": round(ks, 4),
            "ks_critical": round(critical, 4),
            "verdict": "informed" if ks > critical else "not informed",
            "posterior_quantiles_5_50_95": [
                round(float(q), 4) for q in np.quantile(u, [0.05, 0.5, 0.95])
            ],
            "at_bound": {
                "low_share": round(float(np.mean(u <= BOUND_WIDTH)), 4),
                "high_share": round(float(np.mean(u >= 1.0 - BOUND_WIDTH)), 4),
                "low_share_10pct": round(float(np.mean(u <= NEAR_WIDTH)), 4),
                "high_share_10pct": round(float(np.mean(u >= 1.0 - NEAR_WIDTH)), 4),
                "prior_share_low": round(low_mass, 4),
                "prior_share_high": round(high_mass, 4),
                "presses": presses[0] if len(presses) == 1 else (presses or None),
            },
        }
    corr = _correlation(units)
    basis_rows = list(runs) if runs is not None else list(sets)
    names = list(record.get("observations", {}))
    if not names and basis_rows:
        names = list(basis_rows[0].get("observed", {}))
    m = len(basis_rows)
    threshold = max(0.1, 2.576 / math.sqrt(max(m - 1, 1)))
    for prior in priors:
        x = np.array([float(r["parameters"][prior.path]) for r in basis_rows])
        rho = {}
        for name in names:
            y = np.array([float(r["observed"].get(name, math.nan)) for r in basis_rows])
            r = _spearman(x, y)
            rho[name] = None if r is None else round(r, 3)
        informing = sorted(
            (k for k, v in rho.items() if v is not None and abs(v) >= threshold),
            key=lambda k: -abs(rho[k]),  # type: ignore[arg-type]
        )
        parameters[prior.path]["rank_correlation"] = rho
        parameters[prior.path]["informed_by"] = informing
    paths = [p.path for p in priors]
    pairs = [
        {"a": paths[i], "b": paths[j], "r": corr[i][j]}
        for i in range(len(paths))
        for j in range(i + 1, len(paths))
        if corr[i][j] is not None and abs(corr[i][j]) >= CORRELATION_SHOWN
    ]
    pairs.sort(key=lambda p: -abs(p["r"]))
    return {
        "ensemble": record.get("_path"),
        "market_form": ensemble_form(record),
        "sets": n,
        "units": "prior quantiles (the prior's CDF at each accepted value)",
        "ks_level": KS_LEVEL,
        "ks_critical": round(critical, 4),
        "bound_width": BOUND_WIDTH,
        "bound_test": (
            f"one-sided binomial test of the sets within {BOUND_WIDTH:.0%} or {NEAR_WIDTH:.0%} "
            f"of a bound against the prior's share there, p < {BOUND_P}"
        ),
        "informed_by_basis": (
            f"Spearman rank correlation over all {m} simulated runs"
            if runs is not None
            else f"Spearman rank correlation over the {m} accepted sets (the file keeps "
            "no rejected runs)"
        ),
        "informed_by_threshold": round(threshold, 3),
        "summary": {
            "informed": [p for p in paths if parameters[p]["verdict"] == "informed"],
            "not_informed": [p for p in paths if parameters[p]["verdict"] != "informed"],
            "pressing_a_bound": {
                p: parameters[p]["at_bound"]["presses"]
                for p in paths
                if parameters[p]["at_bound"]["presses"]
            },
        },
        "parameters": parameters,
        "correlation": {"parameters": paths, "matrix": corr},
        "strong_correlations": pairs,
    }


def _correlation(units: np.ndarray) -> list[list[float | None]]:
    """Pearson correlations of the columns; None where a column is constant."""
    d = units.shape[1]
    sd = units.std(axis=0)
    out: list[list[float | None]] = [[None] * d for _ in range(d)]
    live = sd > 0.0
    if live.sum() >= 1:
        c = np.corrcoef(units[:, live], rowvar=False).reshape(live.sum(), live.sum())
        idx = np.flatnonzero(live)
        for a, i in enumerate(idx):
            for b, j in enumerate(idx):
                out[i][j] = round(float(c[a, b]), 3)
    return out


# --- what it writes -----------------------------------------------------------------


def report_paths(ensemble: str | Path, folder: str | Path | None = None) -> tuple[Path, Path]:
    """Where the report of ``ensemble`` goes: ``STEM.identifiability.json`` and ``.png``,
    beside the ensemble or in ``folder``."""
    ensemble = Path(ensemble)
    where = Path(folder) if folder is not None else ensemble.parent
    stem = ensemble.name.removesuffix(".toml")
    return where / f"{stem}.identifiability.json", where / f"{stem}.identifiability.png"


def short_name(path: str) -> str:
    """``market.bass_p`` -> ``bass_p``: a parameter's name in a table or figure."""
    return path.rsplit(".", 1)[-1]


def figure(report: Mapping[str, Any]):
    """KS distance against its critical value and the sd ratio of each parameter, and
    the posterior correlation matrix (a matplotlib Figure)."""
    from matplotlib.figure import Figure

    paths = list(report["parameters"])
    d = len(paths)
    rows = report["parameters"]
    fig = Figure(figsize=(13, 1.5 + 0.28 * d))
    ax_ks, ax_sd, ax_c = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.3]})
    y = np.arange(d)
    colours = ["#1b7837" if rows[p]["verdict"] == "informed" else "#999999" for p in paths]
    ax_ks.barh(y, [rows[p]["ks"] for p in paths], color=colours)
    ax_ks.axvline(report["ks_critical"], color="#b2182b", ls="--", lw=1)
    ax_ks.set_yticks(y, [short_name(p) for p in paths], fontsize=8)
    ax_ks.invert_yaxis()
    ax_ks.set_xlabel(f"KS distance from the prior (dashed: 5 % critical, n = {report['sets']})")
    ax_sd.barh(y, [rows[p]["sd_ratio"] for p in paths], color=colours)
    ax_sd.axvline(1.0, color="k", lw=0.8)
    ax_sd.set_xlim(0.0, max(1.5, max(rows[p]["sd_ratio"] for p in paths) + 0.4))
    ax_sd.set_yticks(y, [""] * d)
    ax_sd.invert_yaxis()
    ax_sd.set_xlabel("posterior sd / prior sd (prior quantiles)")
    for i, p in enumerate(paths):
        if rows[p]["at_bound"]["presses"]:
            ax_sd.text(rows[p]["sd_ratio"] + 0.02, i, f"at {rows[p]['at_bound']['presses']} "
                       "bound", va="center", fontsize=7, color="#b2182b")  # fmt: skip
    matrix = np.array(
        [[np.nan if v is None else v for v in row] for row in report["correlation"]["matrix"]]
    )
    image = ax_c.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
    ax_c.set_xticks(y, [short_name(p) for p in paths], rotation=90, fontsize=6)
    ax_c.set_yticks(y, [short_name(p) for p in paths], fontsize=6)
    ax_c.set_title("posterior correlation", fontsize=9)
    fig.colorbar(image, ax=ax_c, shrink=0.7)
    form = report.get("market_form") or "?"
    fig.suptitle(f"What the observations inform ({form} form, {report['sets']} accepted sets)")
    fig.tight_layout()
    return fig


def _png(fig) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def write_report(report: Mapping[str, Any], json_path: Path, png_path: Path) -> list[Path]:
    """The report as JSON and its figure, each written whole."""
    from rainforest.experiments.files import write_atomic

    json_path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=1, allow_nan=False) + "\n"
    return [write_atomic(json_path, text), write_atomic(png_path, _png(figure(report)))]


def markdown_table(report: Mapping[str, Any]) -> str:
    """The report as a Markdown table: parameter, sd ratio, KS (critical value), verdict,
    share of sets at a prior bound, the observations that inform it."""
    lines = [
        f"| parameter | sd ratio | KS (5 % critical {report['ks_critical']:.3f}) | verdict "
        "| sets within 2 % (10 %) of the low / high bound | informed by |",
        "|---|---|---|---|---|---|",
    ]
    for path, row in report["parameters"].items():
        bound = row["at_bound"]
        at = (
            f"{bound['low_share']:.2f} ({bound['low_share_10pct']:.2f}) / "
            f"{bound['high_share']:.2f} ({bound['high_share_10pct']:.2f})"
        )
        if bound["presses"]:
            at += f" **{bound['presses']}**"
        verdict = f"**{row['verdict']}**" if row["verdict"] == "informed" else row["verdict"]
        informed_by = ", ".join(row["informed_by"][:3]) or "none"
        lines.append(
            f"| `{path}` | {row['sd_ratio']:.2f} | {row['ks']:.3f} | {verdict} | {at} "
            f"| {informed_by} |"
        )
    return "\n".join(lines)


def report_of_file(path: str | Path) -> dict[str, Any]:
    """The report of an ensemble file (``informed_by`` over its accepted sets)."""
    from rainforest.scenarios.ensemble import load_ensemble

    return identifiability(load_ensemble(path))


def main(argv: list[str] | None = None) -> int:
    """``python -m rainforest.experiments.studies.identifiability FILE [--out DIR]``."""
    import argparse
    import sys

    from rainforest.scenarios.errors import ScenarioError

    parser = argparse.ArgumentParser(
        prog="python -m rainforest.experiments.studies.identifiability",
        description="The identifiability report of a posterior ensemble file.",
    )
    parser.add_argument("ensemble", help="an ensemble file (scenarios/posterior.toml)")
    parser.add_argument("--out", default=None, help="folder (default: beside the file)")
    parser.add_argument("--markdown", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    try:
        report = report_of_file(args.ensemble)
    except (ScenarioError, ValueError, KeyError) as exc:
        print(f"identifiability: {args.ensemble}: {exc}", file=sys.stderr)
        return 2
    print(markdown_table(report))
    if not args.markdown:
        for written in write_report(report, *report_paths(args.ensemble, args.out)):
            print(f"wrote {written}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

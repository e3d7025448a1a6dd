"""`rainforest analyze DIR`: outcomes by sample and sensitivity indices of a sweep."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROWS_SHOWN = 30


def register(sub) -> None:
    from rainforest.experiments.cli.args import add_command, out_path

    analyze = add_command(
        sub, "analyze", "outcomes by sample, and Sobol'/Morris sensitivity, of a sweep's results",
        "Read a sweep's results folder and summarise it: each sample's median outcome and "
        "chance of reaching each target, and, for a Sobol' or Morris sweep, how much of the "
        "outcome's variation each input explains (Sobol' S1 and ST with intervals; Morris "
        "mu* and sigma). It runs no model. --out writes analysis.json, the tables as CSV "
        "and bar charts, a folder rainforest report reads.",
        [
            "rainforest analyze results/sobol",
            "rainforest analyze results/sobol --out results/sobol-analysis",
        ],
    )  # fmt: skip
    analyze.add_argument("dir", type=Path, help="a sweep's results folder")
    analyze.add_argument("--json", action="store_true", help="print the analysis as JSON")
    analyze.add_argument(
        "--out", type=out_path, default=None,
        help="folder for analysis.json, samples.csv, sensitivity.csv and bar charts (PNG)",
    )  # fmt: skip
    analyze.set_defaults(handler=cmd_analyze)


def cmd_analyze(args: argparse.Namespace) -> int:
    from rainforest.experiments.sweeps.analysis import analyze, write_report

    report = analyze(args.dir)
    written = write_report(report, args.out) if args.out is not None else []
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    render_report(report)
    if written:
        print(f"wrote {', '.join(str(p) for p in written)}")
    elif report["sensitivity"] is not None:
        print("(--out REPORT_DIR writes the tables as CSV and the bar charts as PNG)")
    return 0


def render_report(report: dict[str, Any], console=None) -> None:
    """The per-sample outcomes and the sensitivity measures as terminal tables."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    samples = report["samples"]
    table = Table(
        title=(
            f"{report['sweep']} ({report['sampler']}): "
            f"{report['model'] or report['year']}, "
            f"{report['finished_runs']}/{report['total_runs']} runs, "
            f"{report['failed_runs']} failed - median [5-95 %] P(reach)"
        )
    )
    table.add_column("sample", justify="right")
    parameters = report["parameters"]
    for path in parameters:
        table.add_column(_short(path), justify="right")
    table.add_column("runs", justify="right")
    names = list(samples[0]["indicators"]) if samples else []
    for name in names:
        table.add_column(name, justify="right")
    for s in samples[:ROWS_SHOWN]:
        values = [s["parameters"].get(p) for p in parameters]
        cells = [_fmt(v) if _is_num(v) else ("-" if v is None else str(v)) for v in values]
        for name in names:
            st = s["indicators"][name]
            cell = f"{_fmt(st['median'])}\n[{_fmt(st['p05'])}-{_fmt(st['p95'])}]"
            if st["reach_probability"] is not None:
                cell += f"\n{100 * st['reach_probability']:.0f} %"
            cells.append(cell)
        runs = f"{s['runs']}" + (f" ({s['failed']} failed)" if s["failed"] else "")
        table.add_row(str(s["sample"]), *cells[: len(parameters)], runs, *cells[len(parameters) :])
    console.print(table)
    if len(samples) > ROWS_SHOWN:
        console.print(
            f"... {len(samples) - ROWS_SHOWN} more samples (--out REPORT_DIR writes samples.csv, "
            "--json prints them all)"
        )
    sens = report["sensitivity"]
    if sens is None:
        return
    level = int(100 * sens["conf_level"])
    table = Table(title=f"{sens['method']} sensitivity ({level} % intervals)")
    table.add_column("indicator")
    table.add_column("parameter")
    if sens["method"] == "sobol":
        table.add_column("S1", justify="right")
        table.add_column("ST", justify="right")
    else:
        table.add_column("mu*", justify="right")
        table.add_column("sigma", justify="right")
    for name, entry in sens["indicators"].items():
        if not entry["parameters"]:
            table.add_row(name, f"({entry['note']})", "", "")
        for p in entry["parameters"]:
            if sens["method"] == "sobol":
                a = f"{_fmt(p['S1'])} ± {_fmt(p['S1_conf'])}"
                b = f"{_fmt(p['ST'])} ± {_fmt(p['ST_conf'])}"
            else:
                a = f"{_fmt(p['mu_star'])} ± {_fmt(p['mu_star_conf'])}"
                b = _fmt(p["sigma"])
            table.add_row(name, p["parameter"], a, b)
    console.print(table)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def _short(path: str) -> str:
    """A column header: the path's last two parts (plans.array.budget_bn -> array.budget_bn)."""
    return ".".join(path.split(".")[-2:])


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)

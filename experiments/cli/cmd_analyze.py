"""`rainforest analyze DIR`: outcomes by sample and sensitivity indices of a sweep."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub) -> None:
    analyze = sub.add_parser(
        "analyze", help="outcomes by sample, and Sobol'/Morris sensitivity, of a sweep's results"
    )
    analyze.add_argument("dir", type=Path, help="a sweep's results folder")
    analyze.add_argument("--json", action="store_true", help="print the analysis as JSON")
    analyze.add_argument(
        "--out", type=Path, default=None,
        help="folder for analysis.json, samples.csv, sensitivity.csv and bar charts (PNG)",
    )  # fmt: skip
    analyze.set_defaults(handler=cmd_analyze)


def cmd_analyze(args: argparse.Namespace) -> int:
    from rainforest.experiments.sweeps.analysis import analyze, render_report, write_report

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

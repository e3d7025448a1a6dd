"""`rainforest report DIR... --out report.html`: one offline HTML report of results."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    from rainforest.experiments.cli.args import add_command, out_path

    report = add_command(
        sub, "report",
        "one self-contained HTML report (figures embedded) of run, sweep and analysis folders",
        "Write one HTML page, figures embedded, that opens offline: it begins with a "
        "summary in words of what the run folders found (each scenario's 2030 outcome with "
        "its band, the difference between scenarios run on the same seeds, the chance of "
        "each target), then the scorecard and fan chart of the scenarios compared, and a "
        "section for each sweep and analysis folder, in the order given. Every band says "
        "over how many runs it is, and of what (seeds, posterior draws); every source's "
        "provenance (seeds, scale, code version) is listed once.",
        [
            "rainforest run baseline --replicates 20 --out results/baseline",
            "rainforest run action_plan --replicates 20 --out results/plan",
            "rainforest report results/plan results/baseline --out report.html",
        ],
    )  # fmt: skip
    report.add_argument(
        "dirs", nargs="+", type=Path, metavar="DIR",
        help="run output folders (rainforest run --out), sweep results folders and analysis "
        "folders (analysis.json), in the order the report shows them",
    )  # fmt: skip
    report.add_argument("--out", type=out_path, required=True, help="the HTML file to write")
    report.add_argument(
        "--title", default=None,
        help="the report's title (default: Shanghai's future industries: the 2030 targets and "
        "the six plans)",
    )  # fmt: skip
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from rainforest.experiments.files import output_folder, write_atomic
    from rainforest.experiments.report_inputs import DEFAULT_TITLE, build_report
    from rainforest.scenarios.errors import ScenarioError

    out: Path = args.out
    if out.is_dir():
        raise ScenarioError(f"--out {out}: is a folder; give the HTML file to write")
    output_folder(out.parent)  # an unwritable folder is found before the report is built
    html = build_report(args.dirs, args.title or DEFAULT_TITLE)
    write_atomic(out, html)
    print(f"wrote {out} ({len(html.encode('utf-8')) / 1e6:.1f} MB, {len(args.dirs)} folders)")
    return 0

"""`rainforest report DIR... --out report.html`, as a decision-maker's analyst makes one.

One module fixture makes the inputs once: two run folders (``rainforest run --out``), a
small sweep's results folder and its ``rainforest analyze --out`` folder, and one folder
per analysis kind the other commands write, built here to the shared contract
(``analysis.json`` + a PNG + a CSV). The report is made once; the tests read it as text,
then open it in headless Chromium (file://, every outside request refused), find every
section, check every image decoded, and save a screenshot.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from rainforest.experiments.cli import main
from rainforest.experiments.sweeps.executors import LocalExecutor
from rainforest.experiments.sweeps.runner import run_sweep
from rainforest.experiments.sweeps.spec import load_sweep
from rainforest.experiments.sweeps.storage import load_manifest
from rainforest.viz.figures import png_bytes

SHORT = 'extends = "{base}"\nname = "{name}"\nscale = "classroom"\n'
MORRIS = """
name = "tiny_morris"
base = "short_plan.toml"
sampler = "morris"
samples = 2
morris_levels = 4
replicates = 1
seed = 5
indicators = ["output_value_bn", "pilot_areas"]
years = [2025, 2030]

[parameters]
"plans.array.budget_bn" = { min = 0.0, max = 3.0 }
"plans.leading.pilot_areas.shift" = { min = 0, max = 2 }
"""
KINDS = {  # kind -> (title, figure caption, table caption, a table cell to find)
    "attribution": ("Shapley values of the six plans", "Shapley waterfall", "values", "array"),
    "discovery": ("PRIM boxes: output below 500 bn", "Peeling trajectory", "box limits", "0.42"),
    "optimization": ("The cheapest mix", "Pareto front", "robustness", "regret"),
    "switching": ("Switching values", "Tornado with crossings", "crossings", "bass_q"),
}
MANIFEST_HASH = "f00dfacecafe0123456789abcdef0123456789abcdef"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _chromium() -> str | None:
    """Debian's Chromium, as the view's browser test finds it (tests/viz/test_browser.py)."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _png(label: str) -> bytes:
    fig = Figure(figsize=(4, 2.5))
    ax = fig.add_subplot()
    ax.barh(["a", "b", "c"], [3, -1, 2])
    ax.set_title(label)
    return png_bytes(fig, dpi=60)


def _analysis_folder(root: Path, kind: str) -> Path:
    title, fig_caption, table_caption, cell = KINDS[kind]
    folder = root / kind
    folder.mkdir()
    (folder / "figure.png").write_bytes(_png(kind))
    pd.DataFrame({"name": [cell, "other"], "value": [0.5, 1.25]}).to_csv(
        folder / "table.csv", index=False
    )
    data = {
        "kind": kind,
        "title": title,
        "provenance": {
            "manifest_hash": MANIFEST_HASH,
            "code_version": {"package": "0.1.0", "git_commit": None, "model_sha256": "c0de"},
            "seeds": {"root": 77, "replicates": 4},
            "scale": "classroom",
            "source": f"results/{kind}",
        },
        "figures": [{"file": "figure.png", "caption": fig_caption}],
        "tables": [{"file": "table.csv", "caption": table_caption}],
        "own_data": {"anything": [1, 2, 3]},
    }
    (folder / "analysis.json").write_text(json.dumps(data))
    return folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report-inputs")
    folders: dict[str, Path] = {}
    for name in ("action_plan", "no_leading"):
        scenario = root / f"{name}-classroom.toml"
        scenario.write_text(SHORT.format(base=name, name=name))
        folders[name] = root / f"run-{name}"
        assert main(["run", str(scenario), "--replicates", "2", "--out", str(folders[name])]) == 0
    (root / "short_plan.toml").write_text(SHORT.format(base="action_plan", name="short_plan"))
    (root / "morris.toml").write_text(MORRIS)
    folders["sweep"] = root / "sweep"
    assert run_sweep(load_sweep(root / "morris.toml"), folders["sweep"], lambda: LocalExecutor(1))
    folders["analyze"] = root / "analyze"
    assert main(["analyze", str(folders["sweep"]), "--out", str(folders["analyze"])]) == 0
    for kind in KINDS:
        folders[kind] = _analysis_folder(root, kind)
    return folders


@pytest.fixture(scope="module")
def report(inputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "nested" / "report.html"
    assert main(["report", *map(str, inputs.values()), "--out", str(out)]) == 0
    return out


# scorecard, fan chart; the sweep's sample ranges and year fans; 2 Morris bars; 1 per kind
IMAGES = 2 + 2 + 2 + len(KINDS)
SECTION_IDS = [
    "summary",
    "scorecard",
    "fan-chart",
    "part-3-sweep-results",
    "part-4-sweep",
    *[f"part-{i}-{kind}" for i, kind in enumerate(KINDS, start=5)],
    "sources",
]


def test_every_folder_becomes_its_section_in_order(report):
    html = report.read_text(encoding="utf-8")
    ids = re.findall(r'<section class="part" id="([^"]+)"', html)
    assert ids == SECTION_IDS
    for title, fig_caption, table_caption, cell in KINDS.values():
        for text in (title, fig_caption, table_caption, f"<td>{cell}</td>"):
            assert text in html
    assert "Morris mu* and sigma of output_value_bn" in html  # analyze's bar charts
    assert "output_value_bn at the end of 2025, 2030 for each sample" in html  # the year fans
    assert "<td>1.25</td>" in html  # a CSV number, as a table cell


def test_the_page_is_self_contained(report, inputs):
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"https?://", html)
    assert not re.search(r"(?:src|href)=\"(?!data:|#)", html)
    figures = IMAGES
    assert html.count('<img src="data:image/png;base64,') == figures
    assert not [p for p in report.parent.iterdir() if p.name != "report.html"]


def test_every_figure_says_which_runs_made_it(report, inputs):
    html = report.read_text(encoding="utf-8")
    runs = json.loads((inputs["action_plan"] / "summary.json").read_text())
    assert runs["code_version"]["model_sha256"] in html
    assert "run of action_plan" in html and "root seed 0, 2 runs on different seeds" in html
    manifest = load_manifest(inputs["sweep"])
    assert f"manifest {manifest.identity[:12]}" in html
    assert f"manifest {MANIFEST_HASH[:12]}" in html and "root seed 77, 4 replicates" in html
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html, flags=re.S)
    assert len(captions) == html.count("<img ")
    assert all('class="provenance">from source' in c for c in captions)
    assert html.count("root seed 0, 2 runs") == 2  # once per run folder: the sources table


def test_the_report_opens_offline_in_chromium(report, tmp_path):
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium found (/usr/bin/chromium): install Debian's chromium")
    from playwright.sync_api import sync_playwright

    outside: list[str] = []

    def only_the_file(route) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.route("**/*", only_the_file)
            page = context.new_page()
            page.goto(report.as_uri(), wait_until="load")
            for section in SECTION_IDS:
                located = page.locator(f"section#{section}")
                assert located.count() == 1, section
                assert located.locator("h2").inner_text().strip(), section
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])"
            )
            assert len(images) == IMAGES
            assert all(done and width > 0 for done, width, _ in images), images
            links = page.locator("nav a")
            assert links.count() == len(SECTION_IDS)
            shot = tmp_path / "rainforest-report.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 50_000
            if os.environ.get("RAINFOREST_SCREENSHOTS"):
                keep = Path(os.environ["RAINFOREST_SCREENSHOTS"])
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, keep / shot.name)
        finally:
            browser.close()
    assert outside == []


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "absent", "absent: no such folder"),
        (lambda d: _write(d / "notes", "notes.txt", "hi"), "not a run output folder"),
        (lambda d: _write(d / "k", "analysis.json", '{"kind": "poem"}'), "unknown kind 'poem'"),
        (lambda d: _write(d / "j", "analysis.json", "{not json"), "not valid JSON"),
        (
            lambda d: _write(
                d / "f",
                "analysis.json",
                '{"kind": "discovery", "figures": [{"file": "gone.png", "caption": "c"}]}',
            ),  # fmt: skip
            "gone.png: missing",
        ),
        (
            lambda d: _write(
                _write(d / "p", "fake.png", "text"),
                "analysis.json",
                '{"kind": "switching", "figures": [{"file": "fake.png", "caption": "c"}]}',
            ),  # fmt: skip
            "not a PNG",
        ),
        (
            lambda d: _write(
                d / "t",
                "analysis.json",
                '{"kind": "switching", "tables": [{"file": "../x.csv", "caption": "c"}]}',
            ),  # fmt: skip
            "must be a .csv file in the folder",
        ),
        (lambda d: _write(d / "s", "summary.json", '{"scenario": "x"}'), "not a run summary"),
    ],
)
def test_bad_folders_get_one_message_and_nothing_written(make, message, inputs, tmp_path, capsys):
    bad = make(tmp_path)
    out = tmp_path / "report.html"
    assert main(["report", str(inputs["action_plan"]), str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not out.exists()


def test_an_out_that_is_a_folder_is_refused(inputs, tmp_path, capsys):
    assert main(["report", str(inputs["action_plan"]), "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_the_same_folders_give_the_same_bytes(inputs, report, tmp_path):
    again = tmp_path / "again.html"
    assert main(["report", *map(str, inputs.values()), "--out", str(again)]) == 0
    assert again.read_bytes() == report.read_bytes()

"""The HTML report's page, from sections given as data: escaped, offline, traceable."""

from __future__ import annotations

import re

import pytest
from matplotlib.figure import Figure as MplFigure
from rainforest.viz.figures import png_bytes
from rainforest.viz.report import (
    Figure,
    Section,
    Table,
    format_cell,
    provenance_line,
    render_report,
    table_from_records,
)
from rainforest.viz.sample_chart import sample_ranges, year_fans


@pytest.fixture(scope="module")
def png() -> bytes:
    fig = MplFigure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    return png_bytes(fig, dpi=50)


PROVENANCE = {
    "manifest_hash": "0123456789abcdef0123456789abcdef",
    "code_version": {"package": "0.1.0", "git_commit": "feedc0ffee12345", "model_sha256": "ab12"},
    "seeds": {"root": 2022, "replicates": 8},
    "scale": "classroom",
    "source": "results/lhs",
}


def test_provenance_names_hash_seeds_scale_and_code():
    line = provenance_line(PROVENANCE)
    parts = ["manifest 0123456789ab", "root seed 2022, 8 replicates", "classroom scale"]
    parts += ["rainforest 0.1.0", "commit feedc0ffee", "model ab12", "from results/lhs"]
    for part in parts:
        assert part in line
    assert "code version not recorded" in provenance_line({"source": "x"})
    extra = provenance_line({"replicate_seeds": [11, 22, 33, 44, 55], "sweep_sha256": "f" * 64})
    assert "replicate seeds 11, 22, 33, ... (5 in all)" in extra
    assert f"sweep sha256 {'f' * 12}" in extra and "f" * 13 not in extra
    assert provenance_line({}) == "provenance: not recorded"


def test_cells_read_as_numbers_a_reader_wants():
    assert format_cell(1234567) == "1,234,567"
    assert format_cell(500.0) == "500"
    assert format_cell(0.123456) == "0.123"
    assert format_cell(float("nan")) == "-" == format_cell(None)
    assert format_cell(True) == "yes"


def test_the_page_embeds_its_figures_and_escapes_text(png):
    section = Section(
        id="part-1-attribution",
        kind="attribution",
        title="<script>alert(1)</script> & co",
        provenance=PROVENANCE,
        figures=(Figure(png, "Shapley <waterfall>"),),
        tables=(table_from_records("values", [{"plan": "<b>array</b>", "phi": 1.5}]),),
        notes=("a note",),
    )
    html = render_report("A <report>", [section], {"package": "0.1.0"})
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "&lt;b&gt;array&lt;/b&gt;" in html and "Shapley &lt;waterfall&gt;" in html
    assert html.count('src="data:image/png;base64,') == 1
    assert not re.search(r"(?:src|href)=\"(?!data:|#)", html)  # nothing outside the page
    assert not re.search(r"https?://", html)
    assert 'id="part-1-attribution"' in html and 'href="#part-1-attribution"' in html
    assert "root seed 2022, 8 replicates" in html  # the figure's provenance


def test_long_tables_are_cut_and_say_so():
    records = [{"i": i} for i in range(100)]
    table = table_from_records("many", records)
    assert len(table.rows) == 40 and table.shown_note == "first 40 of 100 rows"
    assert Table("few", ("a",), ((1,),)).shown_note == ""


def test_section_ids_must_differ(png):
    sections = [Section(id="x", kind="sweep", title="a"), Section(id="x", kind="sweep", title="b")]
    with pytest.raises(ValueError, match="repeat"):
        render_report("t", sections)


def test_sample_ranges_draws_one_row_per_sample():
    fig = sample_ranges(
        ["on time", "late", "no runs"], [600.0, 450.0, None], [550.0, 400.0, None],
        [650.0, 480.0, None], "output_value_bn in 2030", "timing", target=500.0,
    )  # fmt: skip
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["on time", "late", "no runs"]
    assert any(line.get_xdata()[0] == 500.0 for line in ax.get_lines())  # the target
    with pytest.raises(ValueError):
        sample_ranges(["a"], [1.0, 2.0], [1.0], [1.0], "y", "t")


def test_year_fans_draw_one_median_line_per_sample_and_the_target():
    fig = year_fans(
        {"on time": ([2025, 2030], [300.0, 600.0], [280.0, 550.0], [320.0, 650.0]),
         "late": ([2025, 2030], [250.0, 480.0], [240.0, 450.0], [260.0, 510.0])},
        "output_value_bn", "timing", target=500.0, target_year=2030,
    )  # fmt: skip
    ax = fig.axes[0]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["on time", "late", "2030 target 500"]
    assert ax.get_ylim()[1] >= 650.0
    with pytest.raises(ValueError):
        year_fans({}, "y", "t")

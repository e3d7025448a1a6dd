"""Report figures: the output fan chart and the scorecard chart, and `run --out`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.scenarios.targets import targets
from rainforest.sim.indicators import INDICATOR_NAMES
from rainforest.viz.figures import FAN_CHART, SCORECARD, fan_chart, report_pngs, scorecard_chart

PNG = b"\x89PNG\r\n\x1a\n"


def _frame(scale: float, years: int = 2) -> pd.DataFrame:
    """A run whose every indicator grows linearly, ``scale`` times the tick number."""
    ticks = np.arange(4 * years)
    frame = {"tick": ticks, "year": 2023 + ticks // 4, "quarter": ticks % 4 + 1}
    for name in INDICATOR_NAMES:
        frame[name] = scale * (ticks + 1.0)
    return pd.DataFrame(frame)


@pytest.fixture()
def runs():
    return {
        "a": [_frame(s) for s in (10.0, 20.0, 30.0)],
        "b": [_frame(s) for s in (1.0, 2.0)],
    }


def test_the_fan_chart_has_the_target_line_at_500(runs):
    ax = fan_chart(runs).axes[0]
    targets_lines = [line for line in ax.get_lines() if "target" in line.get_label()]
    assert len(targets_lines) == 1
    assert set(targets_lines[0].get_ydata()) == {500.0}
    medians = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    assert np.allclose(medians["a: median of 3 runs"], 20.0 * np.arange(1, 9))
    assert np.allclose(medians["b: median of 2 runs"], 1.5 * np.arange(1, 9))
    assert len(ax.collections) == 2  # one 5-95 % band per scenario


def test_the_fan_charts_legend_sits_below_the_axes_and_its_title_fits(runs):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = fan_chart(runs)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    axes = ax.get_window_extent(renderer)
    figure = fig.bbox
    assert legend.y1 <= axes.y0  # it covers neither a band nor the target line
    assert legend.y0 >= figure.y0 and figure.x0 <= legend.x0 <= legend.x1 <= figure.x1
    title = ax.title.get_window_extent(renderer)
    assert figure.x0 <= title.x0 and title.x1 <= figure.x1
    assert "replicates" not in ax.get_title()  # posterior draws are runs too


def test_the_scorecard_shows_every_target_for_every_scenario(runs):
    ax = scorecard_chart(runs).axes[0]
    assert len(ax.patches) == 2 * len(targets())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Future-industry output value (500)"
    # a's median output value at the end of 2024 is 20 * 8 = 160, i.e. 32 % of 500
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert 32.0 in widths
    assert any(line.get_xdata()[0] == 100.0 for line in ax.get_lines())


def test_the_figures_refuse_empty_input():
    with pytest.raises(ValueError):
        fan_chart({"a": []})


def test_report_pngs_are_png(runs):
    pngs = report_pngs(runs)
    assert set(pngs) == {FAN_CHART, SCORECARD}
    assert all(data.startswith(PNG) and len(data) > 10_000 for data in pngs.values())


def test_run_out_writes_both_figures(tmp_path, capsys):
    scenario = tmp_path / "short.toml"
    scenario.write_text('extends = "action_plan"\nname = "short"\nhorizon_year = 2024\n')
    out = tmp_path / "res"
    args = ["run", str(scenario), "--replicates", "2", "--out", str(out)]
    assert main(args) == 0
    assert "fan_chart.png" in capsys.readouterr().out
    for name in (FAN_CHART, SCORECARD):
        data = (out / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]

"""``rainforest bench`` reports the documented figures (their values are not asserted)."""

from __future__ import annotations

import json

from rainforest.experiments.cli import main


def test_bench_json_has_the_documented_figures(capsys):
    args = ["bench", "--scales", "classroom", "--repeats", "1", "--no-compile", "--json",
            "--mesa-scales", "classroom", "--mesa-quarters", "2"]  # fmt: skip
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    kernel = report["kernel"]["classroom"]
    assert kernel["ticks"] == 32 and report["years"] == [2021, 2028]
    for key in ("run_s", "tick_ms", "ticks_per_s", "agent_updates_per_s"):
        assert kernel[key] > 0
    assert 0 < kernel["run_s_min"] <= kernel["run_s"]
    assert kernel["runs"] > 1  # a classroom run is fast: it repeats until a second is timed
    assert report["population"]["classroom"]["build_s"] > 0
    mesa = report["mesa"]["classroom"]
    assert mesa["quarters"] == 2 and 0 < mesa["step_s_min"] <= mesa["step_s"]
    assert mesa["agents"] == kernel["agents"] and set(report["mesa"]) == {"classroom"}
    assert "speedup_vs_mesa" not in report and report["cached_start_s"] > 0
    assert report["peak_rss_mb"] > 0 and "compile_s" not in report
    assert {"cpu", "cores"} <= set(report["machine"]) and "numba" in report["versions"]


def test_bench_refuses_an_unknown_mesa_scale(capsys):
    assert main(["bench", "--mesa-scales", "galaxy", "--no-compile"]) == 2
    assert "--mesa-scales" in capsys.readouterr().err

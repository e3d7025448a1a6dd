"""Huge run and sweep sizes: refused before anything is allocated, with the limit named."""

from __future__ import annotations

import time

from rainforest.experiments.cli import main
from rainforest.experiments.sweeps.runner import MAX_RUNS as SWEEP_MAX_RUNS
from rainforest.runs.request import MAX_RUNS

GRID = """name = "g"
base = "baseline"
sampler = "grid"
scale = "classroom"
[parameters]
"""


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


def test_a_billion_replicates_are_refused_at_once(capsys):
    started = time.monotonic()
    assert main(["run", "baseline", "--scale", "classroom", "--replicates", "1000000000"]) == 2
    assert time.monotonic() - started < 30
    err = _one_line_error(capsys)
    assert "replicates" in err and str(MAX_RUNS) in err.replace(",", "")


def test_a_grid_of_a_trillion_steps_is_refused_before_it_is_built(tmp_path, capsys):
    sweep = tmp_path / "grid.toml"
    sweep.write_text(
        GRID + '"plans.array.retention" = { min = 0.0, max = 1.0, steps = 1000000000000 }\n'
    )
    out = tmp_path / "out"
    started = time.monotonic()
    assert main(["sweep", str(sweep), "--out", str(out)]) == 2
    assert time.monotonic() - started < 30
    err = _one_line_error(capsys)
    assert "steps" in err and f"{SWEEP_MAX_RUNS:,}" in err
    assert not out.exists()


def test_a_grid_whose_product_is_too_large_is_refused_without_building_it(tmp_path, capsys):
    sweep = tmp_path / "grid.toml"
    sweep.write_text(
        GRID
        + '"plans.array.retention" = { min = 0.0, max = 1.0, steps = 3000000 }\n'
        + '"plans.array.retention_share" = { min = 0.0, max = 1.0, steps = 3000000 }\n'
    )
    out = tmp_path / "out"
    started = time.monotonic()
    assert main(["sweep", str(sweep), "--out", str(out)]) == 2
    assert time.monotonic() - started < 30
    err = _one_line_error(capsys)
    assert f"{SWEEP_MAX_RUNS:,}" in err
    assert not out.exists()

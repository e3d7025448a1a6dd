"""Sweep files: validation, samplers, and how sample values reach the scenario."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from rainforest.experiments.sweeps.samplers import sample_count, sample_table
from rainforest.experiments.sweeps.spec import (
    LIBRARY_DIR,
    Sweep,
    apply_values,
    load_sweep,
    scenario_for,
)
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.loader import load_scenario
from rainforest.sim.indicators import TARGETED

SWEEPS = LIBRARY_DIR
PY = Path(sys.executable)

GOOD = """
base = "action_plan"
sampler = "lhs"
samples = 8
replicates = 2
seed = 3

[parameters]
"plans.array.budget_bn" = { min = 0.0, max = 3.0 }
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


BAD = [
    ('sampler = "latin"', GOOD.replace('sampler = "lhs"', 'sampler = "latin"'), "sampler"),
    ("zero replicates", GOOD.replace("replicates = 2", "replicates = 0"), "replicates"),
    ("unknown path", GOOD.replace("budget_bn", "budgt_bn"), "plans.array.budgt_bn: no such"),
    ("empty range", GOOD.replace("max = 3.0", "max = 0.0"), "empty range"),
    ("min > max", GOOD.replace("min = 0.0, max = 3.0", "min = 4.0, max = 3.0"), "greater than"),
    ("engine is not a key", 'engine = "kernel"\n' + GOOD, "engine: not a sweep key"),
    ("unknown indicator", 'indicators = ["output", "talents"]\n' + GOOD, "indicators"),
    ("year outside", "years = [2031]\n" + GOOD, "years: 2031"),
    ("value the schema refuses", GOOD + '"plans.array.retention" = { min = 0.2, max = 1.5 }\n',
     "parameters.plans.array.retention"),
    ("unknown key", "replicate = 3\n" + GOOD, "replicate: unknown key"),
    ("lhs without samples", GOOD.replace("samples = 8\n", ""), "samples"),
    ("sobol not a power of two", GOOD.replace('"lhs"', '"sobol"').replace("= 8", "= 6"),
     "power of two"),
    ("grid range without steps", GOOD.replace('"lhs"', '"grid"').replace("samples = 8\n", ""),
     "steps"),
    ("empty levels", GOOD.replace("{ min = 0.0, max = 3.0 }", "{ levels = [] }"), "levels"),
    ("unknown base", GOOD.replace('"action_plan"', '"no_such_plan"'), "base"),
    ("not TOML", GOOD + "this is = = not toml\n", "not valid TOML"),
    ("list without rows", 'base = "action_plan"\nsampler = "list"\n', "rows"),
    ("unknown distribution", GOOD.replace("{ min", '{ distribution = "gamma", min'),
     "distribution"),
    ("a table, not a parameter", GOOD.replace('"plans.array.budget_bn"', '"plans.array"'),
     "table of parameters"),
    ("bool as a range", GOOD + '"plans.array.enabled" = { min = 0, max = 1 }\n', "levels"),
    ("negative seed", GOOD.replace("seed = 3", "seed = -1"), "seed"),
    ("text where a number goes", GOOD.replace("max = 3.0", 'max = "3"'), "max"),
    ("unknown scenario level", GOOD + 'scenario = { levels = ["action_plan", "nope"] }\n', "nope"),
    ("steps outside the grid", GOOD.replace("max = 3.0 }", "max = 3.0, steps = 4 }"), "steps"),
    ("list row with an unknown path",
     'base = "action_plan"\nsampler = "list"\nrows = [{ "plans.arr.budget_bn" = 1.0 }]\n',
     "plans.arr.budget_bn"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "needle"), BAD, ids=[b[0] for b in BAD])
def test_malformed_sweep_files_are_refused_naming_the_field(tmp_path, case, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert needle in message, message
    assert "\n" not in message


def test_a_malformed_sweep_exits_2_with_one_line_and_writes_nothing(tmp_path):
    path = write(tmp_path, GOOD.replace("replicates = 2", "replicates = 0"))
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(PY), "-m", "rainforest.experiments.cli", "sweep", str(path), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "replicates" in lines[0], proc.stderr
    assert not out.exists()


def test_a_sweep_that_sets_engine_exits_2_naming_the_key(tmp_path, capsys):
    from rainforest.experiments.cli import main

    path = write(tmp_path, 'engine = "mesa"\n' + GOOD)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "engine: not a sweep key" in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_the_shipped_example_sweeps_load_and_sample():
    names = sorted(p.name for p in SWEEPS.glob("*.toml"))
    assert {
        "leave_one_out.toml",
        "six_plans_lhs.toml",
        "six_plans_sobol.toml",
        "six_plans_morris.toml",
    } <= set(names)
    for path in SWEEPS.glob("*.toml"):
        sweep = load_sweep(path)
        table = sample_table(sweep)
        assert len(table) == sample_count(sweep) > 0
    assert load_sweep("six_plans_lhs").source == str(SWEEPS / "six_plans_lhs.toml")
    assert SWEEPS.is_relative_to(Path(sample_table.__code__.co_filename).parent)  # shipped
    loo = load_sweep(SWEEPS / "leave_one_out.toml")
    from rainforest.scenarios.loader import library_names

    assert sorted(row["scenario"] for row in sample_table(loo).values) == library_names()


def test_defaults_keep_the_targeted_indicators_in_the_report_year(tmp_path):
    sweep = load_sweep(write(tmp_path, GOOD))
    assert sweep.indicators == TARGETED
    assert sweep.years == (2030,) and sweep.report_year == 2030
    assert not hasattr(sweep, "engine")


def test_nested_tables_and_quoted_dotted_keys_mean_the_same(tmp_path):
    quoted = load_sweep(write(tmp_path, GOOD, "a.toml"))
    nested = GOOD.replace(
        '[parameters]\n"plans.array.budget_bn" = { min = 0.0, max = 3.0 }',
        "[parameters.plans.array]\nbudget_bn = { min = 0.0, max = 3.0 }",
    )
    assert sample_table(load_sweep(write(tmp_path, nested, "b.toml"))).values == (
        sample_table(quoted).values
    )


# ------------------------------------------------------------------ samplers


def _sweep(tmp_path, sampler: str, params: str, extra: str = "") -> Sweep:
    head = f'base = "action_plan"\nsampler = "{sampler}"\nseed = 11\n{extra}\n'
    return load_sweep(write(tmp_path, f"{head}[parameters]\n{params}", f"{sampler}.toml"))


def test_grid_is_the_product_of_levels_and_steps(tmp_path):
    sweep = _sweep(
        tmp_path, "grid",
        '"plans.array.budget_bn" = { min = 0.0, max = 3.0, steps = 4 }\n'
        '"plans.array.enabled" = { levels = [true, false] }\n'
        '"plans.foundation.center_members" = { min = 2, max = 4, steps = 3 }\n',
    )  # fmt: skip
    table = sample_table(sweep)
    assert len(table) == sample_count(sweep) == 4 * 2 * 3
    budgets = sorted({row["plans.array.budget_bn"] for row in table.values})
    assert budgets == [0.0, 1.0, 2.0, 3.0]
    assert {row["plans.foundation.center_members"] for row in table.values} == {2, 3, 4}
    assert len({tuple(row.values()) for row in table.values}) == 24


def test_lhs_puts_one_point_in_each_stratum_and_is_seeded(tmp_path):
    params = (
        '"plans.array.budget_bn" = { min = 0.0, max = 3.0 }\n'
        '"market.bass_p" = { min = 0.005, max = 0.02 }\n'
    )
    sweep = _sweep(tmp_path, "lhs", params, "samples = 10")
    table = sample_table(sweep)
    assert table.unit.shape == (10, 2)
    for j in range(2):
        assert sorted(np.floor(table.unit[:, j] * 10).astype(int)) == list(range(10))
    assert sample_table(sweep).values == table.values
    text = (tmp_path / "lhs.toml").read_text().replace("seed = 11", "seed = 12")
    reseeded = load_sweep(write(tmp_path, text, "lhs2.toml"))
    assert sample_table(reseeded).values != table.values


def test_sobol_and_morris_give_salib_layouts(tmp_path):
    params = (
        '"plans.array.budget_bn" = { min = 0.0, max = 3.0 }\n'
        '"market.bass_q" = { min = 0.1, max = 0.5 }\n'
        '"plans.array.retention" = { levels = [0.25, 0.5, 0.75] }\n'
    )
    sobol = _sweep(tmp_path, "sobol", params, "samples = 8")
    assert len(sample_table(sobol)) == 8 * (3 + 2) == sample_count(sobol)
    second = _sweep(tmp_path, "sobol", params, "samples = 8\nsecond_order = true")
    assert len(sample_table(second)) == 8 * (2 * 3 + 2) == sample_count(second)
    morris = _sweep(tmp_path, "morris", params, "samples = 5\nmorris_levels = 4")
    table = sample_table(morris)
    assert len(table) == 5 * (3 + 1) == sample_count(morris)
    assert set(np.round(table.unit.ravel() * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}
    assert {row["plans.array.retention"] for row in table.values} <= {0.25, 0.5, 0.75}


def test_distributions_stay_in_bounds_and_map_the_unit_interval(tmp_path):
    sweep = _sweep(
        tmp_path, "lhs",
        '"market.bass_q" = { distribution = "triangular", min = 0.1, mode = 0.2, max = 0.6 }\n'
        '"market.bass_p" = { distribution = "loguniform", min = 0.001, max = 0.1 }\n'
        '"market.logit_beta" = '
        '{ distribution = "truncnormal", mean = 1.5, sd = 0.5, min = 1.0, max = 3.0 }\n'
        '"plans.foundation.center_members" = { min = 2, max = 5 }\n',
        "samples = 400",
    )  # fmt: skip
    tri, logu, tnorm, members = sweep.parameters
    assert tri.from_unit(0.0) == pytest.approx(0.1) and tri.from_unit(1.0) == pytest.approx(0.6)
    assert tri.from_unit((0.2 - 0.1) / (0.6 - 0.1)) == pytest.approx(0.2)  # the mode's CDF
    assert logu.from_unit(0.5) == pytest.approx(0.01)
    assert tnorm.from_unit(0.0) == pytest.approx(1.0) and tnorm.from_unit(1.0) == pytest.approx(3.0)
    counts = Counter(row["plans.foundation.center_members"] for row in sample_table(sweep).values)
    assert set(counts) == {2, 3, 4, 5} and all(c == 100 for c in counts.values())


# ------------------------------------------------------------------ sample values


def test_a_per_year_path_sets_every_year_of_the_sample_and_a_year_path_one_year():
    base = load_scenario("action_plan")
    scenario = apply_values(base, {"plans.array.budget_bn": 2.5, "horizon_year": 2026})
    settling = {y: v for y, v in base.plans.array.budget_bn.items() if y < 2023}
    assert settling  # the library's pre-plan support in 2021-2022 is kept
    plan_years = {2023: 2.5, 2024: 2.5, 2025: 2.5, 2026: 2.5}
    assert scenario.plans.array.budget_bn == {**settling, **plan_years}
    one = apply_values(base, {"plans.array.budget_bn.2026": 9.0})
    assert one.plans.array.budget_bn[2026] == 9.0
    assert one.plans.array.budget_bn[2025] == base.plans.array.budget_bn[2025]


def test_the_scenario_parameter_picks_the_base(tmp_path):
    sweep = load_sweep(write(tmp_path, (
        'base = "action_plan"\nsampler = "grid"\n[parameters]\n'
        'scenario = { levels = ["no_array", "baseline"] }\n'
        '"plans.foundation.budget_bn" = { levels = [1.0, 2.0] }\n'
    )))  # fmt: skip
    table = sample_table(sweep)
    assert len(table) == 4
    first = scenario_for(sweep.bases, sweep.base, table.values[0])
    assert first.name == "no_array" and not first.plans.array.enabled
    assert first.plans.foundation.budget_bn[2030] == 1.0


def test_a_combination_the_scenario_refuses_passes_loading_and_fails_when_built(tmp_path):
    (tmp_path / "plain.toml").write_text('name = "plain"\nhorizon_year = 2024\n')
    sweep = load_sweep(write(tmp_path, (
        'base = "plain.toml"\nsampler = "list"\n'
        "rows = [{ start_year = 2024, horizon_year = 2023 }]\n"
    )))  # fmt: skip
    with pytest.raises(ScenarioError, match="before start_year"):
        scenario_for(sweep.bases, sweep.base, sample_table(sweep).values[0])


def test_common_seeds_give_every_sample_the_same_replicate_seeds(tmp_path):
    from rainforest.experiments.sweeps.runner import new_manifest
    from rainforest.sim.seeds import derive_seed, replicate_seeds

    own = load_sweep(write(tmp_path, GOOD))
    common = load_sweep(write(tmp_path, "common_seeds = true\n" + GOOD, "common.toml"))
    assert not own.common_seeds and common.common_seeds
    seeds = new_manifest(own, "a").runs.seed
    assert seeds == [derive_seed(3, r // 2, r % 2) for r in range(16)]  # per sample
    manifest = new_manifest(common, "b")
    assert manifest.common_seeds is True
    assert list(manifest.runs.seed) == replicate_seeds(3, 2) * 8  # the same two in every sample

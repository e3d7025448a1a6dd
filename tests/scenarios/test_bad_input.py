"""Malformed scenarios: one clear message naming the field or file, exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rainforest.experiments.cli import main

BAD = {
    "wrong_type.toml": ('name = "x"\nhorizon_year = "soon"\n', "horizon_year"),
    "unknown_key.toml": ('name = "x"\n[plans.array]\nbudjet_bn = { 2024 = 1.0 }\n',
                         "plans.array.budjet_bn"),
    "negative_budget.toml": ('name = "x"\n[plans.leading]\nbudget_bn = { 2024 = -1.0 }\n',
                             "plans.leading.budget_bn.2024"),
    "zero_population.toml": (
        'name = "x"\n[population]\nenterprises = 0\ninstitutes = 10\ntalents = 100\n',
        "population.enterprises",
    ),
    "horizon_before_start.toml": ('name = "x"\nstart_year = 2026\nhorizon_year = 2025\n',
                                  "horizon_year"),
    "year_out_of_range.toml": ('name = "x"\n[plans.array]\nbudget_bn = { 2050 = 1.0 }\n',
                               "plans.array.budget_bn.2050"),
    "year_before_start.toml": (
        'name = "x"\nstart_year = 2025\n[plans.array]\nbudget_bn = { 2024 = 1.0 }\n',
        "plans.array.budget_bn: year 2024",
    ),
    "not_toml.toml": ("this is = = not toml [\n", "not valid TOML"),
    "unknown_extends.toml": ('extends = "action_plan_2"\nname = "x"\n', "extends"),
    "bad_scale.toml": ('name = "x"\nscale = "planet"\n', "scale"),
    "probability_above_one.toml": ('name = "x"\n[behaviour]\ntalent_outflow = 1.5\n',
                                   "behaviour.talent_outflow"),
    "bad_allocation.toml": ('name = "x"\nfield_allocation = "lottery"\n', "field_allocation"),
    "nan_budget.toml": ('name = "x"\n[plans.array]\nbudget_bn = { 2024 = nan }\n',
                        "plans.array.budget_bn.2024"),
    "bad_schedule.toml": ('name = "x"\n[plans.foundation]\ncenters = { 2025 = "many" }\n',
                          "plans.foundation.centers.2025"),
    "unknown_market_form.toml": ('name = "x"\n[market]\nform = "monopoly"\n', "market.form"),
    "negative_catch_up.toml": ('name = "x"\n[market]\ncompetitor_catch_up = -0.1\n',
                               "market.competitor_catch_up"),
    "negative_absorption.toml": ('name = "x"\n[market]\nfrontier_absorption = -1.0\n',
                                 "market.frontier_absorption"),
    "market_above_potential.toml": (
        'name = "x"\n[market]\nnational_market_bn = 9000.0\nnational_potential_bn = 8000.0\n',
        "national_market_bn",
    ),
    "huge_frontier_growth.toml": ('name = "x"\n[market]\nfrontier_growth = 3.0\n',
                                  "market.frontier_growth"),
}  # fmt: skip


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("filename", sorted(BAD))
def test_malformed_scenario_is_refused_with_the_field_named(filename, tmp_path, capsys):
    text, expected = BAD[filename]
    path = _write(tmp_path, filename, text)
    code = main(["scenarios", "validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert str(path) in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_is_named(tmp_path, capsys):
    missing = tmp_path / "absent.toml"
    assert main(["run", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "absent.toml: no such file" in err


def test_unknown_scenario_name_lists_the_library(capsys):
    assert main(["run", "action_plan_2031"]) == 2
    assert "built-in: action_plan, action_plan_horse_race, baseline" in capsys.readouterr().err


def test_bad_option_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "baseline", "--replicates", "0"])
    assert exc.value.code == 2
    assert "--replicates" in capsys.readouterr().err


def test_console_script_prints_no_traceback(tmp_path):
    path = _write(tmp_path, "bad.toml", BAD["negative_budget.toml"][0])
    proc = subprocess.run(
        [sys.executable, "-m", "rainforest.experiments.cli", "run", str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "plans.leading.budget_bn.2024" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_run_out_on_a_file_is_refused_and_nothing_is_written(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("keep me")
    bad = _write(tmp_path, "bad.toml", BAD["unknown_key.toml"][0])
    assert main(["run", str(bad), "--out", str(target)]) == 2
    assert target.read_text() == "keep me"


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("market.form=monopoly", "market.form"),
        ("market.competitor_catch_up=-0.5", "market.competitor_catch_up"),
        ("market.competitor_sellers=0", "market.competitor_sellers"),
        ("market.total_potential_bn=1e300", "market.total_potential_bn"),
        ("market.outside_competition=1e300", "market.outside_competition"),
    ],
)
def test_a_bad_market_value_on_the_command_line_is_one_message(option, expected, capsys):
    code = main(["run", "action_plan", "--scale", "classroom", "--set", option])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1

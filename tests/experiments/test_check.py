"""``rainforest check``: new statistics against the predictive distribution. An observation
inside the predictive interval passes and one far outside misses (exit status 1); every
observation inside is status 0; a malformed file is one message naming the field and
status 2. Classroom scale, a few posterior draws."""

from __future__ import annotations

import json
import textwrap

import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.studies.predictive_check import (
    CheckObservation,
    assess,
    read_observations,
)

INSIDE = """
[[observation]]
name = "output 2023, any level"
indicator = "output_value_bn"
year = 2023
interval = [0.0, 100000.0]
source = "a test: every run falls inside"
"""
OUTSIDE = """
[[observation]]
name = "output 2023, ten trillion"
indicator = "output_value_bn"
year = 2023
value = 1.0e7
source = "a test: no run comes near"
"""
CLASSROOM = ["--scale", "classroom", "--seed", "3"]


def _file(tmp_path, text: str, name: str = "obs.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_one_pass_and_one_miss_exit_1(tmp_path, capsys) -> None:
    path = _file(tmp_path, INSIDE + OUTSIDE)
    out = tmp_path / "out"
    argv = ["check", str(path), "--posterior", "--draws", "3", *CLASSROOM, "--out", str(out)]
    assert main(argv) == 1
    text = capsys.readouterr().out
    assert "1 pass, 1 miss" in text and "PASS" in text and "MISS" in text
    report = json.loads((out / "check.json").read_text())
    rows = {r["name"]: r for r in report["observations"]}
    assert rows["output 2023, any level"]["result"] == "pass"
    miss = rows["output 2023, ten trillion"]
    assert miss["result"] == "miss" and miss["observed_quantile"] == 1.0
    assert miss["predictive"]["p95"] < 1.0e7 and miss["runs"] == 3
    assert report["misses"] == ["output 2023, ten trillion"]
    assert report["request"]["posterior"]["draws"] == 3  # through the door
    assert report["request"]["overrides"]["horizon_year"] == 2023  # ends when data end
    assert (out / "check.png").read_bytes()[:4] == b"\x89PNG"


def test_every_observation_inside_exit_0_without_the_posterior(tmp_path, capsys) -> None:
    growth = """
    [[observation]]
    indicator = "output_value_bn"
    years = [2022, 2024]
    measure = "growth"
    interval = [-1.0, 100.0]
    source = "a test"
    """
    path = _file(tmp_path, INSIDE + growth)
    assert main(["check", str(path), "--replicates", "2", *CLASSROOM, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passes"] == 2 and report["misses"] == []
    assert "the median set, 2 seeds" in report["predictive"]


def test_dry_run_counts_the_runs(tmp_path, capsys) -> None:
    path = _file(tmp_path, INSIDE)
    assert main(["check", str(path), "--posterior", "--draws", "4", "--dry-run"]) == 0
    assert "4 runs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[[observation]\nindicator = 1", "not valid TOML"),
        ("[[observation]]\nindicator = 'output_value'\nyear = 2023\nvalue = 1.0\n"
         "source = 's'", "observation 1.indicator"),
        ("[[observation]]\nindicator = 'output_value_bn'\nyear = 2023\nvalue = 1.0",
         "observation 1.source"),
        ("[[observation]]\nindicator = 'output_value_bn'\nyear = 2019\nvalue = 1.0\n"
         "source = 's'", "observation 1.year"),
        ("[[observation]]\nindicator = 'output_value_bn'\nyear = 2023\nvalue = 1.0\n"
         "interval = [0, 2]\nsource = 's'", "value or interval"),
        ("[[observation]]\nindicator = 'output_value_bn'\nyears = [2023, 2025]\n"
         "interval = [2, 1]\nmeasure = 'growth'\nsource = 's'", "observation 1.interval"),
        ("[[observation]]\nindicator = 'output_value_bn'\nyears = [2023, 2025]\n"
         "value = 0.1\nsource = 's'", "observation 1.measure"),
        ("[[observation]]\nindicator = 'output_value_bn'\nyear = 2023\nvalue = 1.0\n"
         "source = 's'\nunits = 'bn'", "unknown field 'units'"),
        ("title = 'x'", "unknown table or key 'title'"),
    ],
)  # fmt: skip
def test_a_malformed_file_is_one_message_and_exit_2(tmp_path, capsys, text, names) -> None:
    path = _file(tmp_path, text)
    assert main(["check", str(path), *CLASSROOM]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and names in err[0] and "obs.toml" in err[0], err


def test_a_missing_file_is_exit_2(tmp_path, capsys) -> None:
    assert main(["check", str(tmp_path / "none.toml")]) == 2
    assert "none.toml" in capsys.readouterr().err


def test_the_rule_value_inside_interval_overlapping_quantiles() -> None:
    values = [float(v) for v in range(1, 101)]  # 5 %: 5.95, 95 %: 95.05

    def ob(low: float, high: float) -> CheckObservation:
        return CheckObservation("x", "output_value_bn", "level", (2023,), low, high, "s")

    inside, outside = assess(ob(50.0, 50.0), values), assess(ob(99.0, 99.0), values)
    assert inside["result"] == "pass" and inside["observed_quantile"] == pytest.approx(0.495)
    assert outside["result"] == "miss" and outside["observed_quantile"] == pytest.approx(0.985)
    overlap = assess(ob(90.0, 200.0), values)
    assert overlap["result"] == "pass" and overlap["observed_quantile"][1] == 1.0
    assert assess(ob(96.0, 200.0), values)["result"] == "miss"
    assert assess(ob(1.0, 1.0), [float("nan")] * 3)["result"] == "miss"


def test_growth_and_change_read_two_years(tmp_path) -> None:
    path = _file(tmp_path, """
    [[observation]]
    indicator = "startups_founded"
    years = [2023, 2025]
    measure = "change"
    value = 500
    source = "s"
    """)  # fmt: skip
    (ob,) = read_observations(path)
    assert (ob.measure, ob.years, ob.low, ob.high) == ("change", (2023, 2025), 500.0, 500.0)
    assert ob.name == "startups_founded 2023-2025" and not ob.is_interval

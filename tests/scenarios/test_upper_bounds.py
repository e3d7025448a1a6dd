"""Huge finite values: refused on load and on --set with one message, never a MemoryError
or an OverflowError mid-run; every bound is stated in docs/ODD.md's parameter table."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import annotated_types
import pytest
from rainforest.experiments.cli import main
from rainforest.scenarios.schema import (
    MAX_ARRAY_TALENTS_A_YEAR,
    MAX_YEARLY_BN,
    Scenario,
)

ROOT = Path(__file__).resolve().parents[2]


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("value", ["1e6", "1e18", "1e300"])
def test_a_huge_budget_in_a_file_is_refused_naming_the_bound(value, tmp_path, capsys):
    path = tmp_path / "huge.toml"
    path.write_text(f'name = "x"\n[plans.array]\nbudget_bn = {{ 2023 = {value} }}\n')
    assert main(["run", str(path), "--scale", "classroom", "--out", str(tmp_path / "o")]) == 2
    err = _one_line_error(capsys)
    assert "plans.array.budget_bn.2023" in err
    assert f"{MAX_YEARLY_BN:g}" in err
    assert not (tmp_path / "o").exists()


def test_a_huge_value_by_set_is_refused(capsys):
    code = main(["run", "baseline", "--scale", "classroom",
                 "--set", "plans.array.budget_bn={2025=1e308}"])  # fmt: skip
    assert code == 2
    assert "plans.array.budget_bn.2025" in _one_line_error(capsys)


def test_the_array_plans_yearly_recruits_are_bounded(capsys):
    sets = ["plans.array.budget_bn=60", "plans.array.talents_per_bn=20000"]
    code = main(["run", "baseline", "--scale", "classroom", "--set", sets[0], "--set", sets[1]])
    assert code == 2
    err = _one_line_error(capsys)
    assert f"{MAX_ARRAY_TALENTS_A_YEAR:,}" in err


def test_a_huge_description_is_refused(tmp_path, capsys):
    path = tmp_path / "long.toml"
    path.write_text(f'name = "x"\ndescription = "{"a" * 100_000}"\n')
    assert main(["scenarios", "validate", str(path)]) == 2
    assert "description" in _one_line_error(capsys)


def _upper_bounds(model: type, prefix: str = "") -> dict[str, float]:
    """Every numeric field's upper bound, by dotted name."""
    out: dict[str, float] = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        inner = [a for a in typing.get_args(annotation) if isinstance(a, type)]
        for cls in [annotation, *inner]:
            if isinstance(cls, type) and hasattr(cls, "model_fields"):
                out.update(_upper_bounds(cls, f"{path}."))
        if typing.get_origin(annotation) is dict:  # per-year tables: the values' bound
            value_type = typing.get_args(annotation)[1]
            meta = getattr(value_type, "__metadata__", ())
            metadata = [m for f in meta for m in getattr(f, "metadata", [f])]
        else:
            metadata = info.metadata
        for m in metadata:
            if isinstance(m, annotated_types.Le | annotated_types.Lt):
                out[path] = float(m.le if isinstance(m, annotated_types.Le) else m.lt)
    return out


def test_every_number_has_an_upper_bound():
    bounds = _upper_bounds(Scenario)
    dump = Scenario(name="x").model_dump()
    missing = []
    for section in ("plans", "behaviour", "market"):
        for key, fields in dump[section].items():
            items = fields.items() if isinstance(fields, dict) else [(None, fields)]
            for name, value in items:
                path = f"{section}.{key}" + (f".{name}" if name else "")
                if isinstance(value, int | float | dict) and not isinstance(value, bool):
                    if path not in bounds:
                        missing.append(path)
    assert not missing, f"no upper bound: {missing}"


def _stated(bound: float, row: str) -> bool:
    """The row names the bound, written as 100, 1,000, 1000 or 0.5."""
    cell = row.replace("\u2009", "")
    return any(
        f"most {text}" in cell or f"–{text}" in cell
        for text in (f"{bound:,.0f}", f"{bound:g}", f"{bound:.0f}")
    )


def test_the_parameter_table_states_each_upper_bound():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r"^\| `([a-z_.]+)` \|.*$", odd, flags=re.MULTILINE)
    }
    unstated = {
        path: bound
        for path, bound in _upper_bounds(Scenario).items()
        if path in rows
        and bound != 1.0  # probabilities and shares
        and not _stated(bound, rows[path])
    }
    assert not unstated, f"docs/ODD.md does not state these upper bounds: {unstated}"


def test_a_scenario_at_its_upper_bounds_runs(action_plan):
    """The bounds are below what the model can hold: a classroom run at them finishes."""
    from rainforest.runs import resolve_request, run_request

    at_bounds = {
        path: bound
        for path, bound in _upper_bounds(Scenario).items()
        if path.startswith(("plans.", "behaviour."))
        and not path.endswith(("_quarters", "budget_bn", "talents_per_bn"))
        and bound != 1.0
    }
    overrides = {
        **at_bounds,
        "horizon_year": 2024,
        "plans.array.budget_bn": MAX_ARRAY_TALENTS_A_YEAR / 2000.0,
        "plans.rainforest.budget_bn": MAX_YEARLY_BN,
    }
    runs = run_request(resolve_request(action_plan, overrides=overrides))
    assert len(runs.results) == 1

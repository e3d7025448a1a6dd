"""A sweep file that names a function is code: only the package's sweep functions and
those of modules the user allows may run; anything else is refused before its module is
imported, with one message saying how to allow it."""

from __future__ import annotations

import sys

import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.sweeps.functions import ALLOW_ENV
from rainforest.scenarios.errors import ScenarioError

import rainforest as rf


def _sweep(tmp_path, model: str, rows: str):
    path = tmp_path / "s.toml"
    path.write_text(f'model = "{model}"\nsampler = "list"\nindicators = ["y"]\nrows = [{rows}]\n')
    return path


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


def test_a_sweep_file_cannot_run_a_shell_command(tmp_path, capsys):
    marker = tmp_path / "ran"
    path = _sweep(tmp_path, "os:system", f'{{ command = "touch {marker}" }}')
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = _one_line_error(capsys)
    assert "--allow-module os" in err and "not allowed" in err
    assert not marker.exists()
    assert not out.exists()


def test_a_module_is_refused_before_it_is_imported(tmp_path, capsys, monkeypatch):
    module = tmp_path / "side_effect_mod.py"
    marker = tmp_path / "imported"
    module.write_text(f"open({str(marker)!r}, 'w').close()\ndef f(x):\n    return {{'y': x}}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = _sweep(tmp_path, "side_effect_mod:f", "{ x = 1.0 }")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "--allow-module side_effect_mod" in _one_line_error(capsys)
    assert not marker.exists()
    assert "side_effect_mod" not in sys.modules


def test_an_unmarked_function_of_the_package_is_refused(tmp_path, capsys):
    path = _sweep(
        tmp_path, "rainforest.experiments.files:write_atomic",
        f'{{ path = "{tmp_path / "written"}", data = "x" }}',
    )  # fmt: skip
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "not one of the functions sweeps may call" in _one_line_error(capsys)
    assert not (tmp_path / "written").exists()


@pytest.fixture
def own_module(tmp_path, monkeypatch):
    (tmp_path / "own_models.py").write_text("def f(x: float):\n    return {'y': 2 * x}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "own_models"
    sys.modules.pop("own_models", None)


def test_an_allowed_module_runs(tmp_path, own_module, capsys):
    path = _sweep(tmp_path, f"{own_module}:f", "{ x = 1.5 }")
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--workers", "1",
                 "--allow-module", own_module])  # fmt: skip
    assert code == 0
    assert rf.load_results(out)["y"].tolist() == [3.0]


def test_the_api_and_the_environment_allow_a_module(tmp_path, own_module, monkeypatch):
    path = _sweep(tmp_path, f"{own_module}:f", "{ x = 2.0 }")
    with pytest.raises(ScenarioError, match="not allowed"):
        rf.sweep(path, tmp_path / "refused", workers=1)
    frame = rf.sweep(path, tmp_path / "api", workers=1, allow_modules=[own_module])
    assert frame["y"].tolist() == [4.0]
    monkeypatch.setenv(ALLOW_ENV, own_module)
    assert rf.sweep(path, tmp_path / "env", workers=1)["y"].tolist() == [4.0]


def test_the_shipped_function_sweeps_need_no_option():
    from rainforest.experiments.sweeps.spec import load_sweep

    for name in ("ishigami", "known_box", "plan_margins_morris"):
        assert load_sweep(name).function is not None

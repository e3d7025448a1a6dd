"""Parsing that cannot be turned against the process: deep nesting, long extends chains,
devices, pipes, huge files, odd --set values and odd file names each give one message and
exit status 2, never a traceback, a hang or all of memory."""

from __future__ import annotations

import os
import sys

import pytest
from rainforest.experiments.cli import main
from rainforest.scenarios.loader import MAX_DEPTH, MAX_EXTENDS, MAX_INPUT_BYTES


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err[:2000]
    return err


@pytest.mark.parametrize(
    "text",
    [
        'name = "x"\ndescription = ' + "[" * 500 + "]" * 500 + "\n",
        'name = "x"\na = ' + "{ b = " * 500 + "1" + " }" * 500 + "\n",
        'name = "x"\ndescription = ' + "[" * 40 + "]" * 40 + "\n",
    ],
    ids=["arrays-500", "tables-500", "arrays-40"],
)
def test_deeply_nested_toml_is_refused(text, tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    assert main(["scenarios", "validate", str(path)]) == 2
    assert f"nested more than {MAX_DEPTH}" in _one_line_error(capsys)


def test_a_deeply_nested_sweep_file_is_refused(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text('base = "baseline"\nx = ' + "[" * 500 + "]" * 500 + "\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "nested more than" in _one_line_error(capsys)
    assert not (tmp_path / "out").exists()


def test_a_long_extends_chain_is_refused(tmp_path, capsys):
    n = 1200
    for i in range(n):
        text = f'extends = "s{i + 1}.toml"\n' if i < n - 1 else 'extends = "baseline"\n'
        (tmp_path / f"s{i}.toml").write_text(f'name = "s{i}"\n{text}')
    assert main(["scenarios", "validate", str(tmp_path / "s0.toml")]) == 2
    assert f"more than {MAX_EXTENDS} files" in _one_line_error(capsys)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_extends_to_a_device_is_refused(tmp_path, capsys):
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nextends = "zero.toml"\n')
    assert main(["scenarios", "validate", str(path)]) == 2
    assert "not a regular file" in _one_line_error(capsys)


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs")
def test_extends_to_a_pipe_is_refused_without_waiting(tmp_path, capsys):
    os.mkfifo(tmp_path / "fifo.toml")
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nextends = "fifo.toml"\n')
    assert main(["scenarios", "validate", str(path)]) == 2
    assert "not a regular file" in _one_line_error(capsys)


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path, capsys):
    path = tmp_path / "huge.toml"
    path.write_text('name = "x"\n' + "# padding\n" * (MAX_INPUT_BYTES // 10 + 1))
    assert main(["scenarios", "validate", str(path)]) == 2
    assert f"{MAX_INPUT_BYTES:,} bytes" in _one_line_error(capsys)


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e300"])
def test_a_non_finite_shift_is_refused(value, capsys):
    code = main(["run", "baseline", "--scale", "classroom",
                 "--set", f"plans.array.budget_bn.shift={value}"])  # fmt: skip
    assert code == 2
    assert "plans.array.budget_bn.shift" in _one_line_error(capsys)


@pytest.mark.parametrize("segment", ["²", "٣", "2025x"])
def test_a_year_that_is_not_ascii_digits_is_refused(segment, capsys):
    code = main(["run", "baseline", "--scale", "classroom",
                 "--set", f"plans.array.budget_bn.{segment}=1"])  # fmt: skip
    assert code == 2
    assert "plans.array.budget_bn" in _one_line_error(capsys)


def test_a_byte_order_mark_is_accepted(tmp_path, capsys):
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbfname = "bom"\nextends = "baseline"\n')
    assert main(["scenarios", "validate", str(path)]) == 0


def test_a_scenario_file_not_named_toml_is_named_as_such(tmp_path, capsys):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b'name = "x"\r\n')
    assert main(["scenarios", "validate", str(path)]) == 2
    err = _one_line_error(capsys)
    assert "no such file" not in err and "ends in .toml" in err

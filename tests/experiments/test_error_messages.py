"""Error messages are bounded and safe to print: a few problems and a count of the rest,
control characters escaped, one line whatever the input holds."""

from __future__ import annotations

from rainforest.experiments.cli import main
from rainforest.scenarios.errors import MAX_MESSAGE, MAX_PROBLEMS


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.rstrip("\n")
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err[:500]
    assert "\x1b" not in err
    return err


def test_thousands_of_unknown_keys_give_a_short_message(tmp_path, capsys):
    path = tmp_path / "many.toml"
    keys = "\n".join(f"unknown_key_{i} = 1" for i in range(50_000))
    path.write_text(f'name = "x"\n[behaviour]\n{keys}\n')
    assert main(["scenarios", "validate", str(path)]) == 2
    err = _one_line_error(capsys)
    assert len(err) < MAX_MESSAGE + 200
    assert err.count("unknown key") == MAX_PROBLEMS
    assert f"and {50_000 - MAX_PROBLEMS:,} more problems" in err


def test_a_sweep_files_many_problems_are_counted(tmp_path, capsys):
    path = tmp_path / "many.toml"
    keys = "\n".join(f"nope_{i} = 1" for i in range(5_000))
    path.write_text(f'base = "baseline"\nsampler = "list"\n{keys}\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = _one_line_error(capsys)
    assert "more problems" in err and len(err) < MAX_MESSAGE + 200
    assert not (tmp_path / "out").exists()


def test_escape_codes_and_newlines_in_a_key_are_shown_not_obeyed(tmp_path, capsys):
    path = tmp_path / "escape.toml"
    path.write_text('name = "x"\n[behaviour]\n"evil\\u001b[2J\\nrainforest: ok" = 1\n')
    assert main(["scenarios", "validate", str(path)]) == 2
    err = _one_line_error(capsys)
    assert "\\x1b[2J\\nrainforest: ok" in err


def test_escape_codes_in_a_set_path_are_shown_not_obeyed(capsys):
    code = main(["run", "baseline", "--scale", "classroom", "--set", "\x1b[31mred\n\u202e=1"])
    assert code == 2
    err = _one_line_error(capsys)
    assert "\\x1b[31mred\\n\\u202e" in err


def test_a_huge_option_value_is_cut(capsys):
    code = main(["run", "baseline", "--set", "x" * 1_000_000 + "=1"])
    assert code == 2
    err = _one_line_error(capsys)
    assert len(err) < MAX_MESSAGE + 200
    assert "more characters" in err

"""The report reads only the regular files of the folders it is given (a link could bring
any file of the machine into the HTML), and a `$` in a label is a dollar sign, not
matplotlib mathtext."""

from __future__ import annotations

import json
import shutil

import pytest
from rainforest.experiments.cli import main

SECRET = "secret-line-that-must-not-appear"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "baseline"
    assert main(["run", "baseline", "--scale", "classroom", "--out", str(out)]) == 0
    return out


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


def test_a_csv_linked_out_of_an_analysis_folder_is_refused(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text(f"a,b\n{SECRET},1\n")
    analysis = tmp_path / "analysis"
    analysis.mkdir()
    (analysis / "table.csv").symlink_to(secret)
    (analysis / "analysis.json").write_text(json.dumps(
        {"kind": "sweep", "figures": [], "tables": [{"file": "table.csv", "caption": "t"}]}
    ))  # fmt: skip
    out = tmp_path / "report.html"
    assert main(["report", str(analysis), "--out", str(out)]) == 2
    err = _one_line_error(capsys)
    assert "table.csv" in err and "link" in err
    assert not out.exists()


def test_a_linked_run_summary_is_refused(run_dir, tmp_path, capsys):
    linked = tmp_path / "linked"
    linked.mkdir()
    shutil.copy(run_dir / "indicators.parquet", linked)
    (linked / "summary.json").symlink_to(run_dir / "summary.json")
    out = tmp_path / "report.html"
    assert main(["report", str(linked), "--out", str(out)]) == 2
    assert "link" in _one_line_error(capsys)
    assert not out.exists()


def test_a_dollar_in_a_folder_name_is_drawn_as_text(run_dir, tmp_path, capsys):
    odd = tmp_path / "d$\\bad{$"
    shutil.copytree(run_dir, odd)
    out = tmp_path / "report.html"
    # the same scenario twice: the labels are told apart by the folder names
    assert main(["report", str(run_dir), str(odd), "--out", str(out)]) == 0
    assert out.stat().st_size > 0

"""Damaged results folders: named by ``--verify`` and ``analyze``, repaired by a resume.

A finished sweep's chunk files are truncated, zero-filled, deleted or swapped; each case
is named, ``load_results`` and ``analyze`` refuse the folder (exit 2, one line), and
running the sweep again moves the damaged file aside into ``DIR/damaged/`` and runs its
runs again, giving a dataset equal to the undamaged one, row for row. A Ctrl-C leaves no
temporary file and says how to resume. The sweeps are tiny (classroom scale, one year).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.sweeps.executors import LocalExecutor
from rainforest.experiments.sweeps.integrity import CHECKSUMS, DAMAGED, file_digest
from rainforest.experiments.sweeps.runner import run_sweep
from rainforest.experiments.sweeps.spec import load_sweep
from rainforest.experiments.sweeps.storage import load_manifest, load_results
from rainforest.scenarios.errors import ScenarioError

BASE = 'extends = "action_plan"\nname = "room"\nscale = "classroom"\nhorizon_year = 2022\n'
SWEEP = """
base = "room.toml"
sampler = "list"
replicates = 2
seed = 21
indicators = ["output_value_bn", "enterprises"]
years = [2022]
rows = [
  { "plans.array.budget_bn" = 0.5 },
  { "plans.array.budget_bn" = 2.5 },
]
"""
N_RUNS = 4


def chunk_files(out: Path) -> list[Path]:
    return sorted((out / "chunks").glob("part-*.parquet"))


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    """The sweep file, an undamaged results folder (one run per chunk) and its results."""
    folder = tmp_path_factory.mktemp("damaged")
    (folder / "room.toml").write_text(BASE)
    sweep_file = folder / "sweep.toml"
    sweep_file.write_text(SWEEP)
    out = folder / "whole"
    summary = run_sweep(load_sweep(sweep_file), out, lambda: LocalExecutor(1), chunk_size=1)
    assert summary.ok and summary.finished_runs == N_RUNS
    assert len(chunk_files(out)) == N_RUNS
    return sweep_file, out, load_results(out)


def _copy(finished, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(finished[1], out)
    return out


def _truncate(out: Path) -> str:
    path = chunk_files(out)[1]
    path.write_bytes(path.read_bytes()[:100])  # as `head -c 100` leaves it
    return path.name


def _zero_fill(out: Path) -> str:
    path = chunk_files(out)[2]
    path.write_bytes(bytes(path.stat().st_size))
    return path.name


def _delete(out: Path) -> str:
    path = chunk_files(out)[0]
    path.unlink()
    return path.name


def _swap(out: Path) -> str:
    a, b = chunk_files(out)[1:3]
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    return a.name


DAMAGE = {"truncated": _truncate, "zero-filled": _zero_fill, "deleted": _delete, "swapped": _swap}


def test_the_manifest_records_each_chunk_files_size_and_checksum(finished):
    _, out, _ = finished
    recorded = load_manifest(out).checksums
    assert recorded == {f"chunks/{p.name}": file_digest(p) for p in chunk_files(out)}
    assert all(len(r["sha256"]) == 64 and r["size"] > 100 for r in recorded.values())


def test_an_undamaged_folder_verifies_whole(finished, capsys):
    sweep_file, out, _ = finished
    assert main(["sweep", str(sweep_file), "--out", str(out), "--verify"]) == 0
    printed = capsys.readouterr().out
    assert f"{N_RUNS}/{N_RUNS} runs in {N_RUNS} whole chunk files" in printed
    assert "whole: every run is in a whole chunk file" in printed


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_chunk_is_named_refused_and_repaired_by_a_resume(
    damage, finished, tmp_path, capsys
):
    sweep_file, _, whole = finished
    out = _copy(finished, tmp_path)
    name = DAMAGE[damage](out)
    sweep = ["sweep", str(sweep_file), "--out", str(out)]

    # --verify names the file, runs nothing and changes nothing
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main([*sweep, "--verify"]) == 1
    printed = capsys.readouterr().out
    label = "missing" if damage == "deleted" else "damaged"
    assert f"{label}: chunks/{name}" in printed, printed
    assert f"rainforest sweep {sweep_file} --out {out}" in printed
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot

    # analyze and load_results refuse it: one line naming the file and the resume command
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert f"chunks/{name}" in err and f"rainforest sweep {sweep_file} --out {out}" in err
    assert "Traceback" not in err and "magic bytes" not in err
    with pytest.raises(ScenarioError, match="damaged chunk file"):
        load_results(out)

    # the resume moves it aside, runs its runs again and ends with the undamaged dataset
    assert main([*sweep, "--workers", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ran_now"] == (2 if damage == "swapped" else 1)
    assert any(f"chunks/{name}" in note for note in summary["notes"]), summary["notes"]
    moved = sorted(p.name for p in (out / DAMAGED).iterdir()) if damage != "deleted" else []
    if damage == "deleted":
        assert not (out / DAMAGED).exists()
    else:
        assert f"{name}.damaged" in moved
        assert all(n.endswith(".damaged") for n in moved)
    same(load_results(out), whole)
    rows = duckdb.sql(f"select count(*) from read_parquet('{out}/**/*.parquet')").fetchall()
    assert rows == [(N_RUNS,)]  # the files moved aside are not read as results
    assert main([*sweep, "--verify"]) == 0
    assert main(["analyze", str(out), "--json"]) == 0
    capsys.readouterr()


def test_verify_refuses_what_it_cannot_check(finished, tmp_path, capsys):
    sweep_file, out, _ = finished
    absent = tmp_path / "absent"
    assert main(["sweep", str(sweep_file), "--out", str(absent), "--verify"]) == 2
    assert f"{absent}: no such folder" in capsys.readouterr().err
    other = sweep_file.parent / "other.toml"
    other.write_text(SWEEP.replace("seed = 21", "seed = 22"))
    assert main(["sweep", str(other), "--out", str(out), "--verify"]) == 2
    assert "another sweep" in capsys.readouterr().err
    assert not absent.exists()


def test_several_damaged_files_are_all_named(finished, tmp_path, capsys):
    sweep_file, _, whole = finished
    out = _copy(finished, tmp_path)
    names = [_truncate(out), _delete(out)]
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert "2 damaged chunk files" in err and all(f"chunks/{n}" in err for n in names)
    assert main(["sweep", str(sweep_file), "--out", str(out), "--verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [d["file"] for d in report["damaged"]] == [f"chunks/{names[0]}"]
    assert [d["file"] for d in report["missing"]] == [f"chunks/{names[1]}"]
    assert report["whole_runs"] == N_RUNS - 2 and not report["ok"]
    assert main(["sweep", str(sweep_file), "--out", str(out), "--workers", "1"]) == 0
    captured = capsys.readouterr().out
    assert f"moved to {DAMAGED}/{names[0]}.damaged" in captured
    same(load_results(out), whole)


def test_a_manifest_without_checksums_still_resumes_and_records_them(finished, tmp_path, capsys):
    """Older folders: chunk files are checked by reading them, then their hashes recorded."""
    sweep_file, _, whole = finished
    out = _copy(finished, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest[CHECKSUMS]
    (out / "manifest.json").write_text(json.dumps(manifest))
    same(load_results(out), whole)  # whole files read fine without recorded hashes

    swapped = _swap(out)  # same sizes or not, the rows no longer match the names
    assert main(["sweep", str(sweep_file), "--out", str(out), "--verify"]) == 1
    printed = capsys.readouterr().out
    assert f"damaged: chunks/{swapped}" in printed and "not the runs" in printed
    assert main(["sweep", str(sweep_file), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    same(load_results(out), whole)
    recorded = load_manifest(out).checksums
    assert recorded == {f"chunks/{p.name}": file_digest(p) for p in chunk_files(out)}


def _default_sigint() -> None:
    """Python ignores Ctrl-C when started with SIGINT ignored (a shell's background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_leaves_no_temporary_file_and_says_how_to_resume(finished, tmp_path):
    sweep_file, _, _ = finished
    many = sweep_file.parent / "many.toml"
    many.write_text(
        SWEEP.replace("replicates = 2", "replicates = 150").replace("seed = 21", "seed = 3")
    )
    out = tmp_path / "out"
    command = [sys.executable, "-m", "rainforest.experiments.cli", "sweep", str(many),
               "--out", str(out), "--workers", "1", "--chunk-size", "1"]  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=_default_sigint,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while len(chunk_files(out)) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert len(chunk_files(out)) < 300, "the Ctrl-C should land mid-way"
    assert f"resume with: rainforest sweep {many} --out {out}" in err
    assert "Traceback" not in err
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert load_manifest(out).status == "incomplete"

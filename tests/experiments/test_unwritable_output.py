"""A full disk or a read-only folder: one message naming the folder, exit status 2, found
before the work where it can be, and a results folder left whole (old or new, not a mix).

The full and read-only disks are small tmpfs mounts; where this machine cannot mount one
(no privilege), those tests are skipped with that reason."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest
from rainforest.experiments.cli import main

SWEEP = """name = "s"
base = "baseline"
sampler = "list"
scale = "classroom"
years = [2023]
rows = [{ "plans.array.retention" = 0.1 }, { "plans.array.retention" = 0.2 },
        { "plans.array.retention" = 0.3 }, { "plans.array.retention" = 0.4 }]
"""


def _mount(path: Path, options: str) -> None:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs: room for a scenario's files, not for a run's results."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    _mount(mount, "size=1m")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def read_only_disk(tmp_path):
    mount = tmp_path / f"ro-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    _mount(mount, "size=1m,ro")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int = 20_000) -> None:
    """Fill ``disk`` but for about ``leave`` bytes."""
    import os

    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    (disk / "ballast").write_bytes(b"\0" * max(0, free - leave))


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert err, "no message"
    assert not any("Traceback" in line for line in err)
    return err[-1]


def test_run_into_a_read_only_folder_fails_before_running(read_only_disk, capsys):
    out = read_only_disk / "results"
    assert main(["run", "baseline", "--scale", "classroom", "--out", str(out)]) == 2
    err = _one_line_error(capsys)
    assert str(read_only_disk) in err and "read-only" in err
    captured = capsys.readouterr()
    assert "output_value" not in captured.out  # nothing ran


def test_run_into_a_full_disk_keeps_the_previous_results_whole(small_disk, tmp_path, capsys):
    out = small_disk / "results"
    out.mkdir()
    old = {"indicators.parquet": b"old", "summary.json": b'{"old": 1}', "fan_chart.png": b"old"}
    for name, data in old.items():
        (out / name).write_bytes(data)
    _fill(small_disk)
    code = main(["run", "baseline", "--scale", "classroom", "--replicates", "3",
                 "--out", str(out)])  # fmt: skip
    assert code == 2
    err = _one_line_error(capsys)
    assert str(out) in err and "no space left" in err
    assert sorted(p.name for p in out.iterdir()) == sorted(old)  # no staging folder left
    for name, data in old.items():
        assert (out / name).read_bytes() == data


def test_a_run_into_a_folder_replaces_its_files_as_a_set(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", "baseline", "--scale", "classroom", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "baseline"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_sweep_that_fills_the_disk_says_how_to_resume(small_disk, tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text(SWEEP)
    out = small_disk / "sweep"
    _fill(small_disk, leave=16_000)
    code = main(["sweep", str(sweep), "--out", str(out), "--workers", "1", "--chunk-size", "1"])
    assert code == 2
    err = _one_line_error(capsys)
    assert "no space left" in err and f"rainforest sweep {sweep} --out {out}" in err
    assert not [p for p in out.rglob("*.tmp")]


def test_a_sweep_into_a_read_only_folder_fails_at_once(read_only_disk, tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text(SWEEP)
    assert main(["sweep", str(sweep), "--out", str(read_only_disk / "s")]) == 2
    assert "read-only" in _one_line_error(capsys)


def test_analyze_and_report_into_a_read_only_folder(read_only_disk, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["run", "baseline", "--scale", "classroom", "--out", str(run_dir)]) == 0
    capsys.readouterr()
    code = main(["report", str(run_dir), "--out", str(read_only_disk / "report.html")])
    assert code == 2
    assert "read-only" in _one_line_error(capsys)
    sweep = tmp_path / "s.toml"
    sweep.write_text(SWEEP)
    results = tmp_path / "sweep"
    assert main(["sweep", str(sweep), "--out", str(results), "--workers", "1"]) == 0
    capsys.readouterr()
    code = main(["analyze", str(results), "--out", str(read_only_disk / "analysis")])
    assert code == 2
    assert "read-only" in _one_line_error(capsys)

"""Running sweeps: identical results on every executor, resumption, refusal, failures.

The sweeps are tiny (a few dozen agents, two years) so that a whole sweep, worker start-up
included, takes seconds; the Dask tests start their own scheduler and workers on
127.0.0.1 and stop them afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.sweeps.executors import DaskExecutor, LocalExecutor
from rainforest.experiments.sweeps.runner import auto_chunk_size, pending_ranges, run_sweep
from rainforest.experiments.sweeps.samplers import sample_table
from rainforest.experiments.sweeps.spec import load_sweep, scenario_for
from rainforest.experiments.sweeps.storage import (
    Chunk,
    load_manifest,
    load_results,
    parse_chunk_name,
)
from rainforest.runs.execute import run_one
from rainforest.sim.seeds import derive_seed

BIN = Path(sys.executable).parent
TINY = (
    'extends = "action_plan"\nname = "tiny"\nhorizon_year = 2024\n'
    "population = { enterprises = 60, institutes = 6, talents = 300 }\n"
)
SWEEP = """
base = "tiny.toml"
sampler = "lhs"
samples = 3
replicates = 2
seed = 17
years = [2023, 2024]
indicators = ["output_value_bn", "enterprises", "talents", "pilot_areas"]

[parameters]
"plans.array.budget_bn" = { min = 0.0, max = 3.0 }
"behaviour.founding_rate" = { min = 0.001, max = 0.01 }
"""


def chunk_files(out: Path) -> list[Path]:
    return sorted((out / "chunks").glob("part-*.parquet"))


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "tiny.toml").write_text(TINY)
    (folder / "sweep.toml").write_text(SWEEP)
    (folder / "other.toml").write_text(SWEEP.replace("seed = 17", "seed = 18"))
    return folder


@pytest.fixture(scope="module")
def reference(files, tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The sweep on one local worker, one run per chunk."""
    out = tmp_path_factory.mktemp("ref") / "out"
    summary = run_sweep(
        load_sweep(files / "sweep.toml"), out, lambda: LocalExecutor(1), chunk_size=1
    )
    assert summary.ok and summary.finished_runs == 6 and summary.ran_now == 6
    assert len(chunk_files(out)) == 6
    return out, load_results(out)


def test_runs_equal_run_one_in_this_process(files, reference):
    _, frame = reference
    sweep = load_sweep(files / "sweep.toml")
    table = sample_table(sweep)
    assert list(frame["run"]) == list(range(6))
    for _, row in frame.iterrows():
        sample, replicate = int(row["sample"]), int(row["replicate"])
        values = table.values[sample]
        assert row["seed"] == derive_seed(17, sample, replicate)
        assert row["plans.array.budget_bn"] == values["plans.array.budget_bn"]
        scenario = scenario_for(sweep.bases, sweep.base, values)
        result = run_one(scenario, int(row["seed"]))
        for year in (2023, 2024):
            end = result.at_year_end(year)
            for name in sweep.indicators:
                assert row[f"{name}_{year}"] == end[name]
    assert frame["error"].isna().all()


def test_two_workers_and_another_chunk_size_give_identical_results(files, reference, tmp_path):
    out = tmp_path / "out"
    summary = run_sweep(
        load_sweep(files / "sweep.toml"), out, lambda: LocalExecutor(2), chunk_size=4
    )
    assert summary.ok
    assert [parse_chunk_name(p.name) for p in chunk_files(out)] == [(0, 4), (4, 6)]
    same(load_results(out), reference[1])


def test_the_same_command_again_skips_finished_chunks(files, reference, capsys):
    out, frame = reference
    before = {p.name: p.stat().st_mtime_ns for p in chunk_files(out)}
    assert main(["sweep", str(files / "sweep.toml"), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ran_now"] == 0 and summary["finished_runs"] == 6
    assert {p.name: p.stat().st_mtime_ns for p in chunk_files(out)} == before
    same(load_results(out), frame)


def test_a_folder_holding_another_sweep_is_refused_untouched(files, reference, capsys):
    out, _ = reference
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["sweep", str(files / "other.toml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "another sweep" in err and str(out) in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot


def test_a_folder_with_other_files_is_refused(files, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["sweep", str(files / "sweep.toml"), "--out", str(tmp_path)]) == 2
    assert "no sweep manifest" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_the_manifest_records_the_sweep_and_duckdb_reads_the_chunks(files, reference):
    out, frame = reference
    manifest = load_manifest(out)
    text = (files / "sweep.toml").read_text()
    assert manifest.sweep_text == text
    import hashlib

    assert manifest.sweep_sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert manifest.root_seed == 17 and manifest.code["model_sha256"]
    runs = manifest.runs
    assert runs.count == 6
    assert runs.seed == [
        derive_seed(17, s, r) for s, r in zip(runs.sample, runs.replicate, strict=True)
    ]
    assert len(manifest.samples.values) == 3
    assert all(c.done for c in manifest.chunks) and len(manifest.chunks) == 6
    assert manifest.status == "finished"
    rows = duckdb.sql(
        f"select run, output_value_bn_2024 from read_parquet('{out}/**/*.parquet') order by run"
    ).fetchall()
    assert rows == list(zip(frame["run"], frame["output_value_bn_2024"], strict=True))


# ------------------------------------------------------------------ interruption


KILL_BASE = 'extends = "action_plan"\nname = "small"\nhorizon_year = 2024\nscale = "city"\n'
KILL_SWEEP = """
base = "small.toml"
sampler = "lhs"
samples = 6
replicates = 2
seed = 5
indicators = ["output_value_bn", "high_tech_enterprises"]

[parameters]
"plans.rainforest.budget_bn" = { min = 0.0, max = 6.0 }
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """A sweep of slower runs (a city's population: a few tenths of a second each, so a
    kill lands mid-way) and its uninterrupted results."""
    folder = tmp_path_factory.mktemp("small")
    (folder / "small.toml").write_text(KILL_BASE)
    sweep_file = folder / "kill.toml"
    sweep_file.write_text(KILL_SWEEP)
    whole = folder / "whole"
    assert run_sweep(load_sweep(sweep_file), whole, lambda: LocalExecutor(2)).ok
    return sweep_file, load_results(whole)


def test_a_sweep_killed_with_sigkill_then_resumed_equals_an_uninterrupted_one(small, tmp_path):
    sweep_file, whole = small
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "rainforest.experiments.cli", "sweep", str(sweep_file),
               "--out", str(out), "--workers", "1", "--chunk-size", "1"]  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 180
        while len(chunk_files(out)) < 2 and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # any worker the kill left behind
        except ProcessLookupError:
            pass
    finished = len(chunk_files(out))
    assert 2 <= finished < 12, "the kill should land mid-way"
    assert proc.returncode == -signal.SIGKILL

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{finished}/12 runs already finished" in resumed.stderr
    assert "runs/s" in resumed.stderr  # plain progress lines when not on a terminal
    same(load_results(out), whole)
    assert not [p for p in out.rglob("*.tmp")]


# ------------------------------------------------------------------ failures


FAIL_BASE = (
    'name = "plain"\nhorizon_year = 2024\n'
    "population = { enterprises = 60, institutes = 6, talents = 300 }\n"
)
FAIL_SWEEP = """
base = "plain.toml"
sampler = "list"
replicates = 2
seed = 9
indicators = ["output_value_bn", "talents"]
rows = [
  { start_year = 2023, horizon_year = 2024 },
  { start_year = 2024, horizon_year = 2023 },
  { start_year = 2024, horizon_year = 2024 },
]
"""


def test_a_sample_that_raises_is_recorded_and_the_others_finish(tmp_path, capsys):
    (tmp_path / "plain.toml").write_text(FAIL_BASE)
    (tmp_path / "fail.toml").write_text(FAIL_SWEEP)
    out = tmp_path / "out"
    args = ["sweep", str(tmp_path / "fail.toml"), "--out", str(out), "--workers", "2"]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "6/6 runs finished" in captured.out and "2 failed" in captured.out
    assert "run 2 (sample 1, replicate 0" in captured.out
    assert "run 3 (sample 1, replicate 1" in captured.out
    assert "horizon_year (2023) is before start_year (2024)" in captured.out
    frame = load_results(out)
    assert list(frame.loc[frame["error"].notna(), "sample"]) == [1, 1]
    good = frame[frame["error"].isna()]
    assert list(good["sample"]) == [0, 0, 2, 2]
    assert good["output_value_bn_2024"].notna().all()
    assert frame.loc[frame["error"].notna(), "output_value_bn_2024"].isna().all()
    manifest = load_manifest(out)
    assert manifest.status == "finished with failures" and manifest.failed_runs == 2
    # the failure is the run's result: running again reports it without running anything
    assert main(args + ["--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["ran_now"] == 0 and summary["failed_runs"] == 2
    assert {f["run"] for f in summary["failures"]} == {2, 3}


# ------------------------------------------------------------------ Dask


def _start_cluster(folder: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    log = open(folder / "dask.log", "ab")  # noqa: SIM115 - closed with the processes
    scheduler_file = folder / "scheduler.json"
    procs = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
            stdout=log,
            stderr=log,
        )  # fmt: skip
    ]
    deadline = time.monotonic() + 60
    address = None
    while address is None and time.monotonic() < deadline:
        try:
            address = json.loads(scheduler_file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.2)
    assert address is not None, "the dask scheduler did not start"
    for _ in range(workers):
        procs.append(
            subprocess.Popen(
                [
                    str(BIN / "dask"),
                    "worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                stdout=log,
                stderr=log,
            )  # fmt: skip
        )
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(workers, timeout=120)
    return address, procs


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def dask_cluster(tmp_path):
    """A scheduler and two workers on 127.0.0.1, started for the test and stopped after."""
    address, procs = _start_cluster(tmp_path, 2)
    yield address, procs
    _stop(procs)


def test_a_dask_cluster_gives_identical_results(files, reference, dask_cluster, tmp_path):
    address, _ = dask_cluster
    out = tmp_path / "out"
    args = ["sweep", str(files / "sweep.toml"), "--out", str(out), "--scheduler", address]
    assert main(args + ["--chunk-size", "2"]) == 0
    same(load_results(out), reference[1])


def test_chunks_on_a_lost_dask_worker_are_run_again(small, dask_cluster, tmp_path):
    sweep_file, whole = small
    address, procs = dask_cluster
    from distributed import Client

    class KillABusyWorker:
        """Progress hook: when the first chunk lands, SIGKILL a worker that is running one."""

        def start(self, total: int, done: int) -> None:
            self.lost: list[str] = []
            with Client(address, timeout="10s") as client:
                self.pids = client.run(os.getpid)

        def advance(self, runs: int, failed: int) -> None:
            if self.lost:
                return
            with Client(address, timeout="10s") as client:
                busy = {w: keys for w, keys in client.processing().items() if keys}
            worker = sorted(busy)[0]
            self.lost = list(busy[worker])
            os.kill(self.pids[worker], signal.SIGKILL)

        def stop(self) -> None:
            pass

    hook = KillABusyWorker()
    out = tmp_path / "out"
    summary = run_sweep(
        load_sweep(sweep_file), out, lambda: DaskExecutor(address=address),
        chunk_size=1, progress=hook,
    )  # fmt: skip
    assert hook.lost, "a worker was running a chunk when it was killed"
    assert [p.poll() for p in procs[1:]].count(-signal.SIGKILL) == 1
    assert summary.ok, summary.to_dict()
    same(load_results(out), whole)


def test_a_dask_local_cluster_gives_identical_results(files, reference, tmp_path):
    out = tmp_path / "out"
    args = ["sweep", str(files / "sweep.toml"), "--out", str(out), "--dask-local"]
    assert main(args + ["--workers", "1", "--chunk-size", "3"]) == 0
    same(load_results(out), reference[1])


def test_the_manifest_record_reads_and_writes_manifest_json_unchanged(reference, tmp_path):
    """The typed record keeps the JSON layout: a folder's manifest.json round-trips key for
    key, and one from before ``common_seeds``, ``model`` and checksums still loads."""
    from rainforest.experiments.sweeps.manifest import Manifest

    out, _ = reference
    data = json.loads((out / "manifest.json").read_text())
    assert Manifest.from_dict(data).to_dict() == data
    assert list(Manifest.from_dict(data).to_dict()) == list(data)
    old = {k: v for k, v in data.items() if k not in ("common_seeds", "model", "checksums")}
    old["written_by"] = "a later version"  # a key this version does not know is kept
    manifest = Manifest.from_dict(old)
    assert not manifest.common_seeds and manifest.model is None and manifest.checksums is None
    assert manifest.to_dict()["written_by"] == "a later version"
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(old))
    assert load_manifest(folder).runs.seed == data["runs"]["seed"]


def test_the_sweep_engine_prints_nothing(files, tmp_path, capfd):
    """rf.sweep, as the engine under it, prints nothing unless asked for progress."""
    import rainforest as rf

    frame = rf.sweep(files / "sweep.toml", tmp_path / "out", workers=1, chunk_size=3)
    assert len(frame) == 6 and frame.attrs["sweep"]["finished_runs"] == 6
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
    rf.sweep(files / "sweep.toml", tmp_path / "shown", workers=1, chunk_size=6, progress=True)
    assert "sweep: 0/6 runs already finished" in capfd.readouterr().err


# ------------------------------------------------------------------ streaming


def test_executors_keep_few_chunks_in_flight(files):
    """Memory stays flat: tasks are drawn lazily, at most two per worker ahead."""
    from rainforest.experiments.sweeps.runner import (
        _sample_values,
        _tasks,
        new_manifest,
        sweep_identity,
    )

    sweep = load_sweep(files / "sweep.toml")
    manifest = new_manifest(sweep, sweep_identity(sweep))
    samples = _sample_values(manifest)
    chunks = [Chunk(r, r + 1) for r in range(6)]
    drawn = []

    def source():
        for task in _tasks(chunks, sweep, manifest, samples):
            drawn.append(task.first)
            yield task

    executor = LocalExecutor(1)
    ahead = []
    for _outcome in executor.run(source()):
        ahead.append(len(drawn) - len(ahead))
    assert len(ahead) == 6 and max(ahead) <= 2


def test_pending_ranges_fill_the_gaps_between_chunk_files():
    assert pending_ranges(10, []) == [(0, 10)]
    assert pending_ranges(10, [Chunk(0, 3), Chunk(5, 7)]) == [(3, 5), (7, 10)]
    assert pending_ranges(10, [Chunk(0, 10)]) == []
    assert auto_chunk_size(10_000, 2) == 50 and auto_chunk_size(6, 2) == 1


def test_the_benchmark_reports_its_figures_and_identical_results():
    from rainforest.experiments.benchmarks.sweep_speed import run_bench

    report = run_bench(scale="classroom", runs=2, horizon_year=2023, workers=2)
    assert report["identical_results"] is True
    assert set(report["wall_s"]) == {"local_1", "local_2", "dask_local_2"}
    assert all(v > 0 for v in report["runs_per_hour"].values())
    assert report["parallel_efficiency"] == pytest.approx(
        report["wall_s"]["local_1"] / (2 * report["wall_s"]["local_2"]), rel=0.01
    )

"""A NUMBA_CACHE_DIR that cannot be written: the run goes on, with its compiled code cached
in the usual folder instead, compiled in several processes as on any cold cache, and
says so in one line that names NUMBA_CACHE_DIR, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

_COMPILE_AHEAD = """
import os
import numpy as np
from rainforest.sim.common import tie_sums
from rainforest.sim.edges import build_csr
from rainforest.sim.engine import prepare
from rainforest.sim.engine.precompile import compile_ahead
prepare()
ints = np.zeros(1, np.int64)
compile_ahead(lambda: [(build_csr, (ints, ints, ints, np.int64(0), np.int64(1))),
                       (tie_sums, (np.zeros(1), ints, ints))])
print(os.environ["NUMBA_CACHE_DIR"])
"""


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder this process cannot write: a read-only tmpfs for root (whom permissions
    do not stop), else a folder without write permission."""
    folder = tmp_path / f"ro-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(folder)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {done.stderr.strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def _env(read_only: Path, **more: str) -> dict[str, str]:
    return dict(os.environ, NUMBA_CACHE_DIR=str(read_only), RAINFOREST_COMPILE_WORKERS="2", **more)


def test_a_run_with_a_read_only_numba_cache_dir_says_so_once(read_only_folder):
    done = subprocess.run(
        [sys.executable, "-m", "rainforest.experiments.cli", "run", "action_plan",
         "--scale", "classroom", "--json"],
        env=_env(read_only_folder), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    named = [line for line in done.stderr.splitlines() if "NUMBA_CACHE_DIR" in line]
    assert len(named) == 1 and named[0].startswith("rainforest: warning: NUMBA_CACHE_DIR=")
    assert str(read_only_folder) in named[0] and "instead" in named[0]
    assert done.stdout.lstrip().startswith("{")  # the result, untouched by the warning
    assert not list(read_only_folder.iterdir())


def test_a_cold_cache_compiles_in_several_processes_into_the_fallback(read_only_folder, tmp_path):
    home = tmp_path / "cache-home"
    done = subprocess.run(
        [sys.executable, "-c", _COMPILE_AHEAD],
        env=_env(read_only_folder, XDG_CACHE_HOME=str(home)),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if "NUMBA_CACHE_DIR=" in line]) == 1
    used = Path(done.stdout.strip())
    assert home in used.parents
    assert list(used.glob("compiled-*"))  # compiled ahead, marked as done
    saved = {p.name.split("-")[0] for p in used.rglob("*.nbi")}
    assert {"edges.build_csr", "common.tie_sums"} <= saved
    assert not list(read_only_folder.iterdir())

"""The compiled-code cache: one folder per version of the sources compiled code uses, set
when a run starts."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rainforest.sim.engine import cache

from rainforest import sim

ROOT = Path(sim.__file__).resolve().parent.parent


def _copy_sources(to: Path) -> None:
    shutil.copytree(ROOT / "sim", to / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    (to / "scenarios").mkdir()
    shutil.copy(ROOT / "scenarios" / "fields.py", to / "scenarios" / "fields.py")


def test_a_change_to_the_rules_changes_the_cache_folder(tmp_path):
    # the compiled steps inline the rules, and Numba would not notice a change there by itself
    _copy_sources(tmp_path)
    before = cache.sources_digest(tmp_path)
    assert cache.sources_digest(tmp_path) == before
    rules = tmp_path / "sim" / "rules.py"
    rules.write_text(rules.read_text() + "\n# changed\n")
    assert cache.sources_digest(tmp_path) != before


def test_a_change_to_a_step_or_plan_changes_the_cache_folder(tmp_path):
    # the steps and plans are subpackages of sim; their code is compiled too
    _copy_sources(tmp_path)
    before = cache.sources_digest(tmp_path)
    for path in ("steps/talents.py", "plans/hand_in_hand.py"):
        module = tmp_path / "sim" / path
        text = module.read_text()
        module.write_text(text + "\n# changed\n")
        assert cache.sources_digest(tmp_path) != before, path
        module.write_text(text)
    assert cache.sources_digest(tmp_path) == before


def test_a_change_to_the_field_constants_changes_the_cache_folder(tmp_path):
    _copy_sources(tmp_path)
    before = cache.sources_digest(tmp_path)
    fields = tmp_path / "scenarios" / "fields.py"
    fields.write_text(fields.read_text() + "\n# changed\n")
    assert cache.sources_digest(tmp_path) != before


def test_the_folder_is_per_machine_and_version_and_old_versions_go(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    host = tmp_path / "rainforest" / "numba" / platform.node()
    stale, recent = host / ("0" * 16), host / ("1" * 16)
    for folder in (stale, recent):
        folder.mkdir(parents=True)
    month_ago = time.time() - 30 * 24 * 3600
    os.utime(stale, (month_ago, month_ago))
    folder = cache.cache_folder()
    assert folder == host / cache.sources_digest() and folder.is_dir()
    assert not stale.exists()  # unused for longer than two weeks
    assert recent.exists()  # perhaps another checkout's, in use


_IMPORT_THEN_START = """
import os
import rainforest.sim.loop
from rainforest.sim import engine, rules
print("NUMBA_CACHE_DIR" in os.environ)
engine.prepare()
print(os.environ["NUMBA_CACHE_DIR"])
print(rules.lagged._cache.cache_path)
"""


def test_the_cache_folder_is_set_when_a_run_starts_not_on_import(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_THEN_START], env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    on_import, folder, rules_cache = done.stdout.split("\n")[:3]
    assert on_import == "False"
    host = tmp_path / "rainforest" / "numba" / platform.node()
    assert folder == str(host / cache.sources_digest())
    assert rules_cache.startswith(folder)  # decorated on import, cached in the folder

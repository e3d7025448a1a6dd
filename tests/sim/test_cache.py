"""The compiled-code cache: one folder per version of the sources compiled code uses."""

from __future__ import annotations

import os
import platform
import shutil
import time
from pathlib import Path

from rainforest import sim

ROOT = Path(sim.__file__).resolve().parent.parent


def _copy_sources(to: Path) -> None:
    shutil.copytree(ROOT / "sim", to / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    (to / "scenarios").mkdir()
    shutil.copy(ROOT / "scenarios" / "fields.py", to / "scenarios" / "fields.py")


def test_a_change_to_the_rules_changes_the_cache_folder(tmp_path):
    # the compiled steps inline the rules, and Numba would not notice a change there by itself
    _copy_sources(tmp_path)
    before = sim.sources_digest(tmp_path)
    assert sim.sources_digest(tmp_path) == before
    rules = tmp_path / "sim" / "rules.py"
    rules.write_text(rules.read_text() + "\n# changed\n")
    assert sim.sources_digest(tmp_path) != before


def test_a_change_to_a_step_or_plan_changes_the_cache_folder(tmp_path):
    # the steps and plans are subpackages of sim; their code is compiled too
    _copy_sources(tmp_path)
    before = sim.sources_digest(tmp_path)
    for path in ("steps/talents.py", "plans/hand_in_hand.py"):
        module = tmp_path / "sim" / path
        text = module.read_text()
        module.write_text(text + "\n# changed\n")
        assert sim.sources_digest(tmp_path) != before, path
        module.write_text(text)
    assert sim.sources_digest(tmp_path) == before


def test_a_change_to_the_field_constants_changes_the_cache_folder(tmp_path):
    _copy_sources(tmp_path)
    before = sim.sources_digest(tmp_path)
    fields = tmp_path / "scenarios" / "fields.py"
    fields.write_text(fields.read_text() + "\n# changed\n")
    assert sim.sources_digest(tmp_path) != before


def test_the_folder_is_per_machine_and_version_and_old_versions_go(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    host = tmp_path / "rainforest" / "numba" / platform.node()
    stale, recent = host / ("0" * 16), host / ("1" * 16)
    for folder in (stale, recent):
        folder.mkdir(parents=True)
    month_ago = time.time() - 30 * 24 * 3600
    os.utime(stale, (month_ago, month_ago))
    folder = sim._cache_dir()
    assert folder == host / sim.sources_digest() and folder.is_dir()
    assert not stale.exists()  # unused for longer than two weeks
    assert recent.exists()  # perhaps another checkout's, in use

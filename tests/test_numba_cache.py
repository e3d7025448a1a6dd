"""The compiled-code cache folder: where the usual place cannot be written (a file in the
way, a read-only XDG_CACHE_HOME), another is used with a warning naming NUMBA_CACHE_DIR,
never a traceback."""

from __future__ import annotations

import subprocess
import tempfile
import uuid

import pytest
from rainforest.sim.engine.cache import CacheFolderWarning, cache_folder


@pytest.fixture
def own_temp(tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def _writable(folder) -> bool:
    probe = folder / "probe"
    probe.write_text("x")
    probe.unlink()
    return True


def test_a_file_in_the_way_falls_back_with_a_warning(tmp_path, own_temp, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with pytest.warns(CacheFolderWarning, match="NUMBA_CACHE_DIR"):
        folder = cache_folder()
    assert own_temp in folder.parents and _writable(folder)


def test_a_read_only_cache_home_falls_back_with_a_warning(tmp_path, own_temp, monkeypatch):
    mount = tmp_path / f"ro-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        monkeypatch.setenv("XDG_CACHE_HOME", str(mount))
        with pytest.warns(CacheFolderWarning, match="read-only"):
            folder = cache_folder()
        assert own_temp in folder.parents and _writable(folder)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_writable_cache_home_is_used_without_a_warning(tmp_path, monkeypatch, recwarn):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = cache_folder()
    assert (tmp_path / "cache") in folder.parents
    assert not [w for w in recwarn if issubclass(w.category, CacheFolderWarning)]

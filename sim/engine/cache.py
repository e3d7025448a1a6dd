"""Where compiled code is cached on disk: one folder per machine and per version of the
sources compiled code depends on.

Numba checks only the source of the file a cached function is defined in, not of the
files it inlines from, so without the version a change to ``rules.py`` would leave the
loop's cached code running the old rules. NUMBA_CACHE_DIR, when set, takes precedence.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import time
from pathlib import Path

STALE_AFTER_S = 14 * 24 * 3600  # other versions' folders unused this long are removed

_ROOT = Path(__file__).resolve().parents[2]


def sources_digest(root: Path = _ROOT) -> str:
    """A hash of the sources compiled code is built from: the sim package's modules, its
    subpackages' included, and the field constants it reads from the scenarios layer."""
    digest = hashlib.sha256()
    sim = root / "sim"
    for path in [*sorted(sim.rglob("*.py")), root / "scenarios" / "fields.py"]:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_folder() -> Path:
    """This machine's folder for this version of the sources (made, and marked as in use);
    other versions' folders unused for two weeks are removed."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    host = base / "rainforest" / "numba" / platform.node()
    folder = host / sources_digest()
    folder.mkdir(parents=True, exist_ok=True)
    os.utime(folder)  # marks this version as in use
    now = time.time()
    for other in host.iterdir():
        try:
            if other != folder and other.is_dir() and now - other.stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(other, ignore_errors=True)
        except OSError:
            pass  # another process removed it first
    return folder

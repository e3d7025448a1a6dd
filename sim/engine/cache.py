"""Where compiled code is cached on disk: one folder per machine and per version of the
sources compiled code depends on.

Numba checks only the source of the file a cached function is defined in, not of the
files it inlines from, so without the version a change to ``rules.py`` would leave the
loop's cached code running the old rules. NUMBA_CACHE_DIR, when set, takes precedence.

The folder is under XDG_CACHE_HOME (else ~/.cache); where that cannot be written (a
read-only home, a file in the way) the cache goes to the temporary folder instead, with
a warning that says so and names NUMBA_CACHE_DIR, rather than a failed run. A
NUMBA_CACHE_DIR that cannot be written is set aside the same way: Numba would not use it
(it caches only where it can write), and the processes that compile a cold cache side by
side need a folder they can share.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import tempfile
import time
import uuid
import warnings
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


class CacheFolderWarning(UserWarning):
    """The usual cache folder cannot be written; another one is used."""


def _writable(folder: Path) -> str | None:
    """None if ``folder`` can be made and written to, else why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-check.{uuid.uuid4().hex[:12]}.tmp"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def choose_run_cache_folder() -> Path:
    """``run_cache_folder()``, exported as NUMBA_CACHE_DIR: later runs in this process and
    the processes it starts use it without looking (or warning) again."""
    folder = run_cache_folder()
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    return folder


def run_cache_folder() -> Path:
    """The folder a run's compiled code is cached in: NUMBA_CACHE_DIR where it is set and
    can be written, else ``cache_folder()``; an unwritable NUMBA_CACHE_DIR is named in a
    CacheFolderWarning that says which folder is used instead."""
    asked = os.environ.get("NUMBA_CACHE_DIR", "")
    if not asked:
        return cache_folder()
    problem = _writable(Path(asked))
    if problem is None:
        return Path(asked)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CacheFolderWarning)  # one warning, this one
        folder = cache_folder()
    warnings.warn(
        f"NUMBA_CACHE_DIR={asked} cannot be written ({problem.lower()}); compiled code is "
        f"cached in {folder} instead (set NUMBA_CACHE_DIR to a writable folder to choose)",
        CacheFolderWarning,
        stacklevel=4,
    )
    return folder


def cache_folder() -> Path:
    """This machine's folder for this version of the sources (made, and marked as in use);
    other versions' folders unused for two weeks are removed. Where the usual place cannot
    be written, a folder in the temporary folder is used, with a CacheFolderWarning."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    roots = [base / "rainforest" / "numba", Path(tempfile.gettempdir()) / f"rainforest-{user}"]
    why = None
    for root in roots:
        host = root / platform.node()
        folder = host / sources_digest()
        problem = _writable(folder)
        if problem is None:
            break
        why = why or f"{folder}: {problem.lower()}"
    else:
        folder = Path(tempfile.mkdtemp(prefix="rainforest-numba-"))
        host = folder.parent
    if why is not None:
        warnings.warn(
            f"the compiled-code cache cannot be kept in {why}; using {folder} (set "
            "NUMBA_CACHE_DIR to a writable folder to choose)",
            CacheFolderWarning,
            stacklevel=2,
        )
    if host == folder.parent and folder.name.startswith("rainforest-numba-"):
        return folder  # a one-off folder: nothing else to keep tidy
    os.utime(folder)  # marks this version as in use
    now = time.time()
    for other in host.iterdir():
        try:
            if other != folder and other.is_dir() and now - other.stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(other, ignore_errors=True)
        except OSError:
            pass  # another process removed it first
    return folder

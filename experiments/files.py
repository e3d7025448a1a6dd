"""Writing files so that a reader never sees half of one: ``write_atomic``.

Every file the experiments write (run results, figures, sweep chunks and manifests,
calibration records, analysis reports) goes through here. The data goes to a temporary
file in the same folder (``.NAME.<random>.tmp``, a name the sweep folder's clean-up
recognises), is flushed to disk, and is renamed over the target, so an interrupted
write leaves the old file or the new one, never a torn one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from rainforest.scenarios.errors import ScenarioError

TEMP_SUFFIX = ".tmp"


def is_temporary(name: str) -> bool:
    """Whether ``name`` is a temporary file ``write_atomic`` leaves if it is interrupted."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def output_folder(out_dir: Path) -> Path:
    """``out_dir``, created if needed; a file in the way is bad input, named as ``--out``."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ScenarioError(f"--out {out_dir}: exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"--out {out_dir}: cannot create the folder ({exc})") from None
    return out_dir


def write_atomic(path: str | Path, data: bytes | str | Callable[[Path], None]) -> Path:
    """Write ``data`` to ``path`` all at once; returns ``path``.

    ``data`` is bytes, text (written as UTF-8), or a writer: a function given the
    temporary path to write to (``lambda tmp: table.to_parquet(tmp)``), for libraries
    that write files themselves.
    """
    path = Path(path)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}{TEMP_SUFFIX}"
    try:
        if callable(data):
            data(tmp)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        else:
            raw = data.encode("utf-8") if isinstance(data, str) else data
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path

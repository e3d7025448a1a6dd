"""Writing files so that a reader never sees half of one: ``write_atomic``.

Every file the experiments write (run results, figures, sweep chunks and manifests,
calibration records, analysis reports) goes through here. The data goes to a temporary
file in the same folder (``.NAME.<random>.tmp``, a name the sweep folder's clean-up
recognises), is flushed to disk, and is renamed over the target, so an interrupted
write leaves the old file or the new one, never a torn one. ``write_files`` does the same
for a set of files that belong together (a run's results, an analysis): all of them are
written aside first, so a failure leaves the folder as it was.

A folder that cannot be written (a full disk, a read-only filesystem, no permission) is
an ``OutputError``: one message naming the folder, exit status 2 at the command line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from rainforest.scenarios.errors import ScenarioError

TEMP_SUFFIX = ".tmp"
# what a full or read-only disk, a quota or a permission raise: the folder's fault, not ours
UNWRITABLE = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
)

FileData = bytes | str | Callable[[Path], None]


class OutputError(ScenarioError):
    """A folder the results cannot be written to; the message names it and the cause."""


def refused_write(exc: BaseException) -> bool:
    """Whether ``exc`` is the disk or the folder refusing a write. Libraries that write
    files themselves (Arrow, matplotlib) may raise an OSError without its errno: then its
    message says which."""
    if not isinstance(exc, OSError):
        return False
    if exc.errno is not None:
        return exc.errno in UNWRITABLE
    return any(os.strerror(code) in str(exc) for code in UNWRITABLE)


def unwritable(folder: Path, exc: OSError, what: str = "cannot write to") -> OutputError:
    """The one message for a folder that refused a write."""
    reason = exc.strerror or next(
        (os.strerror(c) for c in UNWRITABLE if os.strerror(c) in str(exc)), type(exc).__name__
    )
    return OutputError(f"{what} {folder}: {reason.lower()}")


def is_temporary(name: str) -> bool:
    """Whether ``name`` is a temporary file ``write_atomic`` leaves if it is interrupted."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def output_folder(out_dir: Path) -> Path:
    """``out_dir``, created if needed and checked writable (a file is created there and
    removed), so a command finds out before its work, not after; a file in the way is bad
    input, named as ``--out``."""
    if not str(out_dir):
        raise ScenarioError("--out: empty; name the folder (--out . for this one)")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ScenarioError(f"--out {out_dir}: exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable(out_dir, exc, "--out: cannot create the folder") from None
    probe = out_dir / f".write-check.{uuid.uuid4().hex[:12]}{TEMP_SUFFIX}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.close(fd)
    except OSError as exc:
        raise unwritable(out_dir, exc, "--out: cannot write to") from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
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
        _write_file(tmp, data)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # on a read-only disk the clean-up fails too
            tmp.unlink(missing_ok=True)
        if refused_write(exc):
            raise unwritable(path.parent, exc) from None  # type: ignore[arg-type]
        raise
    return path


def _write_file(path: Path, data: FileData) -> None:
    """``data`` written to the new file ``path`` and flushed to disk."""
    if callable(data):
        data(path)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    with os.fdopen(fd, "wb") as fh:
        fh.write(raw)
        fh.flush()
        os.fsync(fh.fileno())


def write_files(folder: str | Path, files: Mapping[str, FileData]) -> list[Path]:
    """Write ``files`` (name -> data, as ``write_atomic`` takes) into ``folder`` as a set.

    All of them are written into a hidden folder inside ``folder`` first; only when every
    one is on disk are they renamed into place, so a full disk or an interrupt midway
    leaves the folder's previous files, not a mix of old and new. Returns the paths."""
    folder = output_folder(Path(folder))
    stage = folder / f".stage.{uuid.uuid4().hex[:12]}{TEMP_SUFFIX}"
    try:
        stage.mkdir()
        for name, data in files.items():
            _write_file(stage / name, data)
        for name in files:
            os.replace(stage / name, folder / name)
    except OSError as exc:
        if refused_write(exc):
            raise unwritable(folder, exc) from None
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [folder / name for name in files]

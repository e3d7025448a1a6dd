"""Which code made a result: the package version, the git commit, the model's digest.

The model's digest is ``rainforest.sim.sources_digest``, the same hash that names the
compiled-code cache: one definition of "the code that computes the numbers", so a
resumed sweep, a cluster's workers and the compiled cache agree on when it changed.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any


@functools.cache
def model_fingerprint() -> str:
    """The digest of the model's code (``sim.sources_digest``), read once per process."""
    from rainforest.sim import sources_digest

    return sources_digest()


def code_version() -> dict[str, Any]:
    """The package version, the git commit if known, and the model's digest.

    ``model_sha256`` holds the digest (the first 16 hex digits of a SHA-256): a resumed
    sweep, and a cluster's workers, tell by it when the code that computes the numbers
    differs from the code that started the sweep.
    """
    from importlib import metadata

    root = Path(__file__).resolve().parent.parent
    try:
        package_version = metadata.version("rainforest")
    except metadata.PackageNotFoundError:
        package_version = None
    commit = None
    if (root / ".git").exists():
        try:
            commit = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "HEAD"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout.strip() or None  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            commit = None
    return {"package": package_version, "git_commit": commit, "model_sha256": model_fingerprint()}

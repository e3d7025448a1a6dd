"""Replicate seeds, derived from a root seed and recorded, never drawn at random.

A run's seed is a function of (root seed, sample index, replicate), so a sweep, the
command line, the Python API and the interactive view give a replicate the same seed, and
its result does not depend on where, when or beside what it ran.
"""

from __future__ import annotations

import numpy as np


def derive_seed(root_seed: int, sample: int, replicate: int) -> int:
    """A run's seed from (root seed, sample index, replicate), via numpy's SeedSequence."""
    seq = np.random.SeedSequence([int(root_seed), int(sample), int(replicate)])
    return int(seq.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """The seeds of a single scenario's replicates (sample 0), as ``rainforest run`` uses."""
    return [derive_seed(root_seed, 0, r) for r in range(replicates)]

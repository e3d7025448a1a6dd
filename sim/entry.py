"""Compiled entry points kept per argument layout, so a call skips Numba's typing.

Numba types every argument on every call; for the state and the parameters, named tuples
of about 140 arrays and numbers, that costs about a millisecond, a tenth of a classroom
run. The compiled entry point is kept per layout of the arguments instead: a layout's
first call goes through the dispatcher (which compiles or loads it).
"""

from __future__ import annotations

import numpy as np
from numba import typeof

_ENTRY_POINTS: dict = {}


def _layout(value):
    """What Numba's type of a value depends on, as a key that is quick to compute: for an
    array its dtype, dimensions and flags, for a tuple its class and members, for a typed
    container its Numba type, otherwise the Python type."""
    if isinstance(value, np.ndarray):
        flags = value.flags
        return (value.dtype.str, value.ndim, flags.c_contiguous, flags.f_contiguous,
                flags.writeable, flags.aligned)  # fmt: skip
    if isinstance(value, tuple):
        return (type(value), tuple(_layout(v) for v in value))
    return getattr(value, "_numba_type_", type(value))


def _run_ticks_entry(run_ticks, S, P, seed, t0, t1, out):
    """``run_ticks(S, P, seed, t0, t1, out)`` through the entry point kept for the layout
    of the state, the parameters and the output (the other arguments are always int64)."""
    args = (S, P, np.int64(seed), int(t0), int(t1), out)
    key = (run_ticks, _layout(S), _layout(P), _layout(out))
    entry = _ENTRY_POINTS.get(key)
    if entry is not None:
        return entry(*args)
    S = run_ticks(*args)
    compiled = run_ticks.overloads.get(tuple(typeof(a) for a in args))
    if compiled is not None:
        _ENTRY_POINTS[key] = compiled.entry_point
    return S

"""Compiled entry points kept per argument layout, so a call skips Numba's typing.

The tick calls its steps from Python, one compiled function each (``sim/loop.py`` says
why). Numba types every argument on every call through a dispatcher; for the state and
the parameters, named tuples of about 180 arrays and numbers, that costs about a
millisecond, more than a classroom tick. ``Compiled`` keeps each function's compiled entry
point for one layout of the state, the parameters and the indicator history instead: a
function's first call for a layout asks its dispatcher for the entry point (which compiles
it or loads it from the cache), and later calls go straight to the compiled code.

The other arguments the steps take are always of one type each (int64 numbers, booleans,
C-contiguous int64 and float64 arrays); an entry point does not check types, so the
layout must say everything Numba's types of the state and parameters depend on.
"""

from __future__ import annotations

import numpy as np
from numba import typeof

_BY_LAYOUT: dict = {}  # layout -> {dispatcher: entry point}
_TYPES: dict = {}  # layout -> Numba's types of (state, parameters, history)


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


class Compiled:
    """Calls compiled functions through their entry points for one layout of (state,
    parameters, history): ``run(fn, *args)`` is ``fn(*args)`` without the typing."""

    __slots__ = ("_entries", "_key", "_held")

    def __init__(self, S, P, out):
        self._key = (_layout(S), _layout(P), _layout(out))
        self._entries = _BY_LAYOUT.setdefault(self._key, {})
        self._held = (S, P, out)

    def __call__(self, fn, *args):
        entry = self._entries.get(fn)
        if entry is None:
            entry = self._entries[fn] = fn.compile(self._signature(args))
        return entry(*args)

    def _signature(self, args):
        """Numba's types of the arguments, as its dispatcher would find them; the state's
        and the parameters' (about 180 arrays and numbers, milliseconds to type) are
        typed once per layout. ``compile`` loads the function from the cache or compiles
        it, and returns its entry point."""
        types = _TYPES.get(self._key)
        if types is None:
            types = _TYPES[self._key] = tuple(typeof(v) for v in self._held)
        known = {id(v): ty for v, ty in zip(self._held, types, strict=True)}
        return tuple(known[id(a)] if id(a) in known else typeof(a) for a in args)

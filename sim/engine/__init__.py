"""The runtime the model runs on, apart from the model: where compiled code is cached
(``cache``), the allocator setting (``memory``), compiled entry points kept per argument
layout (``entry``) and compiling a cold cache in parallel processes (``precompile``).

Nothing here acts when a module is imported. ``prepare`` acts once per process, when its
first run starts (``build_population``, ``initial_state`` and ``run_ticks`` call it): it
points Numba at this machine's cache folder for the sources' version (or at
NUMBA_CACHE_DIR, where that can be written: one that cannot is replaced, with a warning),
makes the allocator setting, and compiles the functions declared with one signature
(``sim.rng``'s draws). Compiled functions are decorated when their modules are imported,
before that, so each one's on-disk cache is pointed at the folder again.
"""

from __future__ import annotations

import sys

from numba.core import config
from numba.core.caching import NullCache
from numba.core.registry import CPUDispatcher
from rainforest.sim.engine.cache import choose_run_cache_folder, sources_digest
from rainforest.sim.engine.memory import reuse_freed_memory

_PREPARED = False
_MODEL = __name__.rsplit(".", 1)[0]  # the package whose compiled functions these are


def prepare() -> None:
    """Make this process ready to run the model (see the module's docstring); the first
    call does the work, later ones return at once."""
    global _PREPARED
    if _PREPARED:
        return
    _PREPARED = True
    choose_run_cache_folder()  # in NUMBA_CACHE_DIR, which child processes inherit
    config.reload_config()
    reuse_freed_memory()
    for fn in compiled_functions():
        if not isinstance(fn._cache, NullCache):
            fn.enable_caching()  # its cache, in the folder
        signature = getattr(fn, "one_signature", None)
        if signature is not None:
            fn.compile(signature)
            fn.disable_compile()


def compiled_functions() -> list[CPUDispatcher]:
    """The compiled functions of the model's modules imported so far, each once, in the
    order their modules define them."""
    seen: dict[int, CPUDispatcher] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == _MODEL or name.startswith(_MODEL + ".")):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == name:
                seen.setdefault(id(value), value)
    return list(seen.values())


__all__ = ["compiled_functions", "prepare", "sources_digest"]

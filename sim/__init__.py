"""The model, written once: rules, counter-based RNG, population, state, the tick
(``loop``, its ``steps`` and ``plans``), indicators; and the runtime it runs on
(``engine``: the compiled-code cache, the allocator setting, compiled entry points, the
precompiler), which acts when a run starts, not when a module is imported.
"""

from rainforest.sim.engine.cache import sources_digest

__all__ = ["sources_digest"]

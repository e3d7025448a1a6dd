"""The simulation core: rules, counter-based RNG, population, state, kernel, indicators.

Compiled Numba code is cached on disk in a folder per machine, so a second process
starts without recompiling; NUMBA_CACHE_DIR, when set, takes precedence.
"""

import os
import platform
from pathlib import Path

if "NUMBA_CACHE_DIR" not in os.environ:
    _base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    os.environ["NUMBA_CACHE_DIR"] = str(_base / "rainforest" / "numba" / platform.node())

"""The allocator setting runs rely on: glibc keeps freed memory for reuse.

Made once per process, when its first run starts (``sim.engine.prepare``).
"""

from __future__ import annotations

_SET: bool | None = None  # whether the setting holds; None until a run starts


def reuse_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse instead of returning it to the system;
    returns whether the setting holds. Made once per process.

    Each tick allocates scratch arrays the size of the population (attractiveness, the
    adjacency, per-firm sums), hundreds of kilobytes to megabytes each. By default glibc
    serves such sizes with fresh pages from the system and gives them back when freed, so
    every tick pays page faults for them again: about 27,000 per city run, and about 0.1 s
    of system time. Serving them from a heap that is not trimmed makes the faults go away
    (tests/sim/test_memory.py); results do not depend on it. Elsewhere than glibc this
    does nothing.
    """
    global _SET
    if _SET is None:
        _SET = _set_mallopt()
    return _SET


def _set_mallopt() -> bool:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    return bool(
        mallopt(m_mmap_threshold, 32 * 2**20)  # glibc's largest; bigger arrays stay mapped
        and mallopt(m_trim_threshold, 512 * 2**20)
        and mallopt(m_top_pad, 64 * 2**20)
    )

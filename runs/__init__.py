"""The one door between a run request and the model's numbers.

``resolve_request`` turns a request (scenario, overrides, scale, root seed, replicates,
posterior draws) into a ``RunRequest`` with every default filled in; ``run_request``
runs it into a ``RunSet`` (results, summary, scorecard). ``run_one`` and
``run_replicates`` run a resolved scenario, as sweep workers and studies do. The CLI,
``rf.run``, sweeps, studies, the EMA adapter, the view's what-if and the benchmarks all
come through here; nothing else calls the compiled model for numbers.

Its place among the layers: experiments → viz → runs → agents → sim → scenarios.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "compiled_inputs": "execute",
    "run_one": "execute",
    "run_replicates": "execute",
    "run_with_state": "execute",
    "DEFAULT_DRAWS": "request",
    "DEFAULT_REPLICATES": "request",
    "DEFAULT_SCENARIO": "request",
    "DEFAULT_SEED": "request",
    "PosteriorDraws": "request",
    "RunRequest": "request",
    "RunSet": "request",
    "resolve_request": "request",
    "run_request": "request",
    "RunResult": "result",
    "summary_dict": "summary",
}


def __getattr__(name: str) -> Any:
    """Each name imported on first use, so the CLI's parser stays light."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_REPLICATES",
    "DEFAULT_SCENARIO",
    "DEFAULT_SEED",
    "PosteriorDraws",
    "RunRequest",
    "RunResult",
    "RunSet",
    "compiled_inputs",
    "resolve_request",
    "run_one",
    "run_replicates",
    "run_request",
    "run_with_state",
    "summary_dict",
]

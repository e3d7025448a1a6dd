"""Sweeps of a plain Python function instead of the model: ``model = "module:function"``.

A function with known answers (the Ishigami function, a linear function, an additive
game: ``experiments/studies/analytic.py``) run through the same samplers, executors,
storage and analysis as the model checks that pipeline against the answers. Such a
function takes the sweep's parameters as keyword arguments and returns a dict of
outcomes; its outcomes are the sweep's indicators, one value per run (a function has no
years). A function that takes a ``seed`` argument receives the run's derived seed, so
its replicates differ as the model's do; one without it is deterministic, and a sweep
of it takes one replicate.

The outcomes are named in the sweep file (``indicators = ["y"]``) or declared on the
function with the ``outcomes`` decorator, which the sweep then keeps by default.

A sweep file that names a function runs that function: sweep files are code. So a sweep
may call only the package's own functions marked for sweeps (``outcomes`` or
``sweepable``) and functions of the modules the user allows (``--allow-module NAME``,
``rf.sweep(..., allow_modules=[NAME])`` or the ``RAINFOREST_ALLOW_MODULES`` environment
variable, comma-separated); a module is checked before it is imported.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import inspect
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rainforest.scenarios.errors import ScenarioError

SEED_ARGUMENT = "seed"
ALLOW_ENV = "RAINFOREST_ALLOW_MODULES"
PACKAGE = "rainforest"
_REFERENCE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
_KINDS = {bool: "bool", int: "int", float: "float", str: "str"}
_KIND_NAMES = {name: name for name in _KINDS.values()}  # string annotations (PEP 563)


def outcomes(*names: str) -> Callable[[Callable], Callable]:
    """Declare the keys of the dict a function returns, so a sweep of it needs no list."""

    def mark(function: Callable) -> Callable:
        function.outcomes = tuple(names)
        function.sweepable = True
        return function

    return mark


def sweepable(function: Callable) -> Callable:
    """Mark one of the package's functions as one a sweep file may call without the user
    allowing its module (``outcomes`` marks its functions too)."""
    function.sweepable = True
    return function


def allowed_modules(allow: Iterable[str] = ()) -> tuple[str, ...]:
    """The modules whose functions a sweep may call besides the package's marked ones:
    ``allow`` and those in the RAINFOREST_ALLOW_MODULES environment variable."""
    from_env = (m.strip() for m in os.environ.get(ALLOW_ENV, "").split(","))
    return tuple(dict.fromkeys(m for m in (*allow, *from_env) if m))


def check_allowed(reference: str, allow: Iterable[str] = ()) -> None:
    """Refuse, before importing anything, a function a sweep file may not call: one of a
    module the user has not allowed, or an unmarked one of the package."""
    if not _REFERENCE.match(reference):
        raise ScenarioError(
            f"model: {reference!r} is not a function reference (write module.path:function)"
        )
    module_name = reference.split(":")[0]
    if any(module_name == m or module_name.startswith(f"{m}.") for m in allowed_modules(allow)):
        return
    if module_name == PACKAGE or module_name.startswith(f"{PACKAGE}."):
        if getattr(load_function(reference), "sweepable", False):
            return
        raise ScenarioError(
            f"model: {reference} is not one of the functions sweeps may call (the package's "
            "are marked with outcomes or sweepable); to run it anyway, allow its module: "
            f"--allow-module {module_name}"
        )
    top = module_name.split(".")[0]
    if importlib.util.find_spec(top) is None:  # finds, without running, a top-level module
        raise ScenarioError(f"model: cannot import {module_name!r} (no module named {top!r})")
    raise ScenarioError(
        f"model: {reference}: a sweep file that names a function runs it, and module "
        f"{module_name!r} is not allowed; if you trust this file, allow the module with "
        f"--allow-module {module_name} (or {ALLOW_ENV}={module_name})"
    )


@dataclass(frozen=True)
class FunctionModel:
    """What a sweep needs to know of a function before it runs it."""

    reference: str
    arguments: tuple[str, ...]  # the keyword arguments it takes, seed excluded
    required: tuple[str, ...]  # those without a default
    takes_seed: bool
    any_keyword: bool  # it takes **kwargs: any parameter name is accepted
    outcomes: tuple[str, ...] | None  # declared with ``outcomes``, else None
    annotations: Mapping[str, str]  # argument -> bool, int, float or str where annotated

    def kind(self, argument: str) -> str | None:
        """The value kind the function's annotation asks for, or None when unannotated."""
        return self.annotations.get(argument)


@functools.cache
def load_function(reference: str) -> Callable[..., Mapping[str, Any]]:
    """The function ``module:function`` names, imported once per process."""
    if not _REFERENCE.match(reference):
        raise ScenarioError(
            f"model: {reference!r} is not a function reference (write module.path:function)"
        )
    module_name, name = reference.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ScenarioError(f"model: cannot import {module_name!r} ({exc})") from None
    function = getattr(module, name, None)
    if function is None:
        raise ScenarioError(f"model: module {module_name!r} has no {name!r}")
    if not callable(function):
        raise ScenarioError(f"model: {reference} is not a function")
    return function


@functools.cache
def describe_function(reference: str) -> FunctionModel:
    """A function's arguments and declared outcomes, for checking a sweep file against it."""
    function = load_function(reference)
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        raise ScenarioError(f"model: cannot read the arguments of {reference}") from None
    arguments, required, annotations = [], [], {}
    takes_seed = any_keyword = False
    for p in signature.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            any_keyword = True
            continue
        if p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY):
            if p.kind is p.POSITIONAL_ONLY and p.default is p.empty:
                raise ScenarioError(
                    f"model: {reference} takes {p.name!r} by position only; a sweep passes "
                    "its parameters by name"
                )
            continue
        if p.name == SEED_ARGUMENT:
            takes_seed = True
            continue
        arguments.append(p.name)
        if p.default is p.empty:
            required.append(p.name)
        kind = _KINDS.get(p.annotation) or _KIND_NAMES.get(p.annotation)
        if kind is not None:
            annotations[p.name] = kind
    declared = getattr(function, "outcomes", None)
    if declared is not None:
        declared = tuple(str(n) for n in declared)
    return FunctionModel(
        reference, tuple(arguments), tuple(required), takes_seed, any_keyword, declared,
        annotations,
    )  # fmt: skip


@functools.cache
def source_digest(reference: str) -> str | None:
    """SHA-256 of the function's module file: the code behind a function sweep's numbers."""
    module = inspect.getmodule(load_function(reference))
    path = getattr(module, "__file__", None)
    if path is None:
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def evaluate(
    reference: str, values: Mapping[str, Any], seed: int, names: tuple[str, ...]
) -> list[float]:
    """One run of a function: its outcomes ``names``, in order, as floats.

    A missing outcome, or a value that is not a number, raises: the sweep records the
    run's error, as it does for a model run that fails.
    """
    function = load_function(reference)
    kwargs = dict(values)
    if describe_function(reference).takes_seed:
        kwargs[SEED_ARGUMENT] = seed
    result = function(**kwargs)
    if not isinstance(result, Mapping):
        raise TypeError(f"{reference} returned {type(result).__name__}, not a dict of outcomes")
    missing = [n for n in names if n not in result]
    if missing:
        raise KeyError(f"{reference} returned no outcome {missing[0]!r}")
    return [float(result[n]) for n in names]

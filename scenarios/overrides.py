"""Setting scenario values by dotted path: ``apply_overrides(scenario, {path: value})``.

One mechanism for every caller that changes a scenario without writing a file: the
CLI's ``--scale``, sweeps (each sample's values), the interactive view (its budget
multipliers), calibration and the Python API. A path names a field of the schema
(``horizon_year``, ``market.bass_q``, ``plans.array.retention``), and the value is
checked by the schema like a scenario file's, so a mistake is one ScenarioError that
names the path.

Per-year tables (``plans.<plan>.budget_bn`` and the designation schedules ``colleges``,
``centers``, ``pilot_areas``) take three forms: a table (``{2025: 1.0, 2026: 2.0}``)
replaces the whole table; a number sets every plan year, from the plan's first year (or
the scenario's start, if later) to the horizon, keeping the settling years' values
(docs/ODD.md 5.5); ``plans.array.budget_bn.2026`` sets one year. A table of values at a
section (``{"market": {"bass_q": 0.4}}``) means the same as its dotted paths
(``{"market.bass_q": 0.4}``): the section's other values are kept. ``population``, which a
scenario may leave out, is added by giving it as a table of all its sizes.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ValidationError
from rainforest.scenarios.errors import ScenarioError, format_validation
from rainforest.scenarios.schema import PLAN_START_YEAR, Scenario

PER_YEAR_TABLES = frozenset({"budget_bn", "colleges", "centers", "pilot_areas"})


@dataclass(frozen=True)
class Target:
    """What a dotted path names in the schema.

    ``how``: ``value`` (one field), ``table`` (a per-year table), ``year`` (one year of a
    per-year table) or ``section`` (a group of fields, such as ``market``). ``kind`` is
    the value's type for the first three: ``float``, ``int``, ``bool`` or ``str``.
    """

    path: str
    how: Literal["value", "table", "year", "section"]
    kind: str | None = None


def _unwrap(annotation: Any) -> Any:
    """``Annotated[X, ...]`` -> X and ``X | None`` -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _leaf_kind(annotation: Any) -> str | None:
    annotation = _unwrap(annotation)
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    if annotation is str or typing.get_origin(annotation) is Literal:
        return "str"
    return None


def resolve_path(path: str) -> Target:
    """What ``path`` names in the scenario schema; an unknown path is a ScenarioError."""
    model: Any = Scenario
    parts = path.split(".")
    for i, part in enumerate(parts):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            raise ScenarioError(f"{path}: no such parameter in the scenario")
        annotation = _unwrap(fields[part].annotation)
        last = i == len(parts) - 1
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if last:
                return Target(path, "section")
            model = annotation
            continue
        if typing.get_origin(annotation) is dict and part in PER_YEAR_TABLES:
            kind = _leaf_kind(typing.get_args(annotation)[1]) or "float"
            if last:
                return Target(path, "table", kind)
            if i == len(parts) - 2 and parts[-1].isdigit():
                return Target(path, "year", kind)
            raise ScenarioError(f"{path}: {part} takes a year after it, as in {part}.2026")
        kind = _leaf_kind(annotation)
        if kind is None or not last:
            raise ScenarioError(f"{path}: no such parameter in the scenario")
        return Target(path, "value", kind)
    raise ScenarioError(f"{path}: no such parameter in the scenario")  # pragma: no cover


def flatten_overrides(
    overrides: Mapping[str, Any], prefix: str = "", whole: set[str] | None = None
) -> dict[str, Any]:
    """Overrides as dotted paths to fields, per-year tables or years: tables of values at
    sections become their dotted paths. ``whole`` collects the sections given as tables."""
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        target = resolve_path(path)
        if target.how == "section":
            if not isinstance(value, Mapping):
                raise ScenarioError(
                    f"{path}: is a table of parameters; give it a table of values, or set "
                    f"one of them ({path}.NAME)"
                )
            if whole is not None:
                whole.add(path)
            inner = flatten_overrides(value, path, whole)
        else:
            inner = {path: value}
        for p, v in inner.items():
            if p in flat:
                raise ScenarioError(f"{p}: set twice")
            flat[p] = v
    return flat


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with the values at the dotted paths of ``overrides`` set.

    Plain fields are set first, so a number given for a per-year table spans the
    result's own plan years (a new horizon included); single years are set last. The
    result is validated as a whole; a bad value is one ScenarioError that names its path.
    """
    whole: set[str] = set()
    flat = flatten_overrides(overrides, whole=whole)
    data = scenario.model_dump()
    fills: list[tuple[str, Any]] = []
    years: list[tuple[str, Any]] = []
    for path, value in flat.items():
        how = resolve_path(path).how
        if how == "table" and not isinstance(value, Mapping):
            fills.append((path, value))
        elif how == "year":
            years.append((path, value))
        else:
            _parent(data, path, whole)[path.split(".")[-1]] = _plain(value)
    if fills:
        try:
            start, horizon = int(data["start_year"]), int(data["horizon_year"])
        except (TypeError, ValueError):
            _validate(data, scenario.name)  # the schema names the bad year
            raise  # pragma: no cover - the schema refuses what int() does
        span = range(max(start, PLAN_START_YEAR), horizon + 1)
    for path, value in fills:
        node = _parent(data, path, whole)
        key = path.split(".")[-1]
        before = {y: v for y, v in (node.get(key) or {}).items() if int(y) < span.start}
        node[key] = {**before, **{year: value for year in span}}
    for path, value in years:
        parts = path.split(".")
        table = _parent(data, ".".join(parts[:-1]), whole)[parts[-2]]
        table[int(parts[-1])] = value
    return _validate(data, scenario.name)


def _validate(data: dict, source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation(source, exc)) from None


def _plain(value: Any) -> Any:
    """A mapping value as a plain dict (a per-year table given as any mapping)."""
    return dict(value) if isinstance(value, Mapping) else value


def _parent(data: dict, path: str, whole: set[str]) -> dict:
    """The dict that holds the last part of ``path``; a section the scenario leaves out is
    added only when the overrides give it as a whole table."""
    node = data
    parts = path.split(".")
    for i, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            section = ".".join(parts[: i + 1])
            if section not in whole:
                raise ScenarioError(
                    f"{path}: the scenario has no {section} table "
                    f"(give {section} as a table of all its values to add one)"
                )
            child = node[part] = {}
        node = child
    return node

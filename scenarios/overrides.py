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

Two timing transforms reshape a per-year table in place, for timing what-ifs; each is a
dotted path one part longer than the table's, so a sweep can vary it like any number:

- ``<table>.shift = N`` (a whole number of years, any per-year table): every entry from the
  plan's first year on moves N years later (earlier if negative); the settling years'
  entries stay. ``plans.leading.pilot_areas.shift = 2`` makes each year's aim for pilot
  areas the aim of two years before; a shifted budget leaves the first N plan years unpaid.
  An entry may not move before the plan's first year nor past the last year a scenario
  may name.
- ``plans.<plan>.budget_bn.front_load = F`` (from -1 to 1, budgets only): the plan years up
  to the horizon keep their total, re-weighted by a straight line from ``1 + F`` in the
  first year to ``1 - F`` in the last, so ``F > 0`` spends earlier, ``F < 0`` later, and
  ``F = 1`` spends nothing in the last year; 0 changes nothing.

Transforms apply after every other override (so they reshape the table those give),
``front_load`` before ``shift``.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ValidationError
from rainforest.scenarios.errors import ScenarioError, format_validation
from rainforest.scenarios.schema import MAX_YEAR, PLAN_START_YEAR, Scenario

PER_YEAR_TABLES = frozenset({"budget_bn", "colleges", "centers", "pilot_areas"})
SHIFT, FRONT_LOAD = "shift", "front_load"
# transform -> (its value's kind, the tables it applies to), in the order they apply
TRANSFORMS: dict[str, tuple[str, frozenset[str]]] = {
    FRONT_LOAD: ("float", frozenset({"budget_bn"})),
    SHIFT: ("int", PER_YEAR_TABLES),
}


@dataclass(frozen=True)
class Target:
    """What a dotted path names in the schema.

    ``how``: ``value`` (one field), ``table`` (a per-year table), ``year`` (one year of a
    per-year table), ``transform`` (a timing transform of a per-year table) or ``section``
    (a group of fields, such as ``market``). ``kind`` is the value's type for all but
    sections: ``float``, ``int``, ``bool`` or ``str``.
    """

    path: str
    how: Literal["value", "table", "year", "transform", "section"]
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
            if i == len(parts) - 2 and parts[-1].isascii() and parts[-1].isdigit():
                return Target(path, "year", kind)
            if i == len(parts) - 2 and parts[-1] in TRANSFORMS:
                transform_kind, tables = TRANSFORMS[parts[-1]]
                if part not in tables:
                    raise ScenarioError(
                        f"{path}: {parts[-1]} reshapes {' and '.join(sorted(tables))} only"
                    )
                return Target(path, "transform", transform_kind)
            raise ScenarioError(
                f"{path}: {part} takes a year after it, as in {part}.2026, or a timing "
                f"transform ({part}.{SHIFT}"
                + (f", {part}.{FRONT_LOAD})" if part == "budget_bn" else ")")
            )
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
    transforms: list[tuple[str, Any]] = []
    for path, value in flat.items():
        how = resolve_path(path).how
        if how == "table" and not isinstance(value, Mapping):
            fills.append((path, value))
        elif how == "year":
            years.append((path, value))
        elif how == "transform":
            transforms.append((path, value))
        else:
            _parent(data, path, whole)[path.split(".")[-1]] = _plain(value)
    if fills or transforms:
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
    order = list(TRANSFORMS)
    for path, value in sorted(transforms, key=lambda item: order.index(item[0].split(".")[-1])):
        parts = path.split(".")
        node = _parent(data, ".".join(parts[:-1]), whole)
        table = {int(y): v for y, v in (node.get(parts[-2]) or {}).items()}
        if parts[-1] == SHIFT:
            node[parts[-2]] = shifted(table, _shift_years(path, value), span.start, path)
        else:
            node[parts[-2]] = front_loaded(table, _front_load_share(path, value), span, path)
    return _validate(data, scenario.name)


def _shift_years(path: str, value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value != int(value)
    ):
        raise ScenarioError(f"{path}: a whole number of years, got {value!r}")
    return int(value)


def _front_load_share(path: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
        raise ScenarioError(f"{path}: a number from -1 (back-loaded) to 1, got {value!r}")
    return float(value)


def shifted(table: Mapping[int, Any], years: int, first: int, path: str) -> dict[int, Any]:
    """``table`` with its entries from ``first`` on moved ``years`` later (earlier if
    negative); entries before ``first`` stay where they are."""
    out = {y: v for y, v in table.items() if y < first}
    for year, value in table.items():
        if year < first:
            continue
        moved = year + years
        if not first <= moved <= MAX_YEAR:
            raise ScenarioError(
                f"{path}: shifting by {years} years moves {year} to {moved}, outside the "
                f"plan's years {first}-{MAX_YEAR}"
            )
        out[moved] = value
    return dict(sorted(out.items()))


def front_loaded(
    table: Mapping[int, float], share: float, span: range, path: str
) -> dict[int, float]:
    """``table`` with the total over ``span`` kept and re-weighted by a straight line from
    ``1 + share`` in the span's first year to ``1 - share`` in its last."""
    n = len(span)
    if n < 2 or share == 0.0:
        return dict(table)
    weight = {y: 1.0 + share * (1.0 - 2.0 * i / (n - 1)) for i, y in enumerate(span)}
    inside = {y: float(v) for y, v in table.items() if y in weight}
    total = sum(inside.values())
    tilted = sum(v * weight[y] for y, v in inside.items())
    if total == 0.0:
        return dict(table)
    if tilted == 0.0:  # all the money sits in a year the line weights zero
        raise ScenarioError(
            f"{path}: {share:g} would leave nothing: all of the budget is in "
            f"{span[-1 if share > 0 else 0]}, "
            "which that line weights zero"
        )
    out = dict(table)
    for y, v in inside.items():
        out[y] = v * weight[y] * total / tilted
    return dict(sorted(out.items()))


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

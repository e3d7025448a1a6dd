"""Sweep files: a base scenario, the parameters to vary, a sampler, replicates, a seed.

A sweep file is TOML, checked as strictly as a scenario file: unknown keys, unknown
parameter paths, empty or inverted ranges, values the scenario schema would refuse,
unknown samplers, indicators or years each fail with one ``ScenarioError``
naming the file and the field.

Each parameter is a dotted path into the scenario (``plans.array.retention``). A path
that ends at a per-year table (``plans.array.budget_bn``) sets every year from the
scenario's start to its horizon to the sampled value; ``plans.array.budget_bn.2026``
sets one year. The reserved parameter ``scenario`` varies the base scenario itself (a
built-in name or a file). Every value is checked against the scenario schema when the
sweep is loaded, one parameter at a time; a combination the scenario refuses (a horizon
before the start year, say) fails that sample's runs, which are recorded with the error.

``model = "module:function"`` sweeps a plain Python function instead of the model
(``sweeps/functions.py``): its parameters are the function's arguments, its indicators
the keys of the dict it returns, and it has no base scenario, scale or years.

Every sample's replicate ``r`` runs on its own seed, ``derive_seed(seed, sample, r)``;
with ``common_seeds = true`` every sample's replicate ``r`` runs on the same seed,
``derive_seed(seed, 0, r)`` (common random numbers), so differences between samples
carry no seed noise: what comparisons of policies need.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rainforest.experiments.sweeps.functions import (
    FunctionModel,
    check_allowed,
    describe_function,
)
from rainforest.scenarios.errors import ScenarioError, problems_line
from rainforest.scenarios.loader import (
    library_names,
    load_scenario,
    parse_toml,
    read_input_text,
)
from rainforest.scenarios.overrides import apply_overrides, resolve_path
from rainforest.scenarios.schema import SCALE_NAMES, Scenario
from rainforest.scenarios.targets import TARGET_YEAR
from rainforest.sim.indicators import INDICATOR_NAMES, TARGETED

LIBRARY_DIR = Path(__file__).with_name("library")  # the shipped sweep files
SAMPLERS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris", "list")
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "loguniform", "triangular", "truncnormal")
SCENARIO_PARAMETER = "scenario"
SPEC_KEYS = frozenset({"min", "max", "steps", "levels", "distribution", "mode", "mean", "sd"})


REMOVED_KEYS: dict[str, str] = {
    "engine": "every run uses the compiled model; delete the line",
}


class _SweepFile(BaseModel):
    """The top level of a sweep file; parameters and rows are checked separately."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")] = ""
    description: str = ""
    base: Annotated[str, Field(min_length=1)] | None = None
    model: Annotated[str, Field(min_length=1)] | None = None
    sampler: Literal["grid", "lhs", "sobol", "morris", "list"]
    samples: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    replicates: Annotated[int, Field(ge=1, le=100_000)] = 1
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    scale: Literal["classroom", "district", "city"] | None = None
    indicators: list[str] | Literal["targeted", "all"] = "targeted"
    years: list[int] | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    rows: list[dict[str, Any]] | None = None
    morris_levels: Annotated[int, Field(ge=2, le=100)] = 4
    second_order: bool = False
    common_seeds: bool = False


@dataclass(frozen=True)
class Parameter:
    """One varied parameter: where it goes in the scenario and how its values are drawn.

    ``kind`` is the scenario field's type (float, int, bool or str); ``levels`` are
    discrete values, otherwise ``distribution`` over ``[low, high]`` (``mode`` for the
    triangular, ``mean`` and ``sd`` for the truncated normal) maps the unit interval
    onto values through its inverse CDF, and ``steps`` spaces a grid over the range.
    """

    path: str
    kind: str
    levels: tuple[Any, ...] | None = None
    distribution: str | None = None
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    steps: int | None = None

    def from_unit(self, u: float) -> Any:
        """The value at ``u`` in [0, 1]: levels cut the interval into equal bins."""
        if self.levels is not None:
            k = len(self.levels)
            return self.levels[min(int(math.floor(u * k)), k - 1)]
        low, high = float(self.low), float(self.high)
        if self.distribution == "uniform":
            if self.kind == "int":
                span = int(high) - int(low) + 1
                return int(low) + min(int(math.floor(u * span)), span - 1)
            value = low + u * (high - low)
        elif self.distribution == "loguniform":
            value = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
        else:
            from scipy import stats

            if self.distribution == "triangular":
                c = (self.mode - low) / (high - low)
                value = float(stats.triang.ppf(u, c, loc=low, scale=high - low))
            else:
                a, b = (low - self.mean) / self.sd, (high - self.mean) / self.sd
                value = float(stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd))
        value = min(max(value, low), high)  # the inverse CDFs may round past the bounds
        return int(round(value)) if self.kind == "int" else float(value)

    def grid_values(self) -> tuple[Any, ...]:
        """The grid sampler's values: the levels, or ``steps`` evenly spaced over the range."""
        if self.levels is not None:
            return self.levels
        step = (self.high - self.low) / (self.steps - 1)
        values = [self.low + i * step for i in range(self.steps)]
        if self.kind == "int":
            return tuple(dict.fromkeys(int(round(v)) for v in values))
        return tuple(float(v) for v in values)

    def extremes(self) -> tuple[Any, ...]:
        """Values that bound what the sampler can draw, checked against the schema at load."""
        if self.levels is not None:
            return self.levels
        return (self.from_unit(0.0), self.from_unit(1.0))

    def describe(self) -> dict[str, Any]:
        """The spec as plain data, for the manifest."""
        out: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.levels is not None:
            out["levels"] = list(self.levels)
        else:
            out.update(distribution=self.distribution, min=self.low, max=self.high)
            for key in ("mode", "mean", "sd", "steps"):
                if getattr(self, key) is not None:
                    out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file, its base scenario(s) resolved and loaded."""

    name: str
    description: str
    source: str
    text: str
    sha256: str
    base: str | None  # None for a sweep of a function
    bases: dict[str, Scenario]  # every scenario a run may start from, by reference as written
    sampler: str
    samples: int | None
    replicates: int
    seed: int
    indicators: tuple[str, ...]
    years: tuple[int, ...]
    parameters: tuple[Parameter, ...]
    rows: tuple[dict[str, Any], ...] | None
    morris_levels: int
    second_order: bool
    scale: str | None = None
    columns: tuple[str, ...] = field(default=())  # the sample table's columns
    function: str | None = None  # "module:function" when the sweep runs a function
    kinds: tuple[tuple[str, str], ...] = ()  # a function sweep's columns and value kinds
    common_seeds: bool = False  # every sample's replicate r on the same seed

    @property
    def report_year(self) -> int | None:
        """The year analyses report: the plan's target year if kept, else the last kept
        (None for a function, whose outcomes have no year)."""
        if not self.years:
            return None
        return TARGET_YEAR if TARGET_YEAR in self.years else self.years[-1]


# --------------------------------------------------------------------------- paths


def parameter_kind(path: str) -> tuple[str, str]:
    """(value kind, how it is set) for a dotted scenario path, from the schema.

    How it is set: ``value`` (one field), ``table`` (every plan year of a per-year table),
    ``year`` (one year of a per-year table) or ``scenario`` (the reserved parameter).
    Unknown paths, and paths that name a whole section, raise ScenarioError.
    """
    if path == SCENARIO_PARAMETER:
        return "str", "scenario"
    target = resolve_path(path)
    if target.how == "section":
        raise ScenarioError(f"{path}: is a table of parameters, not one parameter")
    return str(target.kind), target.how


def apply_values(base: Scenario, values: Mapping[str, Any]) -> Scenario:
    """``base`` with a sample's values set (``scenarios.overrides.apply_overrides``); the
    ``scenario`` key is chosen by the caller, and unset values (None) are left out."""
    return apply_overrides(
        base, {p: v for p, v in values.items() if p != SCENARIO_PARAMETER and v is not None}
    )


# --------------------------------------------------------------------------- loading


def _format_errors(exc: ValidationError) -> str:
    """The schema's complaints on one line, the first few of them (``problems_line``)."""

    def problems():
        for err in exc.errors(include_url=False, include_context=False, include_input=False):
            loc = ".".join(str(p) for p in err["loc"]) or "(sweep)"
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            yield f"{loc}: {msg}"

    return problems_line(problems(), exc.error_count())


def _flatten(table: Mapping[str, Any], prefix: str, is_leaf) -> dict[str, Any]:
    """Nested TOML tables -> dotted paths, so both ``"a.b" = ...`` and ``[a] b = ...`` work."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and not is_leaf(value):
            if not value:
                raise ScenarioError(f"{path}: empty table")
            flat.update(_flatten(value, path, is_leaf))
        else:
            flat[path] = value
    return flat


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _coerce(path: str, kind: str, value: Any, where: str) -> Any:
    """A TOML value as the scenario field's type, or a ScenarioError naming ``where``."""
    if kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if _is_number(value) and float(value).is_integer():
            return int(value)
        if _is_number(value):
            raise ScenarioError(f"{where}: {path} takes whole numbers, got {value!r}")
    elif kind == "float":
        if _is_number(value):
            if not math.isfinite(value):
                raise ScenarioError(f"{where}: must be a finite number, got {value!r}")
            return float(value)
    elif isinstance(value, str):
        return value
    raise ScenarioError(f"{where}: {path} takes a {kind} value, got {value!r}")


def _parse_parameter(path: str, spec: Any, sampler: str, kind: str | None = None) -> Parameter:
    """One parameter's spec; ``kind`` is the value kind (default: the scenario field's)."""
    where = f"parameters.{path}"
    if kind is None:
        kind, _ = parameter_kind(path)
    if not isinstance(spec, Mapping):
        raise ScenarioError(
            f"{where}: must be a table such as {{ min = 0.0, max = 1.0 }} or {{ levels = [...] }}"
        )
    unknown = sorted(set(spec) - SPEC_KEYS)
    if unknown:
        raise ScenarioError(f"{where}.{unknown[0]}: unknown key")
    if "levels" in spec:
        extra = sorted(set(spec) - {"levels"})
        if extra:
            raise ScenarioError(f"{where}.{extra[0]}: not used with levels")
        levels = spec["levels"]
        if not isinstance(levels, list) or not levels:
            raise ScenarioError(f"{where}.levels: must be a non-empty list of values")
        coerced = tuple(_coerce(path, kind, v, f"{where}.levels") for v in levels)
        if len(set(coerced)) != len(coerced):
            raise ScenarioError(f"{where}.levels: repeats a value")
        return Parameter(path, kind, levels=coerced)
    if kind in ("bool", "str"):
        raise ScenarioError(f"{where}: {path} takes {kind} values; give them as levels = [...]")
    distribution = spec.get("distribution", "uniform")
    if distribution not in DISTRIBUTIONS:
        raise ScenarioError(
            f"{where}.distribution: unknown distribution {distribution!r} "
            f"(choose from {', '.join(DISTRIBUTIONS)})"
        )
    for key in ("min", "max"):
        if key not in spec:
            raise ScenarioError(f"{where}.{key}: missing (a range needs min and max)")
        if not _is_number(spec[key]) or not math.isfinite(spec[key]):
            raise ScenarioError(f"{where}.{key}: must be a finite number, got {spec[key]!r}")
    low, high = float(spec["min"]), float(spec["max"])
    if low > high:
        raise ScenarioError(f"{where}: min ({spec['min']}) is greater than max ({spec['max']})")
    if low == high:
        raise ScenarioError(f"{where}: empty range (min = max = {spec['min']}); use levels")
    if kind == "int" and not (low.is_integer() and high.is_integer()):
        raise ScenarioError(f"{where}: {path} takes whole numbers, so min and max must be too")
    needed = {"triangular": ("mode",), "truncnormal": ("mean", "sd")}.get(distribution, ())
    allowed = {"min", "max", "distribution", "steps", *needed}
    extra = sorted(set(spec) - allowed)
    if extra:
        raise ScenarioError(f"{where}.{extra[0]}: not used by the {distribution} distribution")
    for key in needed:
        if key not in spec or not _is_number(spec[key]) or not math.isfinite(spec[key]):
            raise ScenarioError(f"{where}.{key}: the {distribution} distribution needs a number")
    mode = float(spec["mode"]) if "mode" in spec else None
    if mode is not None and not low <= mode <= high:
        raise ScenarioError(f"{where}.mode: {mode} is outside min-max ({low}-{high})")
    sd = float(spec["sd"]) if "sd" in spec else None
    if sd is not None and sd <= 0:
        raise ScenarioError(f"{where}.sd: must be > 0, got {spec['sd']}")
    if distribution == "loguniform" and low <= 0:
        raise ScenarioError(f"{where}.min: the loguniform distribution needs min > 0")
    steps = spec.get("steps")
    if sampler == "grid":
        if steps is None:
            raise ScenarioError(
                f"{where}.steps: the grid sampler needs levels, or steps and a range"
            )
        if distribution != "uniform":
            raise ScenarioError(f"{where}.distribution: the grid sampler takes levels or a range")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
            raise ScenarioError(f"{where}.steps: must be a whole number >= 2, got {steps!r}")
        from rainforest.experiments.sweeps.runner import MAX_RUNS

        if steps > MAX_RUNS:  # refused before a step list is built
            raise ScenarioError(
                f"{where}.steps: at most {MAX_RUNS:,} (one sweep's runs), got {steps:,}"
            )
    elif steps is not None:
        raise ScenarioError(f"{where}.steps: only the grid sampler uses steps")
    mean = float(spec["mean"]) if "mean" in spec else None
    return Parameter(
        path, kind, distribution=distribution, low=low, high=high, mode=mode, mean=mean, sd=sd,
        steps=steps,
    )  # fmt: skip


def _resolve_reference(ref: str, here: Path) -> str:
    """A scenario reference as the loader will find it: a library name or a file path."""
    if ref in library_names():
        return ref
    candidate = here / ref
    if candidate.suffix == ".toml" and candidate.exists():
        return str(candidate)
    return ref


def _load_base(ref: str, here: Path, where: str, scale: str | None) -> Scenario:
    try:
        scenario = load_scenario(_resolve_reference(ref, here))
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    scale = scale or scenario.scale
    if scenario.scale != scale:
        scenario = apply_overrides(scenario, {"scale": scale})
    return scenario


def _check_value(bases: Mapping[str, Scenario], path: str, value: Any, where: str) -> None:
    """One value set alone on every base must give a valid scenario."""
    for ref, scenario in bases.items():
        try:
            apply_values(scenario, {path: value})
        except ScenarioError as exc:
            message = str(exc).split(": ", 1)[-1]
            raise ScenarioError(
                f"{where}: {value!r} is refused by scenario {ref!r} ({message})"
            ) from None


def library_sweeps() -> list[str]:
    """The shipped sweep files, by name (``rainforest sweep NAME`` finds them)."""
    return sorted(p.stem for p in LIBRARY_DIR.glob("*.toml"))


def shipped_sweeps() -> dict[str, str]:
    """Each shipped sweep's name and the description its file gives (read, not validated:
    listing them must not load their scenarios)."""
    out = {}
    for name in library_sweeps():
        try:
            data = tomllib.loads((LIBRARY_DIR / f"{name}.toml").read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            data = {}
        description = data.get("description")
        out[name] = " ".join(description.split()) if isinstance(description, str) else ""
    return out


def locate_sweep(name_or_path: str | Path) -> Path:
    """A sweep file's path: the file if it exists, else the shipped sweep of that name."""
    path = Path(name_or_path)
    if not path.exists() and path.suffix == "" and path.name in library_sweeps():
        return LIBRARY_DIR / f"{path.name}.toml"
    return path


def load_sweep(path: str | Path, allow_modules: Iterable[str] = ()) -> Sweep:
    """Read and validate a sweep file (or a shipped sweep, by name); every problem is one
    ScenarioError naming the file and the field. A sweep file that names a function may
    name one of the package's sweep functions, or one of a module in ``allow_modules``
    (or the RAINFOREST_ALLOW_MODULES environment variable): sweep files are code."""
    path = locate_sweep(path)
    if path.suffix == "" and not path.exists():  # a name, not a file: say which names ship
        raise ScenarioError(
            f"{path}: no such sweep file, and no shipped sweep of that name (shipped: "
            f"{', '.join(library_sweeps())}; rainforest sweep --list describes them)"
        )
    text = read_input_text(path, "sweep file")
    try:
        return within_run_limit(sweep_from_text(text, path, allow_modules))
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def within_run_limit(sweep: Sweep) -> Sweep:
    """``sweep`` if its runs fit one sweep; counted, not drawn, so that a huge grid or
    sample count is refused before anything is built or printed."""
    from rainforest.experiments.sweeps.runner import MAX_RUNS
    from rainforest.experiments.sweeps.samplers import sample_count

    n_samples = sample_count(sweep)
    if n_samples * sweep.replicates > MAX_RUNS:
        raise ScenarioError(
            f"{n_samples * sweep.replicates:,} runs ({n_samples:,} samples x "
            f"{sweep.replicates} replicates) is more than one sweep holds ({MAX_RUNS:,}); "
            "split it"
        )
    return sweep


def sweep_from_text(text: str, path: Path, allow_modules: Iterable[str] = ()) -> Sweep:
    """Validate a sweep file's text; ``path`` names it and anchors relative scenario files."""
    data = parse_toml(text)
    if not data:  # empty, or nothing but comments: almost always a mistake
        raise ScenarioError("empty sweep file: give at least `base` and `sampler`")
    for key, why in REMOVED_KEYS.items():
        if key in data:
            raise ScenarioError(f"{key}: not a sweep key ({why})")
    try:
        top = _SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc)) from None
    if top.model is not None:
        return _function_sweep(top, text, path, allow_modules)
    if top.base is None:
        raise ScenarioError("base: missing (the scenario the sweep starts from)")
    here = path.parent
    if top.scale is not None and top.scale not in SCALE_NAMES:  # pragma: no cover - Literal guards
        raise ScenarioError(f"scale: unknown scale {top.scale!r}")
    sampler = top.sampler

    # parameters (or rows, for the list sampler)
    rows: tuple[dict[str, Any], ...] | None = None
    parameters: tuple[Parameter, ...] = ()
    if sampler == "list":
        _check_list_keys(top)
        flat_rows = [_flatten(row, "", lambda _v: False) for row in top.rows]
        for i, row in enumerate(flat_rows):
            if not row:
                raise ScenarioError(f"rows[{i}]: empty row")
        columns = list(dict.fromkeys(path for row in flat_rows for path in row))
        kinds = {p: parameter_kind(p)[0] for p in columns}
        rows = tuple(
            {p: _coerce(p, kinds[p], v, f"rows[{i}].{p}") for p, v in row.items()}
            for i, row in enumerate(flat_rows)
        )
    else:
        if top.rows is not None:
            raise ScenarioError(f"rows: only the list sampler takes rows, not {sampler}")
        flat = _flatten(top.parameters, "", lambda v: bool(SPEC_KEYS & set(v)))
        if not flat:
            raise ScenarioError(f"parameters: the {sampler} sampler needs at least one parameter")
        parameters = tuple(_parse_parameter(p, spec, sampler) for p, spec in flat.items())
        columns = [p.path for p in parameters]
        _check_sample_count(top)
        if sampler in ("sobol", "morris"):
            for p in parameters:
                if p.path == SCENARIO_PARAMETER:
                    raise ScenarioError(
                        f"parameters.{p.path}: {sampler} analyses numeric parameters only"
                    )

    # base scenarios: the base and every scenario named by the scenario parameter
    base = _load_base(top.base, here, "base", top.scale)
    bases: dict[str, Scenario] = {top.base: base}
    references: list[str] = []
    if rows is not None:
        references = [r[SCENARIO_PARAMETER] for r in rows if SCENARIO_PARAMETER in r]
    for p in parameters:
        if p.path == SCENARIO_PARAMETER:
            references = list(p.levels or ())
            if p.levels is None:
                raise ScenarioError("parameters.scenario: give the scenarios as levels = [...]")
    for ref in references:
        if ref not in bases:
            bases[ref] = _load_base(ref, here, f"{SCENARIO_PARAMETER} {ref!r}", top.scale)

    # every value, one at a time, against every base
    for p in parameters:
        if p.path != SCENARIO_PARAMETER:
            for value in p.extremes():
                _check_value(bases, p.path, value, f"parameters.{p.path}")
    if rows is not None:
        for i, row in enumerate(rows):
            row_bases = bases
            if SCENARIO_PARAMETER in row:
                row_bases = {row[SCENARIO_PARAMETER]: bases[row[SCENARIO_PARAMETER]]}
            for p, value in row.items():
                if p != SCENARIO_PARAMETER:
                    _check_value(row_bases, p, value, f"rows[{i}].{p}")

    # indicators and years
    if top.indicators == "targeted":
        indicators = TARGETED
    elif top.indicators == "all":
        indicators = INDICATOR_NAMES
    else:
        if not top.indicators:
            raise ScenarioError("indicators: empty list (omit it to keep the targeted ones)")
        for name in top.indicators:
            if name not in INDICATOR_NAMES:
                raise ScenarioError(f"indicators: unknown indicator {name!r}")
        indicators = tuple(dict.fromkeys(top.indicators))
    first = max(s.start_year for s in bases.values())
    last = min(s.horizon_year for s in bases.values())
    if top.years is None:
        years: tuple[int, ...] = (min(TARGET_YEAR, last),)
    else:
        if not top.years:
            raise ScenarioError("years: empty list (omit it to keep the target year)")
        for year in top.years:
            if not first <= year <= last:
                raise ScenarioError(f"years: {year} is outside the scenario's years {first}-{last}")
        years = tuple(sorted(set(top.years)))

    return Sweep(
        name=top.name or path.stem,
        description=top.description,
        source=str(path),
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        base=top.base,
        bases=bases,
        sampler=sampler,
        samples=top.samples,
        replicates=top.replicates,
        seed=top.seed,
        indicators=tuple(indicators),
        years=years,
        parameters=parameters,
        rows=rows,
        morris_levels=top.morris_levels,
        second_order=top.second_order,
        scale=top.scale,
        columns=tuple(columns),
        common_seeds=top.common_seeds,
    )


def _check_list_keys(top: _SweepFile) -> None:
    """The list sampler takes rows, and only rows."""
    if top.parameters:
        raise ScenarioError("parameters: the list sampler takes its samples from rows")
    if not top.rows:
        raise ScenarioError("rows: the list sampler needs at least one row")
    if top.samples is not None:
        raise ScenarioError("samples: not used by the list sampler (one sample per row)")


def _check_sample_count(top: _SweepFile) -> None:
    """``samples`` as the sampler needs it: none for the grid, a power of two for Sobol'."""
    if top.sampler == "grid":
        if top.samples is not None:
            raise ScenarioError("samples: not used by the grid sampler (one sample per point)")
    elif top.samples is None:
        raise ScenarioError(f"samples: the {top.sampler} sampler needs a number of samples")
    if top.sampler == "sobol" and top.samples & (top.samples - 1):
        raise ScenarioError(f"samples: the sobol sampler needs a power of two, got {top.samples}")


def _value_kind(function: FunctionModel, name: str, spec: Any) -> str:
    """A function parameter's kind: its annotation, else what its values are (ranges float)."""
    kind = function.kind(name)
    if kind is not None:
        return kind
    values = spec.get("levels") if isinstance(spec, Mapping) and "levels" in spec else None
    if values is None:
        return "float"
    return _kind_of_values(values)


def _kind_of_values(values: Any) -> str:
    items = values if isinstance(values, list) else [values]
    if items and all(isinstance(v, bool) for v in items):
        return "bool"
    if items and all(isinstance(v, str) for v in items):
        return "str"
    if items and all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        return "int"
    return "float"


def _check_argument(function: FunctionModel, name: str, where: str) -> None:
    if name == SCENARIO_PARAMETER:
        raise ScenarioError(f"{where}: 'scenario' names a base scenario; a function has none")
    if name not in function.arguments and not function.any_keyword:
        takes = ", ".join(function.arguments) or "no arguments"
        raise ScenarioError(
            f"{where}: {function.reference} takes no argument {name!r} (it takes {takes})"
        )


def _function_sweep(
    top: _SweepFile, text: str, path: Path, allow_modules: Iterable[str] = ()
) -> Sweep:
    """A sweep of a plain function: checked against its arguments and declared outcomes,
    once its module is one the sweep may call (``functions.check_allowed``)."""
    check_allowed(top.model, allow_modules)
    function = describe_function(top.model)
    for key in ("base", "scale", "years"):
        if getattr(top, key) is not None:
            raise ScenarioError(f"{key}: a sweep of a function ({top.model}) has no {key}")
    if top.replicates > 1 and not function.takes_seed:
        raise ScenarioError(
            f"replicates: {top.model} takes no seed argument, so its replicates would all be "
            "the same run; use replicates = 1"
        )
    sampler = top.sampler
    rows: tuple[dict[str, Any], ...] | None = None
    parameters: tuple[Parameter, ...] = ()
    if sampler == "list":
        _check_list_keys(top)
        for i, row in enumerate(top.rows):
            if not row:
                raise ScenarioError(f"rows[{i}]: empty row")
            for name in row:
                _check_argument(function, name, f"rows[{i}].{name}")
            missing = [a for a in function.required if a not in row]
            if missing:
                raise ScenarioError(f"rows[{i}]: {top.model} needs a value for {missing[0]!r}")
        columns = list(dict.fromkeys(name for row in top.rows for name in row))
        kinds = {
            c: function.kind(c) or _kind_of_values([r[c] for r in top.rows if c in r])
            for c in columns
        }
        rows = tuple(
            {c: _coerce(c, kinds[c], v, f"rows[{i}].{c}") for c, v in row.items()}
            for i, row in enumerate(top.rows)
        )
    else:
        if top.rows is not None:
            raise ScenarioError(f"rows: only the list sampler takes rows, not {sampler}")
        if not top.parameters:
            raise ScenarioError(f"parameters: the {sampler} sampler needs at least one parameter")
        for name in top.parameters:
            _check_argument(function, name, f"parameters.{name}")
        missing = [a for a in function.required if a not in top.parameters]
        if missing:
            raise ScenarioError(f"parameters: {top.model} needs a value for {missing[0]!r}")
        parameters = tuple(
            _parse_parameter(name, spec, sampler, _value_kind(function, name, spec))
            for name, spec in top.parameters.items()
        )
        columns = [p.path for p in parameters]
        kinds = {p.path: p.kind for p in parameters}
        _check_sample_count(top)
    if isinstance(top.indicators, list):
        if not top.indicators:
            raise ScenarioError("indicators: empty list (name the outcomes to keep)")
        for name in top.indicators:
            if function.outcomes is not None and name not in function.outcomes:
                raise ScenarioError(
                    f"indicators: {top.model} has no outcome {name!r} "
                    f"(it returns {', '.join(function.outcomes)})"
                )
        indicators = tuple(dict.fromkeys(top.indicators))
    elif function.outcomes is not None:
        indicators = function.outcomes
    else:
        raise ScenarioError(
            f"indicators: name the outcomes of {top.model} to keep (the keys of the dict "
            "it returns)"
        )
    return Sweep(
        name=top.name or path.stem,
        description=top.description,
        source=str(path),
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        base=None,
        bases={},
        sampler=sampler,
        samples=top.samples,
        replicates=top.replicates,
        seed=top.seed,
        indicators=indicators,
        years=(),
        parameters=parameters,
        rows=rows,
        morris_levels=top.morris_levels,
        second_order=top.second_order,
        columns=tuple(columns),
        function=top.model,
        kinds=tuple(kinds.items()),
        common_seeds=top.common_seeds,
    )


def column_kinds(sweep: Sweep) -> dict[str, str]:
    """The sample table's columns and their value kinds (float, int, bool, str)."""
    if sweep.function is not None:
        return dict(sweep.kinds)
    return {c: parameter_kind(c)[0] for c in sweep.columns}


def scenario_for(
    bases: Mapping[str, Scenario], default: str, values: Mapping[str, Any]
) -> Scenario:
    """The scenario one sample runs: its base (or the ``scenario`` value) with its values."""
    ref = values.get(SCENARIO_PARAMETER) or default
    return apply_values(bases[ref], values)


def year_columns(indicators: Sequence[str], years: Sequence[int]) -> list[str]:
    """Result column names, ``<indicator>_<year>``, indicator-major; a function's outcomes
    (no years) are their own columns."""
    if not years:
        return list(indicators)
    return [value_column(name, year) for name in indicators for year in years]


def value_column(indicator: str, year: int | None) -> str:
    """The result column of one indicator in one year (``year`` None: a function's outcome)."""
    return indicator if year is None else f"{indicator}_{year}"

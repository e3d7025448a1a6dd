"""Loading scenarios: the built-in library, files and ``extends``.

Dotted overrides of a loaded scenario are scenarios/overrides.py's ``apply_overrides``.

All failures become one ScenarioError whose message names the file and the field.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError
from rainforest.scenarios.errors import ScenarioError, format_validation
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import Scenario

LIBRARY_DIR = Path(__file__).with_name("library")


def library_names() -> list[str]:
    """The built-in scenarios, by name."""
    return sorted(p.stem for p in LIBRARY_DIR.glob("*.toml"))


def read_input_text(path: Path, kind: str = "scenario file") -> str:
    """A user's input file as text, or one ScenarioError that names the file."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory, not a {kind}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc})") from None


def _read_toml(path: Path) -> dict[str, Any]:
    text = read_input_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    if not data:  # empty, or nothing but comments: almost always a mistake
        raise ScenarioError(f"{path}: empty scenario file: give at least `name` or `extends`")
    return data


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value in ``override`` replaces the base's."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _resolve(data: dict[str, Any], source: str, here: Path | None, seen: tuple[str, ...]) -> dict:
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(f"{source}: extends: must be a scenario name or a file path")
    if parent in seen:
        raise ScenarioError(f"{source}: extends: cycle through {' -> '.join((*seen, parent))}")
    parent_path = _locate(parent, here)
    if parent_path is None:
        raise ScenarioError(
            f"{source}: extends: unknown scenario {parent!r} "
            f"(built-in: {', '.join(library_names())})"
        )
    base = _resolve(_read_toml(parent_path), str(parent_path), parent_path.parent, (*seen, parent))
    base.pop("name", None)
    base.pop("description", None)
    return deep_merge(base, data)


def _locate(name_or_path: str, here: Path | None = None) -> Path | None:
    if name_or_path in library_names():
        return LIBRARY_DIR / f"{name_or_path}.toml"
    candidates = [Path(name_or_path)]
    if here is not None:
        candidates.insert(0, here / name_or_path)
    for candidate in candidates:
        if candidate.suffix == ".toml" and candidate.exists():
            return candidate
    return None


def scenario_from_dict(data: Mapping[str, Any], source: str = "scenario") -> Scenario:
    """Validate a plain mapping (``extends`` resolved against the library)."""
    resolved = _resolve(copy.deepcopy(dict(data)), source, None, ())
    try:
        return Scenario.model_validate(resolved)
    except ValidationError as exc:
        raise ScenarioError(format_validation(source, exc)) from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario file (which may extend another)."""
    text = str(name_or_path)
    path = _locate(text)
    if path is None:
        if text.endswith(".toml") or "/" in text:
            raise ScenarioError(f"{text}: no such file")
        raise ScenarioError(
            f"{text}: no built-in scenario of that name and no such file "
            f"(built-in: {', '.join(library_names())})"
        )
    data = _read_toml(path)
    data.setdefault("name", path.stem)
    resolved = _resolve(data, str(path), path.parent, (path.stem,))
    try:
        return Scenario.model_validate(resolved)
    except ValidationError as exc:
        raise ScenarioError(format_validation(str(path), exc)) from None


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """``apply_overrides`` under the name older callers use (scenarios/overrides.py)."""
    return apply_overrides(scenario, overrides)


def scenario_to_toml(scenario: Scenario) -> str:
    """The full scenario, every default spelt out, as TOML (year keys become strings)."""

    def stringify(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {str(k): stringify(v) for k, v in obj.items() if v is not None}
        return obj

    return tomli_w.dumps(stringify(scenario.model_dump()))

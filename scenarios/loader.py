"""Loading scenarios: the built-in library, files and ``extends``.

Dotted overrides of a loaded scenario are scenarios/overrides.py's ``apply_overrides``.

All failures become one ScenarioError whose message names the file and the field.
"""

from __future__ import annotations

import copy
import os
import stat
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
# Limits on input files, so that no file can make loading take all memory, hang or
# overflow the stack: the shipped files are a few kB, a few tables deep, one extends deep.
MAX_INPUT_BYTES = 4_000_000
MAX_DEPTH = 32  # tables and arrays within each other
MAX_EXTENDS = 32  # files in one extends chain


def library_names() -> list[str]:
    """The built-in scenarios, by name."""
    return sorted(p.stem for p in LIBRARY_DIR.glob("*.toml"))


def read_input_text(path: Path, kind: str = "scenario file") -> str:
    """A user's input file as text, or one ScenarioError that names the file.

    Only a regular file of at most MAX_INPUT_BYTES is read (a device would never end, a
    pipe could wait for ever); it is opened without waiting, then checked. A leading
    byte-order mark, as some Windows editors write, is dropped."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory, not a {kind}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise ScenarioError(f"{path}: is a directory, not a {kind}")
        if not stat.S_ISREG(mode):
            raise ScenarioError(f"{path}: not a regular file (a device, pipe or socket)")
        try:
            data = file.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_INPUT_BYTES:
        raise ScenarioError(f"{path}: larger than a {kind} may be ({MAX_INPUT_BYTES:,} bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return text.removeprefix("\ufeff")


def parse_toml(text: str) -> dict[str, Any]:
    """TOML text as data; invalid or too deeply nested text is one ScenarioError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML ({exc})") from None
    except RecursionError:
        raise ScenarioError(f"nested more than {MAX_DEPTH} tables or arrays deep") from None
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:  # no recursion: the depth is what is being checked
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > MAX_DEPTH:
                    raise ScenarioError(f"nested more than {MAX_DEPTH} tables or arrays deep")
                stack.append((child, depth + 1))
    return data


def _read_toml(path: Path) -> dict[str, Any]:
    text = read_input_text(path)
    try:
        data = parse_toml(text)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
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
    if len(seen) >= MAX_EXTENDS:
        raise ScenarioError(f"{source}: extends: a chain of more than {MAX_EXTENDS} files")
    parent_path = _locate(parent, here)
    if parent_path is None:
        _refuse_other_suffix(parent, here, f"{source}: extends: ")
        raise ScenarioError(
            f"{source}: extends: unknown scenario {parent!r} "
            f"(built-in: {', '.join(library_names())})"
        )
    base = _resolve(_read_toml(parent_path), str(parent_path), parent_path.parent, (*seen, parent))
    base.pop("name", None)
    base.pop("description", None)
    return deep_merge(base, data)


def _refuse_other_suffix(name_or_path: str, here: Path | None, prefix: str = "") -> None:
    """A file that exists but is not named .toml is named as such, not as missing."""
    candidates = [Path(name_or_path)] + ([here / name_or_path] if here is not None else [])
    for candidate in candidates:
        if candidate.suffix != ".toml" and candidate.is_file():
            raise ScenarioError(
                f"{prefix}{name_or_path}: a scenario file's name ends in .toml "
                f"(rename it {candidate.with_suffix('.toml').name})"
            )


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
        _refuse_other_suffix(text, None)
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

"""The plan's 2030 targets, read from the copy shipped with the package (targets.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    unit: str
    label: str


@cache
def targets() -> dict[str, Target]:
    """The targets by indicator name; a run reaches one when its value is >= the target."""
    data = tomllib.loads((Path(__file__).with_name("targets.toml")).read_text())
    return {
        name: Target(name, float(t["value"]), t["unit"], t["label"])
        for name, t in data["targets"].items()
    }


TARGET_YEAR = 2030

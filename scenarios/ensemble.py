"""The posterior ensemble file: the parameter sets ``rainforest calibrate`` accepted.

The file (``scenarios/posterior.toml`` ships with the package) is read here and nowhere
else: runs over the posterior, the calibration's checks and the studies all ask
``load_ensemble``, so a missing or damaged file is the same one message everywhere.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import resolve_path

ENSEMBLE_FILE = Path(__file__).with_name("posterior.toml")
SHIPPED_NAME = "scenarios/posterior.toml"  # how a summary names the shipped file


def load_ensemble(path: str | Path | None = None) -> dict[str, Any]:
    """The ensemble file as a dict, with ``_path`` naming it (the shipped file by its place
    in the package, so a summary reads the same on any machine). A missing, unreadable or
    empty file is one ScenarioError."""
    path = Path(path) if path is not None else ENSEMBLE_FILE
    try:
        with path.open("rb") as fh:
            record = tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(
            f"--posterior: no ensemble file {path} (write one with `rainforest calibrate "
            f"--out {path}`)"
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"--posterior: {path}: not a readable ensemble file ({exc})") from None
    if not record.get("sets"):
        raise ScenarioError(f"--posterior: {path}: the ensemble holds no accepted sets")
    record["_path"] = SHIPPED_NAME if path.resolve() == ENSEMBLE_FILE.resolve() else str(path)
    return record


def as_overrides(values: Mapping[str, float]) -> dict[str, float | int]:
    """A set's parameter values typed for ``apply_overrides``: whole numbers where the
    schema wants an integer (the ensemble stores every value as a float)."""
    return {
        path: int(round(value)) if resolve_path(path).kind == "int" else float(value)
        for path, value in values.items()
    }


def ensemble_sets(path: str | Path | None = None) -> list[dict[str, float]]:
    """The accepted sets' parameter values, in file order."""
    return [dict(s["parameters"]) for s in load_ensemble(path)["sets"]]


def median_overrides(path: str | Path | None = None) -> dict[str, float]:
    """The ensemble's median set (what the library scenarios carry)."""
    return dict(load_ensemble(path)["median"]["parameters"])


__all__ = [
    "ENSEMBLE_FILE",
    "as_overrides",
    "ensemble_sets",
    "load_ensemble",
    "median_overrides",
]

"""The posterior ensemble files: the parameter sets ``rainforest calibrate`` accepted.

One file per market form ships with the package (``scenarios/posterior.toml`` for the
default ``frontier`` form, ``scenarios/posterior_compounding_outside.toml`` for the
other: each form is calibrated on its own). They are read here and nowhere else: runs
over the posterior, the calibration's checks and the studies all ask ``load_ensemble``,
so a missing or damaged file is the same one message everywhere.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import resolve_path
from rainforest.scenarios.schema import DEFAULT_MARKET_FORM

ENSEMBLE_FILES: dict[str, Path] = {
    DEFAULT_MARKET_FORM: Path(__file__).with_name("posterior.toml"),
    "compounding_outside": Path(__file__).with_name("posterior_compounding_outside.toml"),
}
ENSEMBLE_FILE = ENSEMBLE_FILES[DEFAULT_MARKET_FORM]


def load_ensemble(
    path: str | Path | None = None, form: str = DEFAULT_MARKET_FORM
) -> dict[str, Any]:
    """The ensemble file (by default the shipped one of market form ``form``) as a dict,
    with ``_path`` naming it (a shipped file by its place in the package, so a summary
    reads the same on any machine). A missing, unreadable or empty file is one
    ScenarioError."""
    path = Path(path) if path is not None else ENSEMBLE_FILES[form]
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
    shipped = {p.resolve(): f"scenarios/{p.name}" for p in ENSEMBLE_FILES.values()}
    record["_path"] = shipped.get(path.resolve(), str(path))
    return record


def ensemble_form(record: dict[str, Any]) -> str:
    """The market form an ensemble was calibrated in; a record from before the market had
    two forms is of the form that is now ``compounding_outside``."""
    return str(record.get("method", {}).get("market_form", "compounding_outside"))


def as_overrides(values: Mapping[str, float]) -> dict[str, float | int]:
    """A set's parameter values typed for ``apply_overrides``: whole numbers where the
    schema wants an integer (the ensemble stores every value as a float)."""
    return {
        path: int(round(value)) if resolve_path(path).kind == "int" else float(value)
        for path, value in values.items()
    }


def ensemble_sets(
    path: str | Path | None = None, form: str = DEFAULT_MARKET_FORM
) -> list[dict[str, float]]:
    """The accepted sets' parameter values, in file order."""
    return [dict(s["parameters"]) for s in load_ensemble(path, form)["sets"]]


def median_overrides(
    path: str | Path | None = None, form: str = DEFAULT_MARKET_FORM
) -> dict[str, float]:
    """The ensemble's median set (what the library scenarios carry)."""
    return dict(load_ensemble(path, form)["median"]["parameters"])


__all__ = [
    "ENSEMBLE_FILE",
    "ENSEMBLE_FILES",
    "ensemble_form",
    "as_overrides",
    "ensemble_sets",
    "load_ensemble",
    "median_overrides",
]

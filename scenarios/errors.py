"""The one error type for bad input: the CLI turns it into a message and exit status 2."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class ScenarioError(ValueError):
    """Bad input that the user can fix; the message names the field or the file."""


def format_validation(source: str, exc: ValidationError) -> str:
    """The schema's complaints on one line: ``SOURCE: path: problem; path: problem``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(scenario)"
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        lines.append(f"{loc}: {msg}")
    return f"{source}: " + "; ".join(lines)

"""Titles that fit their figure: long analysis titles wrapped line by line."""

from __future__ import annotations

import textwrap

WIDTH = 90  # characters of a 10-point title across a figure about 8 inches wide


def wrap(text: str, width: int = WIDTH) -> str:
    """``text`` wrapped to ``width`` characters, keeping the line breaks it has."""
    return "\n".join(textwrap.fill(line, width) for line in text.splitlines() or [""])

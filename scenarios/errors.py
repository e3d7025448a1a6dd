"""The one error type for bad input: the CLI turns it into a message and exit status 2.

Messages quote what the user gave (keys, paths, values), so they are made safe to print:
control characters are escaped (a key holding an escape sequence or a newline cannot
drive the terminal or forge a second line) and a message is cut to a readable length,
saying how much more there was.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

MAX_PROBLEMS = 10  # problems listed in one message; the rest are counted
MAX_PART = 200  # characters of one quoted key or problem
MAX_MESSAGE = 2000  # characters of one whole message


class ScenarioError(ValueError):
    """Bad input that the user can fix; the message names the field or the file."""


def printable(text: str) -> str:
    """``text`` with every control or format character escaped (``\\x1b``, ``\\n``,
    ``\\u202e``), so that printing it shows it instead of obeying it."""
    out = []
    for ch in text:
        if ch == "\\" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def clipped(text: str, limit: int = MAX_MESSAGE) -> str:
    """``printable(text)`` cut to ``limit`` characters, saying how many more there were."""
    shown = printable(text[: limit + 1])
    if len(text) <= limit and len(shown) <= limit:
        return shown
    return f"{shown[:limit]}... ({len(text) - limit:,} more characters)"


def problems_line(problems: Iterable[str], total: int | None = None) -> str:
    """At most MAX_PROBLEMS problems joined by ``; ``, each clipped, then how many more."""
    shown = []
    count = 0
    for problem in problems:
        count += 1
        if len(shown) < MAX_PROBLEMS:
            shown.append(clipped(problem, MAX_PART))
    total = count if total is None else total
    more = total - len(shown)
    return "; ".join(shown) + (f"; and {more:,} more problems" if more > 0 else "")


def format_validation(source: str, exc: ValidationError) -> str:
    """The schema's complaints on one line: ``SOURCE: path: problem; path: problem``."""
    return f"{clipped(source, MAX_PART)}: " + problems_line(
        validation_problems(exc), exc.error_count()
    )


def validation_problems(exc: ValidationError) -> Iterable[str]:
    """``path: problem`` for each of the schema's complaints."""
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = ".".join(str(part) for part in err["loc"]) or "(scenario)"
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        yield f"{loc}: {msg}"

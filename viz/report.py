"""The decision-maker's report: one HTML file that opens offline, figures inside it.

A report is a list of sections, each the rendering of one result (a summary in words of
what the runs found, a run's scorecard, the fan chart of the scenarios compared, a
sweep, an attribution, a discovery, ...), given as plain data: this layer draws and lays
out, the experiments layer reads the folders. Every figure names the source of the runs
that made it, and the sources table says once per source what made them (manifest hash,
seeds, scale, code version), because a figure separated from its runs cannot be
checked.

The page is self-contained: its style is inline, its figures are PNG embedded as base64
``data:`` URLs, and it links to nothing outside itself, so it can be mailed, archived
and opened without a network. Text is escaped by the template (Jinja2 autoescape), so a
caption or a scenario name cannot inject markup.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATE = "report.html.j2"
ROWS_SHOWN = 40  # table rows shown in the page; the CSV beside the analysis holds all
LIST_SHOWN = 3  # items of a list shown in a provenance line

# Section kinds and the heading a reader sees for each.
KIND_HEADINGS: dict[str, str] = {
    "summary": "What the results say",
    "sources": "Where the numbers come from",
    "scorecard": "Scorecard against the 2030 targets",
    "fan_chart": "Output against the 500 bn target",
    "run": "Scenario run",
    "sweep_results": "Sweep: outcomes by sample",
    "sweep": "Sweep analysis: outcomes and sensitivity (Sobol' / Morris)",
    "attribution": "Attribution to the six plans (Shapley values and interactions)",
    "discovery": "Scenario discovery (PRIM boxes)",
    "optimization": "The cheapest mix: Pareto front and robustness",
    "switching": "Switching values (tornado)",
    "value_of_information": "Value of information: what it is worth to learn each parameter",
}


@dataclass(frozen=True)
class Figure:
    """A PNG with the caption that says what it shows and the runs that made it."""

    png: bytes
    caption: str
    provenance: str = ""

    @property
    def data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Table:
    """A table as rows of cells; ``total_rows`` > ``len(rows)`` when it is cut short."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total_rows: int | None = None
    provenance: str = ""

    @property
    def cells(self) -> list[list[str]]:
        return [[format_cell(v) for v in row] for row in self.rows]

    @property
    def shown_note(self) -> str:
        total = len(self.rows) if self.total_rows is None else self.total_rows
        return f"first {len(self.rows)} of {total} rows" if total > len(self.rows) else ""


@dataclass(frozen=True)
class Section:
    """One part of the report: a heading, what made it, its figures, tables and notes."""

    id: str
    kind: str
    title: str
    provenance: Mapping[str, Any] = field(default_factory=dict)
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    made_by: str = ""  # the provenance as written, for a section made from several sources
    cautions: tuple[str, ...] = ()  # what a reader must keep in mind, shown apart

    @property
    def heading(self) -> str:
        return KIND_HEADINGS.get(self.kind, self.kind)

    @property
    def provenance_text(self) -> str:
        if self.kind == "sources":  # the table of provenance itself
            return self.made_by
        return self.made_by or provenance_line(self.provenance)


def format_cell(value: Any) -> str:
    """A number as a reader wants it (thousands grouped, three significant digits below
    100); anything else as text; missing values as a dash."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    return str(value)


def _short_hash(value: Any) -> str:
    text = str(value)
    return text[:12] if len(text) > 16 else text


PROVENANCE_KEYS = ("source", "manifest_hash", "seeds", "scale", "code_version")


def provenance_fields(provenance: Mapping[str, Any]) -> dict[str, str]:
    """What made a result, field by field, for the sources table: the folder, the seeds
    and runs, the scale, the code version and anything else recorded."""
    fields = {
        "folder": str(provenance.get("source") or "-"),
        "seeds and runs": "-",
        "scale": str(provenance.get("scale") or "-"),
        "code": "not recorded",
    }
    seeds = provenance.get("seeds")
    if isinstance(seeds, Mapping):
        root, reps = seeds.get("root"), seeds.get("replicates")
        text = f"root seed {root}" if root is not None else "seeds"
        if reps is not None:
            text += f", {reps} replicate{'s' if reps != 1 else ''}"
        fields["seeds and runs"] = text
    elif seeds is not None:
        fields["seeds and runs"] = f"seeds {seeds}"
    code = provenance.get("code_version")
    if isinstance(code, Mapping) or code:
        fields["code"] = provenance_line({"code_version": code})[len("code ") :]
    extra = {k: v for k, v in provenance.items() if k not in PROVENANCE_KEYS}
    if provenance.get("manifest_hash"):
        extra = {"manifest": _short_hash(provenance["manifest_hash"]), **extra}
    fields["also"] = " · ".join(f"{k.replace('_', ' ')} {_brief(v)}" for k, v in extra.items())
    return fields


def provenance_line(provenance: Mapping[str, Any]) -> str:
    """What made a result, in one line: source, manifest hash, seeds, scale, code version.

    Missing entries are said to be missing, so a reader sees what cannot be traced."""
    if not provenance:
        return "provenance: not recorded"
    parts = []
    if provenance.get("source"):
        parts.append(f"from {provenance['source']}")
    if provenance.get("manifest_hash"):
        parts.append(f"manifest {_short_hash(provenance['manifest_hash'])}")
    seeds = provenance.get("seeds")
    if isinstance(seeds, Mapping):
        root, reps = seeds.get("root"), seeds.get("replicates")
        text = f"root seed {root}" if root is not None else "seeds"
        if reps is not None:
            text += f", {reps} replicate{'s' if reps != 1 else ''}"
        parts.append(text)
    elif seeds is not None:
        parts.append(f"seeds {seeds}")
    if provenance.get("scale"):
        parts.append(f"{provenance['scale']} scale")
    code = provenance.get("code_version")
    if isinstance(code, Mapping):
        bits = []
        if code.get("package"):
            bits.append(f"rainforest {code['package']}")
        if code.get("git_commit"):
            bits.append(f"commit {str(code['git_commit'])[:10]}")
        if code.get("model_sha256"):
            bits.append(f"model {code['model_sha256']}")
        parts.append("code " + (", ".join(bits) if bits else "unknown"))
    elif code:
        parts.append(f"code {code}")
    else:
        parts.append("code version not recorded")
    for key, value in provenance.items():
        if key not in PROVENANCE_KEYS:
            parts.append(f"{key.replace('_', ' ')} {_brief(value)}")
    return " · ".join(parts)


def _brief(value: Any) -> str:
    """An extra provenance entry in a few words: long lists are cut (their length said),
    long hashes shortened, tables written as key = value."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k} = {_brief(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        shown = ", ".join(_brief(v) for v in value[:LIST_SHOWN])
        return shown + (f", ... ({len(value)} in all)" if len(value) > LIST_SHOWN else "")
    text = str(value)
    if len(text) > 16 and all(c in "0123456789abcdef" for c in text):
        return text[:12]
    return text


def table_from_records(
    caption: str, records: Sequence[Mapping[str, Any]], provenance: str = ""
) -> Table:
    """A Table from row dicts (columns in first-seen order), cut to ROWS_SHOWN rows."""
    columns = tuple(dict.fromkeys(k for r in records for k in r))
    rows = tuple(tuple(r.get(c) for c in columns) for r in records[:ROWS_SHOWN])
    return Table(caption, columns, rows, total_rows=len(records), provenance=provenance)


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_report(
    title: str, sections: Sequence[Section], code_version: Mapping[str, Any] | None = None
) -> str:
    """The report as one HTML page. Sections keep their order; their ids must differ."""
    ids = [s.id for s in sections]
    if len(set(ids)) != len(ids):
        raise ValueError(f"section ids repeat: {ids}")
    made_with = provenance_line({"code_version": code_version}) if code_version else ""
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(title=title, sections=sections, made_with=made_with)
    )


__all__ = [
    "KIND_HEADINGS",
    "Figure",
    "Section",
    "Table",
    "format_cell",
    "provenance_fields",
    "provenance_line",
    "render_report",
    "table_from_records",
]

"""The report record: gainlp's output contract (../shared/record-format.md), as dataclasses.

``Record.to_dict()`` gives exactly the JSON shape of record-format.md; ``Record.flat()`` gives the wide
form (one dotted key per cell) that records.csv and the gold files use.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from gainlp.template import TABLE_NAMES, load_spec

Number = int | float | None
METRIC_KEY = "narrative_metrics."  # provenance key prefix of the i-th narrative metric


@dataclass
class Source:
    path: str | None
    sha256: str
    format: str


@dataclass
class Section:
    number: int
    title: str
    start: int
    end: int


@dataclass
class Metric:
    subject: str
    value: int | float
    unit: str
    section: int | None
    start: int
    end: int


@dataclass
class Check:
    name: str
    status: str  # pass | fail | not_assessable
    detail: str
    # the table cells ("table.row.col") the check compares; not part of the output record
    cells: tuple[str, ...] = field(default=(), compare=False, repr=False)

    PASS = "pass"
    FAIL = "fail"
    NOT_ASSESSABLE = "not_assessable"


@dataclass
class Provenance:
    method: str  # rules | model
    start: int
    end: int
    confidence: float = 1.0
    # an ambiguous cell (value null): the values that the readings still open give it, sorted; the
    # warnings say why. None for a cell whose value the text settles (omitted from the JSON).
    candidates: list[int | float] | None = None
    # where the value is printed, when the reader knows the page (scans, PDFs): the page (1-based) and
    # the box [x0, top, x1, bottom] (PDF points, or pixels of a page image); None otherwise (omitted)
    page: int | None = None
    box: list[float] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "start": self.start, "end": self.end,
                               "confidence": self.confidence}
        if self.candidates is not None:
            out["candidates"] = list(self.candidates)
        if self.page is not None:
            out["page"] = self.page
        if self.box is not None:
            out["box"] = list(self.box)
        return out


@dataclass
class Record:
    source: Source
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    template: str | None = None
    sections: list[Section] = field(default_factory=list)
    # tables[name][row][column] = value; a table the report lacks is None
    tables: dict[str, dict[str, dict[str, Number]] | None] = field(
        default_factory=lambda: {name: None for name in TABLE_NAMES}
    )
    narrative_metrics: list[Metric] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ cells

    def empty_table(self, name: str) -> dict[str, dict[str, Number]]:
        """A table of this record's template with every cell null."""
        layout = load_spec().table(name, self.template or "2021")
        return {r.key: {c: None for c in r.columns} for r in layout.rows}

    def cell(self, table: str, row: str, col: str) -> Number:
        t = self.tables.get(table)
        if not t:
            return None
        return t.get(row, {}).get(col)

    def set_cell(self, table: str, row: str, col: str, value: Number, prov: Provenance | None = None) -> None:
        if self.tables.get(table) is None:
            self.tables[table] = self.empty_table(table)
        self.tables[table].setdefault(row, {})[col] = value
        if prov is not None:
            self.provenance[f"tables.{table}.{row}.{col}"] = prov

    def set_metrics(self, scored: list[tuple[Metric, Provenance]]) -> None:
        """The narrative metrics in text order, the provenance of the i-th under "narrative_metrics.<i>"."""
        for key in [k for k in self.provenance if k.startswith(METRIC_KEY)]:
            del self.provenance[key]
        scored = sorted(scored, key=lambda mp: mp[0].start)
        self.narrative_metrics = [m for m, _ in scored]
        for i, (_, prov) in enumerate(scored):
            self.provenance[f"{METRIC_KEY}{i}"] = prov

    def metric_provenance(self, i: int) -> Provenance | None:
        return self.provenance.get(f"{METRIC_KEY}{i}")

    def flat(self) -> dict[str, dict[str, Number] | None]:
        """Per table, its cells as ``{"row.col": value}`` (None for a missing table)."""
        out: dict[str, dict[str, Number] | None] = {}
        for name in TABLE_NAMES:
            t = self.tables.get(name)
            out[name] = None if t is None else {f"{r}.{c}": v for r, cols in t.items() for c, v in cols.items()}
        return out

    # ------------------------------------------------------------------ output

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": asdict(self.source),
            "agency": self.agency,
            "year": self.year,
            "published": self.published,
            "template": self.template,
            "sections": [asdict(s) for s in self.sections],
            "tables": self.tables,
            "narrative_metrics": [asdict(m) for m in self.narrative_metrics],
            "checks": [{"name": c.name, "status": c.status, "detail": c.detail} for c in self.checks],
            "provenance": {k: v.to_dict() for k, v in self.provenance.items()},
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Record":
        return cls(
            source=Source(**d["source"]),
            agency=d.get("agency"),
            year=d.get("year"),
            published=d.get("published"),
            template=d.get("template"),
            sections=[Section(**s) for s in d.get("sections", [])],
            tables=d.get("tables") or {name: None for name in TABLE_NAMES},
            narrative_metrics=[Metric(**m) for m in d.get("narrative_metrics", [])],
            checks=[Check(**c) for c in d.get("checks", [])],
            provenance={k: Provenance(**v) for k, v in d.get("provenance", {}).items()},
            warnings=list(d.get("warnings", [])),
        )

    def csv_row(self) -> dict[str, Any]:
        """One wide row: scalar fields, then one column per dotted cell key of both templates."""
        row: dict[str, Any] = {
            "path": self.source.path,
            "format": self.source.format,
            "sha256": self.source.sha256,
            "agency": self.agency,
            "year": self.year,
            "published": self.published,
            "template": self.template,
            "sections": "|".join(f"{s.number}:{s.title}" for s in self.sections),
            "n_metrics": len(self.narrative_metrics),
            "checks_failed": sum(c.status == Check.FAIL for c in self.checks),
            "warnings": " | ".join(self.warnings),
        }
        for name, cells in self.flat().items():
            for k, v in (cells or {}).items():
                row[f"{name}.{k}"] = v
        return row


def csv_columns() -> list[str]:
    """The fixed column order of records.csv: scalars, then every cell key of both templates."""
    cols = ["path", "format", "sha256", "agency", "year", "published", "template", "sections", "n_metrics",
            "checks_failed", "warnings"]
    spec = load_spec()
    seen = set(cols)
    for template in ("2021", "2019"):
        for name, keys in spec.cell_keys(template).items():
            for k in keys:
                col = f"{name}.{k}"
                if col not in seen:
                    seen.add(col)
                    cols.append(col)
    return cols

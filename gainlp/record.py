"""The report record: gainlp's output contract (../shared/record-format.md), as dataclasses.

``Record.to_dict()`` gives exactly the JSON shape of record-format.md; ``Record.flat()`` gives the wide
form (one dotted key per cell) that records.csv and the gold files use.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from gainlp.template import TABLE_NAMES, load_spec

Number = int | float | None
METRIC_KEY = "narrative_metrics."  # provenance key prefix of the i-th narrative metric
# the largest magnitude a value may have: every integer up to it is exact as a float (Parquet, JSON
# readers in other languages); a larger figure in a report is a misreading or a run-together number
MAX_VALUE = 2**53


def representable(value: Any) -> bool:
    """A finite number no larger than MAX_VALUE (None counts: it is a null)."""
    if value is None or isinstance(value, bool):
        return True
    if type(value) is int:  # the usual case, first
        return -MAX_VALUE <= value <= MAX_VALUE
    try:
        return math.isfinite(value) and abs(value) <= MAX_VALUE
    except (TypeError, OverflowError):
        return False


@dataclass
class Versions:
    """What produced a record: the gainlp version and the model (``name@digest``; None: rules only)."""

    gainlp: str
    model: str | None = None


@dataclass
class Source:
    path: str | None
    sha256: str
    format: str


@dataclass
class Section:
    number: int  # its place among the report's sections, 1 for the first (the printed 一、二、… in order)
    title: str
    start: int
    end: int
    # which of the template's six sections it is (spec.yaml sections: overview, active_disclosure,
    # applications, review_litigation, problems, other_matters); None for a section of the report's own
    key: str | None = None


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

    def to_dict(self) -> dict[str, Any]:
        """The record-format.md keys, and ``cells`` (the cells compared) when the check names them."""
        out: dict[str, Any] = {"name": self.name, "status": self.status, "detail": self.detail}
        if self.cells:
            out["cells"] = list(self.cells)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Check":
        return cls(d["name"], d["status"], d.get("detail", ""), tuple(d.get("cells", ())))


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
class Ambiguity:
    """Table cells that printed digits leave open: every reading of them that fits the table's checks
    (and, once narrowed, the prose and the neighbouring years) equally well. The cells are null in the
    table; each reading gives values to all of ``cells``, in order."""

    table: str
    cells: list[str]  # "row.col" keys of the table
    readings: list[list[int | float | None]]
    start: int  # where the printed digits stand (the first to the last piece)
    end: int


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
    # where agency, year and published came from; in the JSON they join "provenance" under those keys
    field_provenance: dict[str, Provenance] = field(default_factory=dict)
    ambiguities: list[Ambiguity] = field(default_factory=list)
    versions: Versions | None = None  # written as "versions" when set (batch outputs always set it)

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

    def drop_unrepresentable(self) -> list[str]:
        """Null every table cell and drop every narrative metric whose value is not a finite number of
        at most MAX_VALUE (a 400-digit figure parses to infinity), with a warning each; the warnings."""
        added: list[str] = []
        for name, table in self.tables.items():
            for row, cols in (table or {}).items():
                for col, value in cols.items():
                    if value is not None and not representable(value):
                        cols[col] = None
                        prov = self.provenance.get(f"tables.{name}.{row}.{col}")
                        where = f" (characters {prov.start}-{prov.end})" if prov else ""
                        added.append(f"tables.{name}.{row}.{col}: value too large to be a count{where}; left null")
        keep = []
        for i, m in enumerate(self.narrative_metrics):
            if representable(m.value):
                keep.append((m, self.metric_provenance(i)))
            else:
                added.append(f"narrative metric {m.subject!r}: value too large to be a count "
                              f"(characters {m.start}-{m.end}); dropped")
        if len(keep) != len(self.narrative_metrics):
            self.set_metrics([(m, p or Provenance("rules", m.start, m.end)) for m, p in keep])
        self.warnings.extend(added)
        return added

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
            "checks": [c.to_dict() for c in self.checks],
            "provenance": {k: v.to_dict() for k, v in {**self.field_provenance, **self.provenance}.items()},
            "warnings": list(self.warnings),
            "ambiguities": [asdict(a) for a in self.ambiguities],
            **({"versions": asdict(self.versions)} if self.versions is not None else {}),
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
            checks=[Check.from_dict(c) for c in d.get("checks", [])],
            provenance={k: Provenance(**v) for k, v in d.get("provenance", {}).items() if k not in FIELDS},
            warnings=list(d.get("warnings", [])),
            field_provenance={k: Provenance(**v) for k, v in d.get("provenance", {}).items() if k in FIELDS},
            ambiguities=[Ambiguity(**a) for a in d.get("ambiguities", [])],
            versions=Versions(**d["versions"]) if d.get("versions") else None,
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


FIELDS = ("agency", "year", "published")  # the scalar fields with a provenance of their own


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

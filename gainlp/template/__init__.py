"""The template spec (spec.yaml beside this file) loaded into typed objects.

Everything that knows the official templates reads it through :func:`load_spec`: the rule parser,
the checks, the model's post-processor and the synthetic-report generator.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from gainlp.text import to_halfwidth

SPEC_PATH = Path(__file__).with_name("spec.yaml")
TEMPLATES = ("2019", "2021")
TABLE_NAMES = ("active_disclosure", "applications", "review_litigation")

_KEY_CHARS = "\u4e00-\u9fffA-Za-z0-9"  # what a label key keeps
_NON_KEY = re.compile(f"[^{_KEY_CHARS}]+")
_NON_KEY_BUT_BREAKS = re.compile(f"[^{_KEY_CHARS}\n]+")


@dataclass(frozen=True)
class Labelled:
    """A row, column or group of a table: its record key and its printed label variants."""

    key: str
    labels: tuple[str, ...]

    @property
    def canonical(self) -> str:
        return self.labels[0]


@dataclass(frozen=True)
class RowSpec(Labelled):
    columns: tuple[str, ...] = ()
    group: str | None = None
    number: str | None = None
    printed: str | None = None  # the label as the official form prints it, when it differs from labels[0]
    clause: str | None = None


@dataclass(frozen=True)
class Bound:
    """An order that the meaning of a row's columns sets, written in spec.yaml as
    ``"in_force >= issued - abolished"``: the documents a body issued this year and did not abolish are
    in force, so 现行有效 is at least 本年制发 less 本年废止."""

    at_least: str
    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Bound":
        lhs, rhs = (part.strip() for part in text.split(">="))
        terms = re.findall(r"([+-]?)\s*(\w+)", rhs)
        return cls(lhs, tuple(c for sign, c in terms if sign != "-"), tuple(c for sign, c in terms if sign == "-"))

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.at_least, *self.plus, *self.minus)

    def floor(self, cells: dict[str, int | float]) -> int | float:
        """The least that ``at_least`` may be, given the other cells (column -> value)."""
        return sum(cells[c] for c in self.plus) - sum(cells[c] for c in self.minus)

    def broken(self, cells: dict[str, int | float | None]) -> bool:
        """Do ``cells`` (column -> value) break the order? Not where a cell is missing or null."""
        if any(cells.get(c) is None for c in self.columns):
            return False
        return cells[self.at_least] < self.floor(cells)

    def __str__(self) -> str:
        return f"{self.at_least} ≥ " + " ".join([" + ".join(self.plus)] + [f"− {c}" for c in self.minus])


@dataclass(frozen=True)
class TableLayout:
    """One table of one template: ordered rows, ordered columns, grouping labels."""

    name: str
    template: str
    rows: tuple[RowSpec, ...]
    columns: tuple[Labelled, ...]
    groups: tuple[Labelled, ...] = ()
    header_markers: tuple[str, ...] = ()
    signed: frozenset[str] = frozenset()  # columns whose cells may be negative (本年增/减)
    bounds: tuple[Bound, ...] = ()  # orders between a row's cells (现行有效 ≥ 本年制发 − 本年废止)

    def row(self, key: str) -> RowSpec:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)

    def column(self, key: str) -> Labelled:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def cell_keys(self) -> list[str]:
        """Dotted cell keys (``row.column``) in reading order, as record-format.md names them."""
        return [f"{r.key}.{c}" for r in self.rows for c in r.columns]


@dataclass(frozen=True)
class TableSpec:
    name: str
    section: int
    title: str
    start_markers: tuple[str, ...]
    end_markers: tuple[str, ...]
    layouts: dict[str, TableLayout]

    def layout(self, template: str) -> TableLayout:
        return self.layouts[template]


@dataclass(frozen=True)
class SectionSpec:
    number: int
    key: str
    titles: tuple[str, ...]
    pattern: re.Pattern

    def matches(self, title: str) -> bool:
        return self.matches_key(label_key(title, strip_numbering=False))

    def matches_key(self, key: str) -> bool:
        """``matches`` for a title already reduced by ``label_key(title, strip_numbering=False)``."""
        return bool(self.pattern.search(key))


@dataclass(frozen=True)
class ProseCheck:
    """A figure stated in prose that the tables also hold (spec.yaml ``prose_checks``)."""

    name: str
    subject: re.Pattern  # over the label key of a metric's subject
    units: tuple[str, ...]
    cells: tuple[tuple[str, str, str], ...]  # (table, row, column), summed


@dataclass(frozen=True)
class Spec:
    exact_max_len: int
    top_level_numbering: tuple[re.Pattern, ...]
    label_prefix: re.Pattern
    sections: tuple[SectionSpec, ...]
    tables: dict[str, TableSpec]
    template_cues: dict[str, tuple[str, ...]]
    template_2019_last_year: int
    template_first_year: int
    prose_checks: tuple[ProseCheck, ...] = ()
    # the parsed spec.yaml itself, for blocks that one writer alone reads (``printed_form``: gainlp.synth)
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    def section(self, number: int) -> SectionSpec:
        return self.sections[number - 1]

    def table(self, name: str, template: str) -> TableLayout:
        return self.tables[name].layout(template)

    def cell_keys(self, template: str) -> dict[str, list[str]]:
        """All dotted cell keys of a template, per table."""
        return {name: self.table(name, template).cell_keys() for name in TABLE_NAMES}


# --------------------------------------------------------------------------------------------- labels

def label_key(text: str, strip_numbering: bool = True, folded: bool = False) -> str:
    """Reduce a printed label to its matching key (see spec.yaml).

    ``folded``: the text is folded already (``to_halfwidth`` is idempotent, so it need not run again).
    """
    t = text if folded else to_halfwidth(text)
    if strip_numbering:
        prefix = load_spec().label_prefix
        # numbering may repeat: "三、(一)予以公开" -> "予以公开"
        for _ in range(3):
            t2 = prefix.sub("", t, count=1)
            if t2 == t:
                break
            t = t2
    return _NON_KEY.sub("", t)


def line_keys(text: str) -> list[str]:
    """``label_key(line, strip_numbering=False, folded=True)`` for each line of a folded text, in one
    call: the characters that keys drop, but the line breaks, removed from the whole text at once."""
    return _NON_KEY_BUT_BREAKS.sub("", text).split("\n")


def label_matches(key: str, variants: tuple[str, ...], exact_max_len: int | None = None) -> bool:
    """Does a printed label key match one of the variants (already keys)?"""
    if not key:
        return False
    limit = load_spec().exact_max_len if exact_max_len is None else exact_max_len
    for v in variants:
        if len(v) <= limit:
            if key == v:
                return True
        elif v in key:
            return True
    return False


PREFIX_MIN_LEN = 6  # a shorter key is never taken for the first line of a wrapped label
# ... unless the row's own number is printed before it ("1.属于国家秘", "3.危及“三": a label cell a few characters wide)
NUMBERED_PREFIX_MIN_LEN = 3


def label_prefix_of(key: str, variants: tuple[str, ...], min_len: int = PREFIX_MIN_LEN) -> bool:
    """Is the key the first part of a variant wrapped over lines ("要求行政机关确认或重新出")?"""
    return len(key) >= min_len and any(len(v) > len(key) and v.startswith(key) for v in variants)


# --------------------------------------------------------------------------------------------- loading


def _labels(raw) -> tuple[str, ...]:
    return tuple(label_key(x, strip_numbering=False) for x in raw)


def _build_layout(name: str, template: str, raw_rows: dict, raw_cols: dict, raw_groups: dict | None,
                  header_markers=(), bounds=()) -> TableLayout:
    rows = []
    for key, r in raw_rows.items():
        if "templates" in r and template not in r["templates"]:
            continue
        rows.append(
            RowSpec(
                key=key,
                labels=_labels(r["labels"]),
                columns=tuple(r.get("columns", ())),
                group=r.get("group"),
                number=r.get("number"),
                printed=r.get("printed"),
                clause=r.get("clause"),
            )
        )
    cols = tuple(Labelled(key=k, labels=_labels(c["labels"])) for k, c in raw_cols.items())
    groups = tuple(
        Labelled(key=k, labels=_labels(g["labels"]))
        for k, g in (raw_groups or {}).items()
        if "templates" not in g or template in g["templates"]
    )
    return TableLayout(name=name, template=template, rows=tuple(rows), columns=cols, groups=groups,
                       header_markers=_labels(header_markers),
                       signed=frozenset(k for k, c in raw_cols.items() if c.get("signed")),
                       bounds=tuple(Bound.parse(b) for b in bounds))


@lru_cache(maxsize=None)
def load_spec(path: str | None = None) -> Spec:
    raw = yaml.safe_load(Path(path or SPEC_PATH).read_text(encoding="utf-8"))
    sections = tuple(
        SectionSpec(number=s["number"], key=s["key"], titles=tuple(s["titles"]), pattern=re.compile(s["pattern"]))
        for s in raw["sections"]
    )
    tables: dict[str, TableSpec] = {}
    for name, t in raw["tables"].items():
        layouts: dict[str, TableLayout] = {}
        for template in TEMPLATES:
            if "templates" in t:  # per-template rows and columns
                tt = t["templates"][template]
                layouts[template] = _build_layout(name, template, tt["rows"], tt["columns"], None,
                                                  tt.get("header_markers", ()), tt.get("bounds", ()))
            elif name == "applications":
                cols = list(t["columns"])
                rows = {k: dict(v, columns=cols) for k, v in t["rows"].items()}
                layouts[template] = _build_layout(name, template, rows, t["columns"], t.get("groups"))
            else:  # review_litigation: the groups are the record's rows
                cols = list(t["columns"])
                rows = {k: dict(v, columns=cols) for k, v in t["groups"].items()}
                layouts[template] = _build_layout(name, template, rows, t["columns"], None,
                                                  t.get("header_markers", ()))
        tables[name] = TableSpec(
            name=name,
            section=t["section"],
            title=t["title"],
            start_markers=_labels(t.get("start_markers", ())),
            end_markers=_labels(t.get("end_markers", ())),
            layouts=layouts,
        )
    return Spec(
        exact_max_len=raw["exact_max_len"],
        top_level_numbering=tuple(re.compile(p) for p in raw["numbering"]["top_level"]),
        label_prefix=re.compile(raw["numbering"]["label_prefix"]),
        sections=sections,
        tables=tables,
        template_cues={k: _labels(v) for k, v in raw["template_cues"].items()},
        template_2019_last_year=raw["template_2019_last_year"],
        template_first_year=raw["template_first_year"],
        raw=raw,
        prose_checks=tuple(
            ProseCheck(name=c["name"], subject=re.compile(c["subject"]), units=tuple(c["units"]),
                       cells=tuple(tuple(cell.split(".")) for cell in c["cells"]))
            for c in raw.get("prose_checks", ())
        ),
    )


def detect_template(text: str, year: int | None = None, folded: bool = False) -> str | None:
    """Which table template a report uses, from printed cues, else from the year it covers.

    ``folded``: the text is folded already (as in :func:`label_key`).
    """
    spec = load_spec()
    key = label_key(text, strip_numbering=False, folded=folded)
    scores = {t: sum(key.count(c) for c in cues) for t, cues in spec.template_cues.items()}
    best = max(scores, key=scores.get)
    if scores[best] > 0 and list(scores.values()).count(scores[best]) == 1:
        return best
    if year is not None:
        return "2019" if year <= spec.template_2019_last_year else "2021"
    return None


__all__ = [
    "Bound", "Labelled", "RowSpec", "ProseCheck", "TableLayout", "TableSpec", "SectionSpec", "Spec", "TEMPLATES", "TABLE_NAMES",
    "label_key", "line_keys", "label_matches", "label_prefix_of", "PREFIX_MIN_LEN",
    "NUMBERED_PREFIX_MIN_LEN", "load_spec", "detect_template",
]

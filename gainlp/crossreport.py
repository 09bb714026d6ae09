"""Checks across the reports of a batch: the same agency in consecutive years.

A report for year N and the same agency's report for N+1 are tied by the template's arithmetic:

- per column of the applications table, N's 结转下年度 (``carried_forward``) equals N+1's 上年结转
  (``carried_over``);
- for the 2021 template's 第二十条 table, N's 现行有效 (``in_force``) + N+1's 本年制发 (``issued``) −
  本年废止 (``abolished``) equals N+1's 现行有效, for regulations and normative documents;
- a report whose text repeats last year's (most of its sentences, figures included) is flagged.

Statuses are those of the per-report checks (pass / fail / not_assessable); a check flags, it never
repairs. Agencies are matched on their names with white space dropped and full-width forms folded.
Several records of one agency-year (the same report in two formats) are one report here: their
figures are taken where they agree, and a figure they disagree on makes the check not assessable.

:func:`finalize` is the step the batch runs when all its files are done (local and Ray engines alike).
It returns the checks and the records it changed (``updated``, by key); the batch writes an updated
record's JSON and rebuilds every aggregate from it. :func:`resolve` changes records: it reads cells that
run-together digits left ambiguous where the neighbouring years' figures settle them (issue 9), before
the checks are made.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gainlp.record import Check, Record
from gainlp.text import to_halfwidth

APPLICATION_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org",
                       "total")
IN_FORCE_ROWS = ("regulations", "normative_documents")
REPEAT_SHARE = 0.8  # a report whose sentences are at least this share last year's repeats it
MIN_SENTENCES = 8  # fewer sentences than this: too short to tell
MIN_SENTENCE_CHARS = 12
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_WS = re.compile(r"\s+")

Number = int | float | None


@dataclass
class CrossCheck:
    """One check between an agency's report for ``year`` and its report for ``year - 1``."""

    name: str  # cross.carried_over.<column> | cross.in_force.<row> | cross.repeated_text
    status: str  # pass | fail | not_assessable
    detail: str
    agency: str
    year: int
    documents: tuple[str, ...]  # the keys of the year's report (several: one report in several formats)
    previous: tuple[str, ...]  # the keys of the year before's report
    cells: tuple[str, ...] = ()  # "<year>:<table>.<row>.<column>" compared
    values: tuple[Number, ...] = ()


@dataclass
class CrossReportResult:
    checks: list[CrossCheck] = field(default_factory=list)
    updated: dict[str, Record] = field(default_factory=dict)  # records a step changed, by key


@dataclass
class Facts:
    """What the checks need of one record (small: a batch holds one per report). The batch computes
    them in the worker, beside the record, and keeps them in its index (:meth:`to_json`)."""

    key: str
    agency: str
    year: int
    template: str | None
    sha256: str
    cells: dict[str, Number]  # "table.row.column" -> value, for the cells the checks compare
    ambiguous: tuple[str, ...] = ()  # cell keys left null with candidates (for a resolution step)
    sentences: frozenset[bytes] | None = None  # digests of the text's sentences (None: text not seen)

    def to_json(self) -> str:
        data = {k: getattr(self, k) for k in ("agency", "year", "template", "sha256", "cells")}
        data["ambiguous"] = list(self.ambiguous)
        data["sentences"] = None if self.sentences is None else sorted(s.hex() for s in self.sentences)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, key: str, text: str) -> "Facts":
        d = json.loads(text)
        sentences = None if d["sentences"] is None else frozenset(bytes.fromhex(h) for h in d["sentences"])
        return cls(key, d["agency"], d["year"], d["template"], d["sha256"], d["cells"], tuple(d["ambiguous"]),
                   sentences)


@dataclass
class AgencyYear:
    """The report(s) of one agency for one year, their figures merged."""

    agency: str
    year: int
    facts: list[Facts]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.facts)

    @property
    def template(self) -> str | None:
        templates = {f.template for f in self.facts if f.template}
        return templates.pop() if len(templates) == 1 else None

    def value(self, cell: str) -> tuple[Number, str | None]:
        """(value, None), or (None, why) when no record gives it or the records disagree."""
        found = {f.cells.get(cell) for f in self.facts} - {None}
        if len(found) == 1:
            return found.pop(), None
        if not found:
            return None, "null"
        return None, f"its {len(self.facts)} records disagree ({', '.join(map(_fmt, sorted(found)))})"


def normalise_agency(name: str) -> str:
    """An agency name for matching: full-width forms folded, white space (of every width) dropped."""
    return _WS.sub("", to_halfwidth(name)).replace("\u3000", "")


def _fmt(value: Number) -> str:
    if value is None:
        return "null"
    return str(int(value)) if float(value).is_integer() else str(value)


# --------------------------------------------------------------------------------------------- facts

_NEEDED = ([f"applications.carried_over.{c}" for c in APPLICATION_COLUMNS]
           + [f"applications.carried_forward.{c}" for c in APPLICATION_COLUMNS]
           + [f"active_disclosure.{r}.{c}" for r in IN_FORCE_ROWS for c in ("issued", "abolished", "in_force")])


def facts_of(key: str, record: Record, text: str | None = None) -> Facts | None:
    """The facts of a record (None when it names no agency or year); ``text``: the text the reader
    produced, for the repeated-text check."""
    if not record.agency or record.year is None:
        return None
    cells = {cell: record.cell(*cell.split(".")) for cell in _NEEDED}
    ambiguous = tuple(dict.fromkeys(
        [k[len("tables."):] for k, p in record.provenance.items() if p.candidates and k.startswith("tables.")]
        + [f"{a.table}.{cell}" for a in getattr(record, "ambiguities", ()) for cell in a.cells]))
    return Facts(key, record.agency, record.year, record.template, record.source.sha256, cells, ambiguous,
                 None if text is None else frozenset(sentences(text)))


def group(all_facts: Iterable[Facts]) -> dict[str, dict[int, AgencyYear]]:
    """Normalised agency -> year -> its report(s)."""
    groups: dict[str, dict[int, AgencyYear]] = defaultdict(dict)
    for facts in all_facts:
        agency = normalise_agency(facts.agency)
        slot = groups[agency].get(facts.year)
        if slot is None:
            groups[agency][facts.year] = AgencyYear(facts.agency, facts.year, [facts])
        else:
            slot.facts.append(facts)
    return groups


# --------------------------------------------------------------------------------------------- checks


def _compare(name: str, cur: AgencyYear, prev: AgencyYear, left: list[tuple[AgencyYear, str, int]],
             right_cell: str, label: str) -> CrossCheck:
    """``sum(sign * value)`` of the ``left`` cells against ``cur``'s ``right_cell``."""
    values, cells, missing = [], [], []
    total = 0
    for report, cell, sign in left:
        v, why = report.value(cell)
        values.append(v)
        cells.append(f"{report.year}:{cell}")
        if v is None:
            missing.append(f"{report.year} {cell} ({why})")
        else:
            total += sign * v
    right, why = cur.value(right_cell)
    values.append(right)
    cells.append(f"{cur.year}:{right_cell}")
    if right is None:
        missing.append(f"{cur.year} {right_cell} ({why})")
    base = dict(name=name, agency=cur.agency, year=cur.year, documents=cur.keys, previous=prev.keys,
                cells=tuple(cells), values=tuple(values))
    if missing:
        return CrossCheck(status=Check.NOT_ASSESSABLE, detail=f"{label}: missing {'; '.join(missing)}", **base)
    terms = " ".join(("+ " if sign > 0 else "- ") + _fmt(v) for (_, _, sign), v in zip(left, values))
    detail = f"{label}: {terms.removeprefix('+ ')} = {_fmt(total)} {'=' if total == right else '≠'} {_fmt(right)}"
    return CrossCheck(status=Check.PASS if total == right else Check.FAIL, detail=detail, **base)


def carried_checks(prev: AgencyYear, cur: AgencyYear) -> list[CrossCheck]:
    """N's 结转下年度 = N+1's 上年结转, per column."""
    return [_compare(f"cross.carried_over.{col}", cur, prev, [(prev, f"applications.carried_forward.{col}", 1)],
                     f"applications.carried_over.{col}",
                     f"{prev.year} 结转下年度 = {cur.year} 上年结转 ({col})")
            for col in APPLICATION_COLUMNS]


def in_force_checks(prev: AgencyYear, cur: AgencyYear) -> list[CrossCheck]:
    """Last year's 现行有效 + this year's 制发 − 废止 = this year's 现行有效 (2021 template both years)."""
    if prev.template != "2021" or cur.template != "2021":
        return []
    return [_compare(f"cross.in_force.{row}", cur, prev,
                     [(prev, f"active_disclosure.{row}.in_force", 1), (cur, f"active_disclosure.{row}.issued", 1),
                      (cur, f"active_disclosure.{row}.abolished", -1)],
                     f"active_disclosure.{row}.in_force",
                     f"{prev.year} 现行有效 + {cur.year} 制发 − 废止 = {cur.year} 现行有效 ({row})")
            for row in IN_FORCE_ROWS]


def sentences(text: str) -> set[bytes]:
    """Digests of a text's sentences of some length, white space dropped (figures kept)."""
    out = set()
    for s in _SENTENCE_END.split(text):
        s = _WS.sub("", s)
        if len(s) >= MIN_SENTENCE_CHARS:
            out.add(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest())
    return out


def repeat_check(prev: AgencyYear, cur: AgencyYear) -> CrossCheck | None:
    """Flag a report most of whose sentences (figures included) are last year's."""
    if any(f.sentences is None for f in (*prev.facts, *cur.facts)):
        return None
    base = dict(name="cross.repeated_text", agency=cur.agency, year=cur.year, documents=cur.keys,
                previous=prev.keys)
    same_bytes = {f.sha256 for f in cur.facts} & {f.sha256 for f in prev.facts}
    if same_bytes:
        return CrossCheck(status=Check.FAIL, detail=f"the {cur.year} report is the same file as the {prev.year} "
                                                    f"report", values=(1.0,), **base)
    prev_sentences = frozenset().union(*(f.sentences for f in prev.facts))
    best, n = 0.0, 0
    for f in cur.facts:
        if len(f.sentences) >= MIN_SENTENCES:
            share = len(f.sentences & prev_sentences) / len(f.sentences)
            if share >= best:
                best, n = share, len(f.sentences)
    if n == 0:
        return CrossCheck(status=Check.NOT_ASSESSABLE, detail=f"fewer than {MIN_SENTENCES} sentences to compare",
                          **base)
    status = Check.FAIL if best >= REPEAT_SHARE else Check.PASS
    return CrossCheck(status=status, detail=f"{best:.0%} of the {cur.year} report's {n} sentences are in the "
                                            f"{prev.year} report (flagged from {REPEAT_SHARE:.0%})",
                      values=(round(best, 4),), **base)


def cross_checks(groups: dict[str, dict[int, AgencyYear]]) -> list[CrossCheck]:
    checks: list[CrossCheck] = []
    for agency in sorted(groups):
        years = groups[agency]
        for year in sorted(years):
            prev = years.get(year - 1)
            if prev is None:
                continue
            cur = years[year]
            checks += carried_checks(prev, cur)
            checks += in_force_checks(prev, cur)
            repeated = repeat_check(prev, cur)
            if repeated is not None:
                checks.append(repeated)
    return checks


# --------------------------------------------------------------------------------------------- steps


MAX_COMBINATIONS = 20000  # joint readings of the ambiguities one relation ties together


@dataclass
class Relation:
    """A sum that ties two consecutive years: sum(sign * cell) over ``terms`` is 0."""

    label: str
    terms: list[tuple[AgencyYear, str, int]]  # (report, "table.row.column", sign)


def relations(prev: AgencyYear, cur: AgencyYear) -> list[Relation]:
    """The identities between an agency's reports for consecutive years (the template's arithmetic)."""
    out = [Relation(f"{prev.year} 结转下年度 = {cur.year} 上年结转 ({col})",
                    [(prev, f"applications.carried_forward.{col}", 1), (cur, f"applications.carried_over.{col}", -1)])
           for col in APPLICATION_COLUMNS]
    if prev.template == "2021" and cur.template == "2021":
        out += [Relation(f"{prev.year} 现行有效 + {cur.year} 制发 − 废止 = {cur.year} 现行有效 ({row})",
                         [(prev, f"active_disclosure.{row}.in_force", 1), (cur, f"active_disclosure.{row}.issued", 1),
                          (cur, f"active_disclosure.{row}.abolished", -1), (cur, f"active_disclosure.{row}.in_force", -1)])
                for row in IN_FORCE_ROWS]
    return out


def resolve(groups: dict[str, dict[int, AgencyYear]], records: Mapping[str, Record]) -> dict[str, Record]:
    """Records whose ambiguous cells the neighbouring years settle, by key (issue 9).

    A cell left null with candidates (run-together digits the report's own sums could not split) is
    read where a relation with the same agency's previous or next report admits only some of its
    readings: N's 结转下年度 = N+1's 上年结转, last year's 现行有效 + 制发 − 废止 = this year's 现行有效. The
    readings of every ambiguity a relation touches are tried together (two neighbours both ambiguous
    settle each other), the readings that take part in no combination that holds are dropped
    (gainlp.rules.solve.narrow), and what is left open stays null. A relation that no combination
    satisfies (the reports disagree as printed) settles nothing. Repeated until nothing changes.
    """
    loaded: dict[str, Record] = {}
    updated: dict[str, Record] = {}

    def record(key: str) -> Record:
        if key not in loaded:
            loaded[key] = records[key]
        return loaded[key]

    changed = True
    while changed:
        changed = False
        for years in groups.values():
            for year in sorted(years):
                for key in _siblings(years[year], record):
                    updated[key] = loaded[key]
                    changed = True
                prev = years.get(year - 1)
                if prev is None:
                    continue
                for rel in relations(prev, years[year]):
                    for key in _apply(rel, record):
                        updated[key] = loaded[key]
                        changed = True
    return updated


def _siblings(report: AgencyYear, record) -> list[str]:
    """One agency-year printed twice (the scraped text and the published page): a cell one record leaves
    open and the other prints plainly is read as the other prints it, where that is one of its readings."""
    from gainlp.checks import run_checks
    from gainlp.rules.solve import narrow

    changed = []
    for f in report.facts:
        for cell in f.ambiguous:
            printed = {g.cells.get(cell) for g in report.facts if g is not f and cell not in g.ambiguous} - {None}
            if len(printed) != 1:
                continue
            value = printed.pop()
            table, rest = cell.split(".", 1)
            rec = record(f.key)
            amb = next((a for a in rec.ambiguities if a.table == table and rest in a.cells), None)
            if amb is None:
                continue
            other = next(g.key for g in report.facts if g is not f and g.cells.get(cell) == value)
            if narrow(rec, amb, lambda values, rest=rest, value=value: values.get(rest) == value,
                      f"as the same agency's other record of {report.year} prints them ({other})"):
                rec.checks = run_checks(rec)
                _refresh_facts(rec, f)
                changed.append(f.key)
    return changed


def _apply(rel: Relation, record) -> list[str]:
    """Narrow the ambiguities a relation touches; the keys of the records it changed."""
    from gainlp.rules.solve import narrow

    fixed = 0.0
    slots: list[tuple[list, int]] = []  # per open term: (the options: (key, ambiguity, reading index)), sign
    for report, cell, sign in rel.terms:
        value, _ = report.value(cell)
        if value is not None:
            fixed += sign * value
            continue
        options = []
        for f in report.facts:
            if cell not in f.ambiguous:
                continue
            rec = record(f.key)
            table, rest = cell.split(".", 1)
            for amb in rec.ambiguities:
                if amb.table == table and rest in amb.cells:
                    k = amb.cells.index(rest)
                    options += [(f.key, amb, i, r[k]) for i, r in enumerate(amb.readings)]
        if not options:
            return []  # a null cell nothing can settle: the relation cannot be used
        slots.append((options, sign))
    if not slots:
        return []
    # the ambiguities involved, and each combination of their readings
    ambs: dict[int, tuple[str, object]] = {}
    for options, _ in slots:
        for key, amb, _, _ in options:
            ambs[id(amb)] = (key, amb)
    order = list(ambs)
    total = 1
    for i in order:
        total *= len(ambs[i][1].readings)
    if total > MAX_COMBINATIONS:
        return []
    keep: dict[int, set[int]] = {i: set() for i in order}
    for combo in _product([range(len(ambs[i][1].readings)) for i in order]):
        pick = dict(zip(order, combo))
        total_sum = fixed
        for options, sign in slots:
            v = next(v for key, amb, idx, v in options if pick[id(amb)] == idx)
            if v is None:
                break
            total_sum += sign * v
        else:
            if abs(total_sum) < 1e-6:
                for i in order:
                    keep[i].add(pick[i])
    if not any(keep.values()):
        return []  # the reports disagree as printed: settle nothing
    changed = []
    for i in order:
        key, amb = ambs[i]
        allowed = {tuple(amb.readings[j]) for j in keep[i]}
        rec = record(key)
        cells = list(amb.cells)
        if narrow(rec, amb, lambda values, cells=cells, allowed=allowed: tuple(values[c] for c in cells) in allowed,
                  f"with the figures of the same agency's neighbouring year ({rel.label})"):
            from gainlp.checks import run_checks

            rec.checks = run_checks(rec)
            _refresh(rec, key, rel)
            changed.append(key)
    return changed


def _refresh(rec: Record, key: str, rel: Relation) -> None:
    """Bring the facts of a changed record up to date (the next relations read them)."""
    for report, _, _ in rel.terms:
        for f in report.facts:
            if f.key == key:
                _refresh_facts(rec, f)


def _refresh_facts(rec: Record, f: Facts) -> None:
    f.cells.update({cell: rec.cell(*cell.split(".")) for cell in f.cells})
    still = {f"{a.table}.{c}" for a in rec.ambiguities for c in a.cells}
    f.ambiguous = tuple(c for c in f.ambiguous if c in still)


def _product(ranges):
    if not ranges:
        yield ()
        return
    for i in ranges[0]:
        for rest in _product(ranges[1:]):
            yield (i,) + rest


def finalize(records: Mapping[str, Record], texts: Mapping[str, str] | None = None,
             facts: Mapping[str, Facts | None] | None = None) -> CrossReportResult:
    """The cross-report step over a batch's records (key -> Record; a lazy mapping is fine).

    ``texts`` (key -> the text the reader produced) serve the repeated-text check. ``facts``: what the
    batch computed already for each key (:func:`facts_of`); given them, no record or text is loaded
    for the checks, only for a step that changes records.
    """
    if facts is None:
        facts = {key: facts_of(key, records[key], texts[key] if texts is not None and key in texts else None)
                 for key in records}
    groups = group(f for f in facts.values() if f is not None)
    updated = resolve(groups, records)
    checks = cross_checks(groups)
    return CrossReportResult(checks=checks, updated=updated)


__all__ = ["CrossCheck", "CrossReportResult", "Facts", "AgencyYear", "Relation", "relations", "finalize", "resolve",
           "cross_checks",
           "carried_checks", "in_force_checks", "repeat_check", "group", "normalise_agency", "sentences"]

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
record's JSON and rebuilds every aggregate from it. Today no step changes records; the place for one is
:func:`resolve` (filling ambiguous cells from the neighbours' figures, issue 9).
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


def resolve(groups: dict[str, dict[int, AgencyYear]], records: Mapping[str, Record]) -> dict[str, Record]:
    """Records changed from their neighbours' figures, by key; none today.

    The place for issue 9's resolution step: for an ambiguous cell (``Facts.ambiguous``: null, with
    candidates) of a report whose neighbour years settle it (N's 结转下年度 = N+1's 上年结转; last year's
    现行有效 + 制发 − 废止 = this year's 现行有效), load the record (``records[key]``), set the cell, say so
    in its provenance and warnings, re-run its checks, and return it here: the batch writes it and
    rebuilds every aggregate.
    """
    return {}


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
    checks = cross_checks(groups)
    return CrossReportResult(checks=checks, updated=resolve(groups, records))


__all__ = ["CrossCheck", "CrossReportResult", "Facts", "AgencyYear", "finalize", "resolve", "cross_checks",
           "carried_checks", "in_force_checks", "repeat_check", "group", "normalise_agency", "sentences"]

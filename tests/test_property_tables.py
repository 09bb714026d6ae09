"""Property test of the table parser: any consistent tables, in any text layout, read back exactly.

Hypothesis draws arithmetically consistent tables of both templates (gainlp.synth.values: every check of
record-format.md holds), blank cells the way real reports leave them, and the ways numbers are printed
(减62 / +12 / -3, 3,119, 0.00, full-width digits, blank markers). Each draw is rendered in one text
layout (gainlp.synth.layouts) inside a minimal report -- the six headings and the three tables -- and
parsed back with gainlp.rules.sections.find_sections + gainlp.rules.tables.parse_tables.

The parsed tables must equal the drawn values exactly. Run-together cells ("行政规范性文件8855698") can
be ambiguous: there a row must either be read exactly or, when the parser warns about it, be left null
where it cannot tell -- never guessed.
"""
from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gainlp.readers import read_text
from gainlp.rules.sections import find_sections
from gainlp.rules.tables import parse_tables
from gainlp.synth.layouts import LAYOUTS, TEXT_LAYOUTS, RenderOptions
from gainlp.synth.report import minimal_report
from gainlp.synth.values import BLANK_STYLES, SCALES, NumberStyle, blank_cells, random_tables
from gainlp.template import TEMPLATES

MARKERS = ("/", "—", "-")
WARNED_ROW = re.compile(r"^(\w+)\.(\w+): ")  # a parser warning about one row ("applications.total: …")


@st.composite
def drawn_report(draw, layout: str):
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    template = draw(st.sampled_from(TEMPLATES))
    tables = random_tables(rng, template, draw(st.sampled_from(SCALES)))
    lay = LAYOUTS[layout]
    blank_style = None
    if not lay.ambiguous:  # run-together text cannot show where a blank cell was
        blank_style = draw(st.sampled_from(BLANK_STYLES))
        blank_cells(rng, tables, template, blank_style)
    style = NumberStyle(
        change=draw(st.sampled_from(("plain", "cn", "signed", "cn_signed"))),
        thousands=draw(st.booleans()),
        money_decimals=draw(st.sampled_from((None, 1, 2))),
        fullwidth=draw(st.booleans()),
    )
    null_marker = draw(st.sampled_from(("",) + MARKERS)) if lay.blanks else ""
    opts = RenderOptions(
        wrap_headers=draw(st.sampled_from((0.0, 0.5))) if lay.wraps else 0.0,
        marker=draw(st.sampled_from(MARKERS)),
        running_header=draw(st.sampled_from((None, "政府信息公开工作年度报告"))),
        page=draw(st.integers(1, 9)),
        rows_per_page=draw(st.integers(8, 40)),
        label_width=draw(st.integers(10, 24)),
    )
    piece = minimal_report(rng, template, tables, layout, style, null_marker, opts)
    return template, tables, piece.text


def _diff(expected: dict, parsed: dict | None, warned_rows: set[str] = frozenset()) -> list[tuple]:
    """Cells read wrong. In a row the parser warned about, a null cell is allowed (not read) but a
    wrong number is not (a guess)."""
    out = []
    for row, cols in expected.items():
        for col, value in cols.items():
            got = ((parsed or {}).get(row) or {}).get(col, "missing")
            if got == value and type(got) is not bool:
                continue
            if row in warned_rows and got is None:
                continue
            out.append((row, col, value, got))
    return out


def check_round_trip(layout: str, template: str, tables: dict, text: str) -> None:
    doc = read_text(text)
    result = parse_tables(doc, find_sections(doc))
    assert result.template == template, f"template {result.template!r}, expected {template}\n{text}"
    warned: dict[str, set[str]] = {}
    for w in result.warnings:
        m = WARNED_ROW.match(w)
        if m:
            warned.setdefault(m.group(1), set()).add(m.group(2))
    problems = {}
    for name, expected in tables.items():
        rows = warned.get(name, set()) if LAYOUTS[layout].ambiguous else set()
        diff = _diff(expected, result.tables.get(name), rows)
        if diff:
            problems[name] = diff[:6]
    assert not problems, f"layout {layout}: {problems}\nwarnings: {result.warnings[:6]}\n--- text ---\n{text}"


@pytest.mark.parametrize("layout", TEXT_LAYOUTS)
@settings(max_examples=25, deadline=None, derandomize=True, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_tables_round_trip(layout, data):
    template, tables, text = data.draw(drawn_report(layout))
    check_round_trip(layout, template, tables, text)


def test_clean_tables_every_layout_both_templates():
    """A fixed, easy case per layout and template (no blanks, plain numbers): the floor of the property."""
    for layout in TEXT_LAYOUTS:
        for template in TEMPLATES:
            rng = random.Random(7)
            tables = random_tables(rng, template, "small")
            text = minimal_report(rng, template, tables, layout, NumberStyle()).text
            if LAYOUTS[layout].ambiguous:
                continue  # covered by the property with its ambiguity rule
            check_round_trip(layout, template, tables, text)


# ------------------------------------------------------------------------------------------ regressions
# Cases this property once found the parser getting wrong, each kept as a fixed example.


def _gap_case(layout: str, template: str, edit, style: NumberStyle = NumberStyle(), null_marker: str = ""):
    rng = random.Random(0)
    tables = random_tables(rng, template, "zero")
    for cols in tables["active_disclosure"].values():  # zeros everywhere, then the case's own cells
        for col in cols:
            cols[col] = 0
    edit(tables)
    return tables, minimal_report(rng, template, tables, layout, style, null_marker).text


def _blank_last_total(t):
    t["applications"]["carried_over"].update(commercial=None, total=None)


def _review_trailing_blanks(t):
    for cols in t["review_litigation"].values():
        for col in cols:
            cols[col] = None
    t["review_litigation"]["reconsideration"].update(pending=1, total=1)


def _review_totals_only(t):
    for cols in t["review_litigation"].values():
        for col in cols:
            if col != "total":
                cols[col] = None
    t["review_litigation"]["reconsideration"]["total"] = 2
    t["review_litigation"]["litigation_direct"]["total"] = 1


def _signed_change(t):
    t["active_disclosure"]["coercion"].update(prev_count=46, change=-17, decisions=166)


def _fullwidth_decimal(t):
    t["active_disclosure"]["fees"]["amount"] = 130


GAP_CASES = [
    ("tab_rows_blank_last_cell", "tab_rows", "2021", _blank_last_total, NumberStyle(), ""),
    ("pipe_rows_review_trailing_blanks", "pipe_rows", "2021", _review_trailing_blanks, NumberStyle(), "—"),
    ("review_totals_only_without_blanks", "space_rows", "2021", _review_totals_only, NumberStyle(), ""),
    ("review_totals_only_without_blanks", "pdf_text", "2019", _review_totals_only, NumberStyle(), ""),
    ("run_together_review", "run_together", "2021", lambda t: None, NumberStyle(), ""),
    ("run_together_signed", "run_together", "2019", _signed_change, NumberStyle(), ""),
    ("run_together_number_forms", "run_together", "2021", _fullwidth_decimal,
     NumberStyle(money_decimals=2, fullwidth=True), ""),
]


@pytest.mark.parametrize("gap,layout,template,edit,style,marker", GAP_CASES, ids=[f"{g}-{lay}" for g, lay, *_ in GAP_CASES])
def test_former_parser_gaps(gap, layout, template, edit, style, marker):
    tables, text = _gap_case(layout, template, edit, style, marker)
    check_round_trip(layout, template, tables, text)

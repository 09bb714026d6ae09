"""A whole synthetic report: frame, six sections, tables in a layout, prose, noise -- with aligned labels.

:func:`build_report` first plans the report as clean :class:`Block` s (each a labelled piece, or a table's
grid and printed values), then :func:`compose` renders the tables in their layouts, applies the
report's noise block by block and joins everything into one text whose spans still sit exactly on
what they label. The blocks are kept for the HTML and DOCX writers (gainlp.synth.files).
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field

from gainlp.synth import frame, noise
from gainlp.synth.builder import Piece, check_aligned, join_lines
from gainlp.synth.layouts import LAYOUTS, RenderOptions, render_table
from gainlp.synth.narrative import Context, Grammar, Metric
from gainlp.synth.printed import PrintedTable, printed_table
from gainlp.synth.result import Options, SynthReport
from gainlp.synth.values import (
    blank_cells,
    break_one_check,
    column_units,
    flat,
    format_value,
    random_number_style,
    random_tables,
)
from gainlp.template import TABLE_NAMES, load_spec
from gainlp.text import NULL_CELLS

DOCNO = {"2019": "国办公开办函〔2019〕60号", "2021": "国办公开办函〔2021〕30号"}
_MARKERS = tuple(m for m in ("/", "—", "-", "无", "／") if m in NULL_CELLS)
_RUNNING_HEADERS = ("政府信息公开工作年度报告", "政务公开 年度报告", "— 政府信息公开 —")
_TEMPLATE_YEARS = {"2019": (2019, 2020), "2021": (2021, 2022, 2023, 2024)}
_OFFICIAL_NUMBERING = load_spec().raw["printed_form"]["heading_numbering"][0]  # "{cn}、"


@dataclass
class Block:
    kind: str  # clutter | title | preamble | heading | subheading | para | table | signature
    piece: Piece = field(default_factory=Piece)
    metrics: list[Metric] = field(default_factory=list)
    section: int | None = None
    table: str | None = None
    grid: PrintedTable | None = None
    printed: dict | None = None  # (row, column) -> printed text of a table's value cells
    inline: bool = False         # a sub-heading run into the paragraph after it ("（一）主动公开。…")


@dataclass
class Plan:
    """The per-report choices (they become the report's meta)."""

    template: str
    year: int
    agency: frame.Agency
    layouts: dict[str, str]
    numbering: list[str]
    para_sep: str
    punctuation: noise.Translation
    noise: float
    pdf: bool
    heading_space: bool
    null_marker: str


# ------------------------------------------------------------------------------------------ planning


def _plan(rng: random.Random, opts: Options) -> Plan:
    if len(opts.templates) > 1:
        template = "2019" if rng.random() < 0.35 else "2021"
    else:
        template = opts.templates[0]
    allowed = opts.allowed_layouts()
    base = rng.choice(allowed)
    layouts = {t: (rng.choice(allowed) if rng.random() < 0.1 else base) for t in TABLE_NAMES}
    return Plan(
        template=template,
        year=rng.choice(_TEMPLATE_YEARS[template]),
        agency=frame.draw_agency(rng),
        layouts=layouts,
        numbering=frame.heading_styles(rng),
        para_sep="\n\n" if rng.random() < 0.35 else "\n",
        punctuation=noise.punctuation_style(rng) if rng.random() < opts.noise else noise.NO_TRANSLATION,
        noise=opts.noise,
        pdf="pdf_text" in layouts.values(),
        heading_space=rng.random() < 0.15,
        null_marker="" if rng.random() < 0.75 else rng.choice(_MARKERS),
    )


def _prose(grammar: Grammar, kind: str, categories: list[str], n: int, section: int | None) -> Block:
    piece, metrics = grammar.paragraph(categories, n)
    return Block(kind, piece, metrics, section=section)


def _overview(rng: random.Random, grammar: Grammar, plan: Plan) -> list[Block]:
    blocks = []
    if rng.random() < 0.75:
        blocks.append(_prose(grammar, "para", ["overview_intro"], 1, 1))
    subs = grammar.vocab["subsections"]
    names = [k for k in subs if rng.random() < 0.7] or ["active"]
    style = frame.sub_style(rng, plan.numbering[0])
    inline = rng.random() < 0.3
    for i, name in enumerate(names, 1):
        title = rng.choice(subs[name]["titles"])
        head = Piece()
        head.add(frame.numbering(style, i) + title + ("。" if inline else ""))
        blocks.append(Block("subheading", head, section=1, inline=inline))
        blocks.append(_prose(grammar, "para", subs[name]["body"], rng.randint(1, 4), 1))
    return blocks


def _table_block(rng: random.Random, name: str, plan: Plan, tables: dict, style) -> Block:
    units = column_units(plan.template)
    printed = {}
    for row, cols in tables[name].items():
        for col, v in cols.items():
            printed[(row, col)] = plan.null_marker if v is None else format_value(v, col, units.get((name, col)), style)
    grid = printed_table(name, plan.template, rng)
    return Block("table", table=name, grid=grid, printed=printed, section=load_spec().tables[name].section)


def _sections(rng: random.Random, grammar: Grammar, plan: Plan, tables: dict,
              opts: Options) -> tuple[list[Block], list[str], list[int], list[str]]:
    """The sections' blocks, their titles (gold), the template sections left out, the titles of the
    report's own."""
    blocks: list[Block] = []
    titles: list[str] = []
    missing: list[int] = []
    own: list[str] = []
    if rng.random() < opts.missing_section_rate:
        missing = [6] if rng.random() < 0.85 else [5]
    style = random_number_style(rng)
    # a section of the report's own after 一 (or before 五): the template's after it print the next numeral.
    # Only under the official numbering ("二、"), the one real reports with sections of their own use
    own_after = None
    if rng.random() < opts.own_section_rate and plan.numbering[0] == _OFFICIAL_NUMBERING:
        own_after = 1 if rng.random() < 0.7 else 4
    for number in range(1, 7):
        printed = number + (own_after is not None and number > own_after)
        if number in missing:
            continue
        title = frame.section_title(rng, number)
        titles.append(plan.punctuation(title))
        blocks.append(Block("heading", frame.heading(plan.numbering[number - 1], printed, title, plan.heading_space),
                            section=number))
        if number == 1:
            blocks += _overview(rng, grammar, plan)
        elif number in (2, 3, 4):
            name = TABLE_NAMES[number - 2]
            intro = grammar.sentence("table_intro")
            if intro is not None and intro[0].text:
                blocks.append(Block("para", intro[0], intro[1], section=number))
            blocks.append(_table_block(rng, name, plan, tables, style))
        elif number == 5:
            blocks.append(_prose(grammar, "para", ["problems"], rng.randint(1, 2), 5))
            blocks.append(_prose(grammar, "para", ["improvements"], rng.randint(1, 2), 5))
        else:
            blocks.append(_prose(grammar, "para", ["other_matters"], 1, 6))
        if number == own_after:
            own.append(rng.choice(grammar.vocab["own_sections"]["titles"]))
            titles.append(plan.punctuation(own[-1]))
            blocks += _own_section(rng, grammar, plan, own[-1], printed + 1)
    return blocks, titles, missing, own


def _own_section(rng: random.Random, grammar: Grammar, plan: Plan, title: str, printed: int) -> list[Block]:
    """A top-level section of the report's own: its heading (numbered ``printed``, in the style of 一's),
    then two or three paragraphs of prose with counts."""
    own = grammar.vocab["own_sections"]
    heading = Block("heading", frame.heading(plan.numbering[0], printed, title, plan.heading_space), section=None)
    body = rng.sample(own["body"], k=min(len(own["body"]), rng.randint(2, 3)))
    return [heading] + [_prose(grammar, "para", [name], rng.randint(1, 2), None) for name in body]


# ------------------------------------------------------------------------------------------ composing


@dataclass
class Composed:
    piece: Piece
    metrics: list[Metric]
    noise: list[str]


def compose(rng: random.Random, blocks: list[Block], plan: Plan, opts: Options) -> Composed:
    """Render tables, apply noise per block and join the blocks into the report text."""
    out = Piece()
    metrics: list[Metric] = []
    applied: set[str] = set()
    level = plan.noise
    tr = plan.punctuation
    if tr.table:
        applied.add(tr.name)
    pdf_noise = plan.pdf and level > 0  # page breaks and wrapped lines; a clean pdf_text table has neither
    pager = noise.Pager(rng.randint(26, 40), rng.choice(_RUNNING_HEADERS) if rng.random() < 0.6 else None) if pdf_noise else None
    ropts = RenderOptions(
        wrap_headers=rng.uniform(0.2, 0.7) if rng.random() < 0.4 * level else 0.0,
        marker=plan.null_marker or rng.choice(_MARKERS),
        sep=" " if plan.pdf or rng.random() < 0.7 else "  ",
        running_header=pager.running_header if pager else None,
        rows_per_page=10**9,
        label_width=rng.randint(12, 20),
    )
    wrap_width = rng.randint(28, 40)
    stray_rate = 0.15 * level if rng.random() < 0.3 else 0.0
    for i, b in enumerate(blocks):
        if b.kind == "table":
            if pager:
                ropts.page, ropts.line, ropts.rows_per_page = pager.page, pager.lines, pager.lines_per_page
            piece = render_table(plan.layouts[b.table], b.grid, b.printed, rng, ropts)
            if pager:
                pager.page, pager.lines = ropts.page, ropts.line
            if ropts.wrap_headers and LAYOUTS[plan.layouts[b.table]].wraps:
                applied.add("wrapped_headers")
            if plan.layouts[b.table] in ("cell_per_line", "tab_cell_per_line") and rng.random() < 0.3 * level:
                if noise.trailing_spaces(piece, rng):
                    applied.add("trailing_spaces")
            if stray_rate and plan.layouts[b.table] in ("cell_per_line", "tab_cell_per_line", "tab_rows", "pipe_rows"):
                if noise.stray_spaces(piece, rng, ("TABLE_LABEL",), stray_rate):
                    applied.add("stray_spaces")
        else:
            piece = copy.deepcopy(b.piece)
            if b.kind == "para" and rng.random() < 0.1 * level and noise.fullwidth_digits(piece, rng):
                applied.add("fullwidth_digits")
            if pdf_noise and b.kind == "para":
                if rng.random() < 0.5 * level and noise.spaced_numbers(piece, rng):
                    applied.add("spaced_numbers")
                if noise.hard_wrap(piece, wrap_width):
                    applied.add("hard_wrap")
            if stray_rate and b.kind == "para" and noise.stray_spaces(piece, rng, ("METRIC_SUBJECT",), stray_rate):
                applied.add("stray_spaces")
        piece.text = tr(piece.text)
        metrics += [Metric(tr(m.subject), m.value, m.unit) for m in b.metrics]
        if i:
            sep = "" if blocks[i - 1].inline else ("\n" if b.kind == "table" or blocks[i - 1].kind == "table" else plan.para_sep)
            out.add(sep)
            if pager:
                pager.lines += sep.count("\n")
        if pager and b.kind != "table" and pager.paginate(piece):
            applied.add("page_numbers")
        out.extend(piece)
    return Composed(out, metrics, sorted(applied))


# ------------------------------------------------------------------------------------------ the report


def build_report(rng: random.Random, report_id: str, opts: Options) -> SynthReport:
    plan = _plan(rng, opts)
    template, ag = plan.template, plan.agency
    tables = random_tables(rng, template)
    blank_styles = blank_cells(rng, tables, template)
    broken = break_one_check(rng, tables, template) if rng.random() < opts.break_rate else None
    published = frame.draw_published(rng, plan.year)
    ctx = Context(year=plan.year, agency=ag.printed, we=ag.we, place=ag.place, local=ag.local,
                  docno=DOCNO[template], tables=tables)
    grammar = Grammar(rng, ctx, opts.phrasing_split)

    blocks: list[Block] = []
    clutter = rng.random() < 0.12 * max(opts.noise, 0.01)
    if clutter:
        blocks.append(Block("title", frame.title_piece(grammar)))
        blocks.append(Block("clutter", frame.clutter_piece(rng, grammar, published)))
    blocks.append(Block("title", frame.title_piece(grammar)))
    if rng.random() < 0.7:
        n = rng.randint(1, 4)
        blocks.append(_prose(grammar, "preamble", ["preamble"], n, None))
    body, titles, missing, own = _sections(rng, grammar, plan, tables, opts)
    blocks += body
    signature, date_style = frame.signature_piece(rng, grammar, ag, published)
    blocks.append(Block("signature", signature))

    composed = compose(rng, blocks, plan, opts)
    one_line = LAYOUTS[max(plan.layouts.values(), key=list(plan.layouts.values()).count)].one_line
    if one_line:  # a scraper's text: its header lines, then the page's text without line breaks
        flatten(composed.piece, rng)
        body = composed.piece
        composed.piece = scraper_header(rng, grammar, ag, published)
        composed.piece.extend(body)
    text, spans = composed.piece.text, composed.piece.spans
    check_aligned(text, spans)
    gold = {
        "id": report_id,
        "agency": ag.printed,
        "year": plan.year,
        "published": published.isoformat(),
        "template": template,
        "sections": titles,
        **flat(tables),
        "narrative_metrics": [m.gold() for m in composed.metrics],
    }
    meta = {
        "template": template,
        "year": plan.year,
        "layouts": dict(plan.layouts),
        "numbering": [plan.numbering[n - 1] for n in range(1, 7) if n not in missing],
        "missing_sections": missing,
        "own_sections": own,
        "noise": composed.noise + (["page_clutter"] if clutter else []),
        "form": "one_line_body" if one_line else "lines",  # a scraper's text without line breaks, or laid out
        "punctuation": plan.punctuation.name,
        "null_marker": plan.null_marker,
        "blank_styles": blank_styles,
        "broken_check": broken.name if broken else None,
        "broken_cell": broken.cell if broken else None,
        "failing_checks": broken.failing if broken else [],
        "phrasings": list(grammar.used),
        "agency_level": ag.level,
        "date_style": date_style,
    }
    return SynthReport(report_id, text, list(spans), gold, meta, blocks)


def minimal_report(rng: random.Random, template: str, tables: dict, layout: str, style=None,
                   null_marker: str = "", opts: RenderOptions | None = None) -> Piece:
    """The six section headings and the three tables in one layout, nothing else (for parser tests)."""
    style = style or random_number_style(rng)
    plan_like = Plan(template, 0, None, {t: layout for t in TABLE_NAMES}, ["{cn}、"] * 6, "\n",
                     noise.NO_TRANSLATION, 0.0, False, False, null_marker)
    out = Piece()
    for number in range(1, 7):
        if number > 1:
            out.add("\n")
        out.extend(frame.heading("{cn}、", number, load_spec().section(number).titles[0], False))
        if number in (2, 3, 4):
            name = TABLE_NAMES[number - 2]
            block = _table_block(rng, name, plan_like, tables, style)
            block.grid = printed_table(name, template)
            out.add("\n")
            out.extend(render_table(layout, block.grid, block.printed, rng, opts or RenderOptions()))
        else:
            out.add("\n（文字描述）")
    if LAYOUTS[layout].one_line:
        flatten(out, rng)
    check_aligned(out.text, out.spans)
    return out


def scraper_header(rng: random.Random, grammar: Grammar, ag: frame.Agency, published) -> Piece:
    """The lines a scraper writes above a page's text (the Pingtan archive's page.txt): the title, the
    release time, an empty document number, a publisher field (empty, the portal's owner, or the
    agency), the column, then a rule; the breadcrumb and share-widget words of the page open the body."""
    p = Piece()
    p.add("标题: ")
    title = frame.title_piece(grammar)
    join_lines(title, lambda i: "")
    p.extend(title)
    p.add(f"\n发布时间: {published.isoformat()} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}\n文号: \n发布机构: ")
    p.add(rng.choice(("", "", ag.place + "人民政府" if ag.place else "", ag.printed)))
    p.add("\n栏目: 政府信息公开年报\n==================== 正文 ====================\n")
    if rng.random() < 0.5:
        p.add("当前位置： 首页政务公开政府信息公开政府信息公开年报 来源： 时间：" + published.isoformat()
              + " --> 微信 微博 QQ空间 全真版 文字版 文件下载 相关链接： ")
    return p


def flatten(piece: Piece, rng: random.Random) -> None:
    """The text without its line breaks, as a scraper's get_text() leaves it: each break dropped or a
    space (a heading runs on from the last cell: "…0000000四、政府信息公开…", or "…0 三、收到…")."""
    join_lines(piece, lambda i: rng.choice(("", "", " ")))


__all__ = ["build_report", "compose", "minimal_report", "flatten", "Block", "Plan"]

"""The frame of a report: publishing body, dates, title, headings, page clutter, signature.

Vocabulary comes from vocab.yaml; heading numbering and section titles from the template spec.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from gainlp.synth.builder import Piece
from gainlp.synth.narrative import Grammar, int_to_cn, load_vocab
from gainlp.template import load_spec

_CN_DIGIT_CHARS = "〇一二三四五六七八九"
_LEVEL_WEIGHTS = {"county": 0.55, "city": 0.25, "province": 0.07, "town": 0.13}
# the character that names a place's own level in prose ("全县", "县委、县政府", "县长信箱")
_LOCAL = {"省": "省", "市": "市", "州": "州", "县": "县", "区": "区", "镇": "镇", "乡": "乡", "道": "区"}


@dataclass
class Agency:
    full: str      # 薛城区卫生健康局
    short: str     # 薛城区卫健局
    printed: str   # the name the report prints (and the gold agency)
    we: str        # 我局 / 本局
    place: str     # 薛城区 (the county of a town)
    local: str     # 区
    level: str


def draw_agency(rng: random.Random) -> Agency:
    vocab = load_vocab()
    level = rng.choices(list(_LEVEL_WEIGHTS), weights=list(_LEVEL_WEIGHTS.values()))[0]
    places = vocab["places"]
    place = rng.choice(places[level])
    prefix = place
    if level == "town":  # a town is named with its county: 涟水县城关镇人民政府
        county = rng.choice(places["county"])
        prefix = (county if rng.random() < 0.6 else "") + place
        place = county
    full, short, pron = rng.choice(vocab["bodies"][level]).split("|")
    full_name = prefix + full
    short_name = prefix + short
    printed = full_name if rng.random() < 0.82 or short_name == full_name else short_name
    we = rng.choice(vocab["pronoun_prefixes"]) + pron
    return Agency(full_name, short_name, printed, we, place, _LOCAL.get(place[-1], "县"), level)


# ------------------------------------------------------------------------------------------ dates


def draw_published(rng: random.Random, year: int) -> dt.date:
    """Reports are due by 31 January; most come out in January, some later."""
    month = rng.choices((1, 2, 3, 4), weights=(0.72, 0.16, 0.09, 0.03))[0]
    return dt.date(year + 1, month, rng.randint(1, 28))


def cn_year(y: int) -> str:
    return "".join(_CN_DIGIT_CHARS[int(d)] for d in str(y))


def format_date(rng: random.Random, d: dt.date, style: str | None = None) -> tuple[str, str]:
    """(printed date, style): 2022年1月19日, 2022-01-19, 2022年01月19日 or 二〇二二年一月十九日."""
    style = style or rng.choices(("cn_digits", "iso", "padded", "cn"), weights=(0.8, 0.08, 0.07, 0.05))[0]
    if style == "iso":
        return d.isoformat(), style
    if style == "padded":
        return f"{d.year}年{d.month:02d}月{d.day:02d}日", style
    if style == "cn":
        return f"{cn_year(d.year)}年{int_to_cn(d.month)}月{int_to_cn(d.day)}日", style
    return f"{d.year}年{d.month}月{d.day}日", style


# ------------------------------------------------------------------------------------------ headings


def numbering(style: str, n: int) -> str:
    """A numbering style of the spec ("{cn}、", "（{n}）" …) for number n."""
    return style.format(cn=int_to_cn(n), n=n)


def heading_styles(rng: random.Random) -> list[str]:
    """One numbering style per section: mostly the report's own, sometimes another (seeds 003, 004)."""
    styles = load_spec().raw["printed_form"]["heading_numbering"]
    base = styles[0] if rng.random() < 0.6 else rng.choice(styles)
    mix = 0.12 if rng.random() < 0.3 else 0.0
    return [rng.choice(styles) if rng.random() < mix else base for _ in range(6)]


def sub_style(rng: random.Random, top: str) -> str:
    """Sub-heading numbering, never the style of the top-level headings around it."""
    options = [s for s in load_spec().raw["printed_form"]["sub_numbering"] if s != top]
    return rng.choice(options)


def section_title(rng: random.Random, number: int) -> str:
    titles = load_spec().section(number).titles
    return titles[0] if rng.random() < 0.7 else rng.choice(titles)


def heading(style: str, number: int, title: str, space: bool) -> Piece:
    p = Piece()
    p.add(numbering(style, number) + (" " if space and not style.endswith(" ") else "") + title, "SECTION")
    return p


# ------------------------------------------------------------------------------------------ frame pieces


def title_piece(grammar: Grammar) -> Piece:
    piece, _ = grammar.expand(grammar.choice("title_forms"), "title")
    return piece


def clutter_piece(rng: random.Random, grammar: Grammar, published: dt.date) -> Piece:
    """Web page clutter around the title (seed 000): source, views, release time, font size, bookmark."""
    p = Piece()
    p.add(f"来源:{rng.choice(grammar.vocab['clutter_sources'])} 浏览次数:{'' if rng.random() < 0.5 else rng.randint(10, 3000)} 发布时间:")
    p.add(published.isoformat(), "DATE")
    p.add(f" {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}\n字号:\n收藏")
    return p


def signature_piece(rng: random.Random, grammar: Grammar, agency: Agency, published: dt.date) -> tuple[Piece, str]:
    p = Piece()
    p.add(rng.choice(grammar.vocab["sign_off_prefixes"]))
    p.add(agency.printed, "AGENCY")
    p.add("\n")
    date, style = format_date(rng, published)
    p.add(date, "DATE")
    return p, style


__all__ = ["Agency", "draw_agency", "draw_published", "format_date", "numbering", "heading_styles", "sub_style",
           "section_title", "heading", "title_piece", "clutter_piece", "signature_piece"]

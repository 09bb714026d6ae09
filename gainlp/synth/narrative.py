"""The prose grammar: phrasings with labelled metrics, expanded from vocab.yaml.

A phrasing is a string of the mini-language documented at the top of vocab.yaml: literal text, ``{slot}``
choices, ``[S:…]`` subjects, ``[V:…]`` counts and ``[LIST:…]`` breakdowns. :class:`Grammar` expands one
into a :class:`~gainlp.synth.builder.Piece` whose METRIC_SUBJECT / METRIC_VALUE (and YEAR / AGENCY) spans
come from the expansion itself, plus the gold metrics ``{subject, value, unit}``.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from gainlp.synth.builder import Piece

VOCAB_PATH = Path(__file__).with_name("vocab.yaml")
METRIC_VALUE = "METRIC_VALUE"
METRIC_SUBJECT = "METRIC_SUBJECT"
TOKEN = re.compile(r"\{(\w+)\}|\[(S|V|LIST|ZERO):([^\]]*)\]")
CELL_REF = re.compile(r"=(\w+)\.(\w+)\.(\w+)")
ZERO_REF = re.compile(r"\[ZERO:(\w+)\.(\w+)\.(\w+)\]")
# sentence categories of the report frame (the sub-sections of 一 name theirs in vocab.yaml)
FRAME_CATEGORIES = ("preamble", "overview_intro", "table_intro", "problems", "improvements", "other_matters")
HELDOUT_EVERY = 4  # every 4th phrasing of a category (index % 4 == 3) is held out
SPLITS = ("train", "heldout")

_CN_DIGITS = "零一二三四五六七八九"
_TWO_UNITS = ("件", "次", "名", "个", "场", "期", "项", "份", "家", "篇", "条")
_BIG_UNITS = ("条", "人次", "人", "册", "张")  # counts that run into the tens of thousands


@lru_cache(maxsize=1)
def load_vocab() -> dict:
    return yaml.safe_load(VOCAB_PATH.read_text(encoding="utf-8"))


def phrasing_split(index: int) -> str:
    return "heldout" if index % HELDOUT_EVERY == HELDOUT_EVERY - 1 else "train"


def int_to_cn(n: int, unit: str = "") -> str:
    """1..9999 as a Chinese numeral: 两件, 十二次, 二十一个, 一百零五条, 三千二百人次."""
    if not 0 < n < 10_000:
        raise ValueError(f"no Chinese numeral form for {n}")
    if n == 2 and unit in _TWO_UNITS:
        return "两"
    if n < 100:
        tens, ones = divmod(n, 10)
        return (("" if tens == 1 else _CN_DIGITS[tens]) + "十" if tens else "") + (_CN_DIGITS[ones] if ones else "")
    out, zero = "", False
    for place, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _CN_DIGITS[digit] + name
    return out


@dataclass
class Metric:
    subject: str
    value: int | float
    unit: str

    def gold(self) -> dict:
        return {"subject": self.subject, "value": self.value, "unit": self.unit}


@dataclass
class Context:
    """What a phrasing may refer to: the report's year, agency and tables."""

    year: int
    agency: str
    we: str
    place: str
    local: str
    docno: str
    tables: dict = field(default_factory=dict)


@dataclass
class _Expansion:
    piece: Piece = field(default_factory=Piece)
    subjects: list[tuple[int, int]] = field(default_factory=list)
    values: list[tuple[int | float, str, int]] = field(default_factory=list)  # (value, unit, offset)
    metrics: list[tuple[int, Metric]] = field(default_factory=list)  # (offset, metric) of [LIST:] items
    chosen: set = field(default_factory=set)  # (slot, entry) already used in this sentence


class GrammarError(ValueError):
    """A phrasing that does not expand (unknown slot, unpaired subject and count)."""


class Grammar:
    def __init__(self, rng: random.Random, ctx: Context, split: str | None = None):
        if split not in (None, *SPLITS):
            raise ValueError(f"phrasing split must be one of {SPLITS} or None, not {split!r}")
        self.rng = rng
        self.ctx = ctx
        self.split = split
        self.vocab = load_vocab()
        self.used: list[str] = []

    # ------------------------------------------------------------------ choosing

    def phrasings(self, category: str) -> list[tuple[str, str]]:
        """(id, phrasing) of a category that fit the split and whose table cells are printed."""
        out = []
        for i, p in enumerate(self.vocab[category]):
            if self.split is not None and phrasing_split(i) != self.split:
                continue
            if any(self._cell(m.groups()) is None for m in CELL_REF.finditer(p)):
                continue
            if any(self._cell(m.groups()) != 0 for m in ZERO_REF.finditer(p)):
                continue
            out.append((f"{category}.{i}", p))
        return out

    def sentence(self, category: str) -> tuple[Piece, list[Metric]] | None:
        """One phrasing of the category, expanded; None when none fits."""
        options = self.phrasings(category)
        fresh = [o for o in options if o[0] not in self.used]  # a report says a thing once
        if not options:
            return None
        pid, phrasing = self.rng.choice(fresh or options)
        self.used.append(pid)
        return self.expand(phrasing, pid)

    def paragraph(self, categories: list[str], n: int) -> tuple[Piece, list[Metric]]:
        out, metrics = Piece(), []
        for _ in range(n):
            got = self.sentence(self.rng.choice(categories))
            if got is not None and got[0].text:
                out.extend(got[0])
                metrics += got[1]
        return out, metrics

    def choice(self, name: str) -> str:
        return self.rng.choice(self.vocab[name])

    # ------------------------------------------------------------------ expanding

    def expand(self, phrasing: str, pid: str = "?") -> tuple[Piece, list[Metric]]:
        ex = _Expansion()
        self._expand_into(ex, phrasing, pid, depth=0)
        if len(ex.subjects) != len(ex.values):
            raise GrammarError(f"phrasing {pid}: {len(ex.subjects)} subjects but {len(ex.values)} counts: {phrasing}")
        metrics = list(ex.metrics)
        for (s, e), (value, unit, v_start) in zip(ex.subjects, ex.values):
            metrics.append((min(s, v_start), Metric(ex.piece.text[s:e], value, unit)))
        return ex.piece, [m for _, m in sorted(metrics, key=lambda x: x[0])]

    def _expand_into(self, ex: _Expansion, text: str, pid: str, depth: int) -> None:
        if depth > 8:
            raise GrammarError(f"phrasing {pid}: slots nest too deep")
        pos = 0
        for m in TOKEN.finditer(text):
            ex.piece.add(text[pos : m.start()])
            pos = m.end()
            slot, kind, arg = m.groups()
            if slot:
                self._slot(ex, slot, pid, depth)
            elif kind == "S":
                start = len(ex.piece)
                self._expand_into(ex, arg, pid, depth + 1)
                if len(ex.piece) > start:
                    ex.piece.label(start, len(ex.piece), METRIC_SUBJECT)
                    ex.subjects.append((start, len(ex.piece)))
            elif kind == "V":
                value, unit, printed = self._value(arg, pid)
                start, _ = ex.piece.add(printed, METRIC_VALUE)
                ex.values.append((value, unit, start))
            elif kind == "LIST":
                self._list(ex, arg, pid)
            # [ZERO:cell] prints nothing: it only gates the phrasing (see phrasings())
        ex.piece.add(text[pos:])

    def _slot(self, ex: _Expansion, slot: str, pid: str, depth: int) -> None:
        c = self.ctx
        if slot == "YEAR":
            ex.piece.add(f"{c.year}年", "YEAR")
        elif slot == "AGENCY":
            ex.piece.add(c.agency, "AGENCY")
        elif slot in ("Y", "NEXT_Y"):
            ex.piece.add(str(c.year + (slot == "NEXT_Y")))
        elif slot == "WE":
            ex.piece.add(c.we)
        elif slot == "PLACE":
            ex.piece.add(c.place)
        elif slot == "LOCAL":
            ex.piece.add(c.local)
        elif slot == "DOCNO":
            ex.piece.add(c.docno)
        elif slot in self.vocab and isinstance(self.vocab[slot], list):
            entries = self.vocab[slot]
            fresh = [e for e in entries if (slot, e) not in ex.chosen] or entries  # no repeats in a sentence
            entry = self.rng.choice(fresh)
            ex.chosen.add((slot, entry))
            self._expand_into(ex, str(entry), pid, depth + 1)
        else:
            raise GrammarError(f"phrasing {pid}: unknown slot {{{slot}}}")

    # ------------------------------------------------------------------ numbers

    def _cell(self, ref: tuple[str, str, str]):
        table, row, col = ref
        t = self.ctx.tables.get(table) or {}
        return t.get(row, {}).get(col)

    def _value(self, arg: str, pid: str) -> tuple[int | float, str, str]:
        """(value, unit, printed) for a [V:units:style=cell] mark."""
        ref = CELL_REF.search(arg)
        spec = arg[: ref.start()] if ref else arg
        units, _, style = spec.partition(":")
        unit = self.rng.choice(units.split("|"))
        rng = self.rng
        if ref:
            value = self._cell(ref.groups())
            if value is None:
                raise GrammarError(f"phrasing {pid}: cell {ref.group(0)[1:]} is blank")
            return value, unit, f"{value}{unit}"
        low, high = self.vocab["unit_ranges"].get(unit, [1, 100])
        if style in ("pct", "pct100") or unit == "%":
            value = 100 if style == "pct100" or rng.random() < 0.3 else round(rng.uniform(low, 99.9), 1)
            value = int(value) if float(value).is_integer() else value
            return value, "%", f"{value}%"
        if style == "one":
            return 1, unit, f"一{unit}"
        if unit in ("万元", "万人次") or style == "money":
            value = round(rng.uniform(low, high), rng.choice((0, 1, 2)))
            value = int(value) if float(value).is_integer() else value
            return value, unit, f"{value}{unit}"
        value = low + int((high - low) * rng.random() ** 2.5)
        if unit in _BIG_UNITS and style in ("", "approx") and rng.random() < 0.05:
            value = rng.randint(100, 9000) * 100  # a large count: 1.2万条, 35,000人次
        if style == "cn" or (style == "" and 0 < value < 20 and rng.random() < 0.12):
            value = rng.randint(max(1, low), max(1, min(high, 12))) if rng.random() < 0.85 else rng.randint(13, 99)
            return value, unit, f"{int_to_cn(value, unit)}{unit}"
        if style == "approx" or (style == "" and value >= 30 and rng.random() < 0.08):
            value = max(10, value // 10 * 10)
            more = rng.choice(("余", "余", "多"))
            if 100 <= value < 10_000 and rng.random() < 0.2:  # 三百余人次
                value = value // 100 * 100
                return value, unit, f"{int_to_cn(value, unit)}{more}{unit}"
            return value, unit, f"{self._arabic(value, unit)}{more}{unit}"
        return value, unit, f"{self._arabic(value, unit)}{unit}"

    def _arabic(self, value: int, unit: str) -> str:
        """A count as reports print it: 1236, 1,236, or 1.2万 for a round large one."""
        r = self.rng.random()
        if value >= 10_000 and value % 100 == 0 and r < 0.5 and unit != "人次":  # (万人次 is a unit of its own)
            return f"{value / 10_000:g}万"
        if value >= 10_000 and r < 0.8 or 1000 <= value < 10_000 and r < 0.35:
            return f"{value:,}"
        return str(value)

    def _list(self, ex: _Expansion, arg: str, pid: str) -> None:
        """Items that break the last count down: "政策文件8条，公示公告26条…"."""
        unit, _, items = arg.partition(":")
        if not ex.values:
            raise GrammarError(f"phrasing {pid}: [LIST:] without a count before it")
        total = int(ex.values[-1][0])
        names = self.rng.sample(self.vocab[items], k=min(len(self.vocab[items]), self.rng.randint(2, 8)))
        cuts = sorted(self.rng.randint(0, total) for _ in range(len(names) - 1))
        parts = [b - a for a, b in zip([0] + cuts, cuts + [total])]
        sep = self.rng.choice(("，", "，", "、", "；"))
        for i, (name, value) in enumerate(zip(names, parts)):
            if i:
                ex.piece.add(sep if self.rng.random() < 0.85 else "；")
            start, _ = ex.piece.add(name, METRIC_SUBJECT)
            ex.piece.add(f"{value}{unit}", METRIC_VALUE)
            ex.metrics.append((start, Metric(name, value, unit)))


def sentence_categories() -> list[str]:
    """The categories whose entries are whole sentences (and phrasings with ids)."""
    vocab = load_vocab()
    cats = list(FRAME_CATEGORIES)
    for sub in vocab["subsections"].values():
        cats += [c for c in sub["body"] if c not in cats]
    return cats


def validate_vocab() -> list[str]:
    """Expand every phrasing once with a dummy context; return the problems found."""
    vocab = load_vocab()
    ctx = Context(2021, "某县卫生健康局", "我局", "某县", "县", "国办公开办函〔2021〕30号",
                  tables={"applications": {r: {c: 1 for c in ("total", "natural_person")}
                                           for r in ("new_received", "carried_over", "total", "carried_forward")},
                          "active_disclosure": {r: {"decisions": 5} for r in ("punishment", "licensing")}})
    problems = []
    categories = sentence_categories()
    for cat in categories:
        g = Grammar(random.Random(0), ctx)
        for i, p in enumerate(vocab[cat]):
            for seed in range(3):
                g.rng = random.Random(seed)
                try:
                    g.expand(p, f"{cat}.{i}")
                except (GrammarError, KeyError, ValueError) as exc:
                    problems.append(f"{cat}.{i}: {exc}")
                    break
    return problems


__all__ = ["Grammar", "Context", "Metric", "GrammarError", "load_vocab", "int_to_cn", "phrasing_split",
           "validate_vocab", "sentence_categories", "FRAME_CATEGORIES", "SPLITS", "METRIC_VALUE", "METRIC_SUBJECT"]

"""What the generator hands out: :class:`SynthReport`, and the :class:`Options` that steer it."""
from __future__ import annotations

from dataclasses import dataclass, field

from gainlp.annotations import AnnotatedDoc, LabeledSpan
from gainlp.synth.layouts import TEXT_LAYOUTS
from gainlp.synth.narrative import SPLITS
from gainlp.template import TEMPLATES


@dataclass
class Options:
    """Generation options (``gainlp.synth.generate(n, seed, **options)``).

    ``layouts`` / ``exclude_layouts`` restrict the text layouts of the tables and ``phrasing_split``
    ("train" or "heldout") the prose phrasings, so that a held-out set can use layouts and phrasings a
    training set never saw. ``noise`` scales every kind of noise (0: clean text).
    """

    templates: tuple[str, ...] = TEMPLATES
    layouts: tuple[str, ...] | None = None
    exclude_layouts: tuple[str, ...] = ()
    phrasing_split: str | None = None
    noise: float = 1.0
    break_rate: float = 0.12           # share of reports with one check broken
    missing_section_rate: float = 0.12  # share of reports without section 六 (or, rarely, 五)
    own_section_rate: float = 0.12      # share of reports under the official numbering ("二、") with a
                                        # section of their own (vocab own_sections)
    id_prefix: str = "synth"

    def __post_init__(self) -> None:
        if isinstance(self.templates, str):
            self.templates = (self.templates,)
        self.templates = tuple(self.templates)
        for t in self.templates:
            if t not in TEMPLATES:
                raise ValueError(f"unknown template {t!r}; known: {', '.join(TEMPLATES)}")
        for name in (*(self.layouts or ()), *self.exclude_layouts):
            if name not in TEXT_LAYOUTS:
                raise ValueError(f"unknown layout {name!r}; known: {', '.join(TEXT_LAYOUTS)}")
        if not self.allowed_layouts():
            raise ValueError("the layout options leave no layout to use")
        if self.phrasing_split not in (None, *SPLITS):
            raise ValueError(f"phrasing_split must be one of {SPLITS} or None, not {self.phrasing_split!r}")
        if not 0 <= self.noise <= 1:
            raise ValueError("noise must lie in [0, 1]")

    def allowed_layouts(self) -> tuple[str, ...]:
        return tuple(name for name in TEXT_LAYOUTS
                     if (self.layouts is None or name in self.layouts) and name not in self.exclude_layouts)


@dataclass
class SynthReport:
    """One synthetic report: its text, labelled spans, gold record (seed .gold.json form) and meta."""

    id: str
    text: str
    spans: list[LabeledSpan]
    gold: dict
    meta: dict
    blocks: list = field(default_factory=list, repr=False)  # the structure, for the HTML and DOCX writers

    def to_annotated(self) -> AnnotatedDoc:
        return AnnotatedDoc(id=self.id, text=self.text, spans=list(self.spans),
                            meta={**self.meta, "source": "synth", "gold": self.gold})

    def to_html(self, portal: bool = False) -> bytes:
        from gainlp.synth.files import to_html

        return to_html(self, portal)

    def to_docx(self) -> bytes:
        from gainlp.synth.files import to_docx

        return to_docx(self)


__all__ = ["Options", "SynthReport"]

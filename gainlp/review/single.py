"""One report file to a review page: extract it, write its record and text as ``gainlp extract`` does
(``OUT/<name>.json``, ``OUT/text/<name>.txt``), then build the site over ``OUT``."""
from __future__ import annotations

from pathlib import Path

from gainlp.outputs import atomic_write_text, output_names, record_json
from gainlp.review.texts import text_path


def extract_for_review(path: str | Path, outdir: str | Path, model: str | Path | None = "auto") -> str:
    """Extract one report into ``outdir`` (record and text) and return its name; raises
    :class:`gainlp.readers.ReadError` for a file that cannot be read."""
    from gainlp.model.registry import get_tagger
    from gainlp.pipeline import extract_document
    from gainlp.readers import ReadError, read

    path = Path(path)
    doc = read(path)
    if not doc.text.strip():
        raise ReadError(str(path), "no text found (an empty file, or a scan without a text layer)")
    record = extract_document(doc, tagger=get_tagger(model))
    name = output_names([path])[path]
    outdir = Path(outdir)
    atomic_write_text(text_path(outdir, name), doc.text)
    atomic_write_text(outdir / f"{name}.json", record_json(record) + "\n")
    return name


__all__ = ["extract_for_review"]

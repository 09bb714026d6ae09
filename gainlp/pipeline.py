"""The extraction pipeline: a Document in, a Record out.

Rule stages, each enriching the document (its "rules" layer) and filling the record:
sections -> metadata -> template -> tables -> narrative -> checks. With a model (the default when a
model folder is available), the model labels the text (its "model" layer), the post-processor
(assemble.py) reads those labels and combine.py merges both readings, the checks deciding. Last,
every value whose characters the reader placed on a page gets its page and box.
"""
from __future__ import annotations

from pathlib import Path

from gainlp.checks import run_checks
from gainlp.document import Document
from gainlp.record import Provenance, Record, Source
from gainlp.rules import metadata, narrative, sections, tables
from gainlp.rules.solve import narrow_with_prose
from gainlp.template import detect_template


def extract_document(doc: Document, tagger=None) -> Record:
    """Extract a record from a document that a reader produced; rules only when ``tagger`` is None."""
    record = Record(source=Source(path=doc.path, sha256=doc.sha256, format=doc.format))
    record.warnings.extend(doc.warnings)
    record.sections = sections.find_sections(doc)
    meta = metadata.find_metadata(doc, sections=record.sections)  # the sections found just above
    record.agency, record.year, record.published = meta.agency, meta.year, meta.published
    for span in meta.spans:  # where each value was printed
        field_name = {"AGENCY": "agency", "YEAR": "year", "DATE": "published"}.get(span.label)
        if field_name and getattr(record, field_name) is not None:
            record.field_provenance[field_name] = Provenance("rules", span.start, span.end, round(float(span.score), 4))
    record.warnings.extend(meta.warnings)
    result = tables.parse_tables(doc, record.sections, year=record.year)
    record.template = result.template
    for name, table in result.tables.items():
        record.tables[name] = table
    record.provenance.update(result.provenance)
    record.warnings.extend(result.warnings)
    record.ambiguities.extend(result.ambiguities)
    record.set_metrics([(m, Provenance("rules", m.start, m.end)) for m in
                        narrative.find_metrics(doc, record.sections, result.regions)])
    narrow_with_prose(record)
    record.checks = run_checks(record)
    if tagger is not None:
        from gainlp.assemble import read_model_layer, settled_tables
        from gainlp.combine import combine

        # tables stay with the rules: the model does not read a table whose every check passes
        tagger.tag(doc, skip=list(settled_tables(doc, record).values()))
        template = None if result.before_template else (
            record.template or detect_template(doc.text, record.year) or "2021")
        combine(record, read_model_layer(doc, template, record.sections))
    if record.template is None:
        record.warnings.append("no template table found")
    if record.drop_unrepresentable():  # a 400-digit figure: null, warned, and the checks see the null
        record.checks = run_checks(record)
    locate_values(record, doc)
    return record


def locate_values(record: Record, doc: Document) -> None:
    """Give every value whose characters the reader placed on a page (scans, PDFs) its page and box:
    the union of the boxes of the characters of its span (``Document.locate``, a bisection per value)."""
    if not doc.geometry:
        return
    for prov in [*record.provenance.values(), *record.field_provenance.values()]:
        found = doc.locate(prov.start, prov.end)
        if found is not None:
            prov.page, prov.box = found[0], [round(v, 1) for v in found[1]]


def extract(path_or_text: str | Path, *, fmt: str | None = None, model: str | Path | None = "auto") -> Record:
    """Extract one report: a path to a file (any format a reader handles) or the report's text itself.

    A str that names an existing file is read as a file; one that looks like a path (one line ending
    in a known extension such as ".pdf", or starting with "/", "./", "~/") but names no file raises
    FileNotFoundError; any other str is taken as report text.
    ``model``: "auto" (the shipped default model when present, else rules only), a model folder, or
    None for rules only.
    """
    from gainlp.model.registry import get_tagger

    from gainlp.readers import read, read_text

    if isinstance(path_or_text, Path) or _names_a_file(path_or_text):
        path = Path(path_or_text)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file")
        doc = read(path, fmt=fmt)
    else:
        doc = read_text(str(path_or_text))
    return extract_document(doc, tagger=get_tagger(model))


def _names_a_file(value: str) -> bool:
    """Is a str a file path rather than report text? One short line that names an existing file, or
    looks like a path: it ends in a file extension a reader knows (or .doc), or starts like one
    ("/", "./", "../", "~/")."""
    from gainlp.readers import supported_extensions

    if not isinstance(value, str) or "\n" in value or len(value) >= 4096 or not value.strip():
        return False
    try:
        if Path(value).is_file():
            return True
    except (OSError, ValueError):  # an embedded NUL, a name too long: not a path we could read
        return False
    suffix = Path(value).suffix.lower()
    return suffix in (*supported_extensions(), ".doc") or value.startswith(("/", "./", "../", "~/"))

"""The label scheme, defined once: span labels over a document's characters, and their BIO tags.

The canonical annotation of a document is a list of (start, end, label) spans over its text. Rules and
the model write spans with these labels into the document's layers; the training data, the annotation
files and the model's label map are all derived from ``LABELS``.
"""
from __future__ import annotations

LABELS: tuple[str, ...] = (
    "SECTION",         # a top-level section heading (一、总体情况)
    "TABLE_CELL",      # a number (or printed blank marker) in a template table
    "TABLE_LABEL",     # row or column header text of a template table
    "METRIC_VALUE",    # a narrative number with its unit ("50条", "60余起", "99.8%")
    "METRIC_SUBJECT",  # what a narrative number counts ("主动公开政府信息")
    "AGENCY",          # the publishing body
    "YEAR",            # the year the report covers
    "DATE",            # the publication / signature date
)

OUTSIDE = "O"


def bio_tags() -> list[str]:
    """All BIO tags, "O" first: the model's id2label order."""
    return [OUTSIDE] + [f"{p}-{label}" for label in LABELS for p in ("B", "I")]


def id2label() -> dict[int, str]:
    return dict(enumerate(bio_tags()))


def label2id() -> dict[str, int]:
    return {t: i for i, t in enumerate(bio_tags())}

"""gainlp: Chinese government information-disclosure annual reports (政府信息公开工作年度报告) to validated data."""
from __future__ import annotations

__version__ = "0.1.0"


def extract(path_or_text, **kwargs):
    """Extract one report (a file path or the report's text) into a :class:`gainlp.record.Record`."""
    from gainlp.pipeline import extract as _extract

    return _extract(path_or_text, **kwargs)


__all__ = ["extract", "__version__"]

"""The review site: every value of a record shown where it came from in the report text, with the
tables in the template's shape, the checks, and corrections that feed evaluation and training.

* :func:`build_site` -- ``OUT/review/``: ``index.html`` (the review queue) and one page per record
  (``gainlp review OUT``, ``gainlp extract ... --review``);
* :func:`extract_for_review` -- one report file extracted for a page (``gainlp review report.pdf``);
* :mod:`gainlp.review.corrections` -- the corrections a page downloads, and the gold and annotation
  forms they map to (read by ``gainlp evaluate`` and ``gainlp train data.annotations=[...]``).
"""
from gainlp.review.site import SITE_DIR, SiteResult, build_site
from gainlp.review.single import extract_for_review

__all__ = ["SITE_DIR", "SiteResult", "build_site", "extract_for_review"]

"""One report file to a review page: extract it into ``OUT`` with the batch runner (its record
``OUT/<name>.json`` and text ``OUT/text/<name>.txt``, exactly as ``gainlp extract`` writes them), then
build the site over ``OUT``."""
from __future__ import annotations

from pathlib import Path


def extract_for_review(path: str | Path, outdir: str | Path, model: str | Path | None = "auto") -> str:
    """Extract one report into ``outdir`` (record and text) and return its output name; raises
    :class:`gainlp.readers.ReadError` for a file that cannot be read."""
    from gainlp.readers import ReadError
    from gainlp.runner import run_batch
    from gainlp.store import OutputFolder

    path = Path(path)
    summary = run_batch([path], outdir, model="rules" if model is None else str(model))
    with OutputFolder(outdir) as folder:
        name = folder.name_for(path)
        ok = name in folder.ok_names()
    if not ok:
        problem = next((msg for *_, msg in summary.errors), "not extracted")
        prefix = f"{path}: "
        raise ReadError(str(path), problem[len(prefix):] if problem.startswith(prefix) else problem)
    return name


__all__ = ["extract_for_review"]

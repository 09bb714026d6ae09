"""Prove that a change to the rule pipeline leaves every output as it was.

    python benchmarks/compare_outputs.py dump DIR [--synth 200]   # before the change
    python benchmarks/compare_outputs.py compare DIR              # after it: exit 1 on any difference

``dump`` reads the inputs (the seed texts, the real PDF, the blank 2021 form, and ``--synth`` synthetic
reports as text plus a few as HTML and DOCX when gainlp.synth works), pickles each Document as the
reader produced it, extracts it with the rules and pickles the outputs: ``Record.to_dict()`` and the
"rules" layer spans. ``compare`` extracts the pickled Documents again (so a reader changed meanwhile
does not count) and compares both outputs, by value and by repr (1 and 1.0, tuples and lists differ).
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import pickle
import sys
import tempfile
from pathlib import Path

import gainlp
from gainlp.pipeline import extract_document
from gainlp.readers import read

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def _inputs(n_synth: int, n_files: int):
    """(name, Document) for every input."""
    for p in sorted((DATA / "seeds").glob("*.txt")):
        yield f"seed/{p.name}", read(p)
    for p in (DATA / "real" / "huaian-2024.pdf", DATA / "template" / "annual-report-template-2021.docx"):
        if p.exists():
            yield f"file/{p.name}", read(p)
    if not n_synth:
        return
    try:
        from gainlp.synth import generate

        reports = list(generate(n_synth, 0))
    except Exception as e:  # the generator is optional here
        print(f"synthetic reports skipped: {type(e).__name__}: {e}", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for i, r in enumerate(reports):
            p = Path(tmp) / f"{r.id}.txt"
            p.write_text(r.text, encoding="utf-8")
            yield f"synth/{p.name}", read(p)
            if i < n_files:  # reader tables: tokens from cell grids
                for ext, writer in ((".html", r.to_html), (".docx", r.to_docx)):
                    try:
                        q = p.with_suffix(ext)
                        q.write_bytes(writer())
                        yield f"synth/{q.name}", read(q)
                    except Exception as e:
                        print(f"{r.id}{ext} skipped: {type(e).__name__}: {e}", file=sys.stderr)


def _outputs(doc) -> tuple[dict, list[dict]]:
    record = extract_document(doc)
    return record.to_dict(), [dataclasses.asdict(s) for s in doc.layers.get("rules", [])]


def dump(out: Path, n_synth: int, n_files: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for name, doc in _inputs(n_synth, n_files):
        pristine = pickle.dumps(doc)  # before extraction adds layers and cached normalisations
        items.append({"name": name, "doc": pristine, "outputs": _outputs(doc)})
    (out / "outputs.pkl").write_bytes(pickle.dumps(items))
    print(f"{len(items)} documents dumped to {out} (gainlp from {Path(gainlp.__file__).parent})")
    return 0


def compare(out: Path) -> int:
    items = pickle.loads((out / "outputs.pkl").read_bytes())
    bad = 0
    for item in items:
        doc = pickle.loads(item["doc"])
        got = _outputs(doc)
        want = item["outputs"]
        for part, g, w in (("record", got[0], want[0]), ("spans", got[1], want[1])):
            if g != w or repr(g) != repr(w):
                bad += 1
                print(f"DIFF {item['name']} {part}")
                _show_diff(g, w)
    print(f"{len(items)} documents compared, {bad} differences (gainlp from {Path(gainlp.__file__).parent})")
    return 1 if bad else 0


def _show_diff(got, want, path: str = "", limit: list | None = None) -> None:
    limit = limit if limit is not None else [5]
    if limit[0] <= 0:
        return
    if isinstance(got, dict) and isinstance(want, dict) and list(got) == list(want):
        for k in got:
            _show_diff(got[k], want[k], f"{path}.{k}", limit)
    elif isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (g, w) in enumerate(zip(got, want)):
            _show_diff(g, w, f"{path}[{i}]", limit)
    elif repr(got) != repr(want):
        limit[0] -= 1
        print(f"  {path or '.'}: got {copy.copy(got)!r:.200}\n  {' ' * len(path or '.')}  want {want!r:.200}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("dump", "compare"))
    parser.add_argument("dir", type=Path)
    parser.add_argument("--synth", type=int, default=200, help="synthetic text reports (dump)")
    parser.add_argument("--files", type=int, default=20, help="of those, also written as HTML and DOCX (dump)")
    args = parser.parse_args(argv)
    if args.mode == "dump":
        return dump(args.dir, args.synth, args.files)
    return compare(args.dir)


if __name__ == "__main__":
    sys.exit(main())

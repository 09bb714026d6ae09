"""Statistics of a synthetic corpus, and how close its text is to the real seed reports.

    python training/corpus_stats.py CORPUS.jsonl [--seeds DIR] [--real FILE ...] [--out STATS.md]
    python training/corpus_stats.py --generate 2000 --seed 0

CORPUS.jsonl is what ``gainlp synth`` writes (gainlp annotation JSONL with the generator's meta). The
report, in Markdown: counts of table layouts, templates, heading numbering styles, phrasings, noise
kinds and labels; vocabulary size (distinct characters and character bigrams); and closeness to the
seeds: for character n-grams (n = 1..4), the share of the seeds' distinct n-grams that the corpus also
has ("seed covered"), the same weighted by how often each occurs in the seeds ("seed covered, by
occurrence"), and the share of the corpus's distinct n-grams that occur in the seeds ("corpus in
seeds") -- for all seeds together and for each seed (and each --real file, read by gainlp.readers).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gainlp.annotations import read_jsonl  # noqa: E402
from gainlp.outputs import atomic_write_text  # noqa: E402
from gainlp.labels import LABELS  # noqa: E402

NS = (1, 2, 3, 4)
DEFAULT_SEEDS = REPO.parent / "shared" / "data" / "seeds"
DEFAULT_REAL = (REPO.parent / "shared" / "data" / "real" / "huaian-2024.pdf",)


def ngrams(text: str, n: int) -> Counter:
    text = "".join(text.split())  # white space is layout, not language
    return Counter(text[i : i + n] for i in range(len(text) - n + 1))


def load_corpus(args) -> list[tuple[str, dict, list]]:
    """(text, meta, spans) of every report."""
    if args.generate:
        from gainlp.synth import generate

        reports = generate(args.generate, seed=args.seed)
        return [(r.text, r.meta, r.spans) for r in tqdm(reports, total=args.generate, desc="generate", file=sys.stderr)]
    docs = read_jsonl(args.corpus)
    return [(d.text, d.meta, d.spans) for d in docs]


def load_references(seeds_dir: Path, real: list[Path]) -> dict[str, str]:
    refs = {p.stem: p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))}
    if real:
        from gainlp.readers import read

        for p in real:
            if p.is_file():
                refs[p.name] = read(p).text
    return refs


def table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def counts_section(title: str, counter: Counter, total: int | None = None, top: int | None = None) -> str:
    items = counter.most_common(top)
    total = total or sum(counter.values())
    rows = [[k, v, f"{100 * v / total:.1f}%"] for k, v in items]
    more = f"\n\n({len(counter) - top} more)" if top and len(counter) > top else ""
    return f"### {title}\n\n" + table(["value", "count", "share"], rows) + more


def closeness(corpus_grams: dict[int, Counter], refs: dict[str, str]) -> str:
    seed_names = [k for k in refs if not k.endswith(".pdf")]
    rows = []
    groups = [("all seeds", seed_names)] + [(k, [k]) for k in refs]
    for name, members in groups:
        row = [name]
        for n in NS:
            ref = Counter()
            for m in members:
                ref.update(ngrams(refs[m], n))
            covered = [g for g in ref if g in corpus_grams[n]]
            by_occ = sum(ref[g] for g in covered) / max(1, sum(ref.values()))
            cell = f"{100 * len(covered) / max(1, len(ref)):.1f}% / {100 * by_occ:.1f}%"
            if name == "all seeds":
                in_seeds = sum(1 for g in corpus_grams[n] if g in ref) / max(1, len(corpus_grams[n]))
                cell += f" / {100 * in_seeds:.1f}%"
            row.append(cell)
        rows.append(row)
    header = ["reference"] + [f"{n}-grams" for n in NS]
    return ("### Closeness to the real reports (character n-grams, white space removed)\n\n"
            "Each cell: seed covered (distinct n-grams) / seed covered (by occurrence); the first row adds "
            "corpus in seeds (the corpus's distinct n-grams that occur in any seed).\n\n" + table(header, rows))


def report(corpus: list[tuple[str, dict, list]], refs: dict[str, str], command: str) -> str:
    layouts, templates, numbering, phrasings, noise, labels, blanks = (Counter() for _ in range(7))
    broken = 0
    chars = 0
    grams: dict[int, Counter] = {n: Counter() for n in NS}
    for text, meta, spans in tqdm(corpus, desc="count", file=sys.stderr):
        chars += len(text)
        layouts.update(meta.get("layouts", {}).values())
        templates[meta.get("template")] += 1
        numbering.update(meta.get("numbering", []))
        phrasings.update(meta.get("phrasings", []))
        noise.update(meta.get("noise", []) + ([meta["punctuation"]] if meta.get("punctuation", "none") != "none" else []))
        blanks.update(f"{t}:{s}" for t, s in meta.get("blank_styles", {}).items() if s != "none")
        broken += meta.get("broken_check") is not None
        labels.update(lab for _, _, lab in spans)
        for n in NS:
            grams[n].update(ngrams(text, n).keys())
    n_docs = len(corpus)
    categories = Counter()
    for pid, count in phrasings.items():
        categories[pid.rsplit(".", 1)[0]] += count
    parts = [
        f"Measured with `{command}`.",
        table(["reports", "characters", "mean characters", "distinct characters", "distinct char bigrams",
               "distinct phrasings used", "reports with a broken check"],
              [[n_docs, chars, chars // max(1, n_docs), len(grams[1]), len(grams[2]), len(phrasings), broken]]),
        counts_section("Table layouts (per table: three per report)", layouts),
        counts_section("Templates", templates),
        counts_section("Heading numbering styles (per section heading)", numbering),
        counts_section("Phrasing categories (sentences drawn)", categories),
        counts_section("Noise kinds (reports)", noise, total=n_docs),
        counts_section("Blank-cell styles (tables)", blanks, total=3 * n_docs),
        counts_section("Labels (spans)", Counter({lab: labels[lab] for lab in LABELS})),
        closeness(grams, refs),
    ]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", nargs="?", type=Path, help="gainlp synth JSONL")
    p.add_argument("--generate", type=int, metavar="N", help="generate N reports instead of reading a corpus")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="folder of seed .txt reports")
    p.add_argument("--real", type=Path, nargs="*", default=list(DEFAULT_REAL), help="real report files to compare too")
    p.add_argument("--out", type=Path, help="write the Markdown here (else stdout)")
    args = p.parse_args(argv)
    if not args.corpus and not args.generate:
        p.error("give a corpus file or --generate N")
    command = "python training/corpus_stats.py " + " ".join(argv if argv is not None else sys.argv[1:])
    md = report(load_corpus(args), load_references(args.seeds, args.real), command)
    if args.out:
        atomic_write_text(args.out, md)
    else:
        sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())

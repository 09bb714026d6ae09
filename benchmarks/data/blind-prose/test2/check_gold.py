"""Sanity check for the blind-prose test2 gold files.

For every <id>.gold.json: keys are right, each subject occurs in the text,
each unit occurs in the text, the value is printed (in some form) next to
its unit close to an occurrence of its subject, and metrics are in text order.
"""
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DIG = "零一二三四五六七八九"


def cn(n):
    """Chinese numeral for 0 < n < 100000 (integers only)."""
    if n <= 0 or n >= 100000 or n != int(n):
        return []
    n = int(n)
    units = [(10000, "万"), (1000, "千"), (100, "百"), (10, "十")]
    out, zero, started = "", False, False
    for val, ch in units:
        d = n // val
        n %= val
        if d:
            if zero:
                out += "零"
            out += DIG[d] + ch
            zero, started = False, True
        elif started:
            zero = True
    if n:
        if zero:
            out += "零"
        out += DIG[n]
    forms = {out}
    if out.startswith("一十"):
        forms.add(out[1:])
    if out == "二":
        forms.add("两")
    return sorted(forms)


def arabic(v):
    forms = set()
    if float(v) == int(v):
        i = int(v)
        forms |= {str(i), f"{i:,}"}
    else:
        s = repr(float(v))
        ip, fp = s.split(".")
        forms |= {s, f"{int(ip):,}.{fp}"}
    return forms


def forms_for(value, unit):
    forms = set(arabic(value)) | set(cn(value))
    if not any(x in unit for x in ("万", "亿")) and value >= 10000:
        w = value / 10000
        for f in arabic(w):
            forms.add(f + "万")
    return forms


def check(path):
    errs = []
    g = json.load(open(path, encoding="utf-8"))
    gid = os.path.basename(path)[: -len(".gold.json")]
    if set(g) != {"id", "source", "narrative_metrics"}:
        errs.append(f"top-level keys {sorted(g)}")
    if g.get("id") != gid or g.get("source") != gid + ".txt":
        errs.append("id/source mismatch")
    text = open(os.path.join(HERE, g["source"]), encoding="utf-8").read()
    last = -1
    for k, m in enumerate(g["narrative_metrics"]):
        tag = f"#{k} {m}"
        if set(m) != {"subject", "value", "unit"}:
            errs.append(f"{tag}: keys")
            continue
        s, v, u = m["subject"], m["value"], m["unit"]
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            errs.append(f"{tag}: value not a number")
            continue
        if s not in text:
            errs.append(f"{tag}: subject not in text")
            continue
        if u not in text:
            errs.append(f"{tag}: unit not in text")
            continue
        pat = "|".join(re.escape(f) for f in sorted(forms_for(v, u), key=len, reverse=True))
        rx = re.compile(r"(?<![0-9.,０-９])(?:" + pat + r")(?![0-9.,])(?:余|多)?" + re.escape(u))
        hits = []
        for sm in re.finditer(re.escape(s), text):
            lo, hi = max(0, sm.start() - 12), min(len(text), sm.end() + 30)
            for nm in rx.finditer(text, lo, hi):
                if nm.start() <= sm.end() + 14:
                    hits.append(min(sm.start(), nm.start()))
        if not hits:
            errs.append(f"{tag}: value+unit not found near subject")
            continue
        after = [h for h in hits if h >= last]
        if not after:
            errs.append(f"{tag}: out of text order")
            continue
        last = min(after)
    return g, errs


def main():
    total, bad = 0, 0
    for p in sorted(glob.glob(os.path.join(HERE, "*.gold.json"))):
        g, errs = check(p)
        n = len(g.get("narrative_metrics", []))
        total += n
        print(f"{os.path.basename(p)}: {n} metrics, {len(errs)} problems")
        for e in errs:
            print("   ", e)
        bad += len(errs)
    print(f"total metrics {total}, problems {bad}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

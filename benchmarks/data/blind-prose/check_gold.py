#!/usr/bin/env python3
"""Sanity checks for the blind-prose gold files.

For every <split>/<id>.gold.json:
  * keys and types are as specified; id / source match the file names;
  * every subject string occurs in the text, every unit string occurs in the text;
  * the value is printed in some form (Arabic, with thousands separators,
    Chinese numerals, with 万/亿 multipliers, with 余/多/近/约) directly
    followed by the unit, with the subject within a small window, and the
    metrics are found in text order;
  * the text has 500-1,100 Chinese characters.
It also lists, for review only, number tokens in the text that no gold metric
uses (these should all be deliberate decoys).

Usage: python3 check_gold.py            (exit status 1 if any ERROR)
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SPLITS = ["dev", "test"]
WINDOW = 60  # characters between subject and number

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
NUM_RE = re.compile(r"\d[\d,]*(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+")
MEASURE_CHARS = set("条件次份篇个期场项起家名人位批套户台所元册张封轮处类本部栏幅块门种卷宗亩分%")


def cn_to_num(s):
    total, cur = 0, 0
    for ch in s:
        if ch in CN_DIGITS:
            cur = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (cur or 1) * CN_UNITS[ch]
            cur = 0
        else:
            return None
    return total + cur


def tokens(text):
    """Yield (start, end, numeric value) for every number token."""
    for m in NUM_RE.finditer(text):
        raw = m.group()
        if raw[0].isdigit():
            if "," in raw and not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):
                continue
            val = float(raw.replace(",", ""))
        else:
            val = cn_to_num(raw)
            if val is None:
                continue
        yield m.start(), m.end(), val


def readings(text, end, val):
    """Possible (value, unit-start offset) readings after a number token."""
    out = []
    m = re.match(r"(余|多)?(万|亿)?(余|多)?", text[end:])
    mult = m.group(2)
    # reading 1: 万/亿 belongs to the unit (万元, 万人次, 亿元 ...)
    m1 = re.match(r"(余|多)?", text[end:])
    out.append((val, end + m1.end()))
    # reading 2: 万/亿 multiplies
    #            (labelling rule: money and visits stay in the printed unit,
    #             so 万元 / 亿元 / 万人次 never multiply)
    if mult and not re.match(r"(余|多)?(元|人次)", text[end + m.end():]):
        factor = 10000 if mult == "万" else 100000000
        out.append((val * factor, end + m.end()))
    return out


def close(a, b):
    return abs(a - b) < 1e-6 * max(1, abs(b))


def check_file(gold_path, errors, infos):
    split = gold_path.parent.name
    gid = gold_path.name[: -len(".gold.json")]
    try:
        doc = json.loads(gold_path.read_text(encoding="utf-8"))
    except Exception as e:  # noqa: BLE001
        errors.append(f"{split}/{gid}: cannot load JSON: {e}")
        return 0
    where = f"{split}/{gid}"
    if set(doc) != {"id", "source", "narrative_metrics"}:
        errors.append(f"{where}: top-level keys {sorted(doc)}")
    if doc.get("id") != gid:
        errors.append(f"{where}: id {doc.get('id')!r} != file id")
    if doc.get("source") != gid + ".txt":
        errors.append(f"{where}: source {doc.get('source')!r}")
    txt_path = gold_path.parent / (gid + ".txt")
    if not txt_path.exists():
        errors.append(f"{where}: missing text file")
        return 0
    text = txt_path.read_text(encoding="utf-8")
    n_cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    if not 500 <= n_cjk <= 1100:
        errors.append(f"{where}: {n_cjk} Chinese characters (want 500-1100)")
    metrics = doc.get("narrative_metrics", [])
    if not isinstance(metrics, list):
        errors.append(f"{where}: narrative_metrics is not a list")
        return 0
    toks = list(tokens(text))
    used = set()
    cursor = 0
    for i, mt in enumerate(metrics):
        tag = f"{where} #{i + 1}"
        if not isinstance(mt, dict) or set(mt) != {"subject", "value", "unit"}:
            errors.append(f"{tag}: bad keys {mt}")
            continue
        s, v, u = mt["subject"], mt["value"], mt["unit"]
        if not isinstance(s, str) or not s:
            errors.append(f"{tag}: subject must be a non-empty string")
            continue
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            errors.append(f"{tag}: value must be a JSON number: {v!r}")
            continue
        if not isinstance(u, str) or not u:
            errors.append(f"{tag}: unit must be a non-empty string")
            continue
        if s not in text:
            errors.append(f"{tag}: subject {s!r} not in text")
        if u not in text:
            errors.append(f"{tag}: unit {u!r} not in text")
        found = None
        for k, (a, b, val) in enumerate(toks):
            if a < cursor or k in used:
                continue
            if not any(close(rv, v) and text.startswith(u, off)
                       for rv, off in readings(text, b, val)):
                continue
            lo, hi = max(0, a - WINDOW - len(s)), b + WINDOW + len(s)
            if s in text[lo:hi]:
                found = k
                break
        if found is None:
            errors.append(f"{tag}: no printed form of {v} {u} near {s!r} after offset {cursor}")
        else:
            used.add(found)
            cursor = toks[found][0]
    # review aid: number tokens not used by any metric
    for k, (a, b, val) in enumerate(toks):
        if k in used:
            continue
        raw = text[a:b]
        nxt = text[b:b + 1]
        if not raw[0].isdigit() and (nxt not in MEASURE_CHARS or raw == "一"):
            # skip Chinese numerals inside words unless followed by a measure word
            if raw != "一" or nxt not in MEASURE_CHARS:
                continue
        ctx = text[max(0, a - 12):b + 6].replace("\n", " ")
        infos.append(f"{where}: unlabelled {raw!r}: …{ctx}…")
    return len(metrics), n_cjk


def main():
    errors, infos = [], []
    summary = {}
    for split in SPLITS:
        files = sorted((ROOT / split).glob("*.gold.json"))
        texts = sorted((ROOT / split).glob("*.txt"))
        if len(files) != len(texts):
            errors.append(f"{split}: {len(texts)} texts but {len(files)} gold files")
        n_metrics = 0
        for g in files:
            r = check_file(g, errors, infos)
            if r:
                n, n_cjk = r
                n_metrics += n
                print(f"{split}/{g.name[:-10]:24s} metrics={n:3d} chinese_chars={n_cjk}")
        summary[split] = (len(files), n_metrics)
    print()
    for split, (nf, nm) in summary.items():
        print(f"{split}: {nf} texts, {nm} metrics")
    if "-v" in sys.argv:
        print("\nUnlabelled number tokens (should all be decoys):")
        for line in infos:
            print("  " + line)
    print()
    for e in errors:
        print("ERROR", e)
    print(f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

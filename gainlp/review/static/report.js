// gainlp review page: the report text with its spans, the tables linked to them, corrections.
// Everything from the report is put into the page through textContent (never parsed as HTML).
// Offsets are Unicode code points, as in the record (Python); the page converts them where the
// browser counts UTF-16 units.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("gainlp-data").textContent);
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const el = (tag, cls, txt) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt !== undefined && txt !== null) e.textContent = String(txt);
    return e;
  };
  const TEXT = D.text;
  const KINDS = D.kinds;
  const LABELS = D.labels;
  const KEY_TYPES = { tables: "cell", narrative_metrics: "metric", agency: "field", year: "field", published: "field" };
  const typeOf = (key) => KEY_TYPES[key.split(".")[0]] || "span";

  // ------------------------------------------------------------------ code points <-> UTF-16 units
  let cpToU = null;
  if (TEXT !== null && /[\uD800-\uDFFF]/.test(TEXT)) {
    const cps = Array.from(TEXT);
    cpToU = new Int32Array(cps.length + 1);
    let u = 0;
    cps.forEach((c, i) => { cpToU[i] = u; u += c.length; });
    cpToU[cps.length] = u;
  }
  const N = TEXT === null ? 0 : (cpToU ? cpToU.length - 1 : TEXT.length);
  const U = (cp) => (cpToU ? cpToU[cp] : cp);
  const slice = (s, e) => TEXT.slice(U(s), U(e));
  const cpLength = (str) => (cpToU ? Array.from(str).length : str.length);

  // ------------------------------------------------------------------ state
  // the spans: every value's provenance, and the section headings; the label from the key's first part
  const spans = new Map();  // id -> span {id, s, e, label, layer, conf, orig, deleted, added}
  const labelOf = (key) => D.spanLabels[key.split(".")[0]] || "TABLE_CELL";
  function putSpan(id, s, e, label, layer, conf) {
    if (TEXT !== null && !(0 <= s && s <= e && e <= N)) return;  // offsets past the text are not drawn
    spans.set(id, { id: id, s: s, e: e, label: label, layer: layer, conf: conf, orig: { s: s, e: e, label: label } });
  }
  for (const [key, p] of Object.entries(D.record.provenance || {})) putSpan(key, p.start, p.end, labelOf(key), p.method, p.confidence);
  D.headings.forEach((h, i) => { if (h[1] > h[0]) putSpan("sections." + i, h[0], h[1], "SECTION", "section"); });
  const initialLabels = new Set(Array.from(spans.values()).map((sp) => sp.label));
  const edits = {};  // value key -> {was, value}
  let nAdded = 0;
  const hiddenLayers = new Set();
  const hiddenLabels = new Set();
  let selected = null;
  const storeKey = "gainlp-review:" + D.id + ":" + ((D.record.source || {}).sha256 || "");
  const failing = new Set();
  for (const c of D.checks) if (c.status === "fail") c.cells.forEach((k) => failing.add(k));

  function originalValue(key) {
    const t = typeOf(key);
    if (t === "cell") return D.cells[key] ? D.cells[key].v : null;
    if (t === "metric") {
      const m = D.record.narrative_metrics[Number(key.split(".")[1])];
      return m ? m.value : null;
    }
    if (t === "field") return D.record[key];
    return null;
  }
  function titleOf(sp) {
    if (sp.added) return sp.label + " (added)";
    const [head, i] = sp.id.split(".");
    if (head === "tables") return D.cellTitles[sp.id] || sp.id;
    if (head === "narrative_metrics") {
      const m = D.record.narrative_metrics[Number(i)];
      return m ? m.subject + ": " + fmt(m.value) + m.unit : sp.id;
    }
    if (head === "sections") {
      const sec = D.record.sections[Number(i)];
      return sec ? sec.number + " " + sec.title : sp.id;
    }
    return sp.id + ": " + (D.record[sp.id] === null || D.record[sp.id] === undefined ? "" : D.record[sp.id]);
  }
  const currentValue = (key) => (key in edits ? edits[key].value : originalValue(key));
  const spanChanged = (sp) => sp.added ? !sp.deleted
    : (sp.deleted || sp.s !== sp.orig.s || sp.e !== sp.orig.e || sp.label !== sp.orig.label);

  // ------------------------------------------------------------------ corrections: the JSON form
  function corrections() {
    const values = Object.keys(edits).sort().map((key) => ({ key: key, was: edits[key].was, value: edits[key].value }));
    const changed = [];
    for (const sp of spans.values()) {
      if (!spanChanged(sp)) continue;
      if (sp.added) changed.push({ key: null, was: null, start: sp.s, end: sp.e, label: sp.label });
      else if (sp.deleted) changed.push({ key: sp.id, was: { start: sp.orig.s, end: sp.orig.e, label: sp.orig.label }, deleted: true });
      else changed.push({ key: sp.id, was: { start: sp.orig.s, end: sp.orig.e, label: sp.orig.label }, start: sp.s, end: sp.e, label: sp.label });
    }
    return {
      gainlp: "corrections", version: 1, id: D.id, created: new Date().toISOString(),
      text_origin: D.textOrigin, text: TEXT, record: D.record, values: values, spans: changed,
    };
  }
  const nEdits = () => Object.keys(edits).length + Array.from(spans.values()).filter(spanChanged).length;

  function save() {
    const c = corrections();
    const n = c.values.length + c.spans.length;
    $("#edit-count").textContent = n ? n + " correction" + (n === 1 ? "" : "s") : "no corrections";
    $("#edit-count").classList.toggle("has", n > 0);
    $("#download").disabled = n === 0;
    $("#discard").disabled = n === 0;
    try {
      if (n) localStorage.setItem(storeKey, JSON.stringify({ values: c.values, spans: c.spans }));
      else localStorage.removeItem(storeKey);
    } catch (err) {
      $("#edit-count").title = "corrections are not kept across reloads here (" + err.name + "); download them";
    }
  }

  function restore() {
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (err) { saved = null; }
    if (!saved) return;
    for (const v of saved.values || []) edits[v.key] = { was: v.was, value: v.value };
    for (const s of saved.spans || []) {
      if (s.key === null) { addSpan(s.start, s.end, s.label); continue; }
      const sp = spans.get(s.key);
      if (!sp) continue;
      if (s.deleted) sp.deleted = true; else { sp.s = s.start; sp.e = s.end; sp.label = s.label; }
    }
  }

  function download() {
    const blob = new Blob([JSON.stringify(corrections(), null, 1)], { type: "application/json" });
    const a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = D.id + ".corrections.json";
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
  }

  // ------------------------------------------------------------------ the text with its spans
  // The text is drawn in chunks of about CHUNK characters (cut at a line end where one is near), each a
  // block the browser lays out only when it comes into view (content-visibility); a span edit redraws
  // only the chunks it touches. A span across a chunk boundary is drawn in both.
  const CHUNK = 2000;
  const pre = $("#text");
  const right = $("#right");
  let chunks = [];  // {a, b, el, marks: Map(span id -> [elements])}

  function cpOf(u) {  // UTF-16 index -> code point index
    if (!cpToU) return u;
    let lo = 0, hi = cpToU.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cpToU[mid] < u) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function planChunks() {
    chunks = [];
    let a = 0;
    do {
      let b = Math.min(N, a + CHUNK);
      if (b < N) {
        const nl = TEXT.indexOf("\n", U(b));
        b = nl >= 0 && cpOf(nl) + 1 - a <= 2 * CHUNK ? cpOf(nl) + 1 : Math.min(N, a + 2 * CHUNK);
      }
      const div = el("div", "chunk");
      div.dataset.o = a;
      div.dataset.e = b;
      chunks.push({ a: a, b: b, el: div, marks: new Map() });
      a = b;
    } while (a < N);
    pre.replaceChildren(...chunks.map((c) => c.el));
  }

  function visible(sp) {
    return !sp.deleted && !hiddenLayers.has(sp.layer) && !hiddenLabels.has(sp.label);
  }

  function renderChunk(ch) {
    const a = ch.a, b = ch.b, last = b === N;
    const starts = new Map(), ends = new Map(), zeros = new Map();
    const bounds = new Set([a, b]);
    const push = (m, k, v) => { const x = m.get(k); if (x) x.push(v); else m.set(k, [v]); };
    for (const sp of spans.values()) {
      if (!visible(sp)) continue;
      if (sp.e > sp.s) {
        if (sp.s >= b || sp.e <= a) continue;
        const s = Math.max(sp.s, a), e = Math.min(sp.e, b);
        push(starts, s, sp); push(ends, e, sp); bounds.add(s); bounds.add(e);
      } else if (sp.s >= a && (sp.s < b || (last && sp.s === b))) {
        push(zeros, sp.s, sp); bounds.add(sp.s);
      }
    }
    const bs = Array.from(bounds).sort((x, y) => x - y);
    const frag = document.createDocumentFragment();
    const active = new Set();
    ch.marks = new Map();
    const reg = (id, m) => { const x = ch.marks.get(id); if (x) x.push(m); else ch.marks.set(id, [m]); };
    for (let i = 0; i < bs.length; i++) {
      const p = bs[i];
      for (const sp of ends.get(p) || []) active.delete(sp);
      for (const sp of starts.get(p) || []) active.add(sp);
      for (const z of zeros.get(p) || []) {
        const m = el("mark", "gap l-" + z.label + " ly-" + z.layer);
        m.dataset.ids = z.id;
        m.dataset.o = p;
        m.dataset.e = p;
        m.title = titleOf(z);
        reg(z.id, m);
        frag.appendChild(m);
      }
      if (i + 1 >= bs.length) break;
      const q = bs[i + 1];
      let node;
      if (active.size) {
        const list = Array.from(active).sort((x, y) => (x.e - x.s) - (y.e - y.s));
        const inner = list[0];
        node = el("mark", "s l-" + inner.label + " ly-" + inner.layer + (list.length > 1 ? " multi" : ""));
        node.dataset.ids = list.map((x) => x.id).join(" ");
        node.title = titleOf(inner);
        for (const x of list) reg(x.id, node);
      } else {
        node = el("span");
      }
      node.dataset.o = p;
      node.dataset.e = q;
      node.textContent = slice(p, q);
      frag.appendChild(node);
    }
    ch.el.replaceChildren(frag);
  }

  // redraw the chunks that [from, to] touches (all of them without a range)
  function renderText(from, to) {
    if (TEXT === null) { pre.textContent = ""; pre.classList.add("notext"); return; }
    const top = right.scrollTop;
    for (const ch of chunks) {
      if (from === undefined || (ch.a <= to && from <= ch.b)) renderChunk(ch);
    }
    right.scrollTop = top;
    markSelection(false);
  }

  function marksOf(id) {
    const out = [];
    for (const ch of chunks) for (const m of ch.marks.get(id) || []) out.push(m);
    return out;
  }

  // the selection in the text, as code-point offsets [start, end)
  function startOf(node) {
    const host = node.nodeType === Node.ELEMENT_NODE && node.dataset.o !== undefined ? node
      : (node.nodeType === Node.ELEMENT_NODE ? node.querySelector("[data-o]") : node.parentElement.closest("[data-o]"));
    return host ? Number(host.dataset.o) : null;
  }
  function offsetOf(node, off) {
    if (node.nodeType === Node.TEXT_NODE) {
      const host = node.parentElement.closest("[data-o]");
      return host ? Number(host.dataset.o) + cpLength(node.data.slice(0, off)) : null;
    }
    if (off < node.childNodes.length) return startOf(node.childNodes[off]);
    const host = node.dataset && node.dataset.e !== undefined ? node : node.closest("[data-e]");
    if (host) return Number(host.dataset.e);
    const kids = node.querySelectorAll("[data-e]");
    return kids.length ? Number(kids[kids.length - 1].dataset.e) : null;
  }

  function textSelection() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const r = sel.getRangeAt(0);
    if (!pre.contains(r.startContainer) || !pre.contains(r.endContainer)) return null;
    const s = offsetOf(r.startContainer, r.startOffset), e = offsetOf(r.endContainer, r.endOffset);
    if (s === null || e === null || e <= s) return null;
    return [s, e];
  }

  // ------------------------------------------------------------------ values in the tables
  const fmt = (v) => (v === null || v === undefined ? "" : typeof v === "number" ? String(+v.toFixed(6)) : String(v));

  function kindText(kind) { return KINDS[kind] || kind; }

  function renderValue(td) {
    const key = td.dataset.key;
    const t = typeOf(key);
    const c = t === "cell" ? (D.cells[key] || { v: null, kind: "missing" }) : null;
    const orig = originalValue(key);
    const edited = key in edits;
    td.replaceChildren();
    td.classList.toggle("edited", edited);
    td.classList.toggle("failing", failing.has(key));
    const sp = spans.get(key);
    const conf = sp && sp.conf !== undefined ? sp.conf : (c && c.conf);
    td.classList.toggle("low", conf !== undefined && conf !== null && conf < D.lowConfidence);
    if (c) {
      for (const k of Object.keys(KINDS)) td.classList.remove("k-" + k);
      td.classList.add("k-" + c.kind);
    }
    const shown = el("span", "val");
    if (c) {
      if (c.kind === "value" || c.kind === "zero") shown.textContent = fmt(c.v);
      else if (c.kind === "slash") shown.textContent = "/";
      else if (c.kind === "dash") shown.textContent = "—";
      else if (c.kind === "mark") shown.textContent = (c.printed || "").trim();
      else if (c.kind === "ambiguous") {
        shown.textContent = "?";
        const cand = el("span", "cand", (c.cand || []).map(fmt).join(" | "));
        shown.appendChild(cand);
      } else if (c.kind === "null") shown.textContent = "∅";
    } else {
      shown.textContent = orig === null || orig === undefined ? "—" : fmt(orig);
    }
    if (edited) {
      td.appendChild(el("span", "new", edits[key].value === null ? "null" : fmt(edits[key].value)));
      shown.classList.add("was");
    }
    td.appendChild(shown);
    if (c && "prev" in c) {
      const p = el("span", "prev", c.prev === null ? "·" : fmt(c.prev));
      if (c.prev !== currentValue(key)) p.classList.add("chg");
      p.title = D.prevYear + ": " + (c.prev === null ? "null" : fmt(c.prev));
      td.appendChild(p);
    }
    const bits = [];
    if (sp) bits.push(titleOf(sp));
    if (c) bits.push(kindText(c.kind));
    if (c && c.kind === "ambiguous") bits.push("candidates " + (c.cand || []).map(fmt).join(", "));
    if (sp) bits.push(sp.layer + (conf !== undefined && conf !== null ? " " + conf.toFixed(3) : ""));
    else if (c && c.kind !== "missing") bits.push("no place in the text");
    td.title = bits.join(" · ");
  }

  const valueCells = () => $$("[data-key]");
  function renderValues() { valueCells().forEach(renderValue); }
  function cellOf(key) { return document.querySelector('[data-key="' + CSS.escape(key) + '"]'); }

  // ------------------------------------------------------------------ selection
  function clearMarks() {
    $$(".hit").forEach((e) => e.classList.remove("hit"));
    $$(".sel").forEach((e) => e.classList.remove("sel"));
    $$(".chk").forEach((e) => e.classList.remove("chk"));
    $$(".check.active").forEach((e) => e.classList.remove("active"));
  }

  function markSelection(scroll) {
    clearMarks();
    if (!selected) return;
    const ids = selected.kind === "check" ? selected.cells : [selected.id];
    let firstMark = null, firstCell = null;
    for (const id of ids) {
      for (const m of marksOf(id)) { m.classList.add("hit"); firstMark = firstMark || m; }
      const td = cellOf(id);
      if (td) { td.classList.add(selected.kind === "check" ? "chk" : "sel"); firstCell = firstCell || td; }
    }
    if (selected.kind === "check") {
      const li = document.querySelector('[data-check="' + CSS.escape(selected.id) + '"]');
      if (li) li.classList.add("active");
    }
    if (scroll && scroll.text && firstMark) {  // into the upper third: the edit panel sits low on the right
      const r = firstMark.getBoundingClientRect(), pane = right.getBoundingClientRect();
      right.scrollTop += (r.top - pane.top) - right.clientHeight * 0.3;
    }
    if (scroll && scroll.cell && firstCell) {
      firstCell.scrollIntoView({ block: selected.kind === "check" ? "center" : "nearest", inline: "nearest" });
    }
  }

  function select(id, scroll) {
    selected = { kind: "value", id: id };
    markSelection(scroll || { text: true, cell: true });
    inspect(id);
  }

  function selectCheck(name) {
    const c = D.checks.find((x) => x.name === name);
    if (!c) return;
    selected = { kind: "check", id: name, cells: c.cells };
    markSelection({ text: true, cell: true });
    inspectCheck(c);
  }

  // ------------------------------------------------------------------ the inspector (edit panel)
  const insp = $("#inspector");
  const body = $("#insp-body");
  function row(label, value, cls) {
    const r = el("div", "irow" + (cls ? " " + cls : ""));
    r.appendChild(el("span", "ik", label));
    const v = el("span", "iv");
    if (value instanceof Node) v.appendChild(value); else v.textContent = value === null || value === undefined ? "—" : String(value);
    r.appendChild(v);
    return r;
  }
  function button(text, fn, cls) {
    const b = el("button", cls || "", text);
    b.type = "button";
    b.addEventListener("click", fn);
    return b;
  }
  function context(sp) {
    const box = el("div", "context");
    const a = Math.max(0, sp.s - 30), b = Math.min(N, sp.e + 30);
    box.appendChild(document.createTextNode((a > 0 ? "…" : "") + slice(a, sp.s)));
    box.appendChild(el("b", sp.e > sp.s ? "" : "gap", sp.e > sp.s ? slice(sp.s, sp.e) : "␣"));
    box.appendChild(document.createTextNode(slice(sp.e, b) + (b < N ? "…" : "")));
    return box;
  }

  function parseValue(key, raw) {
    const t = typeOf(key);
    const s = raw.trim();
    if (s === "") return { value: null };
    if (t === "cell" || t === "metric" || key === "year") {
      const norm = s.replace(/[，,\s]/g, "");
      if (!/^[-+]?\d+(\.\d+)?$/.test(norm)) return { error: "a number, or empty for null" };
      const n = Number(norm);
      if (key === "year" && !Number.isInteger(n)) return { error: "a year" };
      return { value: n };
    }
    return { value: s };
  }

  function setValue(key, value) {
    const was = originalValue(key);
    if (value === was) delete edits[key]; else edits[key] = { was: was, value: value };
    afterEdit(key);
  }

  // after a change of the value or the span `key`; `range` [from, to]: text to redraw (a span's old and new place)
  function afterEdit(key, range) {
    save();
    const td = cellOf(key);
    if (td) renderValue(td);
    if (range) renderText(range[0], range[1]);
    else markSelection(false);
    inspect(key);
  }
  function editSpan(sp, change) {
    const from = Math.min(sp.s, sp.orig.s), to = Math.max(sp.e, sp.orig.e);
    change();
    afterEdit(sp.id, [Math.min(from, sp.s), Math.max(to, sp.e)]);
  }

  function inspect(id) {
    const t = typeOf(id);
    const sp = spans.get(id);
    insp.hidden = false;
    body.replaceChildren();
    const c = t === "cell" ? D.cells[id] : null;
    let title = id;
    if (sp) title = titleOf(sp);
    else if (t === "cell") title = id.split(".").slice(1).join(" · ");
    $("#insp-title").textContent = title;
    body.appendChild(row("key", id, "mono"));
    if (t !== "span") {
      const orig = originalValue(id);
      body.appendChild(row("value", orig === null || orig === undefined ? "null" : fmt(orig)));
      if (c) body.appendChild(row("kind", kindText(c.kind)));
      if (c && c.printed !== undefined && c.kind !== "value" && c.kind !== "zero") body.appendChild(row("printed", JSON.stringify(c.printed)));
      if (c && c.kind === "ambiguous") {
        const box = el("span", "cands");
        for (const v of c.cand || []) box.appendChild(button("use " + fmt(v), () => setValue(id, v), "cand-btn"));
        body.appendChild(row("candidates", box));
      }
      if (c && "prev" in c) body.appendChild(row(String(D.prevYear), c.prev === null ? "null" : fmt(c.prev)));
      // edit the value
      const form = el("form", "edit");
      const input = el("input");
      input.id = "edit-value";
      input.value = id in edits ? (edits[id].value === null ? "" : fmt(edits[id].value)) : (orig === null || orig === undefined ? "" : fmt(orig));
      input.setAttribute("aria-label", "corrected value");
      const err = el("span", "err");
      form.appendChild(input);
      form.appendChild(button("Set value", () => form.requestSubmit(), "primary"));
      form.id = "edit-form";
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const r = parseValue(id, input.value);
        if (r.error) { err.textContent = r.error; return; }
        setValue(id, r.value);
      });
      if (id in edits) form.appendChild(button("Revert", () => { delete edits[id]; afterEdit(id); }));
      form.appendChild(err);
      body.appendChild(row("correct", form));
    }
    if (TEXT === null) {
      body.appendChild(row("text", "not available: " + D.textNote));
      return;
    }
    if (!sp) {
      body.appendChild(row("span", "no place in the text"));
      return;
    }
    body.appendChild(row("found by", sp.layer + (sp.conf !== undefined && sp.conf !== null ? " · confidence " + sp.conf.toFixed(3) : "")));
    if (sp.deleted) {
      body.appendChild(row("span", el("span", "muted", "deleted")));
      body.appendChild(button("Restore span", () => editSpan(sp, () => { sp.deleted = false; })));
      return;
    }
    body.appendChild(row("in the text", context(sp)));
    // edit the span: label, boundaries
    const sform = el("div", "span-edit");
    const lab = el("select");
    lab.id = "span-label";
    for (const l of LABELS) { const o = el("option", "", l); o.value = l; if (l === sp.label) o.selected = true; lab.appendChild(o); }
    const s = el("input"); s.type = "number"; s.min = 0; s.max = N; s.value = sp.s; s.id = "span-start";
    const e = el("input"); e.type = "number"; e.min = 0; e.max = N; e.value = sp.e; e.id = "span-end";
    const err = el("span", "err");
    const apply = (ns, ne, nl) => {
      if (!(Number.isInteger(ns) && Number.isInteger(ne) && 0 <= ns && ns <= ne && ne <= N) || (sp.added && ne === ns)) {
        err.textContent = "need 0 ≤ start ≤ end ≤ " + N;
        return;
      }
      editSpan(sp, () => { sp.s = ns; sp.e = ne; sp.label = nl; });
    };
    sform.appendChild(lab);
    sform.appendChild(document.createTextNode(" ["));
    sform.appendChild(s);
    sform.appendChild(document.createTextNode(", "));
    sform.appendChild(e);
    sform.appendChild(document.createTextNode(") "));
    sform.appendChild(button("Apply", () => apply(Number(s.value), Number(e.value), lab.value), "primary"));
    sform.appendChild(button("Use text selection", () => {
      const r = textSelection();
      if (!r) { err.textContent = "select some of the report text first"; return; }
      apply(r[0], r[1], lab.value);
    }));
    if (spanChanged(sp) && !sp.added) sform.appendChild(button("Revert span", () => editSpan(sp, () => {
      sp.s = sp.orig.s; sp.e = sp.orig.e; sp.label = sp.orig.label; sp.deleted = false;
    })));
    sform.appendChild(button("Delete span", () => editSpan(sp, () => { sp.deleted = true; }), "danger"));
    sform.appendChild(err);
    body.appendChild(row("span", sform));
  }

  function inspectCheck(c) {
    insp.hidden = false;
    body.replaceChildren();
    $("#insp-title").textContent = "check " + c.name;
    body.appendChild(row("status", c.status));
    body.appendChild(row("numbers", c.detail, "mono"));
    const list = el("span", "cells");
    for (const k of c.cells) {
      const v = currentValue(k);
      list.appendChild(button(k.split(".").slice(k.startsWith("tables.") ? 2 : 0).join(".") + " = " + (v === null || v === undefined ? "null" : fmt(v)), () => select(k), "cell-btn"));
    }
    body.appendChild(row("cells", list));
  }

  function addSpan(s, e, label) {
    nAdded += 1;
    const id = "added." + nAdded;
    spans.set(id, { id: id, s: s, e: e, label: label, layer: "added", added: true, orig: { s: s, e: e, label: label } });
    return id;
  }

  // ------------------------------------------------------------------ controls
  function buildControls() {
    const present = Array.from(initialLabels);
    const box = $("#label-toggles");
    for (const l of LABELS) {
      if (!present.includes(l)) continue;
      const lab = el("label", "lt l-" + l);
      const cb = el("input"); cb.type = "checkbox"; cb.checked = true; cb.dataset.label = l;
      lab.appendChild(cb);
      lab.appendChild(el("span", "sw l-" + l, l));
      box.appendChild(lab);
      cb.addEventListener("change", () => { if (cb.checked) hiddenLabels.delete(l); else hiddenLabels.add(l); renderText(); });
    }
    $$("input[data-layer]").forEach((cb) => cb.addEventListener("change", () => {
      if (cb.checked) hiddenLayers.delete(cb.dataset.layer); else hiddenLayers.add(cb.dataset.layer);
      renderText();
    }));
    const prev = $("#show-prev");
    if (prev) {
      document.body.classList.toggle("show-prev", prev.checked);
      prev.addEventListener("change", () => document.body.classList.toggle("show-prev", prev.checked));
    }
    const addLabel = $("#add-label");
    for (const l of LABELS) { const o = el("option", "", l); o.value = l; addLabel.appendChild(o); }
    $("#add-span").addEventListener("click", () => {
      const r = textSelection();
      if (!r) { $("#add-span").title = "select some of the report text first"; return; }
      const id = addSpan(r[0], r[1], addLabel.value);
      save();
      renderText(r[0], r[1]);
      select(id, { text: false, cell: false });
    });
    if (TEXT === null) $(".text-tools").classList.add("notext");
    $("#download").addEventListener("click", download);
    const discard = $("#discard");
    let armed = null;
    discard.addEventListener("click", () => {
      if (!armed) {
        discard.textContent = "Discard all? click again";
        armed = setTimeout(() => { armed = null; discard.textContent = "Discard"; }, 4000);
        return;
      }
      clearTimeout(armed); armed = null; discard.textContent = "Discard";
      for (const k of Object.keys(edits)) delete edits[k];
      for (const [id, sp] of Array.from(spans.entries())) {
        if (sp.added) spans.delete(id);
        else { sp.s = sp.orig.s; sp.e = sp.orig.e; sp.label = sp.orig.label; sp.deleted = false; }
      }
      save(); renderValues(); renderText();
      if (selected && selected.kind === "value" && spans.has(selected.id)) inspect(selected.id); else insp.hidden = true;
    });
    $("#insp-close").addEventListener("click", () => { insp.hidden = true; selected = null; clearMarks(); });
    // clicks: a value, a check, a highlighted stretch of text
    document.addEventListener("click", (ev) => {
      const target = ev.target;
      if (!(target instanceof Element)) return;
      if (target.closest("#inspector") || target.closest("button, input, select, a, label")) return;
      const td = target.closest("[data-key]");
      if (td) { select(td.dataset.key, { text: true, cell: false }); return; }
      const li = target.closest("[data-check]");
      if (li) { selectCheck(li.dataset.check); return; }
      const m = target.closest("mark[data-ids]");
      if (m && !window.getSelection().toString()) {
        const ids = m.dataset.ids.split(" ");
        let i = selected && selected.kind === "value" ? ids.indexOf(selected.id) : -1;
        const id = ids[(i + 1) % ids.length];  // a click again on overlapping spans steps to the next
        select(id, { text: false, cell: true });
      }
    });
    document.addEventListener("keydown", (ev) => {
      const t = ev.target;
      if ((ev.key === "Enter" || ev.key === " ") && t instanceof Element && t.matches("[data-key], [data-check]")) {
        ev.preventDefault();
        if (t.dataset.key) select(t.dataset.key, { text: true, cell: false }); else selectCheck(t.dataset.check);
      }
      if (ev.key === "Escape" && !insp.hidden) { insp.hidden = true; selected = null; clearMarks(); }
    });
  }

  const t0 = performance.now();
  buildControls();
  restore();
  renderValues();
  if (TEXT !== null) planChunks();
  renderText();
  save();
  document.body.dataset.ready = "1";
  document.body.dataset.renderMs = String(Math.round(performance.now() - t0));
  window.gainlpReview = { corrections: corrections, select: select, selectCheck: selectCheck };
})();

"""Model-first extraction: the model's reading and the rules' record, merged; the checks decide.

Per table, two readings compete: the model's (its gaps filled from the rules) and the rules'. The one
whose cells fail fewer checks wins; with equal failures, each cell where they disagree goes to the more
confident source (a printed cell read by the rule parser has confidence 1.0, run-together digits 0.8;
model cells carry the model's probability). Sections, agency, year and date: the model where it is
confident, the rules where it is silent or unsure. Narrative metrics: the model's, plus every rule metric
at a span the model did not claim. Provenance records which source every value came from.
"""
from __future__ import annotations

from gainlp.assemble import ModelReading, provenance_of
from gainlp.checks import run_checks
from gainlp.record import Check, Provenance, Record, Source
from gainlp.template import TABLE_NAMES

CONFIDENT = 0.9


def _fails(table_name: str, values: dict, template: str) -> int:
    trial = Record(source=Source(None, "", ""), template=template)
    trial.tables[table_name] = values
    return sum(c.status == Check.FAIL for c in run_checks(trial) if c.name.startswith(table_name))


def _merge_table(name: str, record: Record, reading: ModelReading) -> None:
    assembled = reading.tables.get(name)
    rules = record.tables.get(name)
    if assembled is None:
        return
    model_cells = assembled.cells
    if rules is None:
        record.tables[name] = assembled.values()
        for row, cols in model_cells.items():
            for col, placed in cols.items():
                prov = provenance_of(placed.token)
                if prov is not None:
                    record.provenance[f"tables.{name}.{row}.{col}"] = prov
        return
    merged: dict[str, dict] = {}
    merged_prov: dict[str, Provenance] = {}
    for row, cols in rules.items():
        merged[row] = {}
        for col, rule_value in cols.items():
            key = f"tables.{name}.{row}.{col}"
            placed = model_cells.get(row, {}).get(col)
            rule_prov = record.provenance.get(key)
            model_prov = provenance_of(placed.token) if placed is not None else None
            if placed is None or placed.value is None:
                merged[row][col] = rule_value
                if rule_prov:
                    merged_prov[key] = rule_prov
            elif rule_value is None or rule_value == placed.value:
                merged[row][col] = placed.value
                merged_prov[key] = model_prov
            else:  # disagreement: the more confident source, for now
                rule_conf = rule_prov.confidence if rule_prov else 0.0
                use_model = model_prov.confidence > rule_conf
                merged[row][col] = placed.value if use_model else rule_value
                merged_prov[key] = model_prov if use_model else rule_prov
    template = record.template or "2021"
    if _fails(name, merged, template) <= _fails(name, rules, template):
        record.tables[name] = merged
        for key in [k for k in record.provenance if k.startswith(f"tables.{name}.")]:
            del record.provenance[key]
        record.provenance.update({k: v for k, v in merged_prov.items() if v is not None})
    else:
        record.warnings.append(f"{name}: the model's reading fails more checks than the rules'; rules kept")


def combine(record: Record, reading: ModelReading) -> Record:
    """Merge a model reading into a rules record (in place) and re-run the checks."""
    for name in TABLE_NAMES:
        _merge_table(name, record, reading)
    if record.template is None and any(reading.tables.get(n) for n in TABLE_NAMES):
        record.template = "2021"
    # sections: the rules' headings, with the model's where the rules found none
    have = {s.number for s in record.sections}
    extra = [s for s in reading.sections if s.number not in have]
    if extra:
        record.sections = sorted(record.sections + extra, key=lambda s: s.number)
    for field_name in ("agency", "year", "published"):
        scored = getattr(reading, field_name)
        if scored is None:
            continue
        current = getattr(record, field_name)
        if current is None or (scored.span.score >= CONFIDENT and scored.value != current and field_name != "agency"):
            setattr(record, field_name, scored.value)
            record.provenance[field_name] = Provenance("model", scored.span.start, scored.span.end, scored.span.score)
    model_metrics = [m for m, score in reading.metrics if score >= 0.5]
    claimed = [(m.start, m.end) for m in model_metrics]
    kept_rules = [m for m in record.narrative_metrics
                  if not any(a < m.end and m.start < b for a, b in claimed)]
    record.narrative_metrics = sorted(model_metrics + kept_rules, key=lambda m: m.start)
    record.checks = run_checks(record)
    return record

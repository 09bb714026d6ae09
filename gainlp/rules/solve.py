"""One solver for digits run together, over a whole table at once.

A row printed as "191000019" for seven columns has several readings (19|1|0|0|0|0|19, 1|91|0|0|0|0|19,
…). Each such row of a table is an :class:`Open` with all its readings; :func:`solve` picks the readings
of all of them together under every identity of the table (gainlp.checks.table_identities: the total
column of each row, the balance of each column, the total row, each table-四 group): the assignments that
break the fewest identities are kept (none, in a table printed consistently; a table that prints an
inconsistency keeps it, and its checks fail). A cell on which all kept assignments agree is read; the
others stay null, each with the values it could take (``Provenance.candidates``) and the joint readings
still open (``record.Ambiguity``), which the prose (:func:`narrow`) and the neighbouring years of a batch
may narrow later. Never a guess: when the search is cut short, every open cell stays null.

The search is a branch and bound over the opens' readings: an identity is counted as broken once its
cells are all read, or earlier when the readings still possible cannot make its two sides meet.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from gainlp.checks import SUM_TOLERANCE, Identity, balanced

Number = int | float | None

MAX_WORK = 30_000  # readings tried per table before the search gives up (its cells stay null); real reports
# need at most a few hundred (the dev set, the seeds, the Pingtan corpus), synthetic run-together tables
# rarely over 10,000; a search that runs to the bound costs about 0.7 s
MAX_SOLUTIONS = 512  # equally good assignments kept; more means the text does not settle the cells
# In a table that prints an inconsistency (no reading fits every sum), the readings that break one check
# more than the fewest are kept too: the best is taken only when every other reading breaks two more.
# Where one reading fits every sum, it is taken.
TOLERANCE = 1


@dataclass
class Open:
    """Cells that printed digits leave open, with every reading of them."""

    label: str  # "applications.total", for warnings
    cells: tuple[str, ...]  # "row.col" keys of the table
    readings: list[tuple[Number, ...]]  # values per cell
    spans: list[tuple[tuple[int, int] | None, ...]]  # per reading, per cell: its characters (document offsets)
    text: str  # the printed digits, for warnings
    start: int
    end: int
    complete: bool = True  # False when the readings were too many to list: then nothing is settled


@dataclass
class Solution:
    """What the solver settled: per open, the readings kept (indices), and per open whether its search
    was complete (an open whose search was cut short, or whose readings were not all listed, settles
    nothing)."""

    kept: list[list[int]]
    broken: int  # identities broken by the kept assignments (over all components)
    complete: list[bool] = field(default_factory=list)


def solve(known: dict[str, Number], opens: list[Open], identities: tuple[Identity, ...]) -> Solution:
    """The assignments of readings to ``opens`` that break the fewest ``identities``, given the cells
    already ``known`` ("row.col" -> value; a missing key is a null cell). Opens that no identity ties
    together are solved apart."""
    # an open with no reading, or with too many to list, settles nothing and its cells are null to the
    # others: the sums through them cannot be assessed
    active = [i for i, o in enumerate(opens) if o.readings and o.complete]
    where: dict[str, tuple[int, int]] = {}  # cell -> (open, position in its cells)
    for i in active:
        for k, cell in enumerate(opens[i].cells):
            where[cell] = (i, k)
    checks: list[_Check] = []
    for ident in identities:
        terms: list[tuple[int, int, int]] = []  # (open, position, sign)
        const = 0.0
        assessable = True
        for sign, keys in ((1, ident.lhs), (-1, ident.rhs)):
            for key in keys:
                if key in where:
                    terms.append((*where[key], sign))
                elif known.get(key) is None:
                    assessable = False
                else:
                    const += sign * known[key]
        if assessable and terms:
            checks.append(_Check(const, terms))
    # components: opens tied by a check
    parent = list(range(len(opens)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for c in checks:
        first = c.terms[0][0]
        for i, _, _ in c.terms[1:]:
            parent[root(i)] = root(first)
    solution = Solution([[] for _ in opens], 0, [o.complete for o in opens])
    for comp in sorted({root(i) for i in active}):
        members = [i for i in active if root(i) == comp]
        comp_checks = [c for c in checks if root(c.terms[0][0]) == comp]
        kept, broken, complete = _solve_component(opens, members, comp_checks)
        solution.broken += broken
        for i in members:
            solution.kept[i] = kept.get(i, [])
            solution.complete[i] = complete and opens[i].complete
    return solution


def _solve_component(opens: list[Open], members: list[int], checks: list["_Check"]) -> tuple[dict[int, list[int]], int, bool]:
    """The readings of one component's opens kept by the assignments that break the fewest checks, or
    one more than the fewest (TOLERANCE), found by branch and bound."""
    if not checks:  # nothing ties the readings: all stay
        return {i: list(range(len(opens[i].readings))) for i in members}, 0, True
    domains = {i: list(range(len(opens[i].readings))) for i in members}
    budget = [MAX_WORK]
    result = _search(opens, members, checks, domains, len(checks), budget)
    if result is None or not result[0]:
        return {}, 0, False
    return _kept(result[0], members), result[1], True


def _kept(found: list[dict[int, int]], members: list[int]) -> dict[int, list[int]]:
    return {i: sorted({a[i] for a in found}) for i in members}


def _contribution(opens: list[Open], check: "_Check", i: int, r: int) -> float | None:
    """What open i's reading r adds to the check's sum (None when it leaves a cell of it blank)."""
    total = 0.0
    for j, k, sign in check.terms:
        if j == i:
            v = opens[i].readings[r][k]
            if v is None:
                return None
            total += sign * v
    return total


def _search(opens: list[Open], members: list[int], checks: list["_Check"], domains: dict[int, list[int]],
            cap: int, budget: list[int]) -> tuple[list[dict[int, int]], int] | None:
    """Branch and bound over the readings in ``domains``: the assignments that break the fewest checks
    (at most ``cap``) and how many they break; None when the work budget is spent or more than
    MAX_SOLUTIONS assignments are equally good."""
    order = sorted(members, key=lambda i: len(domains[i]))
    depth_of = {i: d for d, i in enumerate(order)}
    sums = [_CheckSums.of(c, opens, domains) for c in checks]
    last = [max(depth_of[i] for i in cs.parts) for cs in sums]
    touching: list[list[int]] = [[] for _ in order]  # per depth: the checks (indices) its open takes part in
    for n, cs in enumerate(sums):
        for d in sorted(depth_of[i] for i in cs.parts):
            touching[d].append(n)
    tried = []
    for i in order:
        own = [cs for cs in sums if list(cs.parts) == [i]]
        tried.append(sorted(domains[i], key=lambda r: sum(cs.broken_by({i: r}) for cs in own)))
    best = [cap]
    found: list[tuple[int, dict[int, int]]] = []  # (checks broken, assignment)
    pick: dict[int, int] = {}
    certain = [cs.cannot_hold({}) for cs in sums]

    def search(depth: int, broken: int, later: int) -> bool:
        """False when the budget is spent or too many equally good assignments turn up."""
        if depth == len(order):
            if broken < best[0]:
                best[0] = broken
                found[:] = [f for f in found if f[0] <= broken + TOLERANCE]
            if len(found) >= MAX_SOLUTIONS:
                return False
            found.append((broken, dict(pick)))
            return True
        i = order[depth]
        # per check touching this open: the other opens' part, fixed for every reading of this one
        rests = [(n, sums[n].rest(pick, without=i), last[n] == depth) for n in touching[depth]]
        for r in tried[depth]:
            budget[0] -= 1
            if budget[0] < 0:
                return False
            now, now_later = broken, later
            changed = []
            for n, rest, read_in_full in rests:
                was = certain[n]
                v = sums[n].parts[i][r]
                if read_in_full:  # broken or not, no longer "later"
                    if rest is not None and v is not None and abs(rest[0] + v) > SUM_TOLERANCE:
                        now += 1
                    now_later -= was
                    is_now = False
                else:
                    is_now = rest is not None and v is not None and (rest[0] + v > 1e-6 or rest[1] + v < -1e-6)
                    now_later += is_now - was
                if is_now != was:
                    changed.append((n, was))
                    certain[n] = is_now
            ok = True
            if now + now_later <= min(best[0] + TOLERANCE, cap):
                pick[i] = r
                ok = search(depth + 1, now, now_later)
                del pick[i]
            for n, was in changed:
                certain[n] = was
            if not ok:
                return False
        return True

    base_later = sum(certain)
    if base_later > cap or not search(0, 0, base_later):
        return None if base_later <= cap else ([], 0)
    tolerance = TOLERANCE if best[0] else 0  # a reading that fits every sum stands on its own
    return [a for b, a in found if b <= best[0] + tolerance], best[0]


@dataclass
class _Check:
    """An identity as the solver sees it: const + sum(sign * cell) must be 0."""

    const: float
    terms: list[tuple[int, int, int]]  # (open, position, sign)


@dataclass
class _CheckSums:
    """A check over one search's domains, worked out once: per open in it, what each of its readings adds
    to the sum (None when the reading leaves one of its cells blank: the check cannot be assessed), and
    the least and greatest it could add (None when some reading leaves a cell blank)."""

    const: float
    parts: dict[int, list[float | None]]  # open -> per reading index (None outside the domain too)
    range_of: dict[int, tuple[float, float] | None]

    @classmethod
    def of(cls, check: _Check, opens: list[Open], domains: dict[int, list[int]]) -> "_CheckSums":
        parts: dict[int, list[float | None]] = {}
        range_of: dict[int, tuple[float, float] | None] = {}
        for i in dict.fromkeys(t[0] for t in check.terms):
            terms = [(k, sign) for j, k, sign in check.terms if j == i]
            adds: list[float | None] = [None] * len(opens[i].readings)
            for r in domains[i]:
                adds[r] = _contribution(opens, check, i, r)
            parts[i] = adds
            lo = hi = 0.0  # per cell, as the readings in the domain bound it
            for k, sign in terms:
                vals = [opens[i].readings[r][k] for r in domains[i]]
                if not vals or any(v is None for v in vals):
                    range_of[i] = None
                    break
                a, z = min(vals), max(vals)
                lo += sign * (a if sign > 0 else z)
                hi += sign * (z if sign > 0 else a)
            else:
                range_of[i] = (lo, hi)
        return cls(check.const, parts, range_of)

    def rest(self, pick: dict[int, int], without: int | None = None) -> tuple[float, float] | None:
        """The least and greatest the check's sum can be, the part of open ``without`` left out: the
        readings picked, the range of the readings still open for the others (None when a cell among
        them is or may be blank: then nothing can be concluded)."""
        lo = hi = self.const
        for j, adds in self.parts.items():
            if j == without:
                continue
            r = pick.get(j)
            if r is not None:
                v = adds[r]
                if v is None:
                    return None
                lo += v
                hi += v
            else:
                b = self.range_of[j]
                if b is None:
                    return None
                lo += b[0]
                hi += b[1]
        return lo, hi

    def broken_by(self, pick: dict[int, int]) -> int:
        """1 when the readings picked (for every open of the check) break it, 0 when they keep it or
        leave a cell of it blank."""
        sums = self.rest(pick)
        return int(sums is not None and abs(sums[0]) > SUM_TOLERANCE)

    def cannot_hold(self, pick: dict[int, int]) -> bool:
        """Whatever the opens not picked yet read, the check is broken."""
        sums = self.rest(pick)
        return sums is not None and (sums[0] > 1e-6 or sums[1] < -1e-6)


def settled(opens: list[Open], solution: Solution) -> tuple[dict[str, tuple[Number, tuple[int, int] | None]], list[str]]:
    """The cells all kept assignments agree on ("row.col" -> (value, span)) and those left open."""
    values: dict[str, tuple[Number, tuple[int, int] | None]] = {}
    left: list[str] = []
    for o, kept, complete in zip(opens, solution.kept, solution.complete):
        for k, cell in enumerate(o.cells):
            seen = {o.readings[r][k] for r in kept}
            spans = {o.spans[r][k] for r in kept}
            if complete and len(seen) == 1:
                values[cell] = (seen.pop(), spans.pop() if len(spans) == 1 else (o.start, o.end))
            else:
                left.append(cell)
    return values, left


# ------------------------------------------------------------------------------------------ narrowing


def narrow(record, amb, fits, reason: str, confidence: float = 0.9) -> bool:
    """Keep the readings of ``amb`` (a record.Ambiguity of ``record``) that ``fits`` accepts, given the
    table's cells with the reading's values ({"row.col": value}). When that rules some out, the cells the
    remaining readings agree on are read (provenance with ``confidence``, a warning with ``reason``) and
    the ambiguity shrinks to the others (gone when none is left). False when nothing changed: no reading
    fits (evidence against them all settles nothing) or all do."""
    table = record.tables.get(amb.table) or {}
    base = {f"{r}.{c}": v for r, cols in table.items() for c, v in cols.items()}
    kept = [r for r in amb.readings if fits({**base, **dict(zip(amb.cells, r))})]
    if not kept or len(kept) == len(amb.readings):
        return False
    amb.readings = kept
    settled_cells = [i for i in range(len(amb.cells)) if len({r[i] for r in kept}) == 1]
    read = []
    for i in settled_cells:
        row, col = amb.cells[i].split(".")
        value = kept[0][i]
        table[row][col] = value
        key = f"tables.{amb.table}.{row}.{col}"
        prov = record.provenance.get(key)
        if prov is not None:
            prov.candidates = None
            prov.confidence = confidence
        read.append(f"{amb.cells[i]}={value}")
    left = [i for i in range(len(amb.cells)) if i not in settled_cells]
    amb.cells = [amb.cells[i] for i in left]
    amb.readings = [list(t) for t in sorted({tuple(r[i] for i in left) for r in kept}, key=_sort_key)]
    for i, cell in enumerate(amb.cells):
        prov = record.provenance.get(f"tables.{amb.table}.{cell}")
        if prov is not None:
            prov.candidates = sorted({r[i] for r in amb.readings if r[i] is not None})
    if not amb.cells:
        record.ambiguities.remove(amb)
    record.warnings.append(f"{amb.table}: run-together cells read {reason}: " + (", ".join(read) or "none settled")
                           + (f"; {len(amb.cells)} still open" if amb.cells else ""))
    return True


def _sort_key(reading: tuple) -> tuple:
    return tuple(float("-inf") if v is None else v for v in reading)


def narrow_with_prose(record) -> None:
    """The figures stated in the prose (spec.yaml ``prose_checks``: "共收到政府信息公开申请21件" is
    applications.new_received.total) keep the readings of run-together cells that agree with them."""
    from gainlp.checks import first_metric
    from gainlp.template import load_spec

    for amb in list(record.ambiguities):
        for pc in load_spec().prose_checks:
            cells = [f"{row}.{col}" for table, row, col in pc.cells if table == amb.table]
            if not cells or not set(cells) & set(amb.cells) or len(cells) != len(pc.cells):
                continue
            metric = first_metric(record.narrative_metrics, pc)
            if metric is None:
                continue

            def fits(values: dict, cells=cells, metric=metric) -> bool:
                got = [values.get(c) for c in cells]
                return None not in got and balanced([sum(got)], [metric.value])

            narrow(record, amb, fits, f"with the figure stated in the prose ('{metric.subject} "
                                      f"{metric.value}{metric.unit}')")
            if amb not in record.ambiguities:
                break

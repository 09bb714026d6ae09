"""The run-together solver (gainlp.rules.solve) against brute force: on small random tables, the branch and
bound keeps exactly the readings that the assignments breaking the fewest identities (or one more, when
none fits every sum) keep when every assignment is tried."""
from __future__ import annotations

import itertools
import random

import pytest

from gainlp.checks import Identity, balanced
from gainlp.rules.solve import MAX_SOLUTIONS, TOLERANCE, Open, solve


def _brute(known, opens, identities):
    """Per open, the readings kept, by trying every assignment (the solver's rules, written plainly): an
    identity with a null cell outside the opens is not assessable and ties nothing; opens tied by the
    others are solved together, each group keeping the assignments that break the fewest of its
    identities (or one more, when none fits them all); an open tied to nothing keeps every reading."""
    active = [i for i, o in enumerate(opens) if o.readings and o.complete]
    owner = {c: i for i in active for c in opens[i].cells}
    tying = [ident for ident in identities
             if all(c in owner or known.get(c) is not None for c in ident.lhs + ident.rhs)
             and any(c in owner for c in ident.lhs + ident.rhs)]
    group = {i: {i} for i in active}
    for ident in tying:
        members = set().union(*(group[owner[c]] for c in ident.lhs + ident.rhs if c in owner))
        for i in members:
            group[i] = members
    kept = {}
    for members in {frozenset(g) for g in group.values()}:
        mine = [ident for ident in tying if any(owner.get(c) in members for c in ident.lhs + ident.rhs)]
        order = sorted(members)
        if not mine:
            kept.update({i: set(range(len(opens[i].readings))) for i in order})
            continue
        scored = []
        for combo in itertools.product(*[range(len(opens[i].readings)) for i in order]):
            values = dict(known)
            for i, r in zip(order, combo):
                values.update(zip(opens[i].cells, opens[i].readings[r]))
            broken = 0
            for ident in mine:
                if any(values[c] is None for c in ident.lhs + ident.rhs):
                    continue  # a reading leaves a cell blank: not assessable
                broken += not balanced([values[c] for c in ident.lhs], [values[c] for c in ident.rhs])
            scored.append((broken, combo))
        best = min(b for b, _ in scored)
        tolerance = TOLERANCE if best else 0
        for i in order:
            kept[i] = set()
        for b, combo in scored:
            if b <= best + tolerance:
                for i, r in zip(order, combo):
                    kept[i].add(r)
    return kept


def _random_table(rng: random.Random):
    cells = [f"r{k}.c" for k in range(rng.randint(3, 7))]
    rng.shuffle(cells)
    opens, pos = [], 0
    while pos < len(cells) and len(opens) < 4:
        width = rng.randint(1, 2)
        mine = tuple(cells[pos: pos + width])
        pos += width
        readings = {tuple(rng.choice([None] + list(range(4))) if rng.random() < 0.1 else rng.randint(0, 4)
                          for _ in mine) for _ in range(rng.randint(1, 4))}
        opens.append(Open(label=f"o{len(opens)}", cells=mine, readings=sorted(readings, key=str),
                          spans=[tuple(None for _ in mine)] * len(readings), text="", start=0, end=0))
    known = {c: rng.choice([None, rng.randint(0, 6)]) for c in cells[pos:]}
    identities = []
    for n in range(rng.randint(1, 4)):
        picked = rng.sample(cells, rng.randint(2, min(4, len(cells))))
        cut = rng.randint(1, len(picked) - 1)
        identities.append(Identity(f"i{n}", tuple(picked[:cut]), tuple(picked[cut:])))
    return known, opens, tuple(identities)


@pytest.mark.parametrize("seed", range(300))
def test_branch_and_bound_keeps_what_brute_force_keeps(seed):
    rng = random.Random(seed)
    known, opens, identities = _random_table(rng)
    assert len(list(itertools.product(*[o.readings for o in opens]))) < MAX_SOLUTIONS  # the search can finish
    solution = solve(known, opens, identities)
    expected = _brute(known, opens, identities)
    for i, want in expected.items():
        # an open that no identity ties keeps all its readings in both
        assert set(solution.kept[i]) == want, (seed, i, opens[i].readings, identities, known)
        assert solution.complete[i]

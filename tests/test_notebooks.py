"""The notebooks run: their code cells, in order, in one namespace, from the repository root."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    namespace: dict = {"__name__": "__notebook__"}
    for k, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{path.name}[{k}]", "exec"), namespace)
    assert namespace["rec"].tables["applications"] is not None


def test_there_is_a_notebook():
    assert NOTEBOOKS and all(os.path.getsize(p) > 0 for p in NOTEBOOKS)

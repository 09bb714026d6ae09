"""`pip install .` in a fresh venv: the extract path installs without torch or transformers and finds the
model shipped inside the package (slow: it installs packages; benchmarks/extract_install.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


@pytest.mark.slow
def test_fresh_install_extracts_with_the_shipped_model(tmp_path):
    from extract_install import measure

    result = measure(tmp_path / "venv")
    assert not result["torch_installed"] and not result["transformers_installed"]
    assert result["shipped_model_mb"] > 1 and "model" in result["provenance_methods"]

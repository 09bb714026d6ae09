#!/usr/bin/env bash
# One-shot, idempotent set-up: a virtualenv in .venv with torch's CPU build first, then gainlp with the
# train and dev extras (the extract path alone needs neither torch nor transformers: pip install .).
#
# Torch: on Linux, PyPI's torch is the CUDA build (several GB of nvidia-* wheels). We ask pip, without
# installing anything, which torch==2.13.0 it would take: a "+cpu" build (a local CPU wheel, as on the
# project's machines) is installed as it is; anything else comes from the PyPI-compatible PyTorch CPU
# index instead. `scripts/setup.sh --which-torch` prints the decision and stops.
#   EXTRAS=train,dev,e5 bash scripts/setup.sh    # also the pretrained base (make model does this)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
TORCH=torch==2.13.0
CPU_INDEX=https://download.pytorch.org/whl/cpu
EXTRAS=${EXTRAS:-train,dev}

which_torch() {  # prints "as-is" (pip's own choice is a CPU build, or not Linux) or "cpu-index"
  local py=$1 report
  if [ "$(uname -s)" != Linux ]; then echo as-is; return; fi
  report=$(mktemp)
  if "$py" -m pip install --dry-run --no-deps --ignore-installed --quiet --report "$report" "$TORCH" >/dev/null 2>&1 \
     && grep -q '"version": *"[^"]*+cpu"' "$report"; then
    echo as-is
  else
    echo cpu-index
  fi
  rm -f "$report"
}

if [ "${1:-}" = --which-torch ]; then
  which_torch "${PYTHON:-python3}"
  exit 0
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.gainlp-installed-${EXTRAS//,/-}
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [[ ",$EXTRAS," == *",train,"* ]] && ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    if [ "$(which_torch .venv/bin/python)" = as-is ]; then
      .venv/bin/python -m pip install --quiet "$TORCH"
    else
      .venv/bin/python -m pip install --quiet "$TORCH" --index-url "$CPU_INDEX"
    fi
  fi
  .venv/bin/python -m pip install --quiet -e ".[$EXTRAS]"
  touch "$stamp"
fi

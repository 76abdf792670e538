#!/usr/bin/env bash
# Create .venv in the repository root (once) and install the package with its dev extras.
# Without an NVIDIA GPU the pinned CPU build of torch is installed first, so pip never
# pulls the multi-GB CUDA build; with one, pip picks a CUDA build satisfying torch>=2.4.
# Override with TORCH_SPEC, e.g. TORCH_SPEC='torch==2.6.0' bash scripts/setup_env.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "needs Python >= 3.11 (set PYTHON=...)" >&2; exit 2; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
  if [ -n "${TORCH_SPEC:-}" ]; then spec=$TORCH_SPEC
  elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then spec='torch>=2.4'
  else spec='torch==2.13.0'; fi
  .venv/bin/python -m pip install -q --disable-pip-version-check "$spec"
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

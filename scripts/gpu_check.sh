#!/usr/bin/env bash
# On a machine with a CUDA GPU: the GPU tests and a timed default run on the card, in a few
# minutes. Results go to results/gpu/ (or $OUT when set by the device tool).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
dest=${OUT:-results/gpu}
mkdir -p "$dest"
nvidia-smi -L | tee "$dest/device.txt"
.venv/bin/python -m pytest -q -ra tests/test_end_to_end.py -k gpu 2>&1 | tee "$dest/tests.txt"
.venv/bin/seqgan-gumbel train --quiet --set train.device=cuda --out runs/gpu_default --overwrite
cp runs/gpu_default/summary.json "$dest/default_run_cuda.json"
cat "$dest/default_run_cuda.json"

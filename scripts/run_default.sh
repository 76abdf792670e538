#!/usr/bin/env bash
# The main job: set up, train on the built-in arith grammar, draw 2,000 samples, score them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
.venv/bin/seqgan-gumbel train --out runs/arith --overwrite
.venv/bin/seqgan-gumbel sample --run runs/arith --num 2000 --out runs/arith/samples_2000.txt
.venv/bin/seqgan-gumbel evaluate --run runs/arith --samples runs/arith/samples_2000.txt

#!/usr/bin/env bash
# The full-size oracle and COCO benchmarks on a CUDA GPU (3 seeds each, MLE and GAN,
# temperature sweeps): configs/{oracle,coco}_bench_full.toml -> results/{oracle,coco}/full.json
# and full_sweep.png. Run scripts/gpu_check.sh first. Estimated from results/speed/train_cuda*.json
# (H200, CUDA-graph sampling): about 8 minutes a COCO seed, so about 30-40 minutes in all
# (not run yet: it needs more GPU time in one go than has been available).
set -euo pipefail
source "$(dirname "$0")/gpu_env.sh"
$PY scripts/bench_seeds.py oracle --size full --device cuda --set train.cuda_graphs=true
$PY scripts/bench_seeds.py coco --size full --device cuda --set train.cuda_graphs=true
$PY scripts/render_docs.py

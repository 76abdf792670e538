#!/usr/bin/env bash
# Train the MLE baseline and the default GAN on arith (seed 0), then draw both quality-diversity
# curves over sampling temperature into results/arith/ (a few minutes on 2 CPU cores).
set -euo pipefail
cd "$(dirname "$0")/.."
sg=.venv/bin/seqgan-gumbel
$sg train --config configs/arith_mle.toml --quiet --out runs/arith_mle --overwrite
$sg train --quiet --out runs/arith_gan --overwrite
$sg sweep --run runs/arith_mle --label "MLE only" --run runs/arith_gan --label "MLE + WGAN-GP (default)" \
    --temperatures 0.6,0.8,0.9,1.0,1.1,1.25,1.5 --num 2000 --out results/arith
cp runs/arith_mle/summary.json results/arith/mle_summary.json
cp runs/arith_gan/summary.json results/arith/default_summary.json
cp runs/arith_gan/report.png docs/report_arith.png
.venv/bin/python -m scripts.render.docs

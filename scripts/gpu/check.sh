#!/usr/bin/env bash
# On a machine with a CUDA GPU, in under 5 minutes: the GPU tests, then the training benchmark
# (configs/coco_relgan_speed.toml) in fp32 and bf16, eager and with CUDA-graph sampling.
# Writes results/speed/train_cuda*.json; the whole output goes to runs/gpu_check.log.
# Uses .venv/bin/python when there is one, else the machine's python3 (its own torch).
set -uo pipefail
source "$(dirname "$0")/env.sh"
mkdir -p results/speed runs
log=runs/gpu_check.log
{
    nvidia-smi -L
    $PY -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
    timeout 170 $PY -m pytest -q -ra -p no:cacheprovider tests/test_gpu.py tests/test_end_to_end.py -k "gpu or cuda"
    for variant in "" "--precision bf16" "--cuda-graphs" "--precision bf16 --cuda-graphs"; do
        echo "== scripts.bench.train --device cuda $variant"
        timeout 100 $PY -m scripts.bench.train --device cuda $variant
    done
} 2>&1 | tee "$log"

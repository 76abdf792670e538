#!/usr/bin/env bash
# The full-size benchmarks on a CUDA GPU, in pieces: RelGAN's recipe at its own size on the oracle
# (configs/oracle_bench_full.toml) and on COCO (configs/coco_bench_full.toml), side by side on one
# GPU, seeds 0, 1, 2 in turn, each an MLE run early-stopped on a validation split and a GAN run of
# 3,000 iterations from its best generator -> results/{oracle,coco}/full.json, full_runs/ (curves),
# full_sweep.png. Stops itself cleanly (SIGTERM: checkpoints written) after SECONDS (default 420),
# and the same command goes on from there: finished seeds are skipped, a stopped run resumes
# from its checkpoint. Where $OUT is set (the device tool), what the next piece needs (results,
# curves, unfinished runs' checkpoints) is packed into $OUT/bench_state.part* of at most 15 MB;
# `python -m scripts.bench.pack unpack DIR` puts it back in place on the machine that goes on, and
# `python -m scripts.bench.pack pack DIR` packs it there for the next GPU piece (carry DIR).
# With BENCH_STATE=DIR (such parts carried along), they are unpacked first.
#     [BENCH_STATE=DIR] bash scripts/gpu/full.sh [SECONDS] [SEEDS]
set -uo pipefail
source "$(dirname "$0")/env.sh"
mkdir -p runs
limit=${1:-420} seeds=${2:-"0 1 2"}
end=$((SECONDS + limit))
bench() {       # one benchmark's seeds in turn, within the time left
    for s in $seeds; do
        left=$((end - SECONDS))
        [ $left -gt 20 ] || { echo "$1: no time left for seed $s"; return; }
        timeout -s TERM $left $PY -m scripts.bench.seeds "$1" --size full --seeds "$s" --device cuda \
            --set train.cuda_graphs=true || { echo "$1 seed $s: stopped (exit $?)"; return; }
    done
}
nvidia-smi -L
[ -n "${BENCH_STATE:-}" ] && $PY -m scripts.bench.pack unpack "$BENCH_STATE"   # a carried earlier piece
bench oracle > runs/full_oracle.log 2>&1 &
bench coco > runs/full_coco.log 2>&1 &
wait
tail -n 5 runs/full_oracle.log runs/full_coco.log
if [ -n "${OUT:-}" ]; then
    $PY -m scripts.bench.pack pack "$OUT"
fi

"""Benchmark: one MLE epoch, the mean adversarial iteration, sampling 10,000 sentences and peak
memory, on configs/relgan_coco.toml (the anchor's sizes: TextGAN-PyTorch's RelGAN on COCO).

    .venv/bin/python scripts/bench_train.py [--device cpu|cuda] [--iters 10] [--warmup 2] [--threads N] [--json]

Prints a table (or one JSON object with --json) and saves results/bench/train_<device>.json.
Anchor on this 2-core machine (issue 6): 40 s per adversarial iteration, 17 s per MLE epoch,
15 s for 10,000 samples, 5.3 GB peak.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "configs/relgan_coco.toml"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--iters", type=int, default=10, help="timed adversarial iterations")
    ap.add_argument("--warmup", type=int, default=2, help="untimed adversarial iterations first")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    os.chdir(ROOT)  # the config's data paths are relative to the repository

    from seqgan_gumbel.config import load_config
    from seqgan_gumbel.run import draw_ids
    from seqgan_gumbel.trainer import Trainer

    cfg = load_config(args.config, [f"train.device={args.device}"])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        tr = Trainer(cfg, Path(tmp), progress=False)
        setup_s = time.perf_counter() - t0
        sync = torch.cuda.synchronize if tr.device.type == "cuda" else (lambda: None)
        steps = tr.stream.batches_per_epoch
        tr.mle_step()
        sync()
        t0 = time.perf_counter()
        for _ in range(steps):
            tr.mle_step()
        sync()
        mle_epoch_s = time.perf_counter() - t0
        for _ in range(args.warmup):
            tr.adversarial_step(0.5)
        sync()
        times = []
        for _ in range(args.iters):
            t0 = time.perf_counter()
            tr.adversarial_step(0.5)
            sync()
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        draw_ids(tr.gen, 10_000)
        sync()
        sample_s = time.perf_counter() - t0
    res = {
        "config": str(Path(args.config).relative_to(ROOT)) if Path(args.config).is_relative_to(ROOT) else args.config,
        "vocab": len(tr.data.vocab), "seq_len": tr.data.seq_len, "mle_steps_per_epoch": steps,
        "setup_s": round(setup_s, 3), "mle_epoch_s": round(mle_epoch_s, 3),
        "adv_iter_s": round(sum(times) / len(times), 3), "adv_iter_min_s": round(min(times), 3),
        "adv_iters_timed": len(times), "sample_10k_s": round(sample_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "device": str(tr.device) + (f" ({torch.cuda.get_device_name()})" if tr.device.type == "cuda" else ""),
        "threads": torch.get_num_threads(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "torch": torch.__version__,
    }
    out = ROOT / "results" / "bench" / f"train_{tr.device.type}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    if args.json:
        print(json.dumps(res))
        return
    for k in ("mle_epoch_s", "adv_iter_s", "sample_10k_s", "peak_rss_mb", "device", "threads"):
        print(f"{k:14} {res[k]}")
    print(f"saved {out}")


if __name__ == "__main__":
    main()

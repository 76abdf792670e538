"""Benchmark: one MLE epoch, the mean adversarial iteration, sampling 10,000 sentences and peak
memory, on configs/coco_relgan_speed.toml (TextGAN-PyTorch's RelGAN on COCO, at its sizes).

    .venv/bin/python -m scripts.bench.train [--device cpu|cuda] [--precision fp32|bf16] [--cuda-graphs]
        [--iters 10] [--warmup 2] [--threads N] [--set KEY=VALUE ...] [--json]

Prints a table (or one JSON object with --json) and saves results/speed/train_<device>[_bf16][_graphs].json.
On a GPU it also profiles one adversarial iteration: the summed kernel time against the wall
time says how much of the step is GPU work rather than launch overhead.
TextGAN-PyTorch's RelGAN on this 2-core machine, measured once: 40 s per adversarial iteration,
17 s per MLE epoch, 15 s for 10,000 samples, 5.3 GB peak.
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

from scripts import ROOT


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "configs/coco_relgan_speed.toml"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--iters", type=int, default=10, help="timed adversarial iterations")
    ap.add_argument("--warmup", type=int, default=2, help="untimed adversarial iterations first")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--cuda-graphs", action="store_true", help="capture the discriminator steps' sampling")
    ap.add_argument("--set", action="append", default=[], help="config override KEY=VALUE")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    os.chdir(ROOT)  # the config's data paths are relative to the repository

    from seqgan_gumbel.setup import load_config
    from seqgan_gumbel.models import draw_ids
    from seqgan_gumbel.training import Trainer

    cfg = load_config(args.config, [f"train.device={args.device}", f"train.precision={args.precision}",
                                    f"train.cuda_graphs={args.cuda_graphs}", *args.set])
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
        kernel_s = kernel_time(tr) if tr.device.type == "cuda" else None
    res = {
        "config": str(Path(args.config).relative_to(ROOT)) if Path(args.config).is_relative_to(ROOT) else args.config,
        "vocab": len(tr.data.vocab), "seq_len": tr.data.seq_len, "mle_steps_per_epoch": steps,
        "setup_s": round(setup_s, 3), "mle_epoch_s": round(mle_epoch_s, 3),
        "adv_iter_s": round(sum(times) / len(times), 3), "adv_iter_min_s": round(min(times), 3),
        "adv_iters_timed": len(times), "sample_10k_s": round(sample_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "device": str(tr.device) + (f" ({torch.cuda.get_device_name()})" if tr.device.type == "cuda" else ""),
        "threads": torch.get_num_threads(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "torch": torch.__version__, "precision": args.precision, "cuda_graphs": args.cuda_graphs,
        "overrides": args.set,
    }
    if kernel_s is not None:
        res["adv_iters_per_s"] = round(1 / res["adv_iter_s"], 2)
        res["adv_kernel_s"] = round(kernel_s, 4)
        res["kernel_fraction"] = round(kernel_s / res["adv_iter_s"], 3)
        res["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    suffix = ("_bf16" if args.precision == "bf16" else "") + ("_graphs" if args.cuda_graphs else "")
    out = ROOT / "results" / "speed" / f"train_{tr.device.type}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    if args.json:
        print(json.dumps(res))
        return
    for k in ("mle_epoch_s", "adv_iter_s", "sample_10k_s", "peak_rss_mb", "device", "threads",
              "adv_iters_per_s", "kernel_fraction"):
        if k not in res:
            continue
        print(f"{k:14} {res[k]}")
    print(f"saved {out}")


def kernel_time(tr) -> float:
    """Seconds of GPU kernels (and copies) in one adversarial iteration, from the profiler."""
    from torch.profiler import ProfilerActivity, profile

    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        tr.adversarial_step(0.5)
        torch.cuda.synchronize()
    total_us = 0.0
    for e in prof.key_averages():
        us = getattr(e, "self_device_time_total", None)
        if us is None:
            us = getattr(e, "self_cuda_time_total", 0.0)
        total_us += us
    return total_us / 1e6


if __name__ == "__main__":
    main()

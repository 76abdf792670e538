"""Speed of density-ratio sampling (issue 13's targets): 10,000 COCO sentences with the token-level
guide, or filtered by SIR with K = 8, in <= 15 s on this 2-core CPU; fitting a ratio model in
<= 5 minutes.

Trains a short COCO MLE run with a validation split (its lengths are what the sampling time
follows; its quality is beside the point here) unless --coco-run names one, fits its ratio model,
then times plain, guided and SIR sampling of 10,000 sentences (best of --repeats). With
--oracle-run (a run of scripts/bench/ratio.py oracle), it also times fitting that run's ratio
model with the defaults (not saved: the run keeps its own). Saves results/speed/ratio.json.

    .venv/bin/python -m scripts.bench.ratio_speed [--oracle-run runs/ratio_oracle/mle-s0] [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

import seqgan_gumbel as sg
from seqgan_gumbel.storage import atomic_write_bytes
from seqgan_gumbel.ratio import fit_ratio, load_ratio, make_sampler, RatioConfig

from scripts import ROOT


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--coco-run", help="a COCO run with a validation split (default: train a short one)")
    p.add_argument("--oracle-run", help="also time fitting this oracle run's ratio model")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--num", type=int, default=10_000)
    p.add_argument("--out", default=str(ROOT / "results" / "speed" / "ratio.json"))
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    result = {"threads": args.threads, "machine": platform.processor() or platform.machine(),
              "torch": torch.__version__, "date": time.strftime("%Y-%m-%d"), "num": args.num}
    if args.coco_run:
        run = sg.load(args.coco_run)
    else:
        run = sg.train(ROOT / "configs" / "coco_bench_cpu.toml", ROOT / "runs" / "ratio_speed_coco", overwrite=True,
                        overrides={"train.adv_steps": 0, "train.mle_epochs": 10, "data.validation_fraction": 0.1,
                                   "train.num_samples": 100, "log.report": "false"})
    t0 = time.perf_counter()
    report = run.fit_ratio()
    result["coco_fit_s"] = round(time.perf_counter() - t0, 1)
    result["coco_fit_best_step"] = report["best_step"]
    ratio = load_ratio(run.loaded)[0]
    gen = run.generator
    for name, method, extra in (("plain", "plain", {}), ("guide", "guide", {}), ("sir_k8", "sir", {"candidates": 8})):
        sampler = make_sampler(gen, None if method == "plain" else ratio, method=method, **extra)
        result[f"coco_{name}_s"] = round(best_of(lambda: sampler.draw(args.num, seed=0), args.repeats), 2)
        print(name, result[f"coco_{name}_s"], "s", flush=True)
    if args.oracle_run:
        t0 = time.perf_counter()
        _, report = fit_ratio(sg.load(args.oracle_run).loaded, RatioConfig())     # timed, not saved
        result["oracle_fit_s"] = round(time.perf_counter() - t0, 1)
        result["oracle_fit_loss"] = report["calibrated"]["loss"]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(Path(args.out), lambda f: f.write((json.dumps(result, indent=1) + "\n").encode()))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

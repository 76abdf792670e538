"""Ablation of the ratio model's fitting choices on one run (issue 13): start from the generator or
from random weights, whole-sequence or prefix loss, fresh sequences or a second pass over them,
smaller steps, dropout. Each variant is fitted (not saved: the run keeps its own ratio model) and
scored by the guide at G = 1 and 2 (T = 1): the data kind's quality and diversity, as in
scripts/bench_ratio.py. Saves results/ratio/ablation_<kind>.json after every variant; variants
already there are skipped.

    .venv/bin/python scripts/ablate_ratio.py --run runs/ratio_oracle/mle-s0 [--variants default,scratch,...]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from seqgan_gumbel import api
from seqgan_gumbel.checkpoint import atomic_write_bytes
from seqgan_gumbel.ratio_fit import RatioConfig, fit_ratio
from seqgan_gumbel.samplers import Guided, Plain

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "default": ({}, "fit-ratio's defaults: from the generator, whole-sequence loss, fresh draws, lr 3e-3, batch 128"),
    "scratch": ({"init": "scratch"}, "random initial weights instead of the generator's"),
    "prefix": ({"objective": "prefix"}, "logistic loss of every prefix instead of whole sequences"),
    "second_pass": ({"passes": 2, "pool": 40000}, "each pool of 40,000 sequences used twice (half the drawing)"),
    "small_steps": ({"lr": 1e-3, "batch_size": 64}, "lr 1e-3, batch 64"),
    "dropout": ({"dropout": 0.2}, "dropout 0.2"),
}


def score(run, sampler, num: int) -> dict:
    ids, _ = sampler.draw(num, seed=0)
    texts = [run.vocab.text(run.vocab.decode(r)) for r in ids.tolist()]
    figs = run.kind().sweep_figures(texts, sampler, sampler.temperature, 4)
    return {k: v for k, v in figs.items() if isinstance(v, (int, float))}


def from_benchmark(run, run_dir: str, result: dict) -> bool:
    """The default variant is what scripts/bench_ratio.py already fitted and scored on this run
    (same defaults, seed and points): copied from its result file rather than fitted again."""
    path = ROOT / "results" / "ratio" / f"{run.config.data.kind}.json"
    if not path.is_file():
        return False
    for seed in json.loads(path.read_text())["seeds"].values():
        if Path(seed["run"]).resolve() != Path(run_dir).resolve():
            continue
        pts = {(p["method"], p["temperature"], p["strength"]): p for p in seed["points"] if p.get("model") == "mle"}
        fit = seed["fit"]["mle"]
        g1, g2 = pts.get(("guide", 1.0, 1.0)), pts.get(("guide", 1.0, 2.0))
        if g1 is None or g2 is None or fit["config"]["seed"] != 0:
            return False
        keep = ("nll_oracle", "nll_test", "valid", "nll_valid")
        result["variants"]["default"] = {
            "label": VARIANTS["default"][1], "overrides": {}, "fit_s": round(fit["seconds"], 1),
            "best_step": fit["best_step"], "steps_run": fit["steps_run"], "held_loss": fit["calibrated"]["loss"],
            "accuracy": fit["calibrated"]["accuracy"], "threads": seed["threads"], "from": str(path),
            "guide_g1": {k: g1[k] for k in keep if k in g1}, "guide_g2": {k: g2[k] for k in keep if k in g2}}
        return True
    return False


def save(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, lambda f: f.write((json.dumps(result, indent=1) + "\n").encode()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True)
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--num", type=int, default=3000)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", help="result file (default results/ratio/ablation_<kind>.json)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    run = api.load(args.run).loaded
    path = Path(args.out or ROOT / "results" / "ratio" / f"ablation_{run.config.data.kind}.json")
    result = json.loads(path.read_text()) if path.is_file() else {"run": args.run, "variants": {}}
    if "plain" not in result:
        result["plain"] = score(run, Plain(run.generator), args.num)
    for name in args.variants.split(","):
        if name == "default" and name not in result["variants"] and from_benchmark(run, args.run, result):
            print(f"default: taken from the benchmark's fit of {args.run}")
            save(path, result)
            continue
        if name in result["variants"]:
            print(f"{name}: already in {path}; skipped")
            continue
        overrides, label = VARIANTS[name]
        t0 = time.perf_counter()
        model, report = fit_ratio(run, RatioConfig(**overrides))
        fit_s = time.perf_counter() - t0
        result["variants"][name] = {
            "label": label, "overrides": overrides, "fit_s": round(fit_s, 1), "best_step": report["best_step"],
            "steps_run": report["steps_run"], "held_loss": report["calibrated"]["loss"],
            "accuracy": report["calibrated"]["accuracy"], "threads": torch.get_num_threads(),
            "guide_g1": score(run, Guided(run.generator, model, 1.0, 1.0), args.num),
            "guide_g2": score(run, Guided(run.generator, model, 1.0, 2.0), args.num)}
        save(path, result)
        print(name, json.dumps(result["variants"][name]), flush=True)


if __name__ == "__main__":
    main()

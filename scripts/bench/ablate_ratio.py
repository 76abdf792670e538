"""Ablation of the ratio model's fitting choices on one run (issue 13): start from the generator or
from random weights, whole-sequence or prefix loss, fresh sequences or a second pass over them,
smaller steps, dropout, weight decay, frozen generator features, held-out checks every 10 steps.
Each variant is fitted (not saved: the run keeps its own ratio model) and scored by the guide at
G = 1 and 2 (T = 1): the data kind's quality and diversity, as in scripts/bench/ratio.py, and where
the benchmark measured this run's MLE temperature curve, how far above it each point lies. Saves
results/ratio/ablation_<kind>.json after every variant; variants already there are skipped.

    .venv/bin/python -m scripts.bench.ablate_ratio --run runs/ratio_oracle/mle-s0 [--variants default,scratch,...]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

import seqgan_gumbel as sg
from seqgan_gumbel.storage import atomic_write_bytes
from seqgan_gumbel.ratio import fit_ratio, Guided, Plain, RatioConfig

from scripts import ROOT
from scripts.bench.ratio import SIGNS, better_by, mle_branch 


VARIANTS = {
    "default": ({}, "fit-ratio's defaults: from the generator, whole-sequence loss, fresh draws, lr 3e-3, batch 128"),
    "scratch": ({"init": "scratch"}, "random initial weights instead of the generator's"),
    "prefix": ({"objective": "prefix"}, "logistic loss of every prefix instead of whole sequences"),
    "second_pass": ({"passes": 2, "pool": 40000}, "each pool of 40,000 sequences used twice (half the drawing)"),
    "small_steps": ({"lr": 1e-3, "batch_size": 64}, "lr 1e-3, batch 64"),
    "dropout": ({"dropout": 0.2}, "dropout 0.2"),
    "regularised": ({"dropout": 0.5, "weight_decay": 0.1}, "dropout 0.5, weight decay 0.1"),
    "frozen": ({"freeze": True}, "the generator's embedding and LSTM frozen: only the head trained"),
    "early_checks": ({"eval_every": 10}, "held-out loss checked every 10 steps (not 100)"),
    "frozen_early": ({"freeze": True, "eval_every": 10}, "frozen features, checked every 10 steps"),
}
KEEP = ("nll_oracle", "nll_test", "valid", "nll_valid", "bleu", "self_bleu", "bleu4", "self_bleu4")
NUM = {"oracle": 3000, "corpus": 2000, "grammar": 2000}    # samples a point, as scripts/bench/ratio.py


def score(run, sampler, num: int) -> dict:
    ids, _ = sampler.draw(num, seed=0)
    texts = [run.vocab.text(run.vocab.decode(r)) for r in ids.tolist()]
    figs = run.kind().sweep_figures(texts, sampler, sampler.temperature, 4)
    return {k: v for k, v in figs.items() if isinstance(v, (int, float))}


def bench_seed(run_dir: str) -> tuple[dict, dict] | tuple[None, None]:
    """The benchmark result (results/ratio/*.json) and its seed made on this run, if any."""
    for path in sorted((ROOT / "results" / "ratio").glob("*.json")):
        d = json.loads(path.read_text())
        for seed in d.get("seeds", {}).values():
            if Path(seed["run"]).resolve() == Path(run_dir).resolve():
                return d | {"path": str(path.relative_to(ROOT))}, seed
    return None, None


def from_benchmark(run_dir: str, result: dict) -> bool:
    """The default variant is what scripts/bench/ratio.py already fitted and scored on this run
    (same defaults, seed and points): copied from its result file rather than fitted again."""
    d, seed = bench_seed(run_dir)
    if seed is None:
        return False
    pts = {(p["method"], p["temperature"], p["strength"]): p for p in seed["points"] if p.get("model") == "mle"}
    fit = seed["fit"]["mle"]
    g1, g2 = pts.get(("guide", 1.0, 1.0)), pts.get(("guide", 1.0, 2.0))
    if g1 is None or g2 is None or fit["config"]["seed"] != 0:
        return False
    result["variants"]["default"] = {
        "label": VARIANTS["default"][1], "overrides": {}, "fit_s": round(fit["seconds"], 1),
        "best_step": fit["best_step"], "steps_run": fit["steps_run"], "held_loss": fit["calibrated"]["loss"],
        "accuracy": fit["calibrated"]["accuracy"], "threads": seed["threads"], "from": d["path"],
        "guide_g1": {k: g1[k] for k in KEEP if k in g1}, "guide_g2": {k: g2[k] for k in KEEP if k in g2},
        "n": g1.get("n")}
    return True


def mle_curve(run_dir: str) -> dict | None:
    """This run's MLE temperature curve as scripts/bench/ratio.py measured it (None: not measured)."""
    d, seed = bench_seed(run_dir)
    if seed is None:
        return None
    signs = SIGNS[seed["kind"]]
    pts = [p for p in seed["points"] if p.get("model", "mle") == "mle"]
    return {"quality": d["quality"], "diversity": d["diversity"], "signs": signs,
            "branch": mle_branch(pts, d["quality"], d["diversity"], signs)}


def gaps(variant: dict, curve: dict | None) -> None:
    """Add to each guide point how much better it is than the MLE curve at its diversity."""
    for key in ("guide_g1", "guide_g2"):
        p = variant[key]
        if curve and curve["quality"] in p:
            q, x = curve["signs"][0] * p[curve["quality"]], curve["signs"][1] * p[curve["diversity"]]
            p["better_by"] = better_by(curve["branch"], x, q)


def save(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, lambda f: f.write((json.dumps(result, indent=1) + "\n").encode()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True)
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--num", type=int, help="samples a point (default: as scripts/bench/ratio.py, 3,000 for the "
                                                  "oracle, 2,000 otherwise)")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", help="result file (default results/ratio/ablation_<kind>.json)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    run = sg.load(args.run).loaded
    path = Path(args.out or ROOT / "results" / "ratio" / f"ablation_{run.config.data.kind}.json")
    result = json.loads(path.read_text()) if path.is_file() else {"run": args.run, "variants": {}}
    num = args.num or NUM[run.config.data.kind]
    curve = mle_curve(args.run)
    if "plain" not in result:
        result["plain"] = score(run, Plain(run.generator), num)
    for name in args.variants.split(","):
        if name == "default" and name not in result["variants"] and from_benchmark(args.run, result):
            print(f"default: taken from the benchmark's fit of {args.run}")
            gaps(result["variants"]["default"], curve)
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
            "guide_g1": score(run, Guided(run.generator, model, 1.0, 1.0), num),
            "guide_g2": score(run, Guided(run.generator, model, 1.0, 2.0), num), "n": num}
        gaps(result["variants"][name], curve)
        save(path, result)
        print(name, json.dumps(result["variants"][name]), flush=True)


if __name__ == "__main__":
    main()

"""Recipe ablation on the arith grammar: which GAN settings keep samples valid and diverse.

Trains each variant (the default with one thing changed) for one seed, draws 2,000 samples,
scores them against the grammar, and saves results/arith/ablation.json and .md (the table in
docs/results/grammars.md). Each variant takes a few minutes on 2 CPU cores.

    .venv/bin/python -m scripts.bench.ablate_arith [--only NAME ...] [--threads N]
"""
from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import torch

from seqgan_gumbel.setup import load_config
from seqgan_gumbel.metrics import grammar_scores
from seqgan_gumbel.training import train

from scripts.render.estimators import figure

VARIANTS = {
    "default (MLE warm-up, WGAN-GP, CNN critic, minibatch std)": [],
    "MLE only (same number of generator updates)": ["train.adv_steps=0", "train.mle_steps=1800"],
    "warm-up + standard loss": ["train.loss=standard"],
    "warm-up + RSGAN loss": ["train.loss=rsgan"],
    "warm-up + hinge loss": ["train.loss=hinge"],
    "warm-up + LSTM critic": ["discriminator.kind=lstm"],
    "warm-up, no minibatch std": ["discriminator.minibatch_std=false"],
    "warm-up, soft feedback and soft critic input": ["generator.feedback=soft", "discriminator.input=relaxed"],
    "warm-up + WGAN-GP at g_lr 1e-3": ["train.g_lr=1e-3", "train.d_lr=1e-3"],
    "warm-up, constant tau 1": ["relaxation.schedule=constant", "relaxation.tau_start=1", "relaxation.tau_end=1"],
    "warm-up, constant tau 0.1": ["relaxation.schedule=constant", "relaxation.tau_start=0.1", "relaxation.tau_end=0.1"],
    "warm-up, tau 1 -> 0.1 linear": ["relaxation.schedule=linear"],
    "warm-up, tau 1 -> 0.01 exponential": ["relaxation.tau_end=0.01"],
    "longer warm-up (4,000 MLE steps)": ["train.mle_steps=4000"],
    "warm-up + GAN with an MLE term (mle_weight 1)": ["train.mle_weight=1"],
    "from scratch, WGAN-GP (1500 steps)": ["train.mle_steps=0", "train.adv_steps=1500"],
    "from scratch, standard loss (1500 steps)": ["train.mle_steps=0", "train.adv_steps=1500", "train.loss=standard"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="substrings of variant names to run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="results/arith/ablation")
    args = ap.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    path = out.with_suffix(".json")
    results = json.loads(path.read_text()) if path.exists() else {"rows": {}}
    results["hardware"] = f"{platform.processor() or platform.machine()}, {args.threads} torch threads, CPU"
    for name, overrides in VARIANTS.items():
        if args.only and not any(s in name for s in args.only):
            continue
        cfg = load_config(None, overrides + [f"train.threads={args.threads}"])
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            summary = train(cfg, Path(tmp) / "run", progress=False)
            wall = time.perf_counter() - t0
        s = summary["samples"]
        row = {"overrides": overrides, "wall_s": round(wall, 1), **{k: s[k] for k in
               ("valid", "unique", "novel", "mean_length", "nll_valid")}}
        results["rows"][name] = row
        print(f"{name}: {json.dumps(row)}", flush=True)
        path.write_text(json.dumps(results, indent=2) + "\n")
    from seqgan_gumbel.data import load_grammar
    g = load_grammar("arith")
    ref = grammar_scores(g.samples(2000, 0), g)
    results["grammar_reference"] = {k: ref[k] for k in ("valid", "unique", "mean_length", "nll_valid")}
    path.write_text(json.dumps(results, indent=2) + "\n")
    lines = ["| recipe | valid | unique | novel | mean length | grammar NLL of valid | wall (s) |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results["rows"].items():
        lines.append(f"| {name} | {r['valid']:.3f} | {r['unique']:.3f} | {r['novel']:.3f} | "
                     f"{r['mean_length']:.2f} | {figure(r['nll_valid'], '.2f')} | "
                     f"{r['wall_s']:.0f} |")
    ref = results["grammar_reference"]
    lines.append(f"| strings drawn from the grammar | {ref['valid']:.3f} | {ref['unique']:.3f} | - | "
                 f"{ref['mean_length']:.2f} | {ref['nll_valid']:.2f} | - |")
    lines.append("")
    lines.append(f"2,000 samples per run, one seed (0), {results['hardware']}; torch {torch.__version__}.")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

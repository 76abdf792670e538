"""Toy-grammar benchmark: seeds of the MLE baseline, the GAN with an MLE warm-up
(the default recipe) and the GAN from scratch (as Kusner & Hernandez-Lobato trained it), on
the arith and kusner grammars.

Each run is scored on 2,000 samples: validity, uniqueness, and the grammar's exact NLL of the
valid samples (per string) against that of the held-out strings drawn from the grammar itself
-- validity alone rewards collapse onto a few short strings. The generator's NLL of those
held-out strings (per string, end included) is set against the grammar's exact NLL of the same
strings, the least any model can reach. Targets: >= 99% valid, both NLLs within 5%.
Saves results/grammar/<grammar>.json (every seed, mean and std); scripts/render_docs.py
turns them into the tables of docs/results.md and the README.

    .venv/bin/python scripts/bench_grammar.py [--grammars arith,kusner] [--variants mle,gan,scratch]
        [--seeds 0,1,2] [--threads N]
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from seqgan_gumbel.config import load_config
from seqgan_gumbel.grammar_metrics import grammar_scores
from seqgan_gumbel.rundir import prepare_run_dir
from seqgan_gumbel.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "mle": ("MLE only (same number of generator updates)", ["train.adv_steps=0", "train.mle_steps=1800"]),
    "gan": ("MLE warm-up + WGAN-GP (the default recipe)", []),
    "scratch": ("WGAN-GP from scratch (1,500 iterations)", ["train.mle_steps=0", "train.adv_steps=1500"]),
    "mle_long": ("MLE only, 4,300 steps", ["train.adv_steps=0", "train.mle_steps=4300"]),
    "gan_long": ("MLE warm-up of 4,000 steps + WGAN-GP", ["train.mle_steps=4000"]),
}
FIGURES = ("valid", "unique", "nll_samples", "nll_samples_ratio", "gen_nll_test", "gen_nll_test_ratio", "wall_s")


def one_run(grammar: str, overrides: list[str], seed: int, out: Path) -> dict:
    cfg = load_config(None, [f"data.grammar={grammar}", f"train.seed={seed}", "train.num_samples=2000",
                             "log.report=false", *overrides])
    t0 = time.perf_counter()
    trainer = Trainer(cfg, out, progress=False)
    prepare_run_dir(out, overwrite=True)
    summary = trainer.run()
    wall = time.perf_counter() - t0
    data, vocab, gen = trainer.data, trainer.data.vocab, trainer.gen
    held_out = [vocab.decode(r) for r in data.test_ids.tolist()]
    reference = grammar_scores(held_out, trainer.kind.grammar)
    with torch.no_grad():
        gen.eval()
        gen_nll = gen.token_nll(data.test_ids.to(trainer.device)).double().mean().item()
    s = summary["samples"]
    return {"valid": s["valid"], "unique": s["unique"], "mean_length": s["mean_length"],
            "nll_samples": s["nll_valid"], "nll_samples_ratio": s["nll_valid"] / reference["nll_valid"],
            "gen_nll_test": gen_nll, "gen_nll_test_ratio": gen_nll / reference["nll_valid"],
            "wall_s": round(wall, 1), "reference": reference}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grammars", default="arith,kusner")
    ap.add_argument("--variants", default="mle,gan,scratch")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    for grammar in args.grammars.split(","):
        path = ROOT / "results" / "grammar" / f"{grammar}.json"
        result = json.loads(path.read_text()) if path.is_file() else {"grammar": grammar, "runs": {}}
        for key in args.variants.split(","):
            label, overrides = VARIANTS[key]
            runs = {}
            for seed in seeds:
                with tempfile.TemporaryDirectory() as tmp:
                    r = one_run(grammar, overrides, seed, Path(tmp) / "run")
                result["reference"] = r.pop("reference")        # the held-out draws: the same for every run
                runs[str(seed)] = r
                print(f"{grammar:7} {key:8} seed {seed}: valid {r['valid']:.3f}, unique {r['unique']:.3f}, "
                      f"NLL samples x{r['nll_samples_ratio']:.3f}, NLL held-out x{r['gen_nll_test_ratio']:.3f}, "
                      f"{r['wall_s']} s", flush=True)
            result["runs"][key] = {
                "label": label, "overrides": overrides, "seeds": runs,
                "mean": {f: statistics.fmean(r[f] for r in runs.values()) for f in FIGURES},
                "std": {f: statistics.stdev(r[f] for r in runs.values()) if len(runs) > 1 else 0.0 for f in FIGURES},
            }
            result.update(machine=f"{platform.machine()}, {torch.get_num_threads()} torch threads, CPU",
                          torch=torch.__version__)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result, indent=1) + "\n")   # after every variant: partial results survive
    print("saved results/grammar/")


if __name__ == "__main__":
    main()

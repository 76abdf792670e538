"""One-seed ablation of GAN recipes trained from scratch (no maximum likelihood anywhere) on a
grammar: which levers bring validity, sample NLL and held-out NLL to the grammar's own.

Each variant is the from-scratch baseline (WGAN-GP, CNN critic, 1,500 iterations) with some
config keys changed; every run is scored as scripts/bench/grammar.py scores it (2,000 samples;
the grammar's exact NLL of the valid samples and the generator's NLL of held-out strings, each
against the grammar's own). Saves results/grammar/scratch_ablation_<grammar>.json after every
run, under its lock, so an interrupted ablation keeps what it measured and ablations run side by
side share the file.

    .venv/bin/python -m scripts.bench.ablate_scratch [--grammar arith] [--only NAME ...] [--seed 0] [--threads N] [--part SUFFIX]
"""
from __future__ import annotations

import argparse
import json
import platform
import re
from pathlib import Path

import torch

from scripts import ROOT
from scripts.bench.grammar import one_run
from scripts.bench.locked import update_json


SCRATCH = ["train.mle_steps=0", "train.adv_steps=1500"]
RECIPE = ["train.g_lr=1e-3", "train.d_lr=1e-3", "train.lr_decay=linear", "discriminator.filter_widths=[2,3,4,5,16]"]
# ScratchGAN (de Masson d'Autume et al. 2019) on the recipe's schedule: dense REINFORCE rewards from
# an LSTM critic of every prefix, trained by cross-entropy on each prefix, layer-normalised, with L2
# 1e-6 and dropout 0.1, one critic step an update at 9.38e-3; batches of 512, discount 0.23,
# baseline decay 0.08. Its rows take one ingredient back to this package's default each.
SCRATCHGAN = [*RECIPE, "train.estimator=reinforce", "train.rewards=dense", "discriminator.kind=lstm",
              "discriminator.per_step=true", "discriminator.minibatch_std=false", "train.batch_size=512",
              "train.loss=standard", "discriminator.prefix_loss=true", "discriminator.layer_norm=true",
              "discriminator.l2=1e-6", "discriminator.dropout=0.1", "train.d_steps=1", "train.d_lr=9.38e-3",
              "train.discount=0.23", "train.baseline_decay=0.08"]
VARIANTS = {
    "baseline: WGAN-GP, CNN critic": [],
    "CNN critic, g_lr 1e-3": ["train.g_lr=1e-3", "train.d_lr=1e-3"],
    "LSTM critic (final state)": ["discriminator.kind=lstm"],
    "LSTM critic scoring every prefix": ["discriminator.kind=lstm", "discriminator.per_step=true",
                                        "discriminator.minibatch_std=false"],
    "every prefix, batch 256": ["discriminator.kind=lstm", "discriminator.per_step=true",
                                "discriminator.minibatch_std=false", "train.batch_size=256"],
    "every prefix, 3,000 iterations": ["discriminator.kind=lstm", "discriminator.per_step=true",
                                       "discriminator.minibatch_std=false", "train.adv_steps=3000"],
    "every prefix, soft critic input": ["discriminator.kind=lstm", "discriminator.per_step=true",
                                        "discriminator.minibatch_std=false", "discriminator.input=relaxed"],
    "every prefix, constant tau 1": ["discriminator.kind=lstm", "discriminator.per_step=true",
                                     "discriminator.minibatch_std=false", "relaxation.schedule=constant",
                                     "relaxation.tau_start=1", "relaxation.tau_end=1"],
    "every prefix, g_lr 1e-3": ["discriminator.kind=lstm", "discriminator.per_step=true",
                                "discriminator.minibatch_std=false", "train.g_lr=1e-3", "train.d_lr=1e-3"],
    "CNN critic, lr 2e-3": ["train.g_lr=2e-3", "train.d_lr=2e-3"],
    "CNN critic, lr 1e-3, 3 critic steps, 2,500 iterations": [
        "train.g_lr=1e-3", "train.d_lr=1e-3", "train.d_steps=3", "train.adv_steps=2500"],
    "CNN critic, lr 1e-3, filters as wide as the string": [
        "train.g_lr=1e-3", "train.d_lr=1e-3", "discriminator.filter_widths=[2,3,4,5,8,12,16]"],
    "CNN critic, lr 1e-3, batch 128, 3 critic steps": [
        "train.g_lr=1e-3", "train.d_lr=1e-3", "train.batch_size=128", "train.d_steps=3"],
    "CNN critic, lr 1e-3 decaying linearly to 0": ["train.g_lr=1e-3", "train.d_lr=1e-3", "train.lr_decay=linear"],
    "lr 1e-3 decaying, generator weights averaged (0.99)": [
        "train.g_lr=1e-3", "train.d_lr=1e-3", "train.lr_decay=linear", "train.g_average=0.99"],
    "lr 1e-3 decaying, a filter as wide as the string": RECIPE,
    **{f"the recipe above, entropy bonus {w}": RECIPE + [f"train.entropy_weight={w}"] for w in ("0.01", "0.03")},
    "the recipe above, spectral norm in the critic": RECIPE + ["discriminator.spectral_norm=true"],
    "the recipe above, feature matching 0.1": RECIPE + ["train.feature_matching=0.1"],
    **{f"ScratchGAN's recipe{name}": [*SCRATCHGAN, *change] for name, change in {
        " (dense REINFORCE)": [],
        ", no layer norm": ["discriminator.layer_norm=false"],
        ", the loss on the prefixes' mean score": ["discriminator.prefix_loss=false"],
        ", no L2": ["discriminator.l2=0"],
        ", dropout 0.25": ["discriminator.dropout=0.25"],
        ", WGAN-GP critic": ["train.loss=wgan-gp"],
        ", 5 critic steps at 1e-3": ["train.d_steps=5", "train.d_lr=1e-3"],
        ", discount 0.9": ["train.discount=0.9"],
        ", baseline decay 0.9": ["train.baseline_decay=0.9"],
        ", batch 64": ["train.batch_size=64"],
        ", 3,000 iterations": ["train.adv_steps=3000"],
        ", batch 64, 6,000 iterations": ["train.batch_size=64", "train.adv_steps=6000"],
        ", batch 128, 3,000 iterations": ["train.batch_size=128", "train.adv_steps=3000"],
        # toward a reliable moonshot: more updates with a slower baseline, or at half the batch
        ", 3,000 iterations, baseline decay 0.9": ["train.adv_steps=3000", "train.baseline_decay=0.9"],
        ", batch 256, 6,000 iterations": ["train.batch_size=256", "train.adv_steps=6000"],
    }.items()},
}


def stopped(run: Path, reference: dict) -> dict:
    """The figures a run stopped early logged last (its held-out NLL per token turned into per string
    with the held-out strings' mean length; the unique fraction of 500 samples)."""
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    last = [r for r in rows if r.get("phase") == "adv"][-1]
    per_string = last["nll_test"] * (reference["mean_length"] + 1)
    return {"valid": last["valid"], "unique": last["unique"], "mean_length": last["mean_length"],
            "nll_samples": last["nll_valid"], "nll_samples_ratio": last["nll_valid"] / reference["nll_valid"],
            "gen_nll_test": per_string, "gen_nll_test_ratio": per_string / reference["nll_valid"],
            "wall_s": last["elapsed_s"], "stopped_at": last["step"], "reference": reference}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grammar", default="arith")
    ap.add_argument("--only", nargs="*", help="substrings of variant names to run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--part", default="", help="suffix of the result file (runs side by side may share one: it is locked)")
    ap.add_argument("--record-stopped", action="store_true",
                    help="record the variants named by --only that were stopped before their end, from the "
                         "last step their run directories logged (500 samples, not 2,000)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    path = ROOT / "results" / "grammar" / f"scratch_ablation_{args.grammar}{args.part}.json"
    result = json.loads(path.read_text()) if path.is_file() else {"grammar": args.grammar, "runs": {}}
    for name, overrides in VARIANTS.items():
        if args.only and not any(s in name for s in args.only):
            continue
        run = ROOT / "runs" / "scratch_ablation" / args.grammar / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}-s{args.seed}"
        r = stopped(run, result["reference"]) if args.record_stopped else one_run(args.grammar, SCRATCH + overrides,
                                                                                  args.seed, run)
        reference = r.pop("reference")

        def update(result: dict) -> dict:          # called at once, under the file's lock
            result["reference"] = reference
            result["runs"][name] = {"overrides": SCRATCH + overrides, "seed": args.seed, **r}
            order = list(VARIANTS)                 # rows in the order of VARIANTS, whenever each was run
            result["runs"] = dict(sorted(result["runs"].items(),
                                         key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
            # the machine line, once written, is kept: it may say more (how the runs shared the cores)
            result.setdefault("machine", f"{platform.machine()}, {torch.get_num_threads()} torch threads, CPU")
            result["torch"] = torch.__version__
            return result

        update_json(path, lambda: {"grammar": args.grammar, "runs": {}}, update)
        print(f"{name}: valid {r['valid']:.3f}, unique {r['unique']:.3f}, NLL samples x{r['nll_samples_ratio']:.3f}, "
              f"held-out x{r['gen_nll_test_ratio']:.3f}, {r['wall_s']} s", flush=True)


if __name__ == "__main__":
    main()

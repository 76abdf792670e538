"""Benchmark: how noisy is each estimator's generator gradient, at the same kind of weights?

For each seed, one run per estimator (the relaxation, REINFORCE with SeqGAN's rollout rewards,
REINFORCE with ScratchGAN's dense rewards) trains the default recipe on a grammar: the same MLE
warm-up (same seed, so the same generator when the adversarial phase begins), then adversarial
iterations logging train.grad_variance = K independent batches at every log step. From each
logged (g_grad_var = v, the summed variance of one batch's gradient; g_grad_norm2 = m, the
squared norm of the K batches' mean) comes the signal-to-noise ratio of one batch's gradient,

    snr = (m - v / K) / v        (E[m] = |E g|^2 + v / K, so m - v / K is unbiased for |E g|^2),

free of the reward's scale, so estimators whose critics score on different scales compare; it
can come out below 0 where the signal is lost in the noise. Each run's figure is the median over
its log steps; the table: mean and standard error over seeds. A measure of the estimators'
noise, not of their bias: the relaxation's gradient is that of a relaxed objective.

    .venv/bin/python -m scripts.bench.grad_variance [--grammar arith] [--seeds 0,1,2]
        [--adv-steps 100] [--every 20] [--batches 16] [--threads 1] [--fresh] [--set KEY=VALUE ...]

Saves results/estimators/grad_variance_<grammar>.json after every run (runs already there are
skipped unless --fresh); the runs themselves go to a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch

from seqgan_gumbel.setup import load_config
from seqgan_gumbel.storage import atomic_write_bytes
from seqgan_gumbel.training import start_run, Trainer

from scripts import ROOT
from scripts.stats import mean_se

DENSE = ["train.estimator=reinforce", "train.rewards=dense", "discriminator.kind=lstm",
         "discriminator.per_step=true", "discriminator.minibatch_std=false"]
ESTIMATORS = {"gumbel": [], "reinforce_rollout": ["train.estimator=reinforce"], "reinforce_dense": DENSE}


def one_run(grammar: str, overrides: list[str], seed: int, args, out: Path) -> dict:
    """Train one run with the gradient's spread logged; its per-step figures and their medians."""
    cfg = load_config(None, [f"data.grammar={grammar}", f"train.seed={seed}", f"train.adv_steps={args.adv_steps}",
                             f"train.log_every={args.every}", f"train.grad_variance={args.batches}",
                             "train.num_samples=200", "log.report=false", *overrides, *args.set])
    t0 = time.perf_counter()
    trainer = Trainer(cfg, out, progress=False)
    start_run(trainer, out, overwrite=True)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [{"step": r["step"], "g_grad_var": r["g_grad_var"], "g_grad_norm2": r["g_grad_norm2"],
              "snr": (r["g_grad_norm2"] - r["g_grad_var"] / args.batches) / r["g_grad_var"]}
             for r in rows if r.get("phase") == "adv" and "g_grad_var" in r]
    if not steps:
        raise SystemExit("no gradient spread was logged: raise --adv-steps or lower --every")
    return {"steps": steps, "snr": statistics.median(s["snr"] for s in steps),
            "g_grad_var": statistics.median(s["g_grad_var"] for s in steps),
            "wall_s": round(time.perf_counter() - t0, 1), "threads": torch.get_num_threads()}


def summary(runs: dict) -> dict:
    """Per estimator: mean and standard error over seeds of the median signal-to-noise ratio."""
    return {est: mean_se([r["snr"] for r in seeds.values()]) for est, seeds in runs.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grammar", default="arith")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--estimators", default=",".join(ESTIMATORS))
    ap.add_argument("--adv-steps", type=int, default=100)
    ap.add_argument("--every", type=int, default=20, help="log (and measure the spread) every N adversarial steps")
    ap.add_argument("--batches", type=int, default=16, help="K, the independent batches of each measurement")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a config override applied to every estimator (after its own)")
    ap.add_argument("--results", default=str(ROOT / "results/estimators"))
    args = ap.parse_args()
    if args.batches < 2:
        ap.error("--batches must be at least 2")
    torch.set_num_threads(args.threads)
    path = Path(args.results) / f"grad_variance_{args.grammar}.json"
    result = json.loads(path.read_text()) if path.is_file() and not args.fresh else {}
    settings = {"grammar": args.grammar, "adv_steps": args.adv_steps, "every": args.every,
                "batches": args.batches, "set": args.set}
    if result and {k: result.get(k) for k in settings} != settings:
        raise SystemExit(f"{path} was measured with other settings: pass --fresh, or another --results")
    runs = result.get("runs", {})
    for est in args.estimators.split(","):
        for seed in args.seeds.split(","):
            if seed in runs.get(est, {}):
                print(f"{est} seed {seed}: already measured, skipped", flush=True)
                continue
            with tempfile.TemporaryDirectory() as tmp:
                r = one_run(args.grammar, ESTIMATORS[est], int(seed), args, Path(tmp) / "run")
            runs.setdefault(est, {})[seed] = r
            print(f"{est} seed {seed}: median snr {r['snr']:.4f}, {r['wall_s']} s", flush=True)
            result = settings | {"runs": runs, "summary": summary(runs), "torch": torch.__version__}
            text = json.dumps(result, indent=1) + "\n"
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, lambda f: f.write(text.encode()))
    print(f"saved {path}")


if __name__ == "__main__":
    main()

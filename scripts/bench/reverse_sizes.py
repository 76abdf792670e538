"""Benchmark: does the reverse-LM score's preference for low-entropy samples shrink with more samples?

The oracle check of the judges (issue 30) finds the reverse-LM score ranking a cold point (the MLE at
T = 0.85) ahead of a hot one (T = 1.3) that NLL_test ranks first, and the oracle's own points
show the same lean: at T = 0.85 and T = 1.2 the oracle is nearly tied in NLL_test, yet the reverse LM
fitted on 10,000 samples scores T = 0.85 better by 0.036 nats. The hypothesis: a fit on finitely many
samples learns a low-entropy distribution more completely than a high-entropy one, a bias that
should fade as the samples grow. Here only the oracle is judged, so the truth is exact: the oracle
at temperatures T (default 0.85, 1, 1.2) draws N samples (default 5,000 ... 40,000; each N the first
N of one draw, seed 10, so the sets are nested), the package's reverse recipe is fitted on them and
scored on 2,000 held-out oracle samples (seed 2); the truth of each T is the tempered oracle's exact
NLL of those held-out samples.

The reverse LM reads the samples in the vocabulary of a judge fitted on the oracle's samples (seed
1, 10,000 lines: the check's judge's training text, so its vocabulary); only that vocabulary and the
reverse recipe are used, so the judge LM itself is fitted for one epoch (--judge-epochs).

--stop-on real tests the mechanism the first run points to (the fit stops sooner on hotter
samples): the reverse LM trains on every sample and is stopped, its epoch picked, by its NLL on
2,000 other real oracle samples (seed 3) instead of on held-out samples; those fits are kept beside
the others (keys ending " stop=real").

    .venv/bin/python -m scripts.bench.reverse_sizes [--sizes 5000,10000,20000,40000]
        [--temperatures 0.85,1,1.2] [--seeds 0] [--stop-on samples|real] [--threads 1]

Writes results/judges/reverse_sizes.json after every fit (a fit already there is skipped, so a
stopped run goes on); the judge stays in runs/judges/oracle-vocab (weights are not kept in git).
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from scripts import ROOT
from scripts.bench.judges_coco import numbers
from scripts.bench.judges_oracle import as_lines
from scripts.bench.locked import update_json

OUT = ROOT / "results/judges/reverse_sizes.json"


def key(t: float, n: int, seed: int, stop: str = "samples") -> str:
    return f"T={t:g} N={n} seed={seed}" + ("" if stop == "samples" else f" stop={stop}")


def summary(fits: dict) -> list[dict]:
    """Per N, seed and what stopped the fit: each temperature's reverse-LM score and the truth, and
    whether the reverse LM orders every pair of temperatures as the truth does."""
    groups: dict[tuple, dict] = {}
    for f in fits.values():
        groups.setdefault((f.get("stop", "samples") != "samples", f["n"], f["seed"]), {})[f["temperature"]] = f
    out = []
    for (real, n, seed), by_t in sorted(groups.items()):
        ts = sorted(by_t)
        pairs = [(a, b) for i, a in enumerate(ts) for b in ts[i + 1:]]
        agree = sum((by_t[a]["reverse_lm"] < by_t[b]["reverse_lm"]) == (by_t[a]["nll_test"] < by_t[b]["nll_test"])
                    for a, b in pairs)
        out.append({"n": n, "seed": seed, "stop": "real" if real else "samples", "temperatures": ts,
                    "reverse_lm": [by_t[t]["reverse_lm"] for t in ts], "nll_test": [by_t[t]["nll_test"] for t in ts],
                    "pairs_ordered_as_truth": agree, "pairs": len(pairs)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", default=str(ROOT.parent / "shared/data/oracle/seqgan_oracle_lstm.npz"))
    ap.add_argument("--sizes", type=numbers(int), default=[5000, 10000, 20000, 40000], help="samples a fit (comma-separated)")
    ap.add_argument("--temperatures", type=numbers(float), default=[0.85, 1.0, 1.2])
    ap.add_argument("--seeds", type=numbers(int), default=[0], help="seeds of the reverse LM's fit")
    ap.add_argument("--stop-on", choices=("samples", "real"), default="samples",
                    help="what stops the fit: held-out samples (the package's recipe) or other real oracle samples")
    ap.add_argument("--judge", default=str(ROOT / "runs/judges/oracle-vocab"))
    ap.add_argument("--judge-epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    if not args.sizes or min(args.sizes) < 100:
        raise SystemExit("--sizes: give sample counts of at least 100, for example 5000,10000")

    import torch

    from seqgan_gumbel.data import load_oracle
    from seqgan_gumbel.evaluation import Judge, JudgeConfig, LMRecipe, fit_judge

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    oracle = load_oracle(args.oracle)
    judge = fit_judge(as_lines(oracle.sample(10_000, 20, seed=1)), None,
                      JudgeConfig(lm=LMRecipe(max_epochs=args.judge_epochs)), out=args.judge)
    test_ids = oracle.sample(2000, 20, seed=2)
    test = as_lines(test_ids)
    stop_on = as_lines(oracle.sample(2000, 20, seed=3)) if args.stop_on == "real" else None
    done = json.loads(out.read_text())["fits"] if out.is_file() else {}
    for t in args.temperatures:
        todo = [(n, s) for n in sorted(args.sizes) for s in args.seeds if key(t, n, s, args.stop_on) not in done]
        if not todo:
            continue
        samples = as_lines(oracle.sample(max(args.sizes), 20, seed=10, temperature=t))
        truth = float(oracle.sequence_nll(test_ids, temperature=t).sum() / test_ids.numel())
        for n, seed in todo:
            recipe = Judge(judge.directory, replace(judge.config, reverse=replace(judge.config.reverse, seed=seed)),
                           judge.vocab, judge.model, judge.info)
            t0 = time.perf_counter()
            fit = {"temperature": t, "n": n, "seed": seed, "stop": args.stop_on, "nll_test": truth,
                   **recipe.reverse_lm(samples[:n], test, stop_on), "wall_s": time.perf_counter() - t0,
                   "threads": args.threads}
            print({k: round(v, 4) if isinstance(v, float) else v for k, v in fit.items()}, flush=True)

            def add(result: dict, k: str = key(t, n, seed, args.stop_on), fit: dict = fit) -> dict:
                result["fits"][k] = fit
                result["summary"] = summary(result["fits"])
                return result

            update_json(out, lambda: {"oracle": Path(args.oracle).name, "test": len(test), "sample_seed": 10,
                                      "reverse_recipe": judge.info["config"]["reverse"], "fits": {}}, add)
    for s in summary(json.loads(out.read_text())["fits"]) if out.is_file() else []:
        print(f"N={s['n']} seed {s['seed']} stopped on {s['stop']}: {s['pairs_ordered_as_truth']}/{s['pairs']} pairs ordered as the truth; "
              + ", ".join(f"T={t:g} {r:.4f} (truth {v:.4f})" for t, r, v in zip(s["temperatures"], s["reverse_lm"],
                                                                                   s["nll_test"])))


if __name__ == "__main__":
    main()

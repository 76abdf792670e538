"""Benchmark: do the judges rank generators as the truth does, on the SeqGAN oracle at full size?

The judge LM (the default recipe, 2 x 512 LSTM, at most 10 epochs) is fitted on 10,000 of the
oracle's own samples. The generators judged: the oracle itself at sampling temperatures 0.5 ... 2
(its temperature sweep: at T = 1 a perfect maximum-likelihood model), oracles with noise added to
their weights (other models, worse in both planes), and trained runs on the same oracle (default:
seed 0 of the early-stopped CPU-size MLE and its GAN, runs/bench/oracle-cpu_es/{mle,gan}-s0, when
they are there; train them with scripts.bench.seeds oracle --name cpu_es) at three temperatures.
The truth of each: NLL_oracle of its samples (quality) and NLL_test, its own NLL of held-out oracle
samples (diversity); every generator is judged against the same held-out samples (the runs'
test.txt). Passes when the LM score ranks them as NLL_oracle (Spearman >= 0.95), the reverse-LM
score as NLL_test, and MAUVE of real against real is near 1 and falls as T moves away from 1.

    .venv/bin/python -m scripts.bench.judges_oracle [--oracle ../shared/data/oracle/seqgan_oracle_lstm.npz]
        [--num 2000] [--epochs 10] [--runs DIR,DIR] [--run-temperatures 0.7,1.0,1.3]

--num sets the samples of every judge, the reverse-LM's training set included (issue 30 sets its
speed target at N = 10,000).

Writes results/judges/oracle.json; the judge stays in runs/judges/oracle (weights are not kept in git).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from scripts import ROOT

TEMPERATURES = (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0)
NOISES = (0.1, 0.3)
RUNS = ROOT / "runs/bench/oracle-cpu_es"
JUDGED = ("judge", "lm_score", "lm_unknown", "reverse_lm", "reverse_lm_epochs", "mauve", "frechet")


def as_lines(ids) -> list[str]:
    """Token-id rows as text lines, ids joined by spaces (how the judges read oracle samples)."""
    return [" ".join(map(str, r)) for r in ids.tolist()]


def _generators(oracle):
    """(label, temperature, draw(num, seed) -> ids, held-out NLL function) of every generator judged."""
    import numpy as np

    for t in TEMPERATURES:
        yield (f"oracle T={t:g}", t, lambda n, s, t=t: oracle.sample(n, 20, seed=s, temperature=t),
               lambda ids, t=t: float(oracle.sequence_nll(ids, temperature=t).sum() / ids.numel()))
    for noise in NOISES:
        rng = np.random.default_rng(7)
        other = type(oracle)({k: v + rng.normal(0, noise * v.std(), v.shape).astype(v.dtype)
                              for k, v in oracle.params.items()})
        yield (f"oracle + noise {noise:g} sd", 1.0, lambda n, s, o=other: o.sample(n, 20, seed=s),
               lambda ids, o=other: float(o.sequence_nll(ids).sum() / ids.numel()))


def _trained(runs: list[str], temperatures: list[float], num: int, judge):
    """Rows of trained runs: their own figures (NLL_oracle, NLL_test on their test.txt) and the judges'."""
    import seqgan_gumbel as sg

    for path in runs:
        run = sg.load(path)
        for t in temperatures:
            f = run.evaluate(num=num, temperature=t, seed=10, judge=judge, judges=("lm", "reverse", "mauve"))
            yield {"generator": f"{Path(path).name} T={t:g}", "temperature": t, "nll_oracle": f["nll_oracle"],
                   "nll_test": f["nll_test"]} | {k: f[k] for k in f if k in JUDGED}


def spearmans(rows: list[dict], suffix: str = "") -> dict:
    """Spearman's rank correlation of each judge with its truth over these rows (the trained runs
    alone: suffix _trained, the points issue 30 names; every generator: no suffix)."""
    from scipy.stats import spearmanr

    if len(rows) < 3:
        return {}
    col = {k: [r[k] for r in rows] for k in ("nll_oracle", "nll_test", "lm_score", "reverse_lm")}
    return {f"spearman_lm_vs_nll_oracle{suffix}": float(spearmanr(col["nll_oracle"], col["lm_score"]).statistic),
            f"spearman_reverse_vs_nll_test{suffix}": float(spearmanr(col["nll_test"], col["reverse_lm"]).statistic)}


def main() -> None:

    import torch

    from seqgan_gumbel.data import load_oracle
    from seqgan_gumbel.evaluation import JudgeConfig, LMRecipe, fit_judge

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", default=str(ROOT.parent / "shared/data/oracle/seqgan_oracle_lstm.npz"))
    ap.add_argument("--num", type=int, default=2000, help="samples per generator (default 2000)")
    ap.add_argument("--train", type=int, default=10_000, help="oracle samples the judge is fitted on")
    ap.add_argument("--runs", type=lambda x: [p for p in x.split(",") if p],
                    default=[str(RUNS / n) for n in ("mle-s0", "gan-s0") if (RUNS / n / "summary.json").is_file()],
                    help="trained oracle runs to judge too (default: runs/bench/oracle-cpu_es/{mle,gan}-s0 if there)")
    ap.add_argument("--run-temperatures", type=lambda x: [float(v) for v in x.split(",")], default=[0.7, 1.0, 1.3])
    ap.add_argument("--epochs", type=int, default=10, help="at most this many judge epochs (default 10)")
    ap.add_argument("--judge", default=str(ROOT / "runs/judges/oracle"))
    ap.add_argument("--out", default=str(ROOT / "results/judges/oracle.json"))
    args = ap.parse_args()
    oracle = load_oracle(args.oracle)
    t0 = time.perf_counter()
    config = JudgeConfig(lm=LMRecipe(max_epochs=args.epochs))
    judge = fit_judge(as_lines(oracle.sample(args.train, 20, seed=1)), None, config, out=args.judge, progress=True)
    if args.runs:          # the runs' held-out samples (oracle seed 0: the same in every run)
        from seqgan_gumbel.metrics import read_text_lines

        test = read_text_lines(Path(args.runs[0]) / "test.txt", "test file", keep_empty=False)
        test_ids = torch.tensor([[int(w) for w in line.split()] for line in test])
    else:
        test_ids = oracle.sample(2000, 20, seed=2)
        test = as_lines(test_ids)
    rows = []
    for label, t, draw, held_out in _generators(oracle):
        ids = draw(args.num, 10)
        row = {"generator": label, "temperature": t, "nll_oracle": oracle.nll(ids), "nll_test": held_out(test_ids)}
        rows.append(row | judge.figures(as_lines(ids), test, ("lm", "reverse", "mauve")))
        print({k: round(v, 4) if isinstance(v, float) else v for k, v in rows[-1].items()}, flush=True)
    for row in _trained(args.runs, args.run_temperatures, args.num, judge):
        rows.append(row)
        print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    real = judge.figures(as_lines(oracle.sample(args.num, 20, seed=11)), test, ("lm", "reverse", "mauve"))
    result = {"judge": judge.digest[:16], "judge_epochs": judge.info["epochs"], "judge_best_epoch": judge.info["best_epoch"],
              "judge_max_epochs": args.epochs, "judge_validation_nll": judge.info["validation_nll"], "judge_train": args.train,
              "num": args.num, "test": len(test), "runs": args.runs, "rows": rows, "real_data": real,
              **spearmans(rows), **spearmans([r for r in rows if not r["generator"].startswith("oracle")], "_trained"),
              "wall_s": time.perf_counter() - t0}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"Spearman LM score vs NLL_oracle {result['spearman_lm_vs_nll_oracle']:.3f}, reverse-LM vs NLL_test "
          f"{result['spearman_reverse_vs_nll_test']:.3f}; written to {out}")


if __name__ == "__main__":
    main()

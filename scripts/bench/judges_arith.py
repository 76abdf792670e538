"""Benchmark: do the judges rank generators as the truth does, on the arith grammar?

Here the truth is exact: the parser says which samples are valid, and each trained generator's
NLL of held-out grammar strings is computed exactly. The judge LM (the default recipe, 2 x 512
LSTM, at most 10 epochs) is fitted on the runs' 10,000 training strings. Generators judged:
- three trained runs on arith (seed 0): the MLE baseline (configs/arith_mle.toml), a short MLE
  (200 steps: a weaker model) and the default GAN (MLE warm-up + WGAN-GP), each at the sampling
  temperatures; truths: the invalid fraction (the LM score must rank as it does), the exact
  grammar NLL of the valid samples (the oracle's NLL_oracle here; invalid samples have
  probability 0, so it leaves them out: the judge's NLL of the same valid samples must rank as
  it does; the LM score of all samples is set against it too) and the run's NLL of the held-out
  strings under that temperature (diversity and coverage, the reverse-LM score must rank as it
  does);
- held-out grammar strings with a growing share corrupted (one token replaced): invalid share
  known by construction, the LM score must rank as it does;
- samples drawn with replacement from pools of fewer and fewer grammar strings (mode collapse):
  the reverse-LM score must rise as the pool shrinks;
- fresh grammar strings (the real-data row): MAUVE near 1; and MAUVE along each run's
  temperatures, expected to peak near T = 1.
Passes when each Spearman is >= 0.95 and MAUVE of real against real is near 1.

    .venv/bin/python -m scripts.bench.judges_arith [--num 2000] [--epochs 10]
        [--temperatures 0.7,1.0,1.3,1.6,2.0] [--runs DIR]

Writes results/judges/arith.json; the runs and the judge stay under runs/ (weights are not kept in git).
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from scripts import ROOT
from scripts.stats import spearman

# name: (config file relative to the repository or None for the defaults, overrides)
RUNS = {"mle": ("configs/arith_mle.toml", []),
        "mle_short": (None, ["train.mle_steps=200", "train.adv_steps=0"]),
        "gan": (None, [])}
CORRUPTED = (0.0, 0.25, 0.5, 0.75, 1.0)
POOLS = (2000, 500, 100, 20)
JUDGES = ("lm", "reverse", "mauve")


def _runs(folder: Path) -> dict:
    """The trained arith runs (seed 0), trained here unless already there."""
    import seqgan_gumbel as sg

    out = {}
    for name, (config, overrides) in RUNS.items():
        path = folder / name
        if not (path / "summary.json").is_file():
            print(f"training {name} into {path}", flush=True)
            sg.train(config and str(ROOT / config), path, overwrite=True,
                     overrides=["data.grammar=arith", "train.seed=0", "log.report=false", *overrides])
        out[name] = sg.load(path)
    return out


def _corrupt(lines: list[str], share: float, symbols: list[str], seed: int) -> list[str]:
    """Each line with one token replaced by a random symbol, for the given share of lines."""
    import numpy as np

    rng, out = np.random.default_rng(seed), []
    for line in lines:
        words = line.split()
        if rng.random() < share:
            words[rng.integers(len(words))] = symbols[rng.integers(len(symbols))]
        out.append(" ".join(words))
    return out


def _judge_nll_per_string(judge, lines: list[str]) -> float | None:
    """The judge LM's NLL per string (its end included) of the lines: the judged twin of the
    grammar's exact NLL per string of the same lines; None without lines (no valid sample)."""
    if not lines:
        return None
    ids = judge.ids(lines)
    return judge.lm_score(lines)["lm_score"] * int((ids != judge.vocab.pad).sum()) / len(lines)


def _print(row: dict) -> None:
    print({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}, flush=True)


def main() -> None:
    from seqgan_gumbel.evaluation import JudgeConfig, LMRecipe

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--num", type=int, default=2000, help="samples per generator (default 2000)")
    ap.add_argument("--temperatures", type=lambda x: [float(v) for v in x.split(",")], default=[0.7, 1.0, 1.3, 1.6, 2.0])
    ap.add_argument("--epochs", type=int, default=10, help="at most this many judge epochs (default 10)")
    ap.add_argument("--runs", default=str(ROOT / "runs/bench/judges-arith"), help="where the trained runs are kept")
    ap.add_argument("--judge", default=str(ROOT / "runs/judges/arith"))
    ap.add_argument("--out", default=str(ROOT / "results/judges/arith.json"))
    args = ap.parse_args()
    t0 = time.perf_counter()
    runs = _runs(Path(args.runs))
    first = next(iter(runs.values()))
    grammar = first.loaded.kind().grammar
    judge = first.fit_judge(JudgeConfig(lm=LMRecipe(max_epochs=args.epochs)), out=args.judge, progress=True)
    test = (first.path / "test.txt").read_text(encoding="utf-8").splitlines()
    fresh = [" ".join(s) for s in grammar.samples(args.num + max(POOLS), seed=77)]

    trained = []
    for name, run in runs.items():
        for t in args.temperatures:
            samples = run.sample(args.num, temperature=t, seed=10)
            f = run.evaluate(samples, temperature=t, seed=10, reference=0, judge=judge, judges=JUDGES)
            s = f["samples"]
            trained.append({"generator": f"{name} T={t:g}", "run": name, "temperature": t, "invalid": 1 - s["valid"],
                            "unique": s["unique"], "nll_valid": s["nll_valid"],
                            "nll_valid_per_token": s["nll_valid_per_token"], "nll_test": f["nll_test"]}
                           | {k: f[k] for k in ("lm_score", "reverse_lm", "mauve", "frechet")}
                           | {"lm_nll_valid": _judge_nll_per_string(judge, [x for x in samples if grammar.is_valid(tuple(x.split()))])})
            _print(trained[-1])

    symbols = sorted({w for line in fresh for w in line.split()})
    corrupted = []
    for share in CORRUPTED:
        lines = _corrupt(fresh[:args.num], share, symbols, seed=3)
        invalid = 1 - sum(grammar.is_valid(tuple(x.split())) for x in lines) / len(lines)
        corrupted.append({"share": share, "invalid": invalid} | judge.lm_score(lines))
        _print(corrupted[-1])

    import numpy as np

    rng, pools = np.random.default_rng(4), []
    for k in POOLS:
        lines = [fresh[args.num + i] for i in rng.integers(0, k, size=args.num)]
        pools.append({"pool": k, "unique": len(set(lines)) / len(lines)} | judge.reverse_lm(lines, test))
        _print(pools[-1])

    real = judge.figures(fresh[:args.num], test, JUDGES)
    col = {k: [r[k] for r in trained] for k in ("invalid", "nll_valid", "nll_valid_per_token", "nll_test", "lm_score",
                                                 "lm_nll_valid", "reverse_lm")}
    mauve_peaks = {name: max((r for r in trained if r["run"] == name), key=lambda r: r["mauve"])["temperature"]
                   for name in runs}
    result = {"judge": judge.digest[:16], "judge_epochs": judge.info["epochs"],
              "judge_best_epoch": judge.info["best_epoch"], "judge_validation_nll": judge.info["validation_nll"],
              "num": args.num, "test": len(test), "temperatures": args.temperatures,
              "runs": {n: {"config": c, "overrides": o} for n, (c, o) in RUNS.items()},
              "trained": trained, "corrupted": corrupted, "pools": pools, "real_data": real,
              "spearman_lm_vs_invalid": spearman(col["invalid"], col["lm_score"]),
              "spearman_lm_vs_grammar_nll": spearman(col["nll_valid_per_token"], col["lm_score"]),
              "spearman_lm_valid_vs_grammar_nll_valid": spearman(col["nll_valid"], col["lm_nll_valid"]),
              "spearman_reverse_vs_nll_test": spearman(col["nll_test"], col["reverse_lm"]),
              "spearman_lm_vs_invalid_corrupted": spearman([r["invalid"] for r in corrupted],
                                                            [r["lm_score"] for r in corrupted]),
              "spearman_reverse_vs_collapse": spearman([-math.log(r["pool"]) for r in pools],
                                                        [r["reverse_lm"] for r in pools]),
              "mauve_peak_temperature": mauve_peaks, "wall_s": time.perf_counter() - t0}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    rho = {k[len("spearman_"):]: "undefined" if v is None else f"{v:.3f}"
           for k, v in result.items() if k.startswith("spearman_")}
    print(f"Spearman LM score vs invalid {rho['lm_vs_invalid']}, vs grammar NLL {rho['lm_vs_grammar_nll']}, "
          f"on the valid samples vs their grammar NLL {rho['lm_valid_vs_grammar_nll_valid']} (corrupted strings "
          f"{rho['lm_vs_invalid_corrupted']}), reverse-LM vs NLL_test {rho['reverse_vs_nll_test']} (collapse "
          f"{rho['reverse_vs_collapse']}), MAUVE real {real['mauve']:.3f}; written to {out}")


if __name__ == "__main__":
    main()

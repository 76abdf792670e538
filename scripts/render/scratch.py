"""Curves of the from-scratch grammar runs: validity, the grammar NLL of the samples and the
generator's NLL of held-out strings (each ÷ the grammar's own) at every log step of every seed,
from the curves scripts/bench/grammar.py saves. Writes results/grammar/scratch_curves.png.

    .venv/bin/python -m scripts.render.scratch [--variant scratch] [--results results/grammar] [--out PNG]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts import ROOT
from scripts.render.figure import save


PANELS = (("valid", "valid fraction (500 samples)", (0.99, None)),
          ("nll_samples_ratio", "grammar NLL of valid samples ÷ grammar's own", (0.95, 1.05)),
          ("gen_nll_test_ratio", "generator NLL of held-out strings ÷ exact", (None, 1.05)))


def plot(results: dict[str, dict], variant: str, out: Path) -> None:
    """One row of three panels per grammar; one line per seed; the targets as dashed lines."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grammars = [g for g, d in results.items() if variant in d["runs"]]
    if not grammars:
        raise SystemExit(f"no {variant!r} runs in the result files: run python -m scripts.bench.grammar --variants {variant}")
    fig, axes = plt.subplots(len(grammars), 3, figsize=(14, 3.6 * len(grammars)), squeeze=False)
    for row, grammar in zip(axes, grammars):
        run = results[grammar]["runs"][variant]
        for seed, r in run["seeds"].items():
            steps = [p["step"] for p in r["curve"]]
            for ax, (key, _, _) in zip(row, PANELS):
                ax.plot(steps, [p[key] if p[key] is not None else float("nan") for p in r["curve"]],
                        label=f"seed {seed}", lw=1.2)
        for ax, (key, title, (lo, hi)) in zip(row, PANELS):
            for bound in (lo, hi):
                if bound is not None:
                    ax.axhline(bound, color="k", ls="--", lw=0.8)
            ax.set_title(f"{grammar}: {title}", fontsize=9)
            ax.set_xlabel("adversarial iteration")
            ax.grid(alpha=0.3)
        row[0].set_ylim(0, 1.01)
        row[0].legend(fontsize=8)
    labels = "; ".join(results[g]["runs"][variant]["label"] for g in grammars)
    fig.suptitle(f"{labels}: one line per seed, dashed lines are the targets", fontsize=10)
    save(fig, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", default="scratch")
    ap.add_argument("--results", default=str(ROOT / "results" / "grammar"), help="where <grammar>.json is kept")
    ap.add_argument("--out", default=None, help="default: <results>/scratch_curves.png")
    args = ap.parse_args()
    args.out = args.out or str(Path(args.results) / "scratch_curves.png")
    results = {}
    for grammar in ("arith", "kusner"):
        path = Path(args.results) / f"{grammar}.json"
        if path.is_file():
            results[grammar] = json.loads(path.read_text())
    plot(results, args.variant, Path(args.out))
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()

"""Curves over adversarial iterations of a seeds benchmark (RelGAN's figure): for every GAN run
kept in results/<benchmark>/<name>_runs/gan-s<seed>/metrics.jsonl, the logged figures at every
log step, one line per seed; iteration 0 is the generator the GAN starts from (the MLE run's best).
A run still in pieces is drawn as far as it got; an attempt set aside in <name>_lost/ (its
checkpoint lost) is drawn dashed in grey as far as it got. Writes <name>_curves.png beside
the result file (scripts/bench/seeds.py does this after every benchmark).

    .venv/bin/python -m scripts.render.curves oracle|coco [--name full] [--results DIR]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts import ROOT


PANELS = {"oracle": (("nll_oracle", "NLL_oracle of 2,000 samples (lower = better)"),
                     ("nll_test", "NLL_test, 2,000 held-out (lower = more covered)")),
          "coco": (("bleu4", "BLEU-4 of 2,000 samples"),
                   ("self_bleu4", "Self-BLEU-4 of 2,000 samples (lower = more diverse)"),
                   ("nll_test", "NLL_gen of test captions"))}


def logged(run: Path) -> list[dict]:
    """The rows of a kept run's metrics.jsonl (read without torch: the renderers import this)."""
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]


def curves(runs: Path) -> dict[int, dict[str, list[dict]]]:
    """Per seed and variant (mle, gan), the logged rows of its run."""
    out: dict[int, dict[str, list[dict]]] = {}
    for run in sorted(runs.glob("*-s*")):
        variant, seed = run.name.rsplit("-s", 1)
        if (run / "metrics.jsonl").is_file():
            out.setdefault(int(seed), {})[variant] = logged(run)
    return out


def lost_curves(lost: Path) -> list[tuple[int, int, list[dict]]]:
    """(seed, attempt, rows) of the GAN runs set aside in <name>_lost/gan-s<seed>.<attempt> by
    scripts.bench.seeds --restart-lost: measured, but their checkpoints were lost before the end."""
    out = []
    for run in sorted(lost.glob("gan-s*.*")):
        seed, attempt = run.name.removeprefix("gan-s").split(".", 1)
        if (run / "metrics.jsonl").is_file():
            out.append((int(seed), int(attempt), logged(run)))
    return out


def plot(bench: str, runs: Path, out: Path, title: str) -> bool:
    """Draws the figure; False (and nothing written) when there is no GAN curve yet."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seeds = {s: c for s, c in curves(runs).items() if "gan" in c}
    lost = lost_curves(runs.with_name(runs.name.replace("_runs", "_lost")))
    if not seeds and not lost:
        return False
    panels = PANELS[bench]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), squeeze=False)
    for ax, (key, label) in zip(axes[0], panels):
        for i, (seed, c) in enumerate(sorted(seeds.items())):
            rows = [r for r in c["gan"] if r["phase"] in ("init", "adv") and key in r]
            ax.plot([r["step"] for r in rows], [r[key] for r in rows], color=f"C{i}", marker=".", label=f"seed {seed}")
        for seed, attempt, c in lost:
            rows = [r for r in c if r["phase"] in ("init", "adv") and key in r]
            ax.plot([r["step"] for r in rows], [r[key] for r in rows], color="grey", ls="--", lw=1,
                    label=f"seed {seed}, attempt {attempt} (checkpoint lost)")
        ax.set_xlabel("adversarial iteration")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("benchmark", choices=sorted(PANELS))
    ap.add_argument("--name", default="full")
    ap.add_argument("--results", metavar="DIR", help="default results/<benchmark>")
    args = ap.parse_args()
    where = Path(args.results or ROOT / "results" / args.benchmark)
    out = where / f"{args.name}_curves.png"
    if not plot(args.benchmark, where / f"{args.name}_runs", out, f"{args.benchmark} ({args.name}): every 100 iterations"):
        raise SystemExit(f"no GAN curves in {where / (args.name + '_runs')}: run python -m scripts.bench.seeds first")
    print(f"saved {out}")


if __name__ == "__main__":
    main()

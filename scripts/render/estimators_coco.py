"""The estimators on MS COCO captions at CPU size: a table for the docs (scripts.render.docs) and
the plot of every estimator's BLEU-4 / Self-BLEU-4 curve beside the MLE's. The relaxation's runs
are the early-stopped CPU-size benchmark's (results/coco/cpu_es.json); the REINFORCE runs start
from the same MLE runs (scripts.bench.seeds coco --mle-from cpu_es, results/coco/es_reinforce_<rewards>.json).

    .venv/bin/python -m scripts.render.estimators_coco [--out results/estimators/coco.png]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from scripts import ROOT
from scripts.render.estimators import adversarial_updates, recipe_label
from scripts.render.estimators_oracle import at_one, load_benchmark, plot_curves
from scripts.stats import interpolate, mean_se_text


def paired_gaps(d: dict, temperature: float = 1.0) -> list[float]:
    """Per GAN seed, its BLEU-4 at this temperature minus its own seed's MLE temperature curve's at
    the same Self-BLEU-4 (linear between that MLE's temperatures; a seed outside its curve's range is
    left out). Each GAN starts from its seed's MLE, so the pair shares the warm-up: a GAN with fewer
    seeds than the MLE is not set against other seeds' curves."""
    rows = d["sweep"]["rows"]
    gaps = []
    for seed in sorted(d["variants"]["gan"]["seeds"], key=int):
        mine = [r for r in rows if str(r["seed"]) == seed]
        curve = [(r["self_bleu4"], r["bleu4"]) for r in mine if r["label"] == d["variants"]["mle"]["label"]]
        gan = next(r for r in mine if r["label"] == d["variants"]["gan"]["label"] and r["temperature"] == temperature)
        if (y := interpolate(curve, gan["self_bleu4"])) is not None:
            gaps.append(gan["bleu4"] - y)
    return gaps


def coco_table(results: Path | None = None) -> str:
    """One row per estimator: BLEU-4 and Self-BLEU-4 at T = 1 (its seeds' MLE's and its GAN's),
    the GAN's distance from the MLE curve at T = 1, updates and wall time."""
    files = load_benchmark("coco", results)
    if not files:
        return "(not measured yet: run python -m scripts.bench.seeds coco --mle-from cpu_es --name es_reinforce_dense ...)"
    rows = []
    for est, d in files.items():
        bleu, self_bleu, nll = at_one(d, "bleu4"), at_one(d, "self_bleu4"), at_one(d, "nll_test")
        gaps = paired_gaps(d)
        gap_cell = mean_se_text(gaps, sign=True) + ("" if len(gaps) == len(bleu["gan"]) else f" ({len(gaps)} seeds)") if gaps else "-"
        updates = adversarial_updates(str(ROOT / d["config"]), d["overrides"])
        walls = [s["wall_s"] for s in d["variants"]["gan"]["seeds"].values()]
        cells = [mean_se_text(bleu["mle"]), mean_se_text(self_bleu["mle"]), mean_se_text(bleu["gan"]),
                 mean_se_text(self_bleu["gan"]), mean_se_text([g - m for m, g in zip(nll["mle"], nll["gan"])], sign=True)]
        rows.append(f"| {recipe_label(est)} | {len(bleu['gan'])} | " + " | ".join(cells)
                    + f" | {gap_cell} | {updates} | {mean_se_text(walls, 0)} s |")
    return ("| estimator (MS COCO captions, CPU size, early-stopped warm-up) | GAN seeds | its seeds' MLE BLEU-4, T = 1 | "
            "its seeds' MLE Self-BLEU-4, T = 1 | GAN BLEU-4, T = 1 | GAN Self-BLEU-4, T = 1 | GAN NLL_gen test − its MLE's | "
            "GAN better than the MLE curve at T = 1 | generator updates | GAN wall time |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
            + "\n\nMean ± standard error over seeds; 10,000 samples a figure, BLEU against the 10,000 test captions "
            "(exact, smoothing method 1), Self-BLEU leave-one-out. \"Better than the MLE curve\": each GAN seed's BLEU-4 "
            "minus its own seed's MLE temperature curve's at the same Self-BLEU-4 (linear between that MLE's "
            "temperatures; each GAN starts from its seed's MLE), mean ± standard error over the GAN's seeds. Wall time of the GAN phase alone (the warm-up is shared), on the machine "
            "named in each result file.")


def plot_coco(out: Path, results: Path | None = None) -> None:
    """BLEU-4 against Self-BLEU-4 over sampling temperatures: the MLE's curve and each estimator's GAN curve."""
    files = load_benchmark("coco", results)
    if not files:
        raise SystemExit("no COCO results for the estimators yet")
    plot_curves(files, "self_bleu4", "bleu4", ("Self-BLEU-4 (lower: more diverse)",
                "BLEU-4 against the test captions (higher: better samples)",
                "MS COCO, CPU size: every estimator's curve beside the MLE's (seed means)"), out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "results/estimators/coco.png"))
    args = ap.parse_args()
    print(coco_table())
    if load_benchmark("coco"):
        plot_coco(Path(args.out))
        print(f"saved {args.out}")


if __name__ == "__main__":
    main()

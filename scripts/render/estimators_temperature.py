"""The estimators on `arith` against the MLE's temperature curve: each run of
results/estimators/temperature/<recipe>/arith.json (scripts.bench.grammar --temperatures) scored at
every sampling temperature. Tables for the docs (scripts.render.docs) and one plot: validity against
the samples' grammar NLL ratio and against their uniqueness, seed means over temperatures, with the
moonshot's region drawn.

A GAN whose samples are sharper than the grammar's (a sample NLL ratio below 1) can be more valid
than an MLE sampled at T = 1 and still lie on the MLE's curve: the MLE sampled colder is too. The
gap asks where a GAN seed at T = 1 lies against a curve (seed means, linear between temperatures).

    .venv/bin/python -m scripts.render.estimators_temperature [--out results/estimators/temperature_arith.png]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts import ROOT
from scripts.render.estimators import meets_targets, recipe_label
from scripts.render.figure import save
from scripts.stats import by_temperature, interpolate, mean_se_text

FOLDER = ROOT / "results/estimators/temperature"
# (folder, variant of scripts.bench.grammar, label, colour), in the order of the tables and the legend
CURVES = (("mle", "mle", "MLE only, 1,800 steps", "k"),
          ("mle", "mle_long", "MLE only, 4,300 steps", "0.55"),
          ("mle_b512", "mle", "MLE only, batches of 512, 3,000 steps", "0.8"),
          ("gumbel_long", "scratch", recipe_label("gumbel_long"), "C0"),
          ("reinforce_dense_sg512_all_long", "scratch", "REINFORCE, ScratchGAN's whole recipe, 3,000 updates", "C1"),
          ("reinforce_dense_sg512_all_long_term", "scratch",
           "REINFORCE, ScratchGAN's whole recipe, 3,000 updates, terminal reward 1", "C4"),
          ("reinforce_dense_sg512_all_long_term_mle", "scratch",
           "the same with an MLE term (train.mle_weight=1; a hybrid)", "C5"))
# the curves every run is set against: the MLEs', and ScratchGAN's recipe without and with the terminal reward
MLE_LABELS = tuple(label for folder, _, label, _ in CURVES if folder.startswith("mle"))
REFERENCES = MLE_LABELS + tuple(label for folder, _, label, _ in CURVES
                                if folder in ("reinforce_dense_sg512_all_long", "reinforce_dense_sg512_all_long_term"))
QUALITY, DIVERSITY = "valid", "nll_samples_ratio"


def load_curves(folder: Path = FOLDER) -> dict[str, dict]:
    """{label: {"color", "seeds": {seed: its rows, one per temperature}}} for every curve measured."""
    out = {}
    for name, variant, label, color in CURVES:
        path = folder / name / "arith.json"
        run = json.loads(path.read_text())["runs"].get(variant) if path.is_file() else None
        if run:
            out[label] = {"color": color, "seeds": {s: r["temperatures"] for s, r in run["seeds"].items()
                                                    if "temperatures" in r}}
    return out


def mean_curve(seeds: dict[str, list[dict]]) -> list[tuple[float, float]]:
    """(diversity, quality) of the seed means at each temperature, with a valid sample at every seed."""
    rows = [r for rs in seeds.values() for r in rs if r[DIVERSITY] is not None]
    return [(m[DIVERSITY], m[QUALITY]) for m in by_temperature(rows).values() if m["n"] == len(seeds)]


def gaps(seeds: dict[str, list[dict]], curve: list[tuple[float, float]], temperature: float = 1.0) -> list[float]:
    """Per seed, its validity at this temperature minus the curve's at its samples' NLL ratio (a seed
    outside the curve's range is left out)."""
    out = []
    for rows in seeds.values():
        r = next(r for r in rows if r["temperature"] == temperature)
        if r[DIVERSITY] is not None and (y := interpolate(curve, r[DIVERSITY])) is not None:
            out.append(r[QUALITY] - y)
    return out


def curve_table(folder: Path = FOLDER) -> str:
    """One row per curve and temperature: the four figures of the targets and the seeds meeting them all."""
    curves = load_curves(folder)
    if not curves:
        return "(not measured yet: run python -m scripts.bench.grammar --temperatures ... (docs/results/estimators-temperature.md))"
    rows = []
    for label, c in curves.items():
        seeds = c["seeds"]
        for t in sorted({r["temperature"] for rs in seeds.values() for r in rs}):
            at = [next(r for r in rs if r["temperature"] == t) for rs in seeds.values()]
            cells = [mean_se_text([r[f] for r in at if r[f] is not None])
                     for f in ("valid", "unique_ratio", "nll_samples_ratio", "gen_nll_test_ratio")]
            rows.append(f"| {label} | {t:g} | {len(at)} | " + " | ".join(cells)
                        + f" | {sum(map(meets_targets, at))} of {len(at)} |")
    return ("| `arith` run | T | seeds | valid | unique ÷ grammar's | grammar NLL of samples ÷ grammar's | "
            "generator NLL of held-out ÷ exact, at T | every target met |\n|---|---|---|---|---|---|---|---|\n"
            + "\n".join(rows) + "\n\nMean ± standard error over seeds; 2,000 samples at each temperature (one sampling "
            "seed for every temperature of a run); the held-out NLL that of the tempered generator. Targets: ≥ 0.99 valid, "
            "both NLL ratios within 5%, unique ≥ 0.9 × the grammar's (time aside).")


def some_temperature(seeds: dict[str, list[dict]]) -> str:
    """How many seeds meet every target at some temperature of the sweep, and at which."""
    hits = {s: [r["temperature"] for r in rows if meets_targets(r)] for s, rows in seeds.items()}
    found = [f"seed {s}: T = {', '.join(f'{t:g}' for t in ts)}" for s, ts in hits.items() if ts]
    return f"{len(found)} of {len(seeds)}" + (f" ({'; '.join(found)})" if found else "")


def gap_table(folder: Path = FOLDER) -> str:
    """One row per run: the seeds meeting every target at T = 1 and at some temperature, and its
    validity at T = 1 against each MLE curve and ScratchGAN's recipe's (without the terminal reward
    and with it) at the same samples' NLL ratio."""
    curves = load_curves(folder)
    if not curves:
        return "(not measured yet)"
    refs = [lab for lab in REFERENCES if lab in curves]
    rows = []
    for label, c in curves.items():
        at_one = [r for rows in c["seeds"].values() for r in rows if r["temperature"] == 1.0]
        cells = [f"{sum(map(meets_targets, at_one))} of {len(c['seeds'])}", some_temperature(c["seeds"])]
        for ref in refs:
            g = gaps(c["seeds"], mean_curve(curves[ref]["seeds"])) if ref != label else []
            cells.append(mean_se_text(g, sign=True) + ("" if len(g) == len(c["seeds"]) else f" ({len(g)} of {len(c['seeds'])} seeds)")
                         if g else "-")
        rows.append(f"| {label} | {len(c['seeds'])} | " + " | ".join(cells) + " |")
    return ("| `arith` run | seeds | every target met at T = 1 | at some T of the sweep | "
            + " | ".join(f"valid at T = 1 − the curve of {r}" for r in refs) + " |\n|" + "---|" * (4 + len(refs))
            + "\n" + "\n".join(rows) + "\n\nTargets: ≥ 0.99 valid, both NLL ratios within 5%, unique ≥ 0.9 × the "
            "grammar's (time aside), on the sweep's samples (their own sampling seed: a run's end-of-training samples "
            "may land on the other side of a threshold). Against a curve: per seed at T = 1, its validity minus the "
            "curve's (seed means over temperatures, linear between them) at its samples' grammar NLL ratio; mean ± "
            "standard error over the seeds (the curve's own noise not counted); positive: above the curve.")


def plot(out: Path, folder: Path = FOLDER) -> None:
    """Validity against the samples' NLL ratio and against uniqueness, seed means over temperatures."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = load_curves(folder)
    fig, axes = plt.subplots(1, 2, figsize=(12, 6))
    for ax, x, xlabel, box in ((axes[0], DIVERSITY, "grammar NLL of valid samples ÷ grammar's (lower: sharper)", (0.95, 1.05)),
                               (axes[1], "unique_ratio", "unique ÷ grammar's (lower: less diverse)", (0.9, None))):
        for label, c in curves.items():
            rows = [r for rs in c["seeds"].values() for r in rs if r[x] is not None]
            m = by_temperature(rows)
            ax.plot([v[x] for v in m.values()], [v[QUALITY] for v in m.values()], "-o", ms=3, color=c["color"],
                    label=f"{label} ({len(c['seeds'])} seed{'s' * (len(c['seeds']) > 1)})")
            if 1.0 in m:
                ax.plot(m[1.0][x], m[1.0][QUALITY], "*", ms=11, color=c["color"])
        right = box[1] if box[1] is not None else ax.get_xlim()[1]
        ax.fill_between([box[0], right], 0.99, 1.0, color="g", alpha=0.12, label="the targets")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("valid fraction")
        ax.set_ylim(top=1.0)
        ax.grid(alpha=0.3)
    axes[0].set_title("arith from scratch: each run over T = 0.8 ... 1.2 (star: T = 1), seed means", fontsize=9)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=7)   # below both panels
    save(fig, out, rect=(0, 0.14, 1, 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "results/estimators/temperature_arith.png"))
    args = ap.parse_args()
    print(curve_table())
    print()
    print(gap_table())
    if load_curves():
        plot(Path(args.out))
        print(f"saved {args.out}")


if __name__ == "__main__":
    main()

"""The estimators on the SeqGAN oracle and the noise of their gradients: tables for the docs
(scripts.render.docs) and the oracle's plot. The relaxation's oracle runs are the early-stopped
CPU-size benchmark's (results/oracle/cpu_es.json); the REINFORCE runs start from the same MLE
runs (scripts.bench.seeds --mle-from cpu_es, results/oracle/es_reinforce_<rewards>.json).
The gradient noise comes from scripts.bench.grad_variance (results/estimators/grad_variance_<grammar>.json).
load_benchmark and plot_curves serve COCO's estimators too (scripts.render.estimators_coco).

    .venv/bin/python -m scripts.render.estimators_oracle [--out results/estimators/oracle.png]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts import ROOT
from scripts.render.figure import save
from scripts.render.estimators import COLORS, adversarial_updates, plot_label, recipe_label
from scripts.render.sweep_table import gap_se
from scripts.stats import by_temperature, mean_se_text

# each estimator's result name under results/oracle/ and results/coco/ (scripts.bench.seeds --name), and
# ScratchGAN's whole recipe's (dense rewards, its critic, schedule, batch, discount and baseline decay)
NAMES = {"gumbel": "cpu_es", "reinforce_rollout": "es_reinforce_rollout", "reinforce_dense": "es_reinforce_dense",
         "reinforce_dense_sg512_all": "es_reinforce_dense_sg512_all"}


def load_benchmark(bench: str, results: Path | None = None) -> dict[str, dict]:
    """{estimator: its result file of the benchmark (oracle, coco)}, for those measured (with at
    least one GAN seed)."""
    out = {}
    for est, name in NAMES.items():
        path = (results or ROOT / "results" / bench) / f"{name}.json"
        if path.is_file() and (d := json.loads(path.read_text()))["variants"].get("gan", {}).get("seeds"):
            out[est] = d
    return out


def load_oracle() -> dict[str, dict]:
    return load_benchmark("oracle")


def at_one(d: dict, key: str) -> dict[str, list[float]]:
    """Per variant, the values of a figure at sampling temperature 1 of the seeds the GAN has, in
    seed order (so the MLE's and the GAN's pair up seed by seed: each GAN starts from its seed's MLE)."""
    seeds = sorted(d["variants"]["gan"]["seeds"], key=int)
    return {v: [d["variants"][v]["seeds"][s][key] for s in seeds] for v in ("mle", "gan")}


def oracle_table() -> str:
    """One row per estimator: NLL_oracle and NLL_test at T = 1, the GAN below its own MLE at T = 1
    (SeqGAN's published direction), its distance from the MLE curve at T = 1, updates and wall time."""
    files = load_oracle()
    if not files:
        return "(not measured yet: run python -m scripts.bench.seeds oracle --mle-from cpu_es --name es_reinforce_rollout ...)"
    rows = []
    for est, d in files.items():
        oracle, test = at_one(d, "nll_oracle"), at_one(d, "nll_test")
        n = len(oracle["gan"])
        below = [m - g for m, g in zip(oracle["mle"], oracle["gan"])]
        gap = next((r["gan_better_by"] for r in d.get("gan_against_mle_curve", []) if r["temperature"] == 1.0), None)
        se = gap_se(d, "nll_oracle").get(1.0)
        gap_cell = "-" if gap is None else f"{gap:+.3f}" + (f" ± {se:.3f}" if se is not None else "")
        updates = adversarial_updates(str(ROOT / d["config"]), d["overrides"])
        walls = [s["wall_s"] for s in d["variants"]["gan"]["seeds"].values()]
        rows.append(f"| {recipe_label(est)} | {n} | {mean_se_text(oracle['mle'])} | {mean_se_text(oracle['gan'])} | {mean_se_text(test['gan'])} | "
                    f"{mean_se_text(below, sign=True)} | {gap_cell} | {updates} | {mean_se_text(walls, 0)} s |")
    return ("| estimator (SeqGAN oracle, CPU size, early-stopped warm-up) | GAN seeds | its seeds' MLE NLL_oracle, T = 1 | "
            "GAN NLL_oracle, T = 1 | GAN NLL_test, T = 1 | GAN below its MLE at T = 1 | GAN better than the MLE curve "
            "at T = 1 | generator updates | GAN wall time |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
            + "\n\nMean ± standard error over seeds; 10,000 samples a figure. \"Below its MLE\": the MLE's NLL_oracle "
            "minus the GAN's, seed by seed (SeqGAN's published direction is +0.30: 9.04 against 8.74); \"better than "
            "the MLE curve\": the GAN's NLL_oracle below the MLE temperature curve's at the same NLL_test. Wall time of "
            "the GAN phase alone (the warm-up is shared), on the machine named in each result file.")


def grad_table(grammar: str = "arith", results: Path = ROOT / "results/estimators") -> str:
    """The signal-to-noise ratio of one batch's generator gradient, per estimator: at the first and
    the last log step of the adversarial phase and the median over all of them."""
    path = results / f"grad_variance_{grammar}.json"
    if not path.is_file():
        return f"(not measured yet: run python -m scripts.bench.grad_variance --grammar {grammar})"
    d = json.loads(path.read_text())
    rows = []
    for est, seeds in d["runs"].items():
        runs = list(seeds.values())
        first, last = runs[0]["steps"][0]["step"], runs[0]["steps"][-1]["step"]
        cells = [mean_se_text([r["steps"][0]["snr"] for r in runs], 1), mean_se_text([r["steps"][-1]["snr"] for r in runs], 1),
                 mean_se_text([r["snr"] for r in runs], 1)]
        rows.append(f"| {recipe_label(est)} | {len(runs)} | " + " | ".join(cells) + " |")
    return (f"| estimator (`{grammar}`, after the MLE warm-up) | seeds | signal-to-noise, iteration {first} | "
            f"signal-to-noise, iteration {last} | median over the log steps |\n|---|---|---|---|---|\n" + "\n".join(rows)
            + f"\n\nMean ± standard error over seeds; each figure from {d['batches']} independent batches at the "
            f"current weights, every {d['every']} of {d['adv_steps']} adversarial iterations: signal-to-noise of one "
            "batch's gradient = (squared norm of the batches' mean − variance ÷ batches) ÷ variance (the variance "
            "summed over all parameters), free of the reward's scale. Higher: a less noisy gradient.")


def plot_curves(files: dict[str, dict], x: str, y: str, labels: tuple[str, str, str], out: Path) -> None:
    """Figure y against figure x over sampling temperatures (seed means): the MLE's curve and each
    estimator's GAN curve; beside a GAN with fewer seeds than the MLE, the MLE curve of its own
    seeds (dashed), the one it is set against. labels: the x axis's, the y axis's, the title."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    first = next(iter(files.values()))      # every estimator starts from the same MLE runs (--mle-from)
    mle_rows = [r for r in first["sweep"]["rows"] if r["label"] == first["variants"]["mle"]["label"]]
    mle = by_temperature(mle_rows)
    ax.plot([m[x] for m in mle.values()], [m[y] for m in mle.values()], "k-x", label="MLE, temperature")
    for est, d in files.items():
        gan = by_temperature([r for r in d["sweep"]["rows"] if r["label"] == d["variants"]["gan"]["label"]])
        seeds = set(d["variants"]["gan"]["seeds"])
        n = len(seeds)
        if seeds != set(d["variants"]["mle"]["seeds"]):
            own = by_temperature([r for r in mle_rows if str(r["seed"]) in seeds])
            ax.plot([m[x] for m in own.values()], [m[y] for m in own.values()], "--x", ms=3, lw=1,
                    color=COLORS[est], label=f"MLE of the same seed{'s' * (n > 1)}")
        ax.plot([g[x] for g in gan.values()], [g[y] for g in gan.values()], "-o", ms=3,
                color=COLORS[est], label=f"GAN: {plot_label(est)} ({n} seed{'s' * (n > 1)})")
        for t, g in gan.items():
            if t in (0.5, 1.0):
                ax.annotate(f"T={t:g}", (g[x], g[y]), fontsize=7)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_title(labels[2], fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    save(fig, out)


def plot_oracle(out: Path) -> None:
    """NLL_oracle against NLL_test over sampling temperatures: the MLE's curve and each estimator's GAN curve."""
    files = load_oracle()
    if not files:
        raise SystemExit("no oracle results for the estimators yet")
    plot_curves(files, "nll_test", "nll_oracle", ("NLL_test (lower: more of the data covered)",
                "NLL_oracle (lower: better samples)", "SeqGAN oracle: every estimator's curve beside the MLE's (seed means)"), out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "results/estimators/oracle.png"))
    args = ap.parse_args()
    print(oracle_table(), end="\n\n")
    print(grad_table())
    if load_oracle():
        plot_oracle(Path(args.out))
        print(f"saved {args.out}")


if __name__ == "__main__":
    main()

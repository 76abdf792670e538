"""The estimators side by side on the grammars: the relaxation (Gumbel-softmax) against REINFORCE
with SeqGAN's rollout rewards and ScratchGAN's dense rewards, each trained by scripts.bench.grammar
with the same recipe, the same number of generator updates, the estimator keys set
(results/estimators/<estimator>/<grammar>.json). Tables for the docs (scripts.render.docs) and
one plot: validity against the held-out NLL ratio at the end of each seed (the quality-diversity
plane; the MLE baseline beside them) and validity along training.

    .venv/bin/python -m scripts.render.estimators [--results results/estimators] [--out PNG]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts import ROOT
from scripts.render.figure import save
from scripts.stats import diff_se_text, mean_se_text

ESTIMATORS = {"gumbel": "Gumbel-softmax relaxation", "reinforce_rollout": "REINFORCE, rollout rewards (SeqGAN)",
              "reinforce_dense": "REINFORCE, dense rewards (ScratchGAN)"}
# one colour per estimator in every plot, and for ScratchGAN's whole recipe where it has a curve
COLORS = dict(zip(ESTIMATORS, ("C0", "C3", "C2"))) | {"reinforce_dense_sg512_all": "C1"}
STARTS = {"gan": "MLE warm-up", "scratch": "from scratch"}
NONE_VALID = "none (no valid sample)"      # a sample NLL where no sample (or no seed's) was a valid string


def figure(v: float | None, spec: str = ".3f", prefix: str = "") -> str:
    """A figure as prefix + format(v, spec) ("x1.234": a ratio), or NONE_VALID for a null one (the
    grammar NLL of samples none of which is valid)."""
    return NONE_VALID if v is None else prefix + format(v, spec)


FIGURES = ("valid", "unique_ratio", "nll_samples_ratio", "gen_nll_test_ratio", "wall_s")


def load(results: Path, grammar: str) -> dict[str, dict]:
    """{estimator: its result file for the grammar}, for the estimators measured. The relaxation's
    runs are the grammar benchmark's own (results/grammar/<grammar>.json: the same script and
    recipe, the estimator left at its default), each start replaced by results/estimators/gumbel's
    where that has it (reruns at the threads of the REINFORCE runs, for wall times that compare)."""
    out = {}
    for est in ESTIMATORS:
        paths = [results / est / f"{grammar}.json"]
        if est == "gumbel":
            paths.insert(0, ROOT / "results/grammar" / f"{grammar}.json")
        for path in filter(Path.is_file, paths):
            d = json.loads(path.read_text())
            if est in out:
                d = out[est] | {"runs": out[est]["runs"] | d["runs"]}
            out[est] = d
    return out


# Variants of an estimator's recipe, each in results/estimators/<estimator>_<suffix>/ (its own --set on
# top of the estimator's): the label its rows carry.
RECIPES = {"long": "longer (its schedules stretched)", "b512": "batches of 512 (ScratchGAN's)",
           "sg512": "ScratchGAN's batch (512), discount (0.23) and baseline decay (0.08)",
           "sg512_discount": "ScratchGAN's batch (512) and its discount (0.23) alone",
           "sg512_decay": "ScratchGAN's batch (512) and its baseline decay (0.08) alone",
           "sg512_critic": "ScratchGAN's batch (512) and critic (cross-entropy on every prefix, layer norm, "
                           "L2 1e-6, dropout 0.1)",
           "sg512_critic1": "ScratchGAN's batch (512), critic and its schedule (one critic step an update, "
                            "its rate 9.38e-3)",
           "sg512_all": "ScratchGAN's batch (512), critic, its schedule, discount (0.23) and baseline decay (0.08)",
           "sg512_all_long": "all of ScratchGAN's above, twice the updates (its schedules stretched)",
           "sg256_all_4x": "all of ScratchGAN's above but batches of 256, four times the updates (its schedules "
                           "stretched; the same samples as twice the updates at 512)",
           "sg512_all_long_term": "all of ScratchGAN's above, twice the updates, and the whole string's reward "
                                  "added to every token's return (train.terminal_reward=1)",
           "rolltime": "in the rollouts' wall time (their clock's 1,500 updates; its schedules stretched)"}


def plot_label(name: str) -> str:
    """A legend's label: an estimator's, or ScratchGAN's whole recipe in short (its table label is a line)."""
    return "REINFORCE, ScratchGAN's whole recipe" if name == "reinforce_dense_sg512_all" else recipe_label(name)


def recipe_label(name: str) -> str:
    """The row label of an estimator (gumbel, ...) or of a variant recipe's folder (reinforce_dense_sg512_all)."""
    if name in ESTIMATORS:
        return ESTIMATORS[name]
    return next(f"{ESTIMATORS[est]}, {label}" for suffix, label in RECIPES.items() for est in ESTIMATORS
                if name == f"{est}_{suffix}")


def load_recipes(results: Path, grammar: str) -> list[tuple[str, str, dict]]:
    """(estimator, row label, result file) of every variant recipe measured on the grammar: the same
    start trained with one change: more updates (train.adv_steps, its schedules stretched to match:
    twice, or as many as fill the rollouts' time for their 1,500), ScratchGAN's large batches
    (train.batch_size=512), or those with its discount and baseline decay (train.discount=0.23,
    train.baseline_decay=0.08), together or one at a time, or with its critic (the discriminator's
    loss=standard, prefix_loss, layer_norm, l2=1e-6, dropout=0.1), its critic's schedule
    (train.d_steps=1, train.d_lr=9.38e-3) and then all of these, for 1,500 updates and for 3,000 (and
    with a terminal reward, train.terminal_reward), and at batches of 256 for 6,000."""
    return [(est, recipe_label(f"{est}_{suffix}"), json.loads(path.read_text()))
            for suffix, label in RECIPES.items() for est in ESTIMATORS
            if (path := results / f"{est}_{suffix}" / f"{grammar}.json").is_file()]


def run_updates(grammar: str, run: dict, seed: dict, sets: list[str]) -> int:
    """Adversarial generator updates of a run: kept with each seed, or (older files) rebuilt from
    the variant's config and overrides."""
    if "adv_updates" in seed:
        return seed["adv_updates"]
    config = run["config"] and str(ROOT / run["config"].format(grammar=grammar))
    return adversarial_updates(config, [f"data.grammar={grammar}", *run["overrides"], *sets])


def adversarial_updates(config: str | None, overrides: list[str]) -> int:
    """Generator updates of a run's adversarial phase, from its config file and overrides."""
    from seqgan_gumbel.setup import load_config

    cfg = load_config(config, overrides)
    return cfg.train.adv_steps * cfg.train.g_steps


def _versus(seeds: list[dict], base: list[dict], figure: str) -> str:
    """An estimator's seed mean of a figure minus the relaxation's, ± the standard error of that
    difference (none while either has a single seed)."""
    return diff_se_text([r[figure] for r in seeds], [r[figure] for r in base])


def _cell(seeds: list[dict], figure: str) -> str:
    """Mean ± standard error of a figure over the seeds that define it: a seed whose samples hold
    no valid string has no sample NLL, and the cell says how many seeds it is taken over."""
    values = [r[figure] for r in seeds if r[figure] is not None]
    if not values:
        return NONE_VALID
    text = mean_se_text(values, 0 if figure == "wall_s" else 3)
    return text if len(values) == len(seeds) else f"{text} ({len(values)} of {len(seeds)} seeds drew a valid string)"


def meets_targets(r: dict) -> bool:
    """Every `arith` target of a run's figures but its time: >= 99% valid, both NLL ratios within 5%,
    unique >= 0.9 x the grammar's."""
    return (r["valid"] >= 0.99 and r["nll_samples_ratio"] is not None and abs(r["nll_samples_ratio"] - 1) <= 0.05
            and abs(r["gen_nll_test_ratio"] - 1) <= 0.05 and r["unique_ratio"] >= 0.9)


def _moonshot(seeds: list[dict]) -> str:
    ok = [meets_targets(r) and r["wall_s"] <= 900 for r in seeds]
    return f"{sum(ok)} of {len(ok)} seeds"


def table(grammar: str, results: Path = ROOT / "results/estimators") -> str:
    """One row per estimator and start: mean ± standard error over seeds of each figure."""
    files = load(results, grammar)
    if not files:
        return f"(not measured yet: run python -m scripts.bench.grammar --grammars {grammar} --results results/estimators/ESTIMATOR)"
    recipes = load_recipes(results, grammar)
    rows = []
    for start, start_label in STARTS.items():
        base = files.get("gumbel", {}).get("runs", {}).get(start)
        for est, d, label in [*((e, d, ESTIMATORS[e]) for e, d in files.items()), *((e, d, label) for e, label, d in recipes)]:
            run = d["runs"].get(start)
            if not run:
                continue
            seeds = list(run["seeds"].values())
            cells = [_cell(seeds, f) for f in FIGURES]
            updates = run_updates(grammar, run, seeds[0], d.get("set", []))
            threads = "/".join(map(str, sorted({r.get("threads", "?") for r in seeds})))
            moon = _moonshot(seeds) if start == "scratch" else "-"
            vs = [_versus(seeds, list(base["seeds"].values()), f) if base and run is not base else "-"
                  for f in ("valid", "gen_nll_test_ratio")]
            rows.append(f"| {start_label} | {label} | {len(seeds)} | " + " | ".join(cells[:4])
                        + f" | {' | '.join(vs)} | {updates} | {cells[4]} s ({threads} thr.) | {moon} |")
    ref = next(iter(files.values()))["reference"]
    return (f"| `{grammar}` start | estimator | seeds | valid | unique ÷ grammar's | grammar NLL of samples ÷ grammar's | "
            "generator NLL of held-out ÷ exact | valid − the relaxation's | held-out NLL ratio − the relaxation's | "
            "adversarial generator updates | wall time | every target met |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
            + f"\n\nMean ± standard error over seeds; 2,000 samples per run; against the relaxation: the difference of "
            "seed means ± its standard error (a lower held-out NLL ratio is better). The grammar's own held-out strings: "
            f"unique {ref['unique']:.3f}, valid {ref['valid']:.3f}. Targets (from scratch; on `arith` the "
            "moonshot of the estimator issue): ≥ 0.99 valid, both NLL ratios within 5%, unique ≥ 0.9 × the grammar's, "
            "≤ 15 min on one thread.")


def plot(results: Path, out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grammars = [g for g in ("arith", "kusner") if load(results, g)]
    if not grammars:
        raise SystemExit("no estimator results yet: run python -m scripts.bench.grammar --results results/estimators/ESTIMATOR")
    fig, axes = plt.subplots(len(grammars), 2, figsize=(12, 4.2 * len(grammars)), squeeze=False)
    for (left, right), grammar in zip(axes, grammars):
        mle = json.loads((ROOT / "results/grammar" / f"{grammar}.json").read_text())["runs"].get("mle")
        if mle:
            left.scatter([r["gen_nll_test_ratio"] for r in mle["seeds"].values()],
                         [r["valid"] for r in mle["seeds"].values()], marker="x", color="k", label="MLE only")
        for est, d in load(results, grammar).items():
            for start, marker, ls in (("gan", "o", "-"), ("scratch", "^", "--")):
                run = d["runs"].get(start)
                if not run:
                    continue
                seeds = list(run["seeds"].values())
                label = f"{ESTIMATORS[est]}, {STARTS[start]}"
                left.scatter([r["gen_nll_test_ratio"] for r in seeds], [r["valid"] for r in seeds],
                             marker=marker, color=COLORS[est], label=label)
                for i, r in enumerate(seeds):     # after a warm-up, from its end (step 0 is the untrained generator)
                    curve = [p for p in r["curve"] if start == "scratch" or p["step"] > 0]
                    right.plot([p["step"] for p in curve], [p["valid"] for p in curve], ls=ls,
                               color=COLORS[est], lw=1, label=label if i == 0 else None)
        left.set_xlabel("generator NLL of held-out strings ÷ exact (lower: more of the language)")
        left.set_ylabel("valid fraction")
        left.set_title(f"{grammar}: end of training, one point per seed", fontsize=9)
        right.set_xlabel("adversarial iteration")
        right.set_ylabel("valid fraction (500 samples)")
        right.set_title(f"{grammar}: validity along training, one line per seed", fontsize=9)
        for ax in (left, right):
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    save(fig, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(ROOT / "results/estimators"))
    ap.add_argument("--out", default=None, help="default: <results>/grammars.png")
    args = ap.parse_args()
    out = Path(args.out or Path(args.results) / "grammars.png")
    plot(Path(args.results), out)
    for grammar in ("arith", "kusner"):
        print(table(grammar, Path(args.results)), end="\n\n")
    print(f"saved {out}")


if __name__ == "__main__":
    main()

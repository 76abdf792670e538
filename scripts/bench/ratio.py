"""Density-ratio sampling benchmark (issue 13): does the ratio model put samples above the
maximum-likelihood temperature curve?

Per seed: an MLE run early-stopped on a validation split (the strongest MLE this package trains),
its ratio model (fit-ratio's defaults), then points of quality against diversity:
    mle        the plain generator over sampling temperatures (the curve to beat)
    guide      the token-level guide at strengths G and temperatures T
    sir        sampling-importance-resampling, K = 8 candidates
    rejection  rejection sampling (its acceptance rate recorded)
    exact-*    the same with the exact log ratio (the oracle only): the ceiling a perfect ratio
               model gives
Quality and diversity are the data kind's sweep axes (oracle: NLL_oracle against NLL_test, the
sampler's own likelihood of the held-out oracle samples; grammar: validity and the grammar NLL of
the samples). For every point the gap to the MLE curve at the same diversity is taken per seed
(linear interpolation along the T <= 1 branch; a point more diverse than the whole branch is set
against the branch's most diverse end), then its mean and standard error over seeds.

Saves results/ratio/<bench>.json and its plot, <bench>.png, after every seed; seeds already there
with every variant asked for are skipped (--fresh reruns them), so seeds can run side by side
(--seeds 0 and --seeds 1,2 with --threads 1); a seed there without the GAN gets it added
(--variants mle,gan), its MLE part kept. --plot only redraws the plot from the saved result.
A run stopped part-way resumes from its checkpoint; every piece's time is recorded in its folder's
bench_pieces.json (scripts/bench/pieces.py), and a seed's train_s sums them.

    .venv/bin/python -m scripts.bench.ratio oracle|coco|arith [--seeds 0,1,2] [--variants mle,gan]
        [--threads N] [--fresh] [--plot]
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict
from pathlib import Path

import torch

import seqgan_gumbel as sg
from seqgan_gumbel import UserError
from seqgan_gumbel.ratio import ExactRatio, GrammarRatio, RatioConfig
from seqgan_gumbel.setup import resolve_device
from seqgan_gumbel.ratio import make_sampler

from scripts import ROOT
from scripts.bench.locked import update_json
from scripts.bench.pieces import PIECES, piece, pieces, total_wall
from scripts.stats import interpolate, mean_se


BENCHES = {
    "oracle": {"config": "configs/oracle_bench_cpu.toml",
               "overrides": {"train.adv_steps": 0, "data.validation_fraction": 0.1, "train.mle_patience": 6,
                             "train.num_samples": 100},
               "mle_temperatures": [0.75, 0.8, 0.85, 0.9, 0.95, 1.0],
               "points": [("guide", 1.0, 0.5), ("guide", 1.0, 1.0), ("guide", 1.0, 2.0), ("guide", 0.9, 1.0),
                          ("sir", 1.0, 1.0), ("rejection", 1.0, 1.0), ("exact-guide", 1.0, 1.0),
                          ("exact-sir", 1.0, 1.0)],
               "gan": {"train.adv_steps": 400, "train.mle_steps": 0}, "num": 3000},
    "coco": {"config": "configs/coco_bench_cpu.toml",
             "overrides": {"train.adv_steps": 0, "data.validation_fraction": 0.1, "train.mle_patience": 4,
                           "train.num_samples": 100, "train.log_every": 156},
             "mle_temperatures": [0.7, 0.8, 0.9, 1.0],
             "points": [("guide", 1.0, 0.5), ("guide", 1.0, 1.0), ("guide", 1.0, 2.0), ("guide", 0.9, 1.0),
                        ("sir", 1.0, 1.0), ("rejection", 1.0, 1.0)],
             "gan": {"train.adv_steps": 300}, "num": 2000},   # the config's 300 iterations
    "arith": {"config": "configs/arith_mle.toml",
              "overrides": {"data.validation_fraction": 0.1, "train.mle_patience": 6, "train.num_samples": 100},
              "mle_temperatures": [0.6, 0.7, 0.8, 0.9, 1.0],
              "points": [("guide", 1.0, 0.5), ("guide", 1.0, 1.0), ("guide", 1.0, 2.0), ("guide", 0.8, 1.0),
                         ("sir", 1.0, 1.0), ("rejection", 1.0, 1.0), ("exact-sir", 1.0, 1.0),
                         ("exact-rejection", 1.0, 1.0)],
              "gan": {"train.adv_steps": 300, "train.mle_steps": 0}, "num": 2000},
}


def sampler_for(run, ratio, method: str, temperature: float, strength: float):
    if method.startswith("exact-"):
        method = method[len("exact-"):]
        if run.config.data.kind == "grammar":
            ratio = GrammarRatio(run.grammar, run.generator, run.vocab, temperature)
        else:
            ratio = ExactRatio(run.kind().oracle, run.generator, temperature)
    return make_sampler(run.generator, ratio, temperature=temperature, method=method, strength=strength,
                        candidates=8)


def point(run, kind, ratio, method, temperature, strength, num, seed=0) -> dict:
    t0 = time.perf_counter()
    if method == "mle":
        s = make_sampler(run.generator, temperature=temperature)
    else:
        s = sampler_for(run, ratio, method, temperature, strength)
    try:
        ids, stats = s.draw(num, seed=seed)
    except Exception as e:             # rejection sampling that would not finish: recorded, not fatal
        return {"method": method, "temperature": temperature, "strength": strength, "error": str(e)}
    draw_s = time.perf_counter() - t0
    texts = [run.vocab.text(run.vocab.decode(r)) for r in ids.tolist()]
    figs = kind.sweep_figures(texts, s, temperature, 4)
    return {"method": method, "temperature": temperature, "strength": strength, "n": num, **stats,
            **{k: v for k, v in figs.items() if isinstance(v, (int, float))}, "draw_s": round(draw_s, 2),
            "total_s": round(time.perf_counter() - t0, 2)}


SMOKE = {"train": {"data.num_train": 300, "data.num_test": 100, "train.eval_samples": 20, "train.eval_test": 20,
                   "train.mle_steps": 20, "train.mle_epochs": 0, "train.log_every": 10},
         "gan": {"train.adv_steps": 2}, "num": 40, "fit": {"steps": 6, "eval_every": 3, "held_out": 60, "pool": 200}}


def model_points(bench: str, run, label: str, exact: bool, seed: int, smoke: bool,
                 fit: dict | None = None) -> tuple[dict, list[dict]]:
    """Fit the run's ratio model, then every point of the benchmark for it (labelled with the model)."""
    from seqgan_gumbel.ratio import load_ratio

    spec = BENCHES[bench]
    num = SMOKE["num"] if smoke else spec["num"]
    options = {"seed": seed, **(SMOKE["fit"] if smoke else {}), **(fit or {})}
    try:                                                  # an interrupted seed keeps its ratio model
        report = load_ratio(run.loaded)[1]["report"]
        if asdict(RatioConfig(**report["config"])) != asdict(RatioConfig(**options)):   # options added since
            report = run.fit_ratio(**options)
    except UserError:
        report = run.fit_ratio(**options)
    ratio = load_ratio(run.loaded)[0]
    kind = run.loaded.kind()
    points = [point(run.loaded, kind, None, "mle", t, 0.0, num) for t in spec["mle_temperatures"]]
    points += [point(run.loaded, kind, ratio, m, t, g, num) for m, t, g in spec["points"]
               if exact or not m.startswith("exact-")]
    fit = {k: v for k, v in report.items() if k != "curve"} | {"curve": report["curve"]}
    return fit, [p | {"model": label} for p in points]


def grammar_reference(run) -> dict:
    """The grammar's own figures on the run's held-out strings (what the samples should match)."""
    from seqgan_gumbel.metrics import grammar_scores

    kind = run.loaded.kind()
    held = [run.loaded.vocab.decode(r) for r in kind.test_ids.tolist()]
    s = grammar_scores(held, kind.grammar)
    return {k: s[k] for k in ("valid", "unique", "mean_length", "nll_valid")}


def trained(config: Path, out: Path, overrides: dict):
    """The run in out: loaded when an interrupted seed already finished it with these settings,
    resumed when it stopped part-way, trained otherwise (settings compared as Config.computation
    does: a run made in another checkout, its init_generator elsewhere, is the same run)."""
    cfg = sg.load_config(str(config), [f"{k}={v}" for k, v in overrides.items()])
    device = str(resolve_device(cfg.train.device))
    if (out / "checkpoint.pt").is_file():
        run = sg.load(out)
        if run.config.computation() == cfg.computation():
            if (out / "summary.json").is_file():
                return run
            with piece(out, device):        # every piece's time is recorded (scripts/bench/pieces.py)
                return sg.resume(out)
        (out / PIECES).unlink(missing_ok=True)   # a run made with other settings: not this run's pieces
    with piece(out, device):
        return sg.train(cfg, out, overwrite=True)


def train_seconds(out: Path, t0: float) -> float:
    """The run's training time: every recorded piece's, or (a run from before pieces were
    recorded) the time since t0."""
    done = pieces(out)
    return total_wall(done) if done else round(time.perf_counter() - t0, 1)


def one_seed(bench: str, seed: int, runs_dir: Path, variants: list[str], smoke: bool = False,
             fit: dict | None = None, train: dict | None = None, previous: dict | None = None) -> dict:
    """One seed's result; previous (this seed's earlier result, made with the same options) lends
    its MLE part, so that adding the GAN to a finished seed does not redo the MLE points."""
    spec = BENCHES[bench]
    out = runs_dir / f"mle-s{seed}"
    t0 = time.perf_counter()
    base = {**spec["overrides"], **(SMOKE["train"] if smoke else {}), **(train or {}), "train.seed": seed,
            "log.report": "false"}
    run = trained(ROOT / spec["config"], out, base)
    if previous:
        result = {k: previous[k] for k in ("seed", "mle_best_step")} | {
            "train_s": {"mle": previous["train_s"]["mle"]}, "fit": {"mle": previous["fit"]["mle"]},
            "points": [p for p in previous["points"] if p.get("model", "mle") == "mle"]}
    else:
        result = {"seed": seed, "train_s": {"mle": train_seconds(out, t0)}, "fit": {}, "points": []}
        metrics = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
        best = min((m for m in metrics if "nll_validation" in m), key=lambda m: m["nll_validation"])
        result["mle_best_step"] = best.get("step")
        exact = run.config.data.kind in ("oracle", "grammar")
        result["fit"]["mle"], pts = model_points(bench, run, "mle", exact, seed, smoke, fit)  # exact: MLE only
        result["points"] += pts
    if "gan" in variants:
        t0 = time.perf_counter()
        gan = trained(ROOT / spec["config"], runs_dir / f"gan-s{seed}",
                      {**base, **spec["gan"], **(SMOKE["gan"] if smoke else {}),
                       "train.init_generator": str(out / "pretrained.pt")})
        result["train_s"]["gan"] = train_seconds(runs_dir / f"gan-s{seed}", t0)
        result["fit"]["gan"], pts = model_points(bench, gan, "gan", False, seed, smoke, fit)
        result["points"] += pts
    if run.config.data.kind == "grammar":
        result["reference"] = grammar_reference(run)
    kind = run.loaded.kind()
    return result | {"kind": kind.name, "quality": kind.quality.key, "diversity": kind.diversity.key,
                     "machine": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
                     "date": time.strftime("%Y-%m-%d")}


# Per data kind, the signs that make both axes "lower is better / more diverse":
# (quality, diversity). Oracle: NLL_oracle, NLL_test; corpus: BLEU (higher better), Self-BLEU;
# grammar: validity (higher better), the grammar NLL of the samples (higher = more diverse).
SIGNS = {"oracle": (1.0, 1.0), "corpus": (-1.0, 1.0), "grammar": (-1.0, -1.0)}


def mle_branch(points: list[dict], quality: str, diversity: str, signs=(1.0, 1.0)) -> list[tuple[float, float]]:
    """(diversity, quality) of the MLE curve's T <= 1 branch, signed so that lower is better and more
    diverse; most diverse first."""
    branch = [p for p in points if p["method"] == "mle" and p["temperature"] <= 1.0 and "error" not in p]
    return sorted((signs[1] * p[diversity], signs[0] * p[quality]) for p in branch)


def better_by(branch: list[tuple[float, float]], x: float, y: float) -> float | None:
    """How much better (signed quality) a point (x, y) is than the MLE branch at the same diversity x
    (None: x less diverse than the whole branch; more diverse than all of it: set against its end)."""
    if x <= branch[0][0]:
        return branch[0][1] - y
    ref = interpolate(branch, x)
    return None if ref is None else ref - y


def summarise(seeds: dict, quality: str, diversity: str, signs=(1.0, 1.0)) -> list[dict]:
    """Per point (model, method, T, G): mean and standard error over seeds of both axes and of the
    gap to the MLE curve ("better_by": positive = better than every temperature of the MLE model)."""
    keyed: dict[tuple, list[dict]] = {}
    for r in seeds.values():
        branch = mle_branch([p for p in r["points"] if p.get("model", "mle") == "mle"], quality, diversity, signs)
        for p in r["points"]:
            if "error" in p:
                keyed.setdefault((p.get("model", "mle"), p["method"], p["temperature"], p["strength"]), []).append(p)
                continue
            plain_mle = p["method"] == "mle" and p.get("model", "mle") == "mle"
            g = None if plain_mle else better_by(branch, signs[1] * p[diversity], signs[0] * p[quality])
            keyed.setdefault((p.get("model", "mle"), p["method"], p["temperature"], p["strength"]), []).append(
                p | {"better_by": g})
    out = []
    for (model, method, t, g), ps in keyed.items():
        row = {"model": model, "method": method, "temperature": t, "strength": g,
               "seeds": sum("error" not in p for p in ps), "errors": [p["error"] for p in ps if "error" in p]}
        for k in (quality, diversity, "nll_test", "nll_test_se", "better_by", "ess", "acceptance", "total_s"):
            vals = [p[k] for p in ps if p.get(k) is not None and "error" not in p]
            if vals:
                row[k] = mean_se(vals)
        out.append(row)
    return out


AXES = {"oracle": ("NLL_test (lower = more of the data covered)", "NLL_oracle (lower = better samples)"),
        "corpus": ("Self-BLEU-4 (lower = more diverse)", "BLEU-4 against the test captions"),
        "grammar": ("grammar NLL of the valid samples (higher = more diverse)", "valid")}


def plot(result: dict, path: Path) -> None:
    """The quality-diversity plot of a result: each model's plain temperature curve (seed means), and
    every ratio sampler's point with its standard errors."""
    from seqgan_gumbel.metrics import curves_and_points

    q, x = result["quality"], result["diversity"]
    rows = [r for r in result["summary"] if r.get("seeds") and q in r and x in r]
    curves = {f"{m.upper()}: plain sampling over T": sorted((r[x]["mean"], r[q]["mean"], r["temperature"])
                                                            for r in rows if r["model"] == m and r["method"] == "mle")
              for m in dict.fromkeys(r["model"] for r in rows)}
    se = lambda d: 0.0 if d["se"] != d["se"] else d["se"]          # one seed: no error bar
    points = [(f"{r['model'].upper()}: {r['method']}, T={r['temperature']:g}, G={r['strength']:g}", r[x]["mean"],
               r[q]["mean"], se(r[x]), se(r[q])) for r in rows if r["method"] != "mle"]
    # an exact-ratio ceiling far from everything learned would squash the plot: named in the title instead
    near = [(p[0], p[1]) for c in curves.values() for p in c] + [(p[1], p[2]) for p in points if "exact" not in p[0]]
    box = [(min(v), max(v), 0.2 * (max(v) - min(v))) for v in zip(*near)]
    inside = lambda p: all(lo - m <= v <= hi + m for v, (lo, hi, m) in zip(p[1:3], box))
    off = [p for p in points if not inside(p)]
    title = f"density-ratio sampling, {result['bench']}: {len(result['seeds'])} seeds (mean ± se)" + "".join(
        f"\noff the plot: {p[0]} at ({p[1]:.3f}, {p[2]:.3f})" for p in off)
    kind = next(iter(result["seeds"].values()))["kind"]
    curves_and_points(curves, [p for p in points if p not in off], *AXES[kind], path, title)


def merge(path: Path, bench: str, seed: int, r: dict) -> None:
    """Add one seed to the result file under a lock (seeds side by side share it), re-summarised."""
    def add(result: dict) -> dict:
        result["seeds"][str(seed)] = r
        result["quality"], result["diversity"] = r["quality"], r["diversity"]
        result["summary"] = summarise(result["seeds"], r["quality"], r["diversity"], SIGNS[r["kind"]])
        plot(result, path.with_suffix(".png"))            # under the lock: the figure of the file's seeds
        return result

    update_json(path, lambda: {"bench": bench, "seeds": {}}, add)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bench", choices=sorted(BENCHES))
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--fresh", action="store_true", help="rerun seeds already in the result file")
    p.add_argument("--variants", default="mle", help="mle (always); mle,gan: also a GAN from the MLE run")
    p.add_argument("--results", default=str(ROOT / "results" / "ratio"))
    p.add_argument("--runs", default=str(ROOT / "runs"), help="where the runs go (default runs/)")
    p.add_argument("--smoke", action="store_true", help="a tiny size: checks the script, measures nothing")
    p.add_argument("--fit", nargs="*", default=[], metavar="KEY=VALUE", help="ratio-model options (RatioConfig)")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="training config overrides")
    p.add_argument("--plot", action="store_true", help="only redraw <bench>.png from the saved result")
    args = p.parse_args()
    if args.plot:
        path = Path(args.results) / f"{args.bench}.json"
        plot(json.loads(path.read_text()), path.with_suffix(".png"))
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    path = Path(args.results) / f"{args.bench}.json"
    variants = args.variants.split(",")
    fit = {k: json.loads(v) if v[:1].isdigit() else v for k, v in (x.split("=", 1) for x in args.fit)}
    train = dict(x.split("=", 1) for x in args.set)
    for seed in (int(s) for s in args.seeds.split(",")):
        done = json.loads(path.read_text())["seeds"] if path.is_file() else {}
        previous = done.get(str(seed)) if not args.fresh else None
        if previous and (previous.get("fit_options"), previous.get("train_options")) != (fit, train):
            previous = None                               # made with other options: rerun the whole seed
        if previous and all(v in previous["fit"] for v in variants):
            print(f"seed {seed}: already in {path}; skipped (--fresh reruns it)")
            continue
        runs = Path(args.runs) / f"ratio_{args.bench}"
        r = one_seed(args.bench, seed, runs, variants, args.smoke, fit, train, previous)
        r["fit_options"], r["train_options"] = fit, train
        r["run"] = str(runs / f"mle-s{seed}")
        merge(path, args.bench, seed, r)
        print(f"seed {seed}: written to {path}")


if __name__ == "__main__":
    main()

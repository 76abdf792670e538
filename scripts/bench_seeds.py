"""Oracle and COCO benchmarks, end to end: per seed an MLE run (the baseline) and a
GAN run started from that run's warm-up generator, each scored on 10,000 samples and swept over
sampling temperatures; mean and std over the seeds; the quality-diversity plot.

    .venv/bin/python scripts/bench_seeds.py oracle|coco [--size cpu|full] [--seeds 0,1,2]
        [--temperatures 0.6,...] [--num 10000] [--device cpu|cuda|auto] [--set KEY=VALUE ...] [--name NAME]

--size picks configs/<benchmark>_bench_<size>.toml. Runs are kept in runs/bench/<benchmark>-<name>/
(mle-s<seed>, gan-s<seed>); results go to results/<benchmark>/<name>.json and <name>_sweep.png
(name: --name, default the size), with each run's metrics.jsonl, summary.json and config.json
(the committed config's name and the run's overrides) in <name>_runs/; scripts/render_docs.py
turns them into the tables of docs/results.md and the README.

Figures, at sampling temperature 1 and at every swept temperature, 10,000 samples each:
    oracle  NLL_oracle (the oracle's NLL of the samples, per token) and NLL_test (the generator's
            NLL of the 10,000 held-out oracle samples at that temperature)
    coco    BLEU-2..5 of the samples against all 10,000 test captions (exact NLTK sentence BLEU,
            smoothing method 1), leave-one-out Self-BLEU-2..5, NLL_gen of the test captions;
            at temperature 1 also NLL_gen of the training captions (RelGAN's NLL_gen)
The MLE runs train exactly the GAN runs' warm-up (same config, same seed, adv_steps = 0).
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import time
from pathlib import Path

import torch

from seqgan_gumbel.config import load_config
from seqgan_gumbel.run import generator_nll
from seqgan_gumbel.sweep import sweep_run
from seqgan_gumbel.rundir import prepare_run_dir
from seqgan_gumbel.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
TEMPERATURES = "0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2"
FIGURES = {"oracle": ("nll_oracle", "nll_test"),
           "coco": ("bleu2", "bleu3", "bleu4", "bleu5", "self_bleu2", "self_bleu3", "self_bleu4", "self_bleu5",
                    "nll_test", "nll_gen_train")}
SWEEP_AXES = {"oracle": ("nll_test", "nll_oracle"), "coco": ("self_bleu4", "bleu4")}
VARIANTS = {"mle": "MLE (the GAN's warm-up, trained alone)", "gan": "MLE warm-up + GAN"}


def train(config: Path, overrides: list[str], out: Path, device: str) -> tuple[Trainer, float]:
    cfg = load_config(str(config), [*overrides, f"train.device={device}", "log.report=false"])
    prepare_run_dir(out, overwrite=True)
    t0 = time.perf_counter()
    trainer = Trainer(cfg, out, progress=False)
    trainer.run()
    return trainer, time.perf_counter() - t0


def score(bench: str, trainer: Trainer, run_dir: Path, temperatures: list[float], num: int) -> tuple[dict, list[dict]]:
    """(figures at temperature 1, one row per swept temperature)."""
    kind, rows = sweep_run(run_dir, sorted(set(temperatures) | {1.0}), num, seed=12345, order=4)
    at_one = next(r for r in rows if r["temperature"] == 1.0)
    figures = {k: at_one[k] for k in FIGURES[bench] if k in at_one}
    if bench == "coco":   # RelGAN's NLL_gen: the generator's NLL of its training captions
        figures["nll_gen_train"] = generator_nll(trainer.gen, trainer.data.ids, trainer.data.vocab.pad)
    return figures, [r for r in rows if r["temperature"] in temperatures]


def real_data(bench: str, config: Path, overrides: list[str]) -> dict:
    """The real-data row: the oracle's NLL of its own held-out samples; for COCO the training
    captions as written (no unknown-word mapping) scored as if they were samples: BLEU against
    the test captions, Self-BLEU."""
    from seqgan_gumbel.evaluation import read_text_lines, text_scores
    from seqgan_gumbel.kinds.oracle import oracle_data
    from seqgan_gumbel.vocab import N_SPECIALS

    cfg = load_config(str(config), overrides)
    if bench == "oracle":
        data = oracle_data(cfg.data)
        return {"nll_oracle": data.oracle.nll(data.test_ids - N_SPECIALS), "n": int(data.test_ids.shape[0])}
    train = read_text_lines(cfg.data.path, "training file", False)
    s = text_scores(train, read_text_lines(cfg.data.test_path, "test file", False), orders=[2, 3, 4, 5], self_bleu=True)
    return {**{f"bleu{n}": v for n, v in s["bleu"].items()}, **{f"self_bleu{n}": v for n, v in s["self_bleu"].items()},
            "n": len(train)}


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def seed_means(rows: list[dict], x: str, y: str) -> list[tuple[float, float, float, int]]:
    """(temperature, mean x, mean y, number of seeds) per temperature of one variant's sweep rows."""
    out = []
    for t in sorted({r["temperature"] for r in rows}):
        at = [r for r in rows if r["temperature"] == t]
        out.append((t, statistics.fmean(r[x] for r in at), statistics.fmean(r[y] for r in at), len(at)))
    return out


def curve_gap(gan_rows: list[dict], mle_rows: list[dict], x: str, y: str, higher_is_better: bool) -> list[dict]:
    """Where each GAN point (seed-mean per temperature) stands against the MLE curve (seed-mean):
    the MLE curve's quality at the GAN point's diversity, by linear interpolation between the
    MLE temperatures around it (None outside the MLE curve's range)."""
    mle = sorted((xv, yv) for _, xv, yv, _ in seed_means(mle_rows, x, y))
    out = []
    for t, xv, yv, _ in seed_means(gan_rows, x, y):
        ref = None
        for (x0, y0), (x1, y1) in zip(mle, mle[1:]):
            if x0 <= xv <= x1:
                ref = y0 if x1 == x0 else y0 + (y1 - y0) * (xv - x0) / (x1 - x0)
                break
        gap = None if ref is None else ((yv - ref) if higher_is_better else (ref - yv))
        out.append({"temperature": t, x: xv, y: yv, f"mle_{y}_at_same_{x}": ref, "gan_better_by": gap})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("benchmark", choices=sorted(FIGURES))
    ap.add_argument("--size", choices=("cpu", "full"), default="cpu")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--temperatures", default=TEMPERATURES)
    ap.add_argument("--num", type=int, default=10000, help="samples per temperature (default 10,000)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE")
    ap.add_argument("--name", help="name of the runs folder and result file (default: the size)")
    ap.add_argument("--results", metavar="DIR", help="where the result file and plot go (default results/<benchmark>)")
    ap.add_argument("--runs", metavar="DIR", help="where the runs go (default runs/bench)")
    ap.add_argument("--mle-from", metavar="NAME",
                    help="reuse the MLE runs and figures of the earlier result NAME (same size and seeds); train only the GAN")
    ap.add_argument("--real-data-only", action="store_true",
                    help="only (re)compute the real-data row of an existing result file")
    args = ap.parse_args()
    bench, seeds = args.benchmark, [int(s) for s in args.seeds.split(",")]
    temperatures = [float(t) for t in args.temperatures.split(",")]
    config = ROOT / "configs" / f"{bench}_bench_{args.size}.toml"
    name = args.name or args.size
    runs_dir = Path(args.runs or ROOT / "runs" / "bench") / f"{bench}-{name}"
    path = Path(args.results or ROOT / "results" / bench) / f"{name}.json"
    if args.real_data_only:
        result = json.loads(path.read_text())
        result["real_data"] = real_data(bench, config, args.overrides)
        path.write_text(json.dumps(result, indent=1) + "\n")
        return
    result = {"benchmark": bench, "size": args.size, "config": f"configs/{config.name}",
              "overrides": args.overrides, "num_samples": args.num, "variants": {}}
    sweeps: dict[str, list[dict]] = {}
    mle_runs = runs_dir
    if args.mle_from:
        prev = json.loads((path.parent / f"{args.mle_from}.json").read_text())
        if prev["size"] != args.size or set(prev["variants"]["mle"]["seeds"]) != {str(s) for s in seeds} \
                or prev["sweep"]["temperatures"] != temperatures:
            raise SystemExit(f"--mle-from {args.mle_from}: its size, seeds or temperatures differ from this run's")
        result["variants"]["mle"] = prev["variants"]["mle"]
        result["mle_from"] = args.mle_from
        sweeps["mle"] = [r for r in prev["sweep"]["rows"] if r["label"] == VARIANTS["mle"]]
        mle_runs = runs_dir.with_name(f"{bench}-{args.mle_from}")
    for key, label in VARIANTS.items():
        if key in result["variants"]:
            continue
        seeds_out = {}
        for seed in seeds:
            mle_dir, out = mle_runs / f"mle-s{seed}", runs_dir / f"{key}-s{seed}"
            overrides = [*args.overrides, f"train.seed={seed}"]
            if key == "mle":
                overrides.append("train.adv_steps=0")
            else:       # the warm-up is the MLE run's: start from its generator, skip the MLE phase
                overrides += [f"train.init_generator={mle_dir / 'pretrained.pt'}", "train.mle_steps=0",
                              "train.mle_epochs=0"]
            trainer, wall = train(config, overrides, out, args.device)
            keep = path.parent / f"{name}_runs" / out.name      # the training curves, kept with the results
            keep.mkdir(parents=True, exist_ok=True)
            for f in ("metrics.jsonl", "summary.json"):
                shutil.copyfile(out / f, keep / f)
            record = {"config": f"configs/{config.name}", "overrides": dict(o.split("=", 1) for o in overrides)}
            (keep / "config.json").write_text(json.dumps(record, indent=2) + "\n")
            figures, rows = score(bench, trainer, out, temperatures, args.num)
            figures["wall_s"] = round(wall, 1)
            seeds_out[str(seed)] = figures
            sweeps.setdefault(key, []).extend(dict(r, seed=seed, label=label) for r in rows)
            print(f"{bench} {key} seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in figures.items()), flush=True)
        stats = {k: mean_std([s[k] for s in seeds_out.values()]) for k in next(iter(seeds_out.values()))}
        result["variants"][key] = {"label": label, "seeds": seeds_out,
                                   "mean": {k: v[0] for k, v in stats.items()},
                                   "std": {k: v[1] for k, v in stats.items()}}
    result["real_data"] = real_data(bench, config, args.overrides)
    x, y = SWEEP_AXES[bench]
    result["sweep"] = {"x": x, "y": y, "temperatures": temperatures, "rows": [r for k in sweeps for r in sweeps[k]]}
    result["gan_against_mle_curve"] = curve_gap(sweeps["gan"], sweeps["mle"], x, y, higher_is_better=bench == "coco")
    result.update(machine=f"{platform.machine()}, {torch.get_num_threads()} torch threads, {args.device}",
                  torch=torch.__version__, date=time.strftime("%Y-%m-%d"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    plot(result, path.with_name(f"{name}_sweep.png"))
    print(f"saved {path} and its plot")


def plot(result: dict, out: Path) -> None:
    """Seed-mean quality-diversity curves of MLE and GAN over the swept temperatures."""
    from seqgan_gumbel.plots import sweep_plot

    x, y = result["sweep"]["x"], result["sweep"]["y"]
    rows = []
    for label in dict.fromkeys(r["label"] for r in result["sweep"]["rows"]):
        mine = [r for r in result["sweep"]["rows"] if r["label"] == label]
        rows += [{"label": f"{label} ({n} seeds)", "temperature": t, x: xv, y: yv}
                 for t, xv, yv, n in seed_means(mine, x, y)]
    from seqgan_gumbel.kinds import KINDS

    kind = KINDS.get("oracle" if result["benchmark"] == "oracle" else "corpus")
    xl, yl = kind.diversity.label, kind.quality.label
    sweep_plot(rows, x, xl.format(n=4), y, yl.format(n=4), out,
               title=f"{result['benchmark']} ({result['size']} size): quality against diversity, seed means")


if __name__ == "__main__":
    main()

"""Oracle and COCO benchmarks, end to end: per seed an MLE run (the baseline) and a
GAN run started from that run's warm-up generator, each scored on 10,000 samples and swept over
sampling temperatures; mean and std over the seeds; the quality-diversity plot.

    .venv/bin/python -m scripts.bench.seeds oracle|coco [--size cpu|full|light] [--seeds 0,1,2]
        [--temperatures 0.6,...] [--num 10000] [--device cpu|cuda|auto] [--set KEY=VALUE ...] [--name NAME]
        [--variants mle,gan] [--mle-from NAME] [--protocols-only] [--real-data-only]

--size picks configs/<benchmark>_bench_<size>.toml. Runs are kept in runs/bench/<benchmark>-<name>/
(mle-s<seed>, gan-s<seed>); results go to results/<benchmark>/<name>.json and <name>_sweep.png
(name: --name, default the size), with each run's metrics.jsonl, summary.json, bench_pieces.json
and config.json (the committed config's name and the run's overrides) in <name>_runs/;
scripts/render/docs.py turns them into the tables of docs/results/ and the README.

A benchmark runs in pieces: the result file is written after every seed, and a seed already in
it is skipped; a run stopped part-way (Ctrl-C, SIGTERM, a time limit, another day, another
machine) is resumed from its checkpoint by the same command, with another --device if need
be: from the runs folder, or where that has none from the local snapshot kept with the results
(<name>_runs/<run>/resume/, not committed, dropped once the seed is scored; see scripts/bench/keep.py).
A run whose checkpoint is lost altogether is refused until --restart-lost sets its record aside in
<name>_lost/. Every seed records its pieces: device, machine, date and wall time of each (a piece
stopped by a signal is marked stopped; one killed outright leaves no record of its time). A
stopped run's curve is kept in <name>_runs/ at once; an MLE run keeps its config.json and the
digest of its best generator (warmup.json), and where a GAN seed finds no warm-up generator (a
fresh clone: weights are not committed) it is rebuilt from that record and compared with the
digest. Seeds may run side by side (separate processes,
--seeds 0 and --seeds 1): each save merges the others' seeds under a lock.

Figures, at sampling temperature 1 and at every swept temperature, 10,000 samples each:
    oracle  NLL_oracle (the oracle's NLL of the samples, per token) and NLL_test (the generator's
            NLL of the 10,000 held-out oracle samples at that temperature)
    coco    BLEU-2..5 of the samples against all 10,000 test captions (exact NLTK sentence BLEU,
            smoothing method 1), leave-one-out Self-BLEU-2..5, NLL_gen of the test captions;
            at temperature 1 also NLL_gen of the training captions (RelGAN's NLL_gen), and
            RelGAN's own BLEU: 100 of the 10,000 samples, 10 seeded draws (relgan100)
The MLE runs train exactly the GAN runs' warm-up (same config, same seed, adv_steps = 0).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import torch

from seqgan_gumbel.setup import load_config
from seqgan_gumbel.models import generator_nll
from seqgan_gumbel.evaluation import sweep_run
from seqgan_gumbel.training import Interrupted, start_run, Trainer

from scripts import ROOT
from scripts.bench.keep import PRETRAINED, REBUILT, WARMUP, drop_snapshot, keep_run, lost_dir, lost_steps, restore_run, sealed_digest, set_aside
from scripts.bench.locked import update_json
from scripts.bench.pieces import piece, pieces, total_wall
from scripts.stats import by_temperature, interpolate, mean_sd


TEMPERATURES = "0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2"
FIGURES = {"oracle": ("nll_oracle", "nll_test"),
           "coco": ("bleu2", "bleu3", "bleu4", "bleu5", "self_bleu2", "self_bleu3", "self_bleu4", "self_bleu5",
                    "nll_test", "nll_gen_train")}
SWEEP_AXES = {"oracle": ("nll_test", "nll_oracle"), "coco": ("self_bleu4", "bleu4")}
VARIANTS = {"mle": "MLE (the GAN's warm-up, trained alone)", "gan": "MLE warm-up + GAN"}


def same_run(overrides: list[str]) -> list[str]:
    """The overrides that change what a run computes: those of where and how fast it runs
    (device, threads, CUDA graphs) left out, so pieces on different machines add up."""
    return [o for o in overrides if o.split("=", 1)[0] not in ("train.device", "train.threads", "train.cuda_graphs")]


def train_or_resume(config: Path, overrides: list[str], out: Path, device: str) -> Trainer:
    """A finished run as it is, an interrupted one resumed from its checkpoint (the package's one
    resume path, under the run lock), else a fresh run. Returns the trainer, its generator restored."""
    from seqgan_gumbel.config import from_dict
    from seqgan_gumbel.storage import CHECKPOINT_NAME, load_checkpoint
    from seqgan_gumbel.training import continue_run, resumed_trainer

    cfg = load_config(str(config), [*overrides, f"train.device={device}", "log.report=false"])
    if (out / CHECKPOINT_NAME).is_file():
        state = load_checkpoint(out)
        if from_dict(state["config"]).computation() != cfg.computation():
            raise SystemExit(f"{out}: its checkpoint was made with another config; remove the folder to start it afresh")
        trainer = resumed_trainer(out, state, cfg, progress=False)    # this piece's device, the checkpoint's state
        if trainer.global_step < trainer.total or not (out / "summary.json").is_file():
            continue_run(trainer, out)
        return trainer
    trainer = Trainer(cfg, out, progress=False)
    start_run(trainer, out, overwrite=True)          # under the run lock, as a resumed run is
    return trainer


def score(bench: str, trainer: Trainer, run_dir: Path, temperatures: list[float], num: int) -> tuple[dict, list[dict]]:
    """(figures at temperature 1, one row per swept temperature)."""
    kind, rows = sweep_run(run_dir, sorted(set(temperatures) | {1.0}), num, seed=12345, order=4)
    at_one = next(r for r in rows if r["temperature"] == 1.0)
    figures = {k: at_one[k] for k in FIGURES[bench] if k in at_one}
    if bench == "coco":   # RelGAN's NLL_gen: the generator's NLL of its training captions
        gen = trainer.average.sampler(trainer.gen)
        figures["nll_gen_train"] = generator_nll(gen, trainer.data.ids, trainer.data.vocab.pad)
        figures["relgan100"] = relgan_protocol(run_dir, trainer.cfg.data.test_path)
    return figures, [r for r in rows if r["temperature"] in temperatures]


def relgan_protocol(run_dir: Path, test_path: str) -> dict:
    """RelGAN's BLEU: 100 of the run's samples at temperature 1 (samples.txt) against all the test
    captions, over 10 seeded draws of 100: {n: {mean, std, draws}}."""
    from seqgan_gumbel.metrics import read_text_lines, small_sample_bleu

    samples = read_text_lines(run_dir / "samples.txt", "samples file", False)
    return small_sample_bleu(samples, read_text_lines(test_path, "test file", False), size=100, draws=10)


def real_data(bench: str, config: Path, overrides: list[str]) -> dict:
    """The real-data row: the oracle's NLL of its own held-out samples; for COCO the training
    captions as written (no unknown-word mapping) scored as if they were samples: BLEU against
    the test captions, Self-BLEU."""
    from seqgan_gumbel.metrics import read_text_lines, text_scores
    from seqgan_gumbel.kinds import oracle_data
    from seqgan_gumbel.data import N_SPECIALS

    cfg = load_config(str(config), overrides)
    if bench == "oracle":
        data = oracle_data(cfg.data)
        return {"nll_oracle": data.oracle.nll(data.test_ids - N_SPECIALS), "n": int(data.test_ids.shape[0])}
    train = read_text_lines(cfg.data.path, "training file", False)
    s = text_scores(train, read_text_lines(cfg.data.test_path, "test file", False), orders=[2, 3, 4, 5], self_bleu=True)
    return {**{f"bleu{n}": v for n, v in s["bleu"].items()}, **{f"self_bleu{n}": v for n, v in s["self_bleu"].items()},
            "n": len(train)}


def curve_gap(gan_rows: list[dict], mle_rows: list[dict], x: str, y: str, higher_is_better: bool) -> list[dict]:
    """Where each GAN point (seed-mean per temperature) stands against the MLE curve (seed-mean):
    the MLE curve's quality at the GAN point's diversity, by linear interpolation between the
    MLE temperatures around it (None outside the MLE curve's range)."""
    mle = [(m[x], m[y]) for m in by_temperature(mle_rows).values()]
    out = []
    for t, g in by_temperature(gan_rows).items():
        ref = interpolate(mle, g[x])
        gap = None if ref is None else ((g[y] - ref) if higher_is_better else (ref - g[y]))
        out.append({"temperature": t, x: g[x], y: g[y], f"mle_{y}_at_same_{x}": ref, "gan_better_by": gap})
    return out


def one_seed(args, bench: str, key: str, seed: int, config: Path, mle_runs: Path, runs_dir: Path,
             path: Path, temperatures: list[float]) -> dict:
    """Train (or resume, or reuse) one seed's run and score it; the record kept in the result file."""
    mle_dir, out = mle_runs / f"mle-s{seed}", runs_dir / f"{key}-s{seed}"
    warmup = None       # set when the GAN's warm-up had to be rebuilt
    overrides = [*args.overrides, f"train.seed={seed}"]
    if key == "mle":
        overrides.append("train.adv_steps=0")
    else:       # the warm-up is the MLE run's: start from its generator, skip the MLE phase
        overrides += [f"train.init_generator={mle_dir / PRETRAINED}", "train.mle_steps=0", "train.mle_epochs=0"]
        kept = path.parent / f"{mle_runs.name.split('-', 1)[1]}_runs" / f"mle-s{seed}" / PRETRAINED
        if not (mle_dir / PRETRAINED).is_file() and kept.is_file():     # the local copy kept with the results
            mle_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(kept, mle_dir / PRETRAINED)
        if not (mle_dir / PRETRAINED).is_file():        # a fresh clone: weights are not committed
            warmup = rebuild_warmup(bench, seed, mle_dir, kept.parent, args.device)
    keep = path.parent / f"{args.name or args.size}_runs" / out.name      # the training curves, kept with the results
    if restore_run(out, keep):
        print(f"{bench} {key} seed {seed}: resuming from the checkpoint kept in {keep / 'resume'}", flush=True)
    lost, aside = lost_steps(out, keep), lost_dir(keep.parent)
    if lost and not args.restart_lost:
        print(f"scripts.bench.seeds: {bench} {key} seed {seed}: {keep} records {lost} steps of a run whose checkpoint is "
              f"neither in {out} nor kept with it; add --restart-lost to set that record aside in {aside} and "
              "train the seed afresh", file=sys.stderr)
        raise SystemExit(2)
    if lost:
        print(f"{bench} {key} seed {seed}: its unresumable record ({lost} steps) set aside in "
              f"{set_aside(keep, aside)}", flush=True)
    try:
        with piece(out, args.device):    # a piece stopped by a signal still counts its time
            trainer = train_or_resume(config, overrides, out, args.device)
    finally:
        if out.is_dir():         # a stopped run's curve so far is kept too, with what resumes it: nothing half-recorded
            keep_run(out, keep, mle=key == "mle")
            record = {"config": f"configs/{config.name}", "overrides": dict(o.split("=", 1) for o in overrides)}
            if warmup or (warmup := read_rebuilt(mle_dir)):
                record["warmup_rebuilt"] = warmup
            elif (keep / "config.json").is_file():     # a later piece keeps what the first recorded
                if old := json.loads((keep / "config.json").read_text()).get("warmup_rebuilt"):
                    record["warmup_rebuilt"] = old
            start = record["overrides"].get("train.init_generator")
            if start and Path(start).is_relative_to(ROOT):     # not the path of the checkout it ran in
                record["overrides"]["train.init_generator"] = str(Path(start).relative_to(ROOT))
            (keep / "config.json").write_text(json.dumps(record, indent=2) + "\n")
    figures, rows = score(bench, trainer, out, temperatures, args.num)
    done = pieces(out)
    figures["wall_s"] = total_wall(done)
    print(f"{bench} {key} seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in figures.items() if isinstance(v, float)),
          flush=True)
    return figures | {"sweep_rows": rows, "pieces": done, "size": args.size}


def rebuild_warmup(bench: str, seed: int, mle_dir: Path, kept: Path, device: str) -> dict:
    """Train a GAN seed's warm-up again from the MLE run's recorded config.json (config, overrides,
    seed) into mle_dir, and compare its digest with the recorded one (warmup.json). On the CPU a
    warm-up is bit-identical on the same machine, not across machines (docs/results/published-sizes.md): a
    mismatch is reported and recorded with the GAN seed, not refused."""
    if not (kept / "config.json").is_file():
        raise SystemExit(f"scripts.bench.seeds: {bench} gan seed {seed}: no warm-up generator in {mle_dir} and no record "
                         f"in {kept} to rebuild it from; run the MLE seed first (--variants mle)")
    record = json.loads((kept / "config.json").read_text())
    overrides = [f"{k}={v}" for k, v in record["overrides"].items()]
    print(f"{bench} gan seed {seed}: rebuilding its warm-up in {mle_dir} from {kept / 'config.json'}", flush=True)
    train_or_resume(ROOT / record["config"], overrides, mle_dir, device)
    digest = sealed_digest(mle_dir / PRETRAINED)
    recorded = json.loads((kept / WARMUP).read_text())["sha256"] if (kept / WARMUP).is_file() else None
    same = digest == recorded
    print(f"{bench} gan seed {seed}: rebuilt warm-up {'identical to' if same else 'differs from'} the recorded "
          f"one (sha256 {digest[:12]}, recorded {(recorded or 'none')[:12]})", flush=True)
    answer = {"sha256": digest, "recorded_sha256": recorded, "identical": same}
    (mle_dir / REBUILT).write_text(json.dumps(answer) + "\n")       # read again by the seed's later pieces
    return answer


def read_rebuilt(mle_dir: Path) -> dict | None:
    """What rebuild_warmup found, kept beside the rebuilt warm-up: a later piece of the GAN seed (on a
    machine whose results/ copy lacks the first piece's record) still records it."""
    return json.loads((mle_dir / REBUILT).read_text()) if (mle_dir / REBUILT).is_file() else None


def aggregate(result: dict, bench: str, temperatures: list[float]) -> None:
    """Means and stds over the seeds measured so far, the sweep rows of every seed, and once both
    variants have rows, the GAN-against-MLE-curve gaps."""
    for v in result["variants"].values():
        figs = list(v["seeds"].values())
        stats = {k: mean_sd([f[k] for f in figs], single=0.0) for k in (*FIGURES[bench], "wall_s") if k in figs[0]}
        v["mean"], v["std"] = {k: m for k, (m, _) in stats.items()}, {k: sd for k, (_, sd) in stats.items()}
    x, y = SWEEP_AXES[bench]
    rows = [dict(r, seed=int(seed), label=v["label"]) for v in result["variants"].values()
            for seed, s in v["seeds"].items() for r in s.get("sweep_rows", [])]
    result["sweep"] = {"x": x, "y": y, "temperatures": temperatures, "rows": rows}
    by_label = {k: [r for r in rows if r["label"] == VARIANTS[k]] for k in VARIANTS}
    if all(by_label.values()):
        result["gan_against_mle_curve"] = curve_gap(by_label["gan"], by_label["mle"], x, y, higher_is_better=bench == "coco")


def upgrade(result: dict) -> dict:
    """A result file of the first format (every seed's sweep rows in one list) in this one."""
    for v in result.get("variants", {}).values():
        for seed, s in v["seeds"].items():
            if "sweep_rows" not in s:
                s["sweep_rows"] = [{k: x for k, x in r.items() if k not in ("seed", "label")}
                                   for r in result["sweep"]["rows"] if r["label"] == v["label"] and str(r["seed"]) == seed]
    return result


def save(result: dict, path: Path, bench: str | None = None, temperatures: list[float] | None = None) -> None:
    """Write the result file. With bench and temperatures, first merge in the seeds that another
    process (seeds run side by side) saved meanwhile, under a lock, and re-summarise."""
    def add(saved: dict | None) -> dict:
        if bench and saved is not None:
            for key, v in upgrade(saved)["variants"].items():
                mine = result["variants"].setdefault(key, {"label": v["label"], "seeds": {}})["seeds"]
                for seed, record in v["seeds"].items():
                    mine.setdefault(seed, record)
            aggregate(result, bench, temperatures)
        return result

    update_json(path, lambda: None, add)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("benchmark", choices=sorted(FIGURES))
    ap.add_argument("--size", default="cpu", help="cpu (default), full (RelGAN's recipe at its size), light (oracle: "
                    "full with the CPU-sized critic): configs/<benchmark>_bench_<size>.toml")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--temperatures", default=TEMPERATURES)
    ap.add_argument("--num", type=int, default=10000, help="samples per temperature (default 10,000)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE")
    ap.add_argument("--name", help="name of the runs folder and result file (default: the size)")
    ap.add_argument("--results", metavar="DIR", help="where the result file and plot go (default results/<benchmark>)")
    ap.add_argument("--runs", metavar="DIR", help="where the runs go (default runs/bench)")
    ap.add_argument("--mle-from", metavar="NAME",
                    help="reuse the MLE runs and figures of the earlier result NAME (the same size, these seeds among "
                         "its own); train only the GAN")
    ap.add_argument("--real-data-only", action="store_true",
                    help="only (re)compute the real-data row of an existing result file")
    ap.add_argument("--restart-lost", action="store_true",
                    help="a run whose checkpoint was lost (the kept record has steps, no checkpoint is kept or in the "
                         "runs folder): set its record aside in <name>_lost/ and train the seed afresh")
    ap.add_argument("--variants", default="mle,gan", help="mle,gan (default) or mle: the baseline alone")
    ap.add_argument("--protocols-only", action="store_true",
                    help="coco: only (re)compute RelGAN's 100-hypothesis BLEU of the seeds in the result file, "
                         "from their runs' samples.txt")
    args = ap.parse_args()
    bench, seeds = args.benchmark, [int(s) for s in args.seeds.split(",")]
    temperatures = [float(t) for t in args.temperatures.split(",")]
    config = ROOT / "configs" / f"{bench}_bench_{args.size}.toml"
    if not config.is_file():
        ap.error(f"--size {args.size}: there is no {config.relative_to(ROOT)}")
    name = args.name or args.size
    runs_dir = Path(args.runs or ROOT / "runs" / "bench") / f"{bench}-{name}"
    path = Path(args.results or ROOT / "results" / bench) / f"{name}.json"
    if args.protocols_only:     # RelGAN's 100-hypothesis BLEU for the COCO seeds measured before it was kept
        result = json.loads(path.read_text())
        test_path = load_config(str(config), args.overrides).data.test_path
        for key, v in result["variants"].items():
            for seed, record in v["seeds"].items():
                record["relgan100"] = relgan_protocol(runs_dir / f"{key}-s{seed}", test_path)
        save(result, path)
        return
    if args.real_data_only:
        result = json.loads(path.read_text())
        result["real_data"] = real_data(bench, config, args.overrides)
        save(result, path)
        return
    setup = {"benchmark": bench, "size": args.size, "config": f"configs/{config.name}",
             "overrides": same_run(args.overrides), "num_samples": args.num}
    result = upgrade(json.loads(path.read_text())) if path.is_file() else setup | {"variants": {}}
    result["overrides"] = same_run(result["overrides"])
    if any(result.get(k, v) != v for k, v in setup.items()) or result.get("sweep", {}).get("temperatures", temperatures) != temperatures:
        raise SystemExit(f"{path} was measured with another size, config, overrides, sample count or temperatures; "
                         f"give another --name")
    mle_runs = runs_dir
    if args.mle_from:
        prev = upgrade(json.loads((path.parent / f"{args.mle_from}.json").read_text()))
        if prev["size"] != args.size or not {str(s) for s in seeds} <= set(prev["variants"]["mle"]["seeds"]) \
                or prev["sweep"]["temperatures"] != temperatures:
            raise SystemExit(f"--mle-from {args.mle_from}: its size or temperatures differ from this run's, or it "
                             "lacks some of these seeds")
        result["variants"]["mle"] = prev["variants"]["mle"]
        result["mle_from"] = args.mle_from
        mle_runs = runs_dir.with_name(f"{bench}-{args.mle_from}")
    for key, label in VARIANTS.items():
        if key not in args.variants.split(","):
            continue
        for seed in seeds:
            done = result["variants"].get(key, {}).get("seeds", {})
            if str(seed) in done:
                print(f"{bench} {key} seed {seed}: already in {path.name}, skipped", flush=True)
                continue
            try:
                record = one_seed(args, bench, key, seed, config, mle_runs, runs_dir, path, temperatures)
            except Interrupted as e:
                raise SystemExit(f"scripts.bench.seeds: {key} seed {seed} stopped ({e}); the same command goes on from there")
            result["variants"].setdefault(key, {"label": label, "seeds": {}})["seeds"][str(seed)] = record
            aggregate(result, bench, temperatures)
            machines = {p["machine"] for v in result["variants"].values() for s in v["seeds"].values()
                        for p in s.get("pieces", [])}
            result.update(torch=torch.__version__, date=time.strftime("%Y-%m-%d"),
                          machine="; ".join(sorted(machines)) or result.get("machine", ""))
            save(result, path, bench, temperatures)     # after every seed: a benchmark can stop and go on later
            drop_snapshot(path.parent / f"{name}_runs" / f"{key}-s{seed}")
    if "real_data" not in result:
        result["real_data"] = real_data(bench, config, args.overrides)
    save(result, path, bench, temperatures)
    plot(result, path.with_name(f"{name}_sweep.png"))
    from scripts.render.curves import plot as plot_curves

    plot_curves(bench, path.parent / f"{name}_runs", path.with_name(f"{name}_curves.png"),
                f"{bench} ({name}): the GAN runs at every log step")
    print(f"saved {path} and its plots")


def plot(result: dict, out: Path) -> None:
    """Seed-mean quality-diversity curves of MLE and GAN over the swept temperatures."""
    from seqgan_gumbel.metrics import sweep_plot

    x, y = result["sweep"]["x"], result["sweep"]["y"]
    rows = []
    for label in dict.fromkeys(r["label"] for r in result["sweep"]["rows"]):
        mine = [r for r in result["sweep"]["rows"] if r["label"] == label]
        rows += [{"label": f"{label} ({m['n']} seeds)", "temperature": t, x: m[x], y: m[y]}
                 for t, m in by_temperature(mine).items()]
    from seqgan_gumbel.kinds import KINDS

    kind = KINDS.get("oracle" if result["benchmark"] == "oracle" else "corpus")
    xl, yl = kind.diversity.label, kind.quality.label
    sweep_plot(rows, x, xl.format(n=4), y, yl.format(n=4), out,
               title=f"{result['benchmark']} ({result['size']} size): quality against diversity, seed means")


if __name__ == "__main__":
    main()

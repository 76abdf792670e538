"""Benchmark: COCO at CPU size judged in three planes (BLEU-4 / Self-BLEU-4, LM score / reverse-LM
score, MAUVE), the MLE under every decoder (temperature, top-k, nucleus), the GAN, both guided by
their ratio models, and the REINFORCE GAN (issue 31: dense rewards, started from the same warm-up).

Per seed, the early-stopped MLE run of scripts.bench.seeds coco --name cpu_es is rebuilt from its
record (results/coco/cpu_es_runs/mle-s<seed>/config.json; its generator's digest compared with
warmup.json) into runs/bench/coco-cpu_es/mle-s<seed>, unless it is there, and its GAN from
gan-s<seed>/config.json, started from the rebuilt warm-up, and its REINFORCE GAN likewise from
results/coco/es_reinforce_dense_runs/gan-s<seed>/config.json (runs/bench/coco-es_reinforce_dense,
where scripts.bench.seeds trains it). The MLE and the GAN each get their ratio model (fit-ratio's
defaults, seeded). Points: the MLE over the decoders, each GAN over the GAN temperatures, the
token-level guide (G = 1) of the MLE and the GAN at the guide temperatures, and the MLE run the
REINFORCE GAN started from at the GAN temperatures (reinforce_start: a warm-up rebuilt in another
session need not be bit-identical to the one the seed's MLE points were judged from, so the REINFORCE
GAN is also set against its own start; every variant records its warm-up's digest). All are judged by the COCO judge
(fitted on the 10,000 training captions into runs/judges/coco; fitted here if missing).

    .venv/bin/python -m scripts.bench.judges_coco [--seeds 0,1,2] [--num 2000]
        [--temperatures 0.7,0.85,1.0,1.15] [--top-k 10,40] [--top-p 0.8,0.9,0.95]
        [--gan-temperatures 0.85,1.0] [--guide-temperatures 1.0] [--variants mle,gan,guide,reinforce]

Writes results/judges/coco.json and its plot coco.png after every variant of every seed (one already there is skipped).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from scripts import ROOT
from scripts.bench.keep import PRETRAINED, WARMUP, sealed_digest

RECORDS = ROOT / "results/coco/cpu_es_runs"
RUNS = ROOT / "runs/bench/coco-cpu_es"
VARIANTS = ("mle", "gan", "mle_guide", "gan_guide", "reinforce", "reinforce_start")
GANS = {"gan": "cpu_es", "reinforce": "es_reinforce_dense"}     # variant: the benchmark name its run is kept under
SEED = 12345            # the sampling seed of every point, as scripts.bench.seeds scores


def numbers(kind):
    """An argparse type: a comma-separated list of kind."""
    return lambda text: [kind(x) for x in text.split(",") if x.strip()]


def mle_run(seed: int) -> tuple[Path, dict]:
    """The seed's early-stopped MLE run, rebuilt from its record when missing; (folder, digest check)."""
    from scripts.bench.seeds import train_or_resume

    kept, out = RECORDS / f"mle-s{seed}", RUNS / f"mle-s{seed}"
    record = json.loads((kept / "config.json").read_text())
    if not (out / "summary.json").is_file():
        print(f"coco mle seed {seed}: rebuilding it in {out} from {kept / 'config.json'}", flush=True)
        train_or_resume(ROOT / record["config"], [f"{k}={v}" for k, v in record["overrides"].items()], out, "cpu")
    digest = sealed_digest(out / PRETRAINED)
    recorded = json.loads((kept / WARMUP).read_text())["sha256"]
    return out, {"sha256": digest, "recorded_sha256": recorded, "identical": digest == recorded}


def gan_run(seed: int, mle_dir: Path, variant: str = "gan") -> Path:
    """The seed's GAN of the variant (GANS), rebuilt from its record when missing, started from the
    rebuilt warm-up."""
    from scripts.bench.seeds import train_or_resume

    name = GANS[variant]
    kept, out = ROOT / f"results/coco/{name}_runs/gan-s{seed}", ROOT / f"runs/bench/coco-{name}/gan-s{seed}"
    record = json.loads((kept / "config.json").read_text())
    overrides = record["overrides"] | {"train.init_generator": str(mle_dir / PRETRAINED)}
    if not (out / "summary.json").is_file():
        print(f"coco {variant} seed {seed}: rebuilding it in {out} from {kept / 'config.json'}", flush=True)
        train_or_resume(ROOT / record["config"], [f"{k}={v}" for k, v in overrides.items()], out, "cpu")
    return out


def with_ratio(run_dir: Path, seed: int) -> dict:
    """The run's ratio model (fit-ratio's defaults, this seed), fitted unless it is there; its report."""
    import seqgan_gumbel as sg

    if (run_dir / "ratio.pt").is_file():
        return json.loads((run_dir / "ratio.json").read_text()) if (run_dir / "ratio.json").is_file() else {}
    return sg.load(run_dir).fit_ratio(seed=seed)


def variant_points(name: str, run_dir: Path, args, judged: dict) -> list[dict]:
    """The judged points of one variant: mle over the decoders, gan over its temperatures, *_guide
    the token-level guide at G = 1 at the guide temperatures, reinforce as gan, reinforce_start: the
    MLE run the REINFORCE GAN started from, at the GAN temperatures (its paired baseline)."""
    from seqgan_gumbel.evaluation import sweep_run

    if name == "mle":
        return sweep_run(run_dir, args.temperatures, args.num, SEED, 4, top_ks=args.top_k, top_ps=args.top_p, **judged)[1]
    if name in GANS or name == "reinforce_start":
        return sweep_run(run_dir, args.gan_temperatures, args.num, SEED, 4, **judged)[1]
    return sweep_run(run_dir, args.guide_temperatures, args.num, SEED, 4, strengths=[1.0], **judged)[1]


def real_rows(judge, train: list[str], test: list[str], num: int) -> dict:
    """The real-data rows, num captions as the samples: training captions against all the test
    captions (the judge LM was fitted on them: its LM score and features flatter them), and test
    captions against the other test captions (text none of the models saw)."""
    import random

    import seqgan_gumbel as sg

    rng = random.Random(0)
    held = set(rng.sample(range(len(test)), num))
    pairs = {"train": (rng.sample(train, num), test),
             "test": ([test[i] for i in sorted(held)], [t for i, t in enumerate(test) if i not in held])}
    out = {}
    for name, (samples, refs) in pairs.items():
        out[name] = {"bleu4": sg.score_bleu(samples, refs, (4,))[4], "self_bleu4": sg.score_self_bleu(samples, (4,))[4],
                     "n": num, "references": len(refs)} | judge.figures(samples, refs, ("lm", "reverse", "mauve"))
        print(f"real data ({name}):", {k: round(v, 4) if isinstance(v, float) else v for k, v in out[name].items()})
    return out


def _print(rows: list[dict]) -> None:
    for r in rows:
        print({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items() if k != "run"}, flush=True)


def main() -> None:
    from scripts.render.judges import plot_coco
    from seqgan_gumbel.evaluation import fit_judge
    from seqgan_gumbel.metrics import read_text_lines

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=numbers(int), default=[0, 1, 2])
    ap.add_argument("--num", type=int, default=2000, help="samples per point (default 2000)")
    ap.add_argument("--temperatures", type=numbers(float), default=[0.7, 0.85, 1.0, 1.15])
    ap.add_argument("--top-k", type=numbers(int), default=[10, 40])
    ap.add_argument("--top-p", type=numbers(float), default=[0.8, 0.9, 0.95])
    ap.add_argument("--gan-temperatures", type=numbers(float), default=[0.85, 1.0])
    ap.add_argument("--guide-temperatures", type=numbers(float), default=[1.0])
    ap.add_argument("--variants", type=lambda x: x.split(","), default=["mle", "gan", "guide", "reinforce"])
    ap.add_argument("--judge", default=str(ROOT / "runs/judges/coco"))
    ap.add_argument("--out", default=str(ROOT / "results/judges/coco.json"))
    args = ap.parse_args()
    out = Path(args.out)
    result = json.loads(out.read_text()) if out.is_file() else {"seeds": {}}
    train = read_text_lines(ROOT.parent / "shared/data/coco/train.txt", "training text", keep_empty=False)
    judge = fit_judge(train, None, out=args.judge, progress=True)
    judged = {"judge": judge, "judges": ("lm", "reverse", "mauve")}
    if result.get("judge", judge.digest[:16]) != judge.digest[:16] or result.get("num", args.num) != args.num:
        raise SystemExit(f"{out} holds points of judge {result['judge']} at {result['num']} samples; "
                         f"move it aside to judge with {judge.digest[:16]} at {args.num}")
    nll = judge.info["validation_nll"]         # the same digest refitted elsewhere: the same settings, maybe other weights
    if result.setdefault("judge_validation_nll", nll) != nll:
        print(f"the judge in {args.judge} was refitted (validation NLL {nll:.6f}, the file's {result['judge_validation_nll']:.6f}); "
              "each new point records its judge's", flush=True)
    result |= {"judge": judge.digest[:16], "num": args.num}
    if "real" not in result:
        test = read_text_lines(ROOT.parent / "shared/data/coco/test.txt", "test text", keep_empty=False)
        result["real"] = real_rows(judge, train, test, args.num)
    wanted = [n for n in VARIANTS if n in args.variants or (n.endswith("_guide") and "guide" in args.variants)
              or (n == "reinforce_start" and "reinforce" in args.variants)]
    for seed in args.seeds:
        done = result["seeds"].setdefault(str(seed), {})
        t0 = time.perf_counter()
        dirs = {}
        dirs["mle"], warmup = mle_run(seed)
        done.setdefault("warmup", warmup)           # the warm-up the seed's first points were judged from
        if {"gan", "gan_guide"} & set(wanted) - set(done):
            dirs["gan"] = gan_run(seed, dirs["mle"])
        if "reinforce" in set(wanted) - set(done):
            dirs["reinforce"] = gan_run(seed, dirs["mle"], "reinforce")
        for name in wanted:
            if name in done:
                print(f"coco seed {seed} {name}: already in {out}; skipped")
                continue
            t1 = time.perf_counter()
            run_dir = dirs["mle" if name == "reinforce_start" else name.split("_")[0]]
            if name.endswith("_guide"):
                done.setdefault("ratio", {})[name] = with_ratio(run_dir, seed)
            done[name] = variant_points(name, run_dir, args, judged)
            done[f"{name}_wall_s"] = time.perf_counter() - t1
            done[f"{name}_judge_validation_nll"] = nll
            done[f"{name}_warmup"] = warmup          # a warm-up rebuilt again need not be the first one
            _print(done[name])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
            plot_coco(result, out.with_suffix(".png"))
            print(f"coco seed {seed} {name}: {len(done[name])} points in {time.perf_counter() - t1:.0f} s; written to {out}")
        print(f"coco seed {seed}: {time.perf_counter() - t0:.0f} s")

if __name__ == "__main__":
    main()

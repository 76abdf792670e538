"""Toy-grammar benchmark: seeds of the MLE baseline, the GAN with an MLE warm-up
(the default recipe) and the GAN from scratch (as Kusner & Hernandez-Lobato trained it, no
likelihood term anywhere: configs/<grammar>_scratch.toml), on the arith and kusner grammars.

Each run is scored on 2,000 samples: validity, uniqueness, and the grammar's exact NLL of the
valid samples (per string) against that of the held-out strings drawn from the grammar itself
-- validity alone rewards collapse onto a few short strings. The generator's NLL of those
held-out strings (per string, end included) is set against the grammar's exact NLL of the same
strings, the least any model can reach. Targets: >= 99% valid, both NLLs within 5%, unique
fraction >= 0.9 x the held-out strings'.
Saves results/grammar/<grammar>.json (every seed with its wall time and threads, and its
figures at every log step; mean and std) after every seed: seeds already there are skipped
(--fresh reruns them), so a benchmark can be run in pieces or side by side (two processes of
one thread each, --seeds 0 and --seeds 1,2, say). scripts/render/docs.py turns the files
into the tables of docs/results/grammars.md and the README; scripts/render/scratch.py draws the curves.

    .venv/bin/python -m scripts.bench.grammar [--grammars arith,kusner] [--variants mle,gan,scratch]
        [--seeds 0,1,2] [--threads N] [--fresh] [--set KEY=VALUE ...] [--results DIR] [--temperatures T,T]
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from seqgan_gumbel.evaluation import sweep_run
from seqgan_gumbel.setup import load_config
from seqgan_gumbel.metrics import grammar_scores
from seqgan_gumbel.training import start_run, Trainer

from scripts import ROOT
from scripts.bench.locked import update_json
from scripts.bench.pieces import load_average
from scripts.stats import mean_sd
# key: (label, config file relative to the repository ({grammar} filled in) or None, overrides)
VARIANTS = {
    "mle": ("MLE only (same number of generator updates)", None, ["train.adv_steps=0", "train.mle_steps=1800"]),
    "gan": ("MLE warm-up + WGAN-GP (the default recipe)", None, []),
    "scratch": ("GAN from scratch (configs/{grammar}_scratch.toml)", "configs/{grammar}_scratch.toml", []),
    "scratch_v0_1": ("WGAN-GP from scratch, 0.1.0's recipe (1,500 iterations)", None,
                     ["train.mle_steps=0", "train.adv_steps=1500"]),
    "mle_long": ("MLE only, 4,300 steps", None, ["train.adv_steps=0", "train.mle_steps=4300"]),
    "gan_long": ("MLE warm-up of 4,000 steps + WGAN-GP", None, ["train.mle_steps=4000"]),
}
FIGURES = ("valid", "unique", "unique_ratio", "nll_samples", "nll_samples_ratio", "gen_nll_test",
           "gen_nll_test_ratio", "wall_s")
REFERENCE = ("n", "valid", "unique", "mean_length", "nll_valid")


def one_run(grammar: str, overrides: list[str], seed: int, out: Path, config: str | None = None,
            temperatures: tuple[float, ...] = ()) -> dict:
    """Train one run and score it against held-out strings drawn from the grammar with the run's seed;
    with temperatures, also its quality-diversity curve (temperature_curve())."""
    cfg = load_config(config, [f"data.grammar={grammar}", f"train.seed={seed}", "train.num_samples=2000",
                               "log.report=false", *overrides])
    t0 = time.perf_counter()
    trainer = Trainer(cfg, out, progress=False)
    summary = start_run(trainer, out, overwrite=True)
    wall = time.perf_counter() - t0
    data, vocab, gen = trainer.data, trainer.data.vocab, trainer.gen
    held_out = [vocab.decode(r) for r in data.test_ids.tolist()]
    reference = grammar_scores(held_out, trainer.kind.grammar)
    with torch.no_grad():
        gen.eval()
        gen_nll = gen.token_nll(data.test_ids.to(trainer.device)).double().mean().item()
    s = summary["samples"]
    nll = s["nll_valid"]                                # None when no sample is valid
    logged = data.test_ids[:cfg.train.eval_test]            # the held-out strings scored at each log step
    tokens_per_string = int((logged != vocab.pad).sum()) / logged.shape[0]
    logged_nll = grammar_scores(held_out[:cfg.train.eval_test], trainer.kind.grammar)["nll_valid"]
    return {"valid": s["valid"], "unique": s["unique"], "unique_ratio": s["unique"] / reference["unique"],
            "mean_length": s["mean_length"],
            "nll_samples": nll, "nll_samples_ratio": None if nll is None else nll / reference["nll_valid"],
            "gen_nll_test": gen_nll, "gen_nll_test_ratio": gen_nll / reference["nll_valid"],
            "wall_s": round(wall, 1), "threads": torch.get_num_threads(), "load": load_average(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),  # float results may differ between kinds
            "mle_steps": cfg.train.mle_steps, "adv_updates": cfg.train.adv_steps * cfg.train.g_steps,
            "reference": {k: reference[k] for k in REFERENCE},
            "curve": curve(out, reference["nll_valid"], logged_nll, tokens_per_string)} | (
        {"temperatures": temperature_curve(out, temperatures, seed, reference, data.test_ids, vocab.pad)}
        if temperatures else {})


def temperature_curve(run: Path, temperatures: tuple[float, ...], seed: int, reference: dict,
                      test_ids: torch.Tensor, pad: int) -> list[dict]:
    """The finished run's samples at each sampling temperature (the public sweep_run: 2,000 drawn
    with one seed, seed + 1, at every temperature), scored as at the end of training: validity,
    uniqueness and the grammar NLL of the valid samples against the held-out strings', and the
    tempered generator's NLL of all held-out strings (sweep_run's per token, end included, turned
    into nats per string) against the grammar's exact NLL of them."""
    tokens_per_string = int((test_ids != pad).sum()) / test_ids.shape[0]
    rows = sweep_run(run, list(temperatures), 2000, seed + 1, 4)[1]
    return [{"temperature": r["temperature"], "valid": r["valid"], "unique_ratio": r["unique"] / reference["unique"],
             "mean_length": r["mean_length"],
             "nll_samples_ratio": None if r["nll_valid"] is None else r["nll_valid"] / reference["nll_valid"],
             "gen_nll_test_ratio": r["nll_test"] * tokens_per_string / reference["nll_valid"]} for r in rows]


def curve(run: Path, nll_reference: float, logged_nll: float, tokens_per_string: float) -> list[dict]:
    """Validity and both NLL ratios at every log step of the adversarial phase: the samples'
    grammar NLL against the held-out strings', and the generator's NLL of the held-out strings
    scored at each log step (logged per token, turned back into nats per string) against the
    grammar's exact NLL of those same strings (logged_nll)."""
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [{"step": r["step"] if r["phase"] == "adv" else 0, "valid": r["valid"],
             "nll_samples_ratio": None if r.get("nll_valid") is None else r["nll_valid"] / nll_reference,
             "gen_nll_test_ratio": r["nll_test"] * tokens_per_string / logged_nll,
             "elapsed_s": r.get("elapsed_s")}      # wall time so far: figures at a matched wall time
            for r in rows if r.get("phase") in ("init", "adv")]


def summarise(label: str, config: str | None, overrides: list[str], runs: dict) -> dict:
    """Mean and standard deviation of each figure over the seeds that define it (a seed whose
    samples hold no valid string has no sample NLL; null where no seed has one)."""
    defined = {f: [r[f] for r in runs.values() if r[f] is not None] for f in FIGURES}
    return {"label": label, "config": config, "overrides": overrides, "seeds": runs,
            "mean": {f: mean_sd(v)[0] if v else None for f, v in defined.items()},
            "std": {f: mean_sd(v, single=0.0)[1] if v else None for f, v in defined.items()}}


def reference_mean(result: dict) -> dict:
    """The grammar's own figures (held-out draws of each seed), averaged over every seed measured."""
    refs = {seed: r["reference"] for v in result["runs"].values() for seed, r in v["seeds"].items()}
    mean = {k: statistics.fmean(r[k] for r in refs.values()) for k in REFERENCE}
    return mean | {"n": round(mean["n"]), "seeds": sorted(refs, key=int)}


def merge(path: Path, grammar: str, key: str, variant: tuple, seed: int, r: dict, sets: list[str]) -> None:
    """Add one seed's figures to the result file, under a lock (benchmarks side by side share it),
    written atomically after every seed so that an interrupted benchmark keeps what it measured;
    sets: the --set overrides of every variant, kept in the file."""
    label, config, overrides = variant

    def add(result: dict) -> dict:
        kept = result["runs"].get(key, {})
        runs = dict(kept.get("seeds", {})) if kept.get("config") == config else {}
        runs[str(seed)] = r
        result["runs"][key] = summarise(label, config, overrides, dict(sorted(runs.items())))
        result["reference"] = reference_mean(result)
        result.update(machine=f"{platform.machine()}, CPU", torch=torch.__version__, set=sets)
        return result

    update_json(path, lambda: {"grammar": grammar, "runs": {}}, add)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grammars", default="arith,kusner")
    ap.add_argument("--variants", default="mle,gan,scratch")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--fresh", action="store_true", help="rerun seeds already in the result file")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a config override applied to every variant (after its own)")
    ap.add_argument("--results", default=str(ROOT / "results" / "grammar"), help="where <grammar>.json is kept")
    ap.add_argument("--temperatures", default="", metavar="T,T,...",
                    help="also score each run's samples at these sampling temperatures (its quality-diversity curve)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    temperatures = tuple(float(t) for t in args.temperatures.split(",") if t)
    for grammar in args.grammars.split(","):
        path = Path(args.results) / f"{grammar}.json"
        for key in args.variants.split(","):
            label, config, overrides = VARIANTS[key]
            label, config = label.format(grammar=grammar), config and config.format(grammar=grammar)
            for seed in seeds:
                # Read again before every run: benchmarks side by side (other seeds) merge their results.
                result = json.loads(path.read_text()) if path.is_file() else {"grammar": grammar, "runs": {}}
                done = result["runs"].get(key, {})
                if str(seed) in done.get("seeds", {}) and not args.fresh and done.get("config") == config:
                    print(f"{grammar:7} {key:8} seed {seed}: already measured, skipped", flush=True)
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    r = one_run(grammar, overrides + args.set, seed, Path(tmp) / "run", config and str(ROOT / config),
                                temperatures)
                merge(path, grammar, key, (label, config, overrides), seed, r, args.set)    # kept first
                samples = "none valid" if r["nll_samples_ratio"] is None else f"x{r['nll_samples_ratio']:.3f}"
                print(f"{grammar:7} {key:8} seed {seed}: valid {r['valid']:.3f}, unique x{r['unique_ratio']:.3f}, "
                      f"NLL samples {samples}, NLL held-out x{r['gen_nll_test_ratio']:.3f}, {r['wall_s']} s", flush=True)
    print(f"saved {args.results}")


if __name__ == "__main__":
    main()

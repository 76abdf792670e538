"""Benchmark: the wall time of each estimator's adversarial phase on one thread, along the run.

The wall times of scripts.bench.grammar's seeds are not all comparable (some ran beside other
processes on the 2 cores), and an update's cost is not quite constant: a rollout update completes
every prefix of the batch's samples, whose lengths change as the generator learns. So each estimator (the
relaxation, REINFORCE with SeqGAN's rollout rewards, REINFORCE with ScratchGAN's dense rewards)
runs the comparison's own recipe for seed 0 (the default recipe after its MLE warm-up, and
configs/<grammar>_scratch.toml from scratch: the benchmark's seed-0 runs again), and its clock is
kept: the seconds since the adversarial phase began at each log step (after a warm-up the phase's
first 50 iterations are taken to cost what the next 50 did: no log row marks its start).
scripts.render.estimators_time reads the clocks to set the estimators side by side at the
relaxation's wall time. Run it alone, or under one steady load throughout: the six clocks compare.

A variant recipe measured by scripts.bench.grammar (results/estimators/<NAME>/<grammar>.json, say
ScratchGAN's whole recipe, reinforce_dense_sg512_all) is clocked with --recipe NAME: its starts and
its file's own --set overrides, its rows added to the file beside the estimators'. Time it under the
load the others were timed under, and check that by clocking the relaxation so too (--recipe gumbel
--results DIR --out OTHER, results/grammar/<grammar>.json copied to DIR/gumbel/): it should match its row.

    .venv/bin/python -m scripts.bench.estimator_speed [--grammar arith] [--threads 1] [--recipe NAME] [--set KEY=VALUE ...]

Saves results/estimators/speed_<grammar>.json; the runs go to a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import platform
import tempfile
from pathlib import Path

import torch

from seqgan_gumbel.storage import atomic_write_bytes

from scripts import ROOT
from scripts.bench.grad_variance import ESTIMATORS
from scripts.bench.grammar import VARIANTS, one_run

STARTS = ("gan", "scratch")      # the grammar benchmark's variants the estimators are compared on


def clock(curve: list[dict], start: str) -> list[list[float]]:
    """[[iteration, seconds since the adversarial phase began], ...] at each adversarial log step.
    From scratch the phase begins at the run's first row (step 0); after a warm-up its begin is
    extrapolated back from the first two adversarial log steps."""
    adv = [p for p in curve if start == "scratch" or p["step"] > 0]
    if start == "scratch":
        t0 = adv[0]["elapsed_s"]
    else:
        (s1, e1), (s2, e2) = [(p["step"], p["elapsed_s"]) for p in adv[:2]]
        t0, adv = e1 - (e2 - e1) * s1 / (s2 - s1), [{"step": 0, "elapsed_s": None}, *adv]
    return [[p["step"], 0.0 if p["elapsed_s"] is None else round(p["elapsed_s"] - t0, 2)] for p in adv]


def timed(grammar: str, start: str, name: str, sets: list[str]) -> dict:
    """One clock: the start's seed-0 run with these overrides, timed along its adversarial phase."""
    _, config, overrides = VARIANTS[start]
    config = config and str(ROOT / config.format(grammar=grammar))
    with tempfile.TemporaryDirectory() as tmp:
        r = one_run(grammar, [*overrides, *sets], 0, Path(tmp) / "run", config)
    c = clock(r["curve"], start)
    print(f"{grammar} {start:8} {name:18} adversarial phase {c[-1][1]:.0f} s for {r['adv_updates']} "
          f"updates (valid {r['valid']:.3f})", flush=True)
    return {"start": start, "estimator": name, "clock": c, "adv_updates": r["adv_updates"],
            "wall_s": r["wall_s"], "load": r["load"], "valid": r["valid"]}


def recipe_sets(results: Path, grammar: str, name: str) -> tuple[list[str], list[str]]:
    """(starts, --set overrides) of a variant recipe's grammar benchmark file: what its clock runs."""
    path = results / name / f"{grammar}.json"
    if not path.is_file():
        raise ValueError(f"--recipe {name}: no result file {path}; run scripts.bench.grammar --results {path.parent} first")
    d = json.loads(path.read_text())
    return [s for s in STARTS if s in d["runs"]], d.get("set", [])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grammar", default="arith")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--recipe", default=None, metavar="NAME",
                    help="clock only this variant recipe of results/estimators/NAME/<grammar>.json, its rows "
                         "added to the file (the estimators' rows kept)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a config override of every run")
    ap.add_argument("--results", default=str(ROOT / "results/estimators"), help="where the recipes' files are")
    ap.add_argument("--out", default=None, help="default RESULTS/speed_<grammar>.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out or Path(args.results) / f"speed_{args.grammar}.json")
    if args.recipe:
        try:
            starts, sets = recipe_sets(Path(args.results), args.grammar, args.recipe)
        except ValueError as e:
            ap.error(str(e))
        rows = [timed(args.grammar, start, args.recipe, [*sets, *args.set]) | {"set": [*sets, *args.set]}
                for start in starts]
        kept = json.loads(out.read_text()) if out.is_file() else {"set": [], "rows": []}
        rows = [r for r in kept["rows"] if (r["start"], r["estimator"]) not in {(n["start"], args.recipe) for n in rows}] + rows
        common = kept["set"]                       # the estimators' overrides; a recipe row keeps its own
    else:
        rows = [timed(args.grammar, start, est, [*sets, *args.set]) for start in STARTS for est, sets in ESTIMATORS.items()]
        common = args.set
    result = {"grammar": args.grammar, "threads": args.threads, "machine": f"{platform.machine()}, CPU",
              "torch": torch.__version__, "set": common, "rows": rows}
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, lambda f: f.write((json.dumps(result, indent=1) + "\n").encode()))
    print(f"saved {out}")


if __name__ == "__main__":
    main()

"""The estimators on a grammar at a matched wall time, not a matched number of updates.

The budget of each start is the relaxation's whole adversarial phase, timed on one thread
(results/estimators/speed_<grammar>.json, scripts.bench.estimator_speed: each estimator's seed-0
run again, its clock kept at every log step, since an update's cost changes along a run as the
lengths of the samples change). Every estimator gets the updates its own clock reaches within that budget, and is read off
its runs' curves there (validity and the held-out NLL ratio at each log step, linear between them):
a dearer estimator part-way through its runs, a cheaper one from its longer runs
(results/estimators/<estimator>_long/<grammar>.json, the same variant trained for more updates)
where they exist, else at the end of its runs, marked as short of the budget. A variant recipe
clocked too (scripts.bench.estimator_speed --recipe NAME) gets a row the same way, from
results/estimators/NAME/ and NAME_long/.

    .venv/bin/python -m scripts.render.estimators_time [--grammar arith]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts import ROOT
from scripts.render.estimators import ESTIMATORS, STARTS, load, recipe_label, run_updates
from scripts.stats import diff_se_text, interpolate, mean_se_text


def _runs(results: Path, grammar: str, est: str, start: str, main: dict) -> list[tuple[dict, list[str]]]:
    """(run, its file's --set overrides) of the estimator at this start, shortest first: the
    comparison's own, then its longer ones."""
    runs = [(main["runs"][start], main.get("set", []))] if start in main["runs"] else []
    long = results / f"{est}_long" / f"{grammar}.json"
    if long.is_file() and start in (d := json.loads(long.read_text()))["runs"]:
        runs.append((d["runs"][start], d.get("set", [])))
    return runs


def _read(grammar: str, run: dict, sets: list[str], updates: float, start: str) -> tuple[list[float], list[float]]:
    """Each seed's (valid, held-out NLL ratio) off its curve at this many updates (none before the
    first logged point; after a warm-up the curve's step 0 is the untrained generator, left out)."""
    valid, ratio = [], []
    seeds = list(run["seeds"].values())
    per_update = seeds[0]["curve"][-1]["step"] / run_updates(grammar, run, seeds[0], sets)   # one config per run
    for s in seeds:
        curve = [p for p in s["curve"] if start == "scratch" or p["step"] > 0]
        step = updates * per_update
        v = interpolate([(p["step"], p["valid"]) for p in curve], step)
        r = interpolate([(p["step"], p["gen_nll_test_ratio"]) for p in curve], step)
        if v is not None and r is not None:
            valid.append(v)
            ratio.append(r)
    return valid, ratio


def _clocked_recipes(results: Path, grammar: str, clocks: dict, start: str) -> list[tuple[str, dict]]:
    """(folder, result file) of each variant recipe clocked at this start (estimator_speed --recipe)."""
    names = [est for s, est in clocks if s == start and est not in ESTIMATORS]
    return [(name, json.loads(path.read_text())) for name in names
            if (path := results / name / f"{grammar}.json").is_file()]


def matched_table(grammar: str, results: Path = ROOT / "results/estimators") -> str:
    """One row per start and estimator: its figures after the updates the relaxation's time buys it."""
    speed_path = results / f"speed_{grammar}.json"
    files = load(results, grammar)
    if not speed_path.is_file() or "gumbel" not in files:
        return f"(not measured yet: run python -m scripts.bench.estimator_speed --grammar {grammar})"
    speed = json.loads(speed_path.read_text())
    clocks = {(r["start"], r["estimator"]): r for r in speed["rows"]}
    rows = []
    for start, start_label in STARTS.items():
        base = _runs(results, grammar, "gumbel", start, files["gumbel"])
        if not base or (start, "gumbel") not in clocks:
            continue
        base_run, base_sets = base[0]
        budget = clocks[start, "gumbel"]["clock"][-1][1]
        base_valid, base_ratio = _read(grammar, base_run, base_sets, clocks[start, "gumbel"]["adv_updates"], start)
        for est, d in [*files.items(), *_clocked_recipes(results, grammar, clocks, start)]:
            runs = _runs(results, grammar, est, start, d)
            if not runs or (start, est) not in clocks:
                continue
            want = reached(clocks[start, est], budget)
            ran = [run_updates(grammar, r, next(iter(r["seeds"].values())), sets) for r, sets in runs]
            i = next((i for i, n in enumerate(ran) if n >= want - 0.5), len(runs) - 1)
            at = min(want, ran[i])
            valid, ratio = _read(grammar, *runs[i], at, start)
            head = f"| {start_label} | {recipe_label(est)} | {clocks[start, est]['clock'][-1][1]:.0f} s | {want:.0f}"
            if not valid:
                rows.append(head + " | 0 | before its first logged point | | | |")
                continue
            short = "" if at >= want - 0.5 else f" (its runs end at {at:.0f}: {at / want:.0%} of the budget)"
            vs = [diff_se_text(valid, base_valid), diff_se_text(ratio, base_ratio)] if est != "gumbel" else ["-", "-"]
            rows.append(f"{head}{short} | {len(valid)} | {mean_se_text(valid)} | {mean_se_text(ratio)} | "
                        f"{vs[0]} | {vs[1]} |")
    return (f"| `{grammar}` start | estimator | its adversarial phase (seed 0, 1 thread) | updates in the relaxation's time | "
            "seeds | valid | generator NLL of held-out ÷ exact | valid − the relaxation's | "
            "held-out NLL ratio − the relaxation's |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
            + "\n\nThe budget: the relaxation's whole adversarial phase; each estimator's updates within it from its own "
            f"clock (its seed-0 run timed on one thread, {speed['machine']}: `scripts.bench.estimator_speed`; "
            "beyond the end of a clock, at its last rate). Figures read off each seed's curve (500 samples a log step, "
            "linear between log steps), so they carry more sampling noise than the end-of-run figures above; mean ± "
            "standard error over seeds, differences ± their standard error.")


def reached(timing: dict, seconds: float) -> float:
    """Generator updates an estimator's clock reaches in this many seconds of its adversarial phase
    (linear between log steps; past the clock's end at its last interval's rate)."""
    pts = timing["clock"]
    per_step = timing["adv_updates"] / pts[-1][0]
    step = interpolate([(t, s) for s, t in pts], seconds)
    if step is None:
        (s0, t0), (s1, t1) = pts[-2], pts[-1]
        step = s1 + (seconds - t1) * (s1 - s0) / (t1 - t0)
    return step * per_step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grammar", default="arith")
    ap.add_argument("--results", default=str(ROOT / "results/estimators"))
    args = ap.parse_args()
    print(matched_table(args.grammar, Path(args.results)))


if __name__ == "__main__":
    main()

"""The density-ratio tables (issue 13) for scripts/render/docs.py: the samplers of
scripts/bench/ratio.py on the oracle, `arith` and COCO (results/ratio/<bench>.json), the README's
oracle headline, the ratio-model ablations of scripts/bench/ablate_ratio.py, and the sampling and fitting
times of scripts/bench/ratio_speed.py."""
from __future__ import annotations

import re

from scripts.render.full import load_result


RATIO_METHODS = {"mle": "plain sampling", "guide": "learned ratio, token-level guide",
                 "sir": "learned ratio, SIR (K = 8)", "rejection": "learned ratio, rejection",
                 "exact-guide": "ceiling: exact ratio, guide", "exact-sir": "ceiling: exact ratio, SIR (K = 8)",
                 "exact-rejection": "ceiling: exact ratio, rejection"}


def _pm(d: dict | None, fmt: str = ".3f") -> str:
    if not d:
        return "-"
    se = d.get("se")
    return f"{d['mean']:{fmt}}" + ("" if se is None or se != se else f" ± {se:{fmt}}")


def _model(r: dict, d: dict) -> str:
    """The row's model, with its seed count where fewer seeds than the benchmark's measured it."""
    n, total = r.get("seeds") or 0, len(d["seeds"])
    return r.get("model", "mle").upper() + (f" ({n} of {total} seeds)" if 0 < n < total else "")


def _ratio_rows(d: dict, extra_key: str | None = None) -> list[str]:
    q, x = d["quality"], d["diversity"]
    rows = []
    for r in d["summary"]:
        extra = ""
        if "ess" in r:
            extra = f"ESS {r['ess']['mean']:.2f} of 8"
        elif "acceptance" in r:
            extra = f"acceptance {r['acceptance']['mean']:.3f}"
        if r.get("errors") and not r.get("seeds"):
            m = re.search(r"accepts (\S+) of the candidates", r["errors"][0])
            extra = f"refused: would accept {m.group(1)} of the candidates" if m else "failed: " + r["errors"][0][:60]
        cols = [_model(r, d), RATIO_METHODS.get(r["method"], r["method"]), f"{r['temperature']:g}",
                "-" if r["method"] == "mle" else format(r["strength"], "g"), _pm(r.get(q)), _pm(r.get(x))]
        if extra_key:
            cols.append(_pm(r.get(extra_key)))
        rows.append("| " + " | ".join(cols + [_pm(r.get("better_by")), extra]) + " |")
    return rows


def _ratio_where(d: dict) -> str:
    seeds = list(d["seeds"].values())
    fit = [f["seconds"] for s in seeds for f in s["fit"].values()]
    return (f"{len(seeds)} seeds, {seeds[0]['machine']}, cpu, {seeds[0]['date']}; ratio models fitted in "
            f"{min(fit):.0f}-{max(fit):.0f} s by {seeds[0]['threads']}-thread processes running several at a time "
            "(alone, on 2 threads: results/speed/ratio.json)")


def _ratio_table(bench: str, columns: list[str], note: str, extra_key: str | None = None,
                 path: str | None = None) -> str:
    d = load_result(path or f"results/ratio/{bench}.json")
    if d is None:
        return f"Not run yet: `python -m scripts.bench.ratio {bench}`."
    cols = ["model", "sampler", "T", "G", *columns, ""]
    head = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n"
    ref = [s["reference"] for s in d["seeds"].values() if "reference" in s]
    if ref:
        note += (f" The grammar's own strings: valid 1.000, grammar NLL "
                 f"{sum(r['nll_valid'] for r in ref) / len(ref):.3f}.")
    return head + "\n".join(_ratio_rows(d, extra_key)) + f"\n\nMean ± standard error over seeds. {note} {_ratio_where(d)}."


def ratio_oracle() -> str:
    return _ratio_table("oracle", ["NLL_oracle", "NLL_test", "better than the MLE curve by"],
                        "Better by: the MLE temperature curve's NLL_oracle at the same NLL_test minus the point's "
                        "(positive = better than every temperature of the MLE model; a point more diverse than the "
                        "whole curve is set against its most diverse end, T = 1).")


def ratio_arith() -> str:
    return _ratio_table("arith", ["valid", "grammar NLL of valid samples", "validity above the MLE curve"],
                        "Validity above the MLE temperature curve's at the same grammar NLL.")


def ratio_arith_prefix() -> str:
    return _ratio_table("arith", ["valid", "grammar NLL of valid samples", "validity above the MLE curve"],
                        "Ratio model with the prefix loss, validation split 30% of the training strings "
                        "(`--fit objective=prefix --set data.validation_fraction=0.3`).",
                        path="results/ratio/arith_prefix_val30/arith.json")


def ratio_coco() -> str:
    return _ratio_table("coco", ["BLEU-4", "Self-BLEU-4", "NLL_gen (test)", "BLEU-4 above the MLE curve"],
                        "2,000 samples a point against all 10,000 test captions; BLEU-4 above the MLE temperature "
                        "curve's at the same Self-BLEU-4.", extra_key="nll_test")


def _ablation_table(path: str, axes: tuple[str, str], names: str, fmt: str) -> str:
    """The ratio-model ablation of one run: per variant its fit and the guide at G = 1 and 2 (quality /
    diversity, and how far above the run's MLE temperature curve, where the benchmark measured it)."""
    d = load_result(path)
    if d is None:
        return f"Not run yet: `python -m scripts.bench.ablate_ratio` (writes {path})."
    q, x = axes
    cell = lambda g: f"{g[q]:{fmt}} / {g[x]:{fmt}}" + (f" ({g['better_by']:+{fmt}})" if g.get("better_by") is not None
                                                       else "")
    p = d["plain"]
    rows = [f"| plain sampling, T = 1 | - | - | - | {p[q]:{fmt}} / {p[x]:{fmt}} | - |"]
    for v in d["variants"].values():
        rows.append(f"| {v['label']} | {v['held_loss']:.3f} | {v['accuracy']:.1%} | {v['best_step']} of "
                    f"{v['steps_run']}, {v['fit_s']:.0f} s | {cell(v['guide_g1'])} | {cell(v['guide_g2'])} |")
    n = next((v["n"] for v in d["variants"].values() if v.get("n")), 3000)   # 3,000: before it was recorded
    return (f"| ratio model | held-out loss (calibrated) | accuracy | best step, fit time | guide G = 1: {names} | "
            "guide G = 2 |\n|---|---|---|---|---|---|\n" + "\n".join(rows)
            + f"\n\nOne run ({d['run']}), one fit per variant, {next(iter(d['variants'].values()))['threads']} "
            f"torch thread(s) beside other jobs; {n:,} samples a point")


def ratio_ablation() -> str:
    return _ablation_table("results/ratio/ablation_oracle.json", ("nll_oracle", "nll_test"), "NLL_oracle / NLL_test",
                           ".3f") + ", NLL_test on the 10,000 held-out samples."


def ratio_ablation_coco() -> str:
    return _ablation_table("results/ratio/ablation_corpus.json", ("bleu4", "self_bleu4"),
                           "BLEU-4 / Self-BLEU-4 (above the MLE curve)", ".3f") + (
        " against all 10,000 test captions; in brackets, BLEU-4 above the run's MLE temperature curve at the same "
        "Self-BLEU-4 (the curve of `results/ratio/coco.json`, seed 0).")


HEADLINE_RATIO = (("mle", "mle", 1.0, 0.0), ("mle", "mle", 0.9, 0.0), ("mle", "mle", 0.8, 0.0),
                  ("mle", "guide", 1.0, 1.0), ("mle", "guide", 1.0, 2.0), ("mle", "sir", 1.0, 1.0),
                  ("gan", "mle", 1.0, 0.0), ("gan", "guide", 1.0, 1.0), ("mle", "exact-guide", 1.0, 1.0))


def headline_ratio() -> str:
    d = load_result("results/ratio/oracle.json")
    if d is None:
        return "Not run yet: `python -m scripts.bench.ratio oracle`."
    by_key = {(r["model"], r["method"], r["temperature"], r["strength"]): r for r in d["summary"]}
    rows = []
    for key in HEADLINE_RATIO:
        r = by_key.get(key)
        if r is None or not r.get("seeds"):
            continue
        what = ("plain sampling" if r["method"] == "mle" else RATIO_METHODS[r["method"]] + f", G = {r['strength']:g}")
        rows.append(f"| {_model(r, d)}: {what}, T = {r['temperature']:g} | {_pm(r.get('nll_oracle'))} | "
                    f"{_pm(r.get('nll_test'))} | {_pm(r.get('better_by'))} |")
    return ("| SeqGAN oracle, length 20 | NLL_oracle | NLL_test | better than the MLE curve by |\n"
            "|---|---|---|---|\n" + "\n".join(rows) + f"\n\nMean ± standard error; {_ratio_where(d)}.")


def ratio_speed() -> str:
    d = load_result("results/speed/ratio.json")
    if d is None:
        return "Not run yet: `python -m scripts.bench.ratio_speed`."
    rows = [f"| {d['num']:,} COCO sentences, plain sampling | {d['coco_plain_s']:.2f} s | - |",
            f"| {d['num']:,} COCO sentences, token-level guide | {d['coco_guide_s']:.2f} s | ≤ 15 s |",
            f"| {d['num']:,} COCO sentences, SIR with K = 8 | {d['coco_sir_k8_s']:.2f} s | ≤ 15 s |"]
    if "oracle_fit_s" in d:
        rows.append(f"| fitting an oracle ratio model (fit-ratio's defaults: 2,000 steps of 128 + 128 fresh "
                    f"sequences) | {d['oracle_fit_s']:.0f} s | ≤ 300 s |")
    rows.append(f"| fitting a COCO ratio model (stops early: best step {d['coco_fit_best_step']}) | "
                f"{d['coco_fit_s']:.0f} s | ≤ 300 s |")
    return ("| task | time | issue 13's target |\n|---|---|---|\n" + "\n".join(rows)
            + f"\n\nBest of 3 for sampling; {d['machine']}, {d['threads']} torch threads, CPU alone, torch "
            f"{d['torch']}, {d['date']} (`scripts/bench/ratio_speed.py`).")

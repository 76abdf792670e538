"""The reverse-LM recipes tried on the oracle check (results/judges/reverse_recipes.json, from
scripts.bench.reverse_recipes): a table for docs/results/judges.md (scripts.render.docs)."""
from __future__ import annotations

import statistics

from seqgan_gumbel.evaluation import JudgeConfig

from scripts.bench.reverse_sizes import key as fit_key
from scripts.render.full import load_result

PAIR = ("mle-s0 T=0.85", "mle-s0 T=1.3")     # NLL_test ranks T = 1.3 first; the reverse LM, T = 0.85


def _row(label: str, rows: list[dict], spearman: float, wall: str) -> str:
    by = {r["generator"]: r for r in rows}
    pair = " / ".join(f"{by[g]['reverse_lm']:.4f}" for g in PAIR)
    epochs = statistics.fmean(r["reverse_lm_epochs"] for r in rows)
    return (f"| {label} | {spearman:.3f} ({'passes' if spearman >= 0.95 else 'misses'}) | {pair} | "
            f"{epochs:.1f} | {wall} |")


def reverse_recipes() -> str:
    d = load_result("results/judges/reverse_recipes.json")
    check = load_result("results/judges/oracle_n10000.json")
    if d is None or check is None:
        return "(not measured yet: run python -m scripts.bench.reverse_recipes)"
    trained = [r for r in check["rows"] if not r["generator"].startswith("oracle")]
    by = {r["generator"]: r for r in trained}
    truth = " / ".join(f"{by[g]['nll_test']:.4f}" for g in PAIR)
    rows = [f"| truth: NLL_test | 1 | {truth} | - | - |",
            _row("the package's recipe (the check's, seed 0)", trained,
                 check["spearman_reverse_vs_nll_test_trained"], "-")]
    for v in d["recipes"].values():
        rows.append(_row(v["label"], v["rows"], v["spearman"],
                         f"{v['wall_s'] / len(v['rows']):.0f} s ({v['threads']} thr.)"))
    n, best = d.get("noise"), sorted(r["nll_test"] for r in trained)[:4]
    noise = ("" if n is None else
             f"\n\nOne fit's noise (the package's recipe, two seeds on the same samples): σ = {n['sigma']:.4f} nats a "
             f"token; the points' NLL_test lie {min(r['nll_test'] for r in trained):.4f}-"
             f"{max(r['nll_test'] for r in trained):.4f}, the four best within {best[-1] - best[0]:.4f} of each other. A judge "
             f"free of any bias but this noisy (the truth × {n['slope']:.2f}, the slope of the two fits' mean on it, plus "
             f"noise of σ) reaches 0.95 in "
             f"{n['pass_rate']:.0%} of {n['draws']:,} draws (median Spearman {n['median_spearman']:.3f}). The mean of "
             f"the two seeds' fits ranks at {n['spearman_mean_of_two_seeds']:.3f}: averaging fits cuts the noise, not "
             "the bias.")
    r = JudgeConfig().reverse
    recipe = (f"{r.layers} × {r.hidden_dim} LSTM, {r.emb_dim}-unit embeddings, dropout {r.dropout:g}, lr {r.lr:g}, "
              f"patience {r.patience}, at most {r.max_epochs} epochs")
    return (f"| reverse LM (each a change of the package's recipe: {recipe}) | Spearman vs NLL_test, trained runs | MLE at T = 0.85 / T = 1.3 | epochs a fit (mean) | "
            "one fit |\n|---|---|---|---|---|\n" + "\n".join(rows)
            + "\n\nThe ten trained points of the oracle check at N = 10,000 (the MLE and the GAN of seed 0 at T = 0.7, "
            "0.85, 1, 1.15, 1.3), the same samples for every recipe; reverse-LM score: NLL per token (end token "
            "included) of the held-out oracle samples under an LM fitted on each point's samples. Target ≥ 0.95." + noise)


def reverse_sizes() -> str:
    """The reverse-LM score of the oracle's own temperatures as its samples grow
    (results/judges/reverse_sizes.json, from scripts.bench.reverse_sizes)."""
    d = load_result("results/judges/reverse_sizes.json")
    if d is None:
        return "(not measured yet: run python -m scripts.bench.reverse_sizes)"
    rows = sorted((s for s in d["summary"] if s["seed"] == 0), key=lambda s: (s.get("stop", "samples") != "samples", s["n"]))
    ts = rows[0]["temperatures"]
    truth = " | ".join(f"{v:.4f}" for v in rows[0]["nll_test"])
    cold, hot = ts[0], ts[-1]
    gap = rows[0]["nll_test"][0] - rows[0]["nll_test"][-1]
    lines = [f"| truth: NLL_test | {truth} | {gap:+.4f} | all | - | - |"]
    for s in rows:
        real = s.get("stop", "samples") == "real"
        fits = [d["fits"][fit_key(t, s["n"], 0, s.get("stop", "samples"))] for t in s["temperatures"]]
        wall = statistics.fmean(f["wall_s"] for f in fits)
        label = f"{s['n']:,}" + (", stopped on real text" if real else "")
        lines.append(f"| {label} | " + " | ".join(f"{v:.4f}" for v in s["reverse_lm"])
                     + f" | {s['reverse_lm'][0] - s['reverse_lm'][-1]:+.4f} | {s['pairs_ordered_as_truth']} of "
                     f"{s['pairs']} | {' / '.join(str(f['reverse_lm_epochs']) for f in fits)} | "
                     f"{wall:.0f} s ({fits[0]['threads']} thr.) |")
    head = " | ".join(f"T = {t:g}" for t in ts)
    return (f"| samples the reverse LM is fitted on | {head} | T = {cold:g} minus T = {hot:g} | pairs ordered as the "
            f"truth | epochs (each T) | one fit (mean) |\n|{'---|' * (len(ts) + 5)}\n" + "\n".join(lines)
            + f"\n\nThe oracle itself at each temperature; reverse-LM score (the package's recipe, seed 0) and truth: NLL "
            f"per token of {d['test']:,} held-out oracle samples (the reverse LM's with the end token counted), the "
            "truth under the tempered oracle, exact. The samples of each temperature are nested: the first N of one "
            "draw. Stopped on real text: the reverse LM trained on all N samples, stopped (its epoch picked) by its NLL "
            "on 2,000 other real oracle samples instead of on 10% of the samples held out.")

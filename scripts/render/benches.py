"""The CPU-size oracle and COCO tables (docs/results/oracle.md, coco.md): each saved result of
scripts.bench.seeds beside the published figures, which the headlines quote too."""
from __future__ import annotations

import json

from scripts import ROOT
from scripts.render.sweep_table import gap_se, sweep_rows


PUBLISHED_ORACLE = [("MLE", "9.038", "SeqGAN (AAAI 2017), via RelGAN Table 1"), ("SeqGAN", "8.736", "RelGAN Table 1"),
                    ("RankGAN", "8.247", "RelGAN Table 1"), ("LeakGAN", "7.038", "RelGAN Table 1"),
                    ("RelGAN", "6.680 ± 0.343", "RelGAN Table 1"), ("real data", "5.750", "RelGAN Table 1")]
PUBLISHED_COCO = [("MLE", ".731 | .497 | .305 | .189", ".916 | .769 | .583 | .408", ".718"),
                  ("SeqGAN", ".745 | .498 | .294 | .180", ".950 | .840 | .670 | .489", "1.082"),
                  ("RankGAN", ".743 | .467 | .264 | .156", "", "1.344"),
                  ("LeakGAN", ".746 | .528 | .355 | .230", ".966 | .913 | .848 | .780", ".679"),
                  ("RelGAN(100)", ".849 | .687 | .502 | .331", "", ".756"),
                  ("RelGAN(1000)", ".814 | .634 | .455 | .303", "", ".655")]
RELGAN100 = {"bleu2": .849, "bleu3": .687, "bleu4": .502, "bleu5": .331}


def mean_sd(d: dict, k: str, fmt: str = ".3f") -> str:
    """A variant's mean ± std of figure k over its seeds (the mean alone while one seed has run)."""
    one = len(d.get("seeds", {})) == 1
    return f"{d['mean'][k]:{fmt}}" + ("" if one else f" ± {d['std'][k]:{fmt}}")


def _where(d: dict) -> str:
    v = d["variants"]
    n_mle, n_gan = len(v["mle"]["seeds"]), len(v["gan"]["seeds"])
    return (f"{n_mle} seeds" + (f" (the GAN: {n_gan} of {n_mle} so far)" if n_gan != n_mle else "")
            + f"; {d['machine']}; torch {d['torch']}; `{d['config']}`"
            + (f" with {', '.join(d['overrides'])}" if d["overrides"] else "") + f"; {d['num_samples']:,} samples per figure; "
            f"wall per seed: MLE {v['mle']['mean']['wall_s']:.0f} s, then GAN {v['gan']['mean']['wall_s']:.0f} s.")


def _sizes(bench: str, one) -> str:
    """One table per saved result of a benchmark: the CPU size, other recipes, the full size once run."""
    parts = []
    for path in sorted((ROOT / "results" / bench).glob("*.json"), key=lambda p: (p.stem != "cpu", p.stem)):
        d = json.loads(path.read_text())
        if d["size"] != "cpu":      # the published sizes have their own tables (scripts/render/full.py)
            continue
        if any(o.startswith("train.estimator=") for o in d["overrides"]):     # on the estimators page
            continue
        title = "At full size" if d["size"] == "full" else "At the size that fits a 2-core CPU"
        if d["overrides"]:
            title += ", with " + ", ".join(f"`{o}`" for o in d["overrides"])
        if d.get("mle_from"):
            title += f" (the MLE runs of `{d['mle_from']}.json`)"
        parts.append(f"**{title}** (`results/{bench}/{path.name}`):\n\n" + one(d))
    return "\n\n".join(parts) or f"(not measured yet: run python -m scripts.bench.seeds {bench})"


def oracle_bench() -> str:
    return _sizes("oracle", _oracle_table)


def coco_bench() -> str:
    return _sizes("coco", _coco_table)


def _oracle_table(d: dict) -> str:
    mle, gan = d["variants"]["mle"], d["variants"]["gan"]
    base = mle["mean"]["nll_test"]
    rows = [f"| ours: {v['label']} | {mean_sd(v, 'nll_oracle')} | {mean_sd(v, 'nll_test')} | "
            f"x{v['mean']['nll_test'] / base:.3f} |" for v in (mle, gan)]
    if "real_data" in d:            # written once every seed has run
        rows.append(f"| ours: real data (the oracle's {d['real_data']['n']:,} held-out samples) | "
                    f"{d['real_data']['nll_oracle']:.3f} | - | - |")
    rows += [f"| published: {m} ({src}) | {v} | - | - |" for m, v, src in PUBLISHED_ORACLE]
    g = gan["mean"]
    verdict = (f"Targets at sampling temperature 1: NLL_oracle ≤ 6.5 **{'reached' if g['nll_oracle'] <= 6.5 else 'missed'}** "
               f"({g['nll_oracle']:.3f}); NLL_test ≤ 1.1 × our MLE's **"
               f"{'reached' if g['nll_test'] <= 1.1 * base else 'missed'}** (x{g['nll_test'] / base:.3f}).")
    sweep, srows = sweep_rows(d, ("nll_oracle", "nll_test"))
    best = []
    for key, v in d["variants"].items():
        ok = [(t, r) for t, r in sweep[key].items() if r["nll_test"] <= 1.1 * base]
        if ok:
            t, r = min(ok, key=lambda tr: tr[1]["nll_oracle"])
            best.append(f"{v['label']}: {r['nll_oracle']:.3f} at T = {t:g} (NLL_test x{r['nll_test'] / base:.3f})")
    return ("| SeqGAN oracle, length 20 | NLL_oracle (lower = better samples) | NLL_test (lower = more of the data covered) | "
            "NLL_test ÷ our MLE's |\n|---|---|---|---|\n" + "\n".join(rows) + "\n\n" + verdict + "\n\n"
            "Over sampling temperatures (seed means; NLL_test at the same temperature; the last column: how much lower "
            "the GAN's NLL_oracle is than the MLE curve's at the same NLL_test, linear between MLE temperatures, ± the standard "
            "error of a difference of seed means):\n\n"
            "| T | MLE NLL_oracle | MLE NLL_test | GAN NLL_oracle | GAN NLL_test | GAN better than MLE curve by |\n"
            "|---|---|---|---|---|---|\n"
            + "\n".join(srows) + "\n\nLowest NLL_oracle on the sweep whose NLL_test stays within 1.1 × our MLE's at T = 1: "
            + "; ".join(best) + ".\n\n" + _where(d))


def _coco_table(d: dict) -> str:
    mle, gan, real = d["variants"]["mle"], d["variants"]["gan"], d.get("real_data")
    cells = lambda v, ks: " | ".join(mean_sd(v, k) for k in ks)
    bk, sk = [f"bleu{n}" for n in range(2, 6)], [f"self_bleu{n}" for n in range(2, 6)]
    rows = [f"| ours: {v['label']} | {cells(v, bk)} | {cells(v, sk)} | {mean_sd(v, 'nll_test')} | {mean_sd(v, 'nll_gen_train')} |"
            for v in (mle, gan)]
    if real is not None:            # written once every seed has run
        rows.append(f"| ours: real data (the {real['n']:,} training captions as samples) | "
                    + " | ".join(f"{real[k]:.3f}" for k in bk) + " | " + " | ".join(f"{real[k]:.3f}" for k in sk) + " | - | - |")
    for name, b, s, nll in PUBLISHED_COCO:
        rows.append(f"| published: {name} | {b} | {s or '- | - | - | -'} | - | {nll} |")
    rows.append("| published: training set (Texygen) | - | - | - | - | .892 | .747 | .573 | .415 | - | - |")
    g = gan["mean"]
    hits = [f"BLEU-{k[-1]} {g[k]:.3f} vs {v:.3f} {'reached' if g[k] >= v else 'missed'}" for k, v in RELGAN100.items()]
    se = gap_se(d, "bleu4")
    gaps = [(r["gan_better_by"], se[r["temperature"]]) for r in d["gan_against_mle_curve"] if r["gan_better_by"] is not None]
    neg = [g for g, _ in gaps if g < 0]
    below = sum(s is not None and g < -2 * s for g, s in gaps)
    # on or above: no point below by more than two standard errors, and not below at every point
    ok = bool(gaps) and not below and len(neg) < len(gaps)
    curve = (f"the GAN's curve on or above the MLE curve: **{'reached' if ok else 'missed'}** "
             f"({len(neg)} of the {len(gaps)} GAN temperatures inside the MLE curve's Self-BLEU-4 range lie below it in "
             f"the seed mean{f' (by up to {-min(neg):.3f} BLEU-4)' if neg else ''}, "
             + (f"{below} of them by more than two standard errors of the difference" if all(s is not None for _, s in gaps)
                else "one GAN seed so far: no standard error") + "; outside that range there is nothing to compare)")
    _, srows = sweep_rows(d, ("bleu2", "bleu4", "self_bleu4", "nll_test"))
    return ("| MS COCO captions | BLEU-2 | BLEU-3 | BLEU-4 | BLEU-5 | Self-BLEU-2 | Self-BLEU-3 | Self-BLEU-4 | Self-BLEU-5 | "
            "NLL_gen test | NLL_gen train |\n|---|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
            f"Targets: BLEU at sampling temperature 1 ≥ RelGAN(100)'s: **{'reached' if all(g[k] >= v for k, v in RELGAN100.items()) else 'missed'}** "
            f"({'; '.join(hits)}); {curve}.\n\n"
            "Over sampling temperatures (seed means; the last column: the GAN's BLEU-4 minus the MLE curve's BLEU-4 at the "
            "same Self-BLEU-4, linear between MLE temperatures, ± the standard error of a difference of seed means):\n\n"
            "| T | MLE BLEU-2 | MLE BLEU-4 | MLE Self-BLEU-4 | MLE NLL_gen test | GAN BLEU-2 | GAN BLEU-4 | GAN Self-BLEU-4 | "
            "GAN NLL_gen test | GAN − MLE curve |\n|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(srows)
            + "\n\n" + _where(d))

"""Render the result tables of README.md and docs/*.md from the saved result files (never typed by hand).

    .venv/bin/python -m scripts.render.docs          # rewrite README.md and docs/*.md in place
    .venv/bin/python -m scripts.render.docs --check  # exit 1 if any rendered block is out of date

Each table sits between `<!-- results:NAME -->` and `<!-- /results -->`; the README holds one
headline table per benchmark, the pages of docs/results/ (one per benchmark, each opening with that
headline) and docs/performance.md every table.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from scripts import ROOT
from scripts.render.full import load_result, coco_full, cpu_early_stopping, headline_rows, mle_ablation, oracle_size
from scripts.render.estimators import NONE_VALID, figure, table as estimators_table
from scripts.render.estimators_coco import coco_table as estimators_coco_table
from scripts.render.estimators_oracle import grad_table, oracle_table
from scripts.render.estimators_temperature import curve_table as temperature_table, gap_table as temperature_gaps
from scripts.render.estimators_time import matched_table
from scripts.render.judges import (headline_judges, judges_arith, judges_coco, judges_oracle, judges_oracle_by_n,
                                   judges_speed)
from scripts.render.judges_recipes import reverse_recipes, reverse_sizes
from scripts.render.benches import PUBLISHED_COCO, PUBLISHED_ORACLE, mean_sd, coco_bench, oracle_bench
from scripts.render.ratio import (headline_ratio, ratio_ablation, ratio_ablation_coco, ratio_arith,
                                  ratio_arith_prefix, ratio_coco, ratio_oracle, ratio_speed)


def arith_default() -> str:
    rows = []
    for label, rel in (("MLE only (`configs/arith_mle.toml`)", "results/arith/mle_summary.json"),
                       ("default: MLE warm-up + WGAN-GP (`seqgan-gumbel train`)", "results/arith/default_summary.json")):
        s = load_result(rel)
        if s is None:
            continue
        sc = s["samples"]
        rows.append(f"| {label} | {sc['valid']:.3f} | {sc['unique']:.3f} | {sc['novel']:.3f} | "
                    f"{sc['mean_length']:.2f} | {figure(sc['nll_valid'], '.2f')} | {s['wall_s']:.0f} s, {s['device']}, "
                    f"{s['threads']} threads |")
    ref = load_result("results/arith/ablation.json")
    if ref:
        g = ref["grammar_reference"]
        rows.append(f"| strings drawn from the grammar | {g['valid']:.3f} | {g['unique']:.3f} | - | "
                    f"{g['mean_length']:.2f} | {g['nll_valid']:.2f} | - |")
    head = ("| run (seed 0, 2,000 samples) | valid | unique | novel | mean length | grammar NLL of valid | wall time |\n"
            "|---|---|---|---|---|---|---|\n")
    return head + "\n".join(rows)


def arith_ablation() -> str:
    p = ROOT / "results/arith/ablation.md"
    return p.read_text().strip() if p.is_file() else "(not measured yet: run python -m scripts.bench.ablate_arith)"


def arith_schedule() -> str:
    p = ROOT / "results/arith/schedule.md"
    return p.read_text().strip() if p.is_file() else "(not measured yet: see python -m scripts.bench.ablate_arith --out results/arith/schedule)"


def bleu_bench() -> str:
    b = load_result("results/speed/bleu.json")
    if b is None:
        return "(not measured yet: run python -m scripts.bench.bleu)"
    lines = [f"{b['hypotheses']:,} hypotheses against {b['references']:,} references (COCO train vs test), "
             f"orders 2–5, {b['machine']}:", "",
             "| | BLEU-2..5 | Self-BLEU-2..5 |", "|---|---|---|",
             f"| ours, whole command (start-up included) | {b['ours_bleu_command_s']:.2f} s | {b['ours_self_bleu_command_s']:.2f} s |",
             f"| ours, computation alone | {b['ours_bleu_compute_s']:.2f} s | {b['ours_self_bleu_compute_s']:.2f} s |"]
    if "fast_bleu_bleu_s" in b:
        lines.append(f"| fast-bleu 0.0.90 (C++), computation | {b['fast_bleu_bleu_s']:.2f} s | {b['fast_bleu_self_bleu_s']:.2f} s |")
    lines.append(f"| NLTK `sentence_bleu`, extrapolated from {b['nltk_per_hypothesis_s']:.2f} s per hypothesis | "
                 f"{b['nltk_extrapolated_bleu_s']:,.0f} s | - |")
    lines += ["", f"Largest difference from NLTK: {b['nltk_max_abs_diff']:.1e}"
                  + (f"; from fast-bleu: {b['fast_bleu_max_abs_diff_bleu']:.1e} (its float32-level rounding)."
                     if "fast_bleu_max_abs_diff_bleu" in b else "."),
              "Real-data reference (COCO train against test, BLEU-2/3/4/5): "
              + " / ".join(f"{v:.3f}" for v in b["real_data_bleu"].values())
              + "; Self-BLEU-2/3/4/5 of COCO train: " + " / ".join(f"{v:.3f}" for v in b["self_bleu"].values()) + "."]
    return "\n".join(lines)


def data_bench() -> str:
    d = load_result("results/speed/data_load.json")
    if d is None:
        return "(not measured yet: run python -m scripts.bench.data)"
    rows = [f"| {k} | {r['median_s']:.2f} s | {r['vocab']:,} | {r['batch_tensor']} |" for k, r in d["results"].items()]
    return ("| tokenizer | load 10k + 10k COCO lines, train tokenizer, encode, pack (median) | vocabulary | train tensor |\n"
            "|---|---|---|---|\n" + "\n".join(rows) + f"\n\n{d['machine']}, torch {d['torch']}.")


def train_bench() -> str:
    b = load_result("results/speed/train_cpu.json")
    if b is None:
        return "(not measured yet: run python -m scripts.bench.train)"
    theirs = {"mle_epoch_s": 17, "adv_iter_s": 40, "sample_10k_s": 15, "peak_rss_mb": 5300}
    target = {"mle_epoch_s": 4, "adv_iter_s": 4, "sample_10k_s": 1.5, "peak_rss_mb": 1000}
    names = {"mle_epoch_s": "MLE epoch (s)", "adv_iter_s": "adversarial iteration, 5 D + 1 G (s)",
             "sample_10k_s": "sample 10,000 sentences (s)", "peak_rss_mb": "peak memory (MB)"}
    rows = [f"| {names[k]} | {theirs[k]:,} | {b[k]:,} | {theirs[k] / b[k]:.1f}x | {target[k]:,} | "
            f"{'reached' if b[k] <= target[k] else 'missed'} |" for k in names]
    return ("| `configs/coco_relgan_speed.toml` on this CPU | TextGAN-PyTorch RelGAN | ours | speed-up | target | |\n"
            "|---|---|---|---|---|---|\n" + "\n".join(rows) +
            f"\n\n{b['machine']}, {b['threads']} torch threads, torch {b['torch']}, {b['precision']}; vocabulary "
            f"{b['vocab']:,}, length {b['seq_len']}, mean of {b['adv_iters_timed']} adversarial iterations after a warm-up.")


def gpu_bench() -> str:
    variants = [("train_cuda.json", "fp32, eager"), ("train_cuda_graphs.json", "fp32, CUDA-graph sampling"),
                ("train_cuda_bf16.json", "bf16 autocast, eager"),
                ("train_cuda_bf16_graphs.json", "bf16 autocast, CUDA-graph sampling")]
    rows, card = [], None
    for name, label in variants:
        b = load_result(f"results/speed/{name}")
        if b is None:
            continue
        card = b
        rows.append(f"| {label} | {b['adv_iter_s']:.3f} | {b['adv_iters_per_s']:.2f} | {b['adv_kernel_s']:.3f} "
                    f"({b['kernel_fraction']:.0%}) | {b['mle_epoch_s']:.2f} | {b['sample_10k_s']:.2f} | {b['peak_gpu_mb']:,.0f} |")
    if not rows:
        return "(not measured yet: run scripts/gpu/check.sh on a machine with a GPU)"
    return ("| `configs/coco_relgan_speed.toml` on the GPU | adversarial iteration (s) | iterations / s | "
            "GPU kernel time per iteration (s, share of wall) | MLE epoch (s) | 10,000 samples (s) | peak GPU memory (MB) |\n"
            "|---|---|---|---|---|---|---|\n" + "\n".join(rows) +
            f"\n\n{card['device']}, torch {card['torch']}, {card['machine']}; same configuration and vocabulary "
            f"({card['vocab']:,}) as the CPU table. Kernel time: one profiled iteration (torch.profiler), "
            f"against the mean wall time of {card['adv_iters_timed']} unprofiled ones.")


GRAMMAR_ROWS = ("mle", "gan", "scratch", "scratch_v0_1", "mle_long", "gan_long")


TARGETS = {"valid": lambda v: v >= 0.99, "nll_samples_ratio": lambda v: v is not None and abs(v - 1) <= 0.05,
           "gen_nll_test_ratio": lambda v: v - 1 <= 0.05, "unique_ratio": lambda v: v >= 0.9}


def _samples_cell(m: dict, sd: dict, seeds: list[dict]) -> str:
    """The grammar NLL of the valid samples and its ratio: mean ± std over the seeds that define it
    (a seed with no valid sample has none), saying over how many where that is not all."""
    if m["nll_samples"] is None:
        return NONE_VALID
    some = sum(s["nll_samples"] is not None for s in seeds)
    over = "" if some == len(seeds) else f", {some} of {len(seeds)} seeds drew a valid string"
    return f"{m['nll_samples']:.2f} (x{m['nll_samples_ratio']:.3f} ± {sd['nll_samples_ratio']:.3f}{over})"


def _grammar_verdict(m: dict, seeds: list[dict] | None = None) -> str:
    """The from-scratch issue's four targets on the seed means (and how many seeds reach each)."""
    names = {"valid": f"valid {m['valid']:.4f}", "nll_samples_ratio": f"sample NLL {figure(m['nll_samples_ratio'], prefix='x')}",
             "gen_nll_test_ratio": f"held-out NLL x{m['gen_nll_test_ratio']:.3f}",
             "unique_ratio": f"unique x{m['unique_ratio']:.2f}"}
    out = []
    for key, ok in TARGETS.items():
        count = f" ({sum(ok(s[key]) for s in seeds)}/{len(seeds)} seeds)" if seeds and len(seeds) > 1 else ""
        out.append(f"{names[key]} {'reached' if ok(m[key]) else 'missed'}{count}")
    return ", ".join(out)


def grammar_bench() -> str:
    parts = []
    for grammar in ("arith", "kusner"):
        d = load_result(f"results/grammar/{grammar}.json")
        if d is None:
            continue
        ref = d["reference"]
        nseeds = {len(v["seeds"]) for v in d["runs"].values()}
        head = (f"| `{grammar}` ({'/'.join(map(str, sorted(nseeds)))} seeds, mean ± std) | valid | unique (x the grammar's own) | "
                "grammar NLL of valid samples (x grammar's own) | generator NLL of held-out strings (x exact) | "
                "wall per run (threads) | targets |\n|---|---|---|---|---|---|---|")
        rows = []
        for key in GRAMMAR_ROWS:
            if key not in d["runs"]:
                continue
            r = d["runs"][key]
            m, sd = r["mean"], r["std"]
            threads = "/".join(sorted({str(x["threads"]) for x in r["seeds"].values()}))
            rows.append(f"| {r['label']} | {m['valid']:.3f} ± {sd['valid']:.3f} | {m['unique']:.3f} (x{m['unique_ratio']:.2f}) | "
                        f"{_samples_cell(m, sd, list(r['seeds'].values()))} | "
                        f"{m['gen_nll_test']:.2f} (x{m['gen_nll_test_ratio']:.3f} ± {sd['gen_nll_test_ratio']:.3f}) | "
                        f"{m['wall_s']:.0f} s ({threads}) | {_grammar_verdict(m, list(r['seeds'].values()))} |")
        rows.append(f"| strings drawn from the grammar ({ref['n']:,} held out per seed; mean over seeds) | {ref['valid']:.3f} | "
                    f"{ref['unique']:.3f} (x1) | {ref['nll_valid']:.2f} (x1) | {ref['nll_valid']:.2f} (x1: the least possible) | - | - |")
        parts.append(head + "\n" + "\n".join(rows))
    if not parts:
        return "(not measured yet: run python -m scripts.bench.grammar)"
    d = load_result("results/grammar/arith.json") or load_result("results/grammar/kusner.json")
    return "\n\n".join(parts) + (f"\n\n2,000 samples per run, each against held-out strings drawn with its own seed; "
                                  f"{d['machine']}; torch {d['torch']}; threads: torch threads of each run (a 1-thread run ran beside another).")


def scratch_ablation() -> str:
    d = load_result("results/grammar/scratch_ablation_arith.json")
    if d is None:
        return "(not measured yet: run python -m scripts.bench.ablate_scratch)"
    rows = []
    for name, r in d["runs"].items():
        note = f" (stopped at iteration {r['stopped_at']:,}: its last logged figures, 500 samples)" if "stopped_at" in r else ""
        rows.append(f"| {name}{note} | {r['valid']:.3f} | {r['unique']:.3f} | {figure(r['nll_samples_ratio'], prefix='x')} | "
                    f"x{r['gen_nll_test_ratio']:.3f} | {r['wall_s']:.0f} s |")
    return ("| `arith` from scratch, one seed (0) | valid | unique | grammar NLL of samples ÷ the grammar's own | "
            "generator NLL of held-out strings ÷ exact | wall |\n|---|---|---|---|---|---|\n" + "\n".join(rows)
            + f"\n\n2,000 samples per run; the grammar's own held-out strings: unique {d['reference']['unique']:.3f}; "
              f"{d['machine']}; torch {d['torch']}.")


def _where_short(d: dict) -> str:
    """Size and device of a benchmark result, for a headline table."""
    size = "full size" if d["size"] == "full" else "reduced size that fits a 2-core CPU"
    with_ = f" with {', '.join(f'`{o}`' for o in d['overrides'])}" if d["overrides"] else ""
    return f"{size}{with_}, {len(d['variants']['mle']['seeds'])} seeds, {d['machine']}"


def headline_grammar() -> str:
    rows = []
    for grammar in ("arith", "kusner"):
        d = load_result(f"results/grammar/{grammar}.json")
        if d is None:
            continue
        for key in ("gan", "mle", "scratch"):
            if key not in d["runs"]:
                continue
            r = d["runs"][key]["mean"]
            rows.append(f"| `{grammar}` | ours: {d['runs'][key]['label']} | {r['valid']:.3f} | {r['unique']:.3f} | "
                        f"{figure(r['nll_samples_ratio'], prefix='x')} | x{r['gen_nll_test_ratio']:.3f} |")
        ref = d["reference"]
        rows.append(f"| `{grammar}` | real data: strings drawn from the grammar | {ref['valid']:.3f} | {ref['unique']:.3f} | x1 | x1 |")
    if not rows:
        return "(not measured yet: run python -m scripts.bench.grammar)"
    return ("| grammar | run (3 seeds, 2-core CPU, mean) | valid | unique | grammar NLL of samples ÷ the grammar's own | "
            "generator NLL of held-out strings ÷ exact |\n|---|---|---|---|---|---|\n" + "\n".join(rows)
            + "\n\nNo published figure to set beside these: Kusner & Hernández-Lobato show samples, not rates.")


def _cpu_headline(bench: str) -> tuple[dict | None, str]:
    """The CPU-size result a headline shows: the early-stopped warm-up's (cpu_es) once all 3 seeds of
    its GAN have run, else the fixed-length one's (cpu); and the row label saying which."""
    for name in ("cpu_es", "cpu"):
        d = load_result(f"results/{bench}/{name}.json")
        if d is not None and (name == "cpu" or len(d["variants"].get("gan", {}).get("seeds", {})) >= 3):
            stopped = any(o.startswith("train.mle_patience=") for o in d["overrides"])
            return d, "ours, CPU size" + (", early-stopped warm-up" if stopped else "")
    return None, ""


def headline_oracle() -> str:
    d, size = _cpu_headline("oracle")
    if d is None:
        return "(not measured yet: run python -m scripts.bench.seeds oracle)"
    mle, gan = d["variants"]["mle"], d["variants"]["gan"]
    rows = [f"| {size}: {v['label']} | {mean_sd(v, 'nll_oracle')} | {mean_sd(v, 'nll_test')} |" for v in (mle, gan)]
    rows += [f"| published: {m} ({src}) | {v} | - |" for m, v, src in PUBLISHED_ORACLE if m in ("MLE", "RelGAN")]
    full, note = headline_rows("oracle", ("nll_oracle", "nll_test"))
    light = load_result("results/oracle/light.json")
    if light is not None:
        full += [f"| ours, RelGAN's recipe at full length with the CPU-sized critic (CPU, {len(v['seeds'])} seeds): "
                 f"{v['label']} | {mean_sd(v, 'nll_oracle')} | {mean_sd(v, 'nll_test')} |" for v in light["variants"].values()]
    rows = full + rows
    rows.append(f"| real data: the oracle's {d['real_data']['n']:,} held-out samples | {d['real_data']['nll_oracle']:.3f} | - |")
    return ("| SeqGAN oracle, length 20 | NLL_oracle | NLL_test |\n|---|---|---|\n" + "\n".join(rows)
            + f"\n\nCPU size: {_where_short(d)}; {note}.")


def headline_coco() -> str:
    d, size = _cpu_headline("coco")
    if d is None:
        return "(not measured yet: run python -m scripts.bench.seeds coco)"
    ks = ("bleu2", "bleu3", "bleu4", "bleu5", "self_bleu4")
    rows = [f"| {size}: {v['label']} | " + " | ".join(f"{v['mean'][k]:.3f}" for k in ks) + " |"
            for v in (d["variants"]["mle"], d["variants"]["gan"])]
    for name, b, sb, _ in PUBLISHED_COCO:
        if name in ("MLE", "RelGAN(100)"):
            rows.append(f"| published: {name} (RelGAN Table 2{'; Self-BLEU: Texygen' if sb else ''}) | {b} | "
                        f"{sb.split(' | ')[2] if sb else '-'} |")
    real = d["real_data"]
    rows.append("| real data: the training captions as samples | " + " | ".join(f"{real[k]:.3f}" for k in ks) + " |")
    full, note = headline_rows("coco", ks)
    return ("| MS COCO captions | BLEU-2 | BLEU-3 | BLEU-4 | BLEU-5 | Self-BLEU-4 |\n|---|---|---|---|---|---|\n"
            + "\n".join(full + rows) + f"\n\nOurs: 10,000 samples against all 10,000 test captions; CPU size: "
            f"{_where_short(d)}; {note}. RelGAN's own 100-hypothesis BLEU: docs/results/published-sizes.md.")

TABLES = {"arith_default": arith_default, "arith_ablation": arith_ablation, "arith_schedule": arith_schedule,
          "bleu_bench": bleu_bench, "data_bench": data_bench, "train_bench": train_bench, "gpu_bench": gpu_bench,
          "grammar_bench": grammar_bench, "oracle_bench": oracle_bench, "coco_bench": coco_bench,
          "scratch_ablation": scratch_ablation, "headline_grammar": headline_grammar, "headline_oracle": headline_oracle, "headline_coco": headline_coco,
          "ratio_oracle": ratio_oracle, "ratio_arith": ratio_arith,
          "ratio_coco": ratio_coco, "ratio_ablation": ratio_ablation, "ratio_ablation_coco": ratio_ablation_coco,
          "cpu_early_stopping_oracle": lambda: cpu_early_stopping("oracle"),
          "cpu_early_stopping_coco": lambda: cpu_early_stopping("coco"),
          "headline_ratio": headline_ratio, "ratio_arith_prefix": ratio_arith_prefix,
          "ratio_speed": ratio_speed, "full_oracle": lambda: oracle_size("full"),
          "light_oracle": lambda: oracle_size("light"), "full_coco": coco_full, "mle_ablation": mle_ablation,
          "judges_speed": judges_speed, "judges_oracle": judges_oracle, "judges_arith": judges_arith,
          "judges_oracle_by_n": judges_oracle_by_n, "judges_reverse_recipes": reverse_recipes,
          "judges_reverse_sizes": reverse_sizes,
          "judges_coco": judges_coco, "headline_judges": headline_judges,
          "estimators_arith": lambda: estimators_table("arith"), "estimators_kusner": lambda: estimators_table("kusner"),
          "estimators_oracle": oracle_table, "estimators_coco": estimators_coco_table, "estimators_grad": grad_table,
          "estimators_time_arith": lambda: matched_table("arith"),
          "estimators_time_kusner": lambda: matched_table("kusner"),
          "estimators_temperature": temperature_table, "estimators_temperature_gaps": temperature_gaps}
FILES = ("README.md", *sorted(f"docs/results/{p.name}" for p in (ROOT / "docs" / "results").glob("*.md")),
         "docs/performance.md")


def render(text: str) -> str:
    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name not in TABLES:
            raise SystemExit(f"a rendered block names an unknown table {name!r}")
        return f"<!-- results:{name} -->\n{TABLES[name]()}\n<!-- /results -->"
    return re.sub(r"<!-- results:(\w+) -->.*?<!-- /results -->", fill, text, flags=re.S)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    stale = []
    for rel in FILES:
        path = ROOT / rel
        text = path.read_text()
        new = render(text)
        if new != text:
            stale.append(rel)
            if not args.check:
                path.write_text(new)
    if args.check and stale:
        sys.exit(f"{', '.join(stale)}: tables differ from the result files; run python -m scripts.render.docs")


if __name__ == "__main__":
    main()

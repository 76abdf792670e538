"""Render the README's result tables from the saved result files (never typed by hand).

    .venv/bin/python scripts/render_readme.py          # rewrite README.md in place
    .venv/bin/python scripts/render_readme.py --check  # exit 1 if README.md is out of date

Each table sits between `<!-- results:NAME -->` and `<!-- /results -->` in README.md.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(rel: str) -> dict | None:
    p = ROOT / rel
    return json.loads(p.read_text()) if p.is_file() else None


def arith_default() -> str:
    rows = []
    for label, rel in (("MLE only (`configs/arith_mle.toml`)", "results/arith_runs/mle_summary.json"),
                       ("default: MLE warm-up + WGAN-GP (`seqgan-gumbel train`)", "results/arith_runs/gan_summary.json")):
        s = _load(rel)
        if s is None:
            continue
        sc = s["samples"]
        rows.append(f"| {label} | {sc['valid']:.3f} | {sc['unique']:.3f} | {sc['novel']:.3f} | "
                    f"{sc['mean_length']:.2f} | {sc['nll_valid']:.2f} | {s['wall_s']:.0f} s, {s['device']}, "
                    f"{s['threads']} threads |")
    ref = _load("results/arith_ablation.json")
    if ref:
        g = ref["grammar_reference"]
        rows.append(f"| strings drawn from the grammar | {g['valid']:.3f} | {g['unique']:.3f} | - | "
                    f"{g['mean_length']:.2f} | {g['nll_valid']:.2f} | - |")
    head = ("| run (seed 0, 2,000 samples) | valid | unique | novel | mean length | grammar NLL of valid | wall time |\n"
            "|---|---|---|---|---|---|---|\n")
    return head + "\n".join(rows)


def arith_ablation() -> str:
    p = ROOT / "results/arith_ablation.md"
    return p.read_text().strip() if p.is_file() else "(not measured yet: run scripts/ablate_arith.py)"


def bleu_bench() -> str:
    b = _load("results/bench/bleu.json")
    if b is None:
        return "(not measured yet: run scripts/bench_bleu.py)"
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
    d = _load("results/bench/data_load.json")
    if d is None:
        return "(not measured yet: run scripts/bench_data.py)"
    rows = [f"| {k} | {r['median_s']:.2f} s | {r['vocab']:,} | {r['batch_tensor']} |" for k, r in d["results"].items()]
    return ("| tokenizer | load 10k + 10k COCO lines, train tokenizer, encode, pack (median) | vocabulary | train tensor |\n"
            "|---|---|---|---|\n" + "\n".join(rows) + f"\n\n{d['machine']}, torch {d['torch']}.")


def train_bench() -> str:
    b = _load("results/bench/train_cpu.json")
    if b is None:
        return "(not measured yet: run scripts/bench_train.py)"
    anchor = {"mle_epoch_s": 17, "adv_iter_s": 40, "sample_10k_s": 15, "peak_rss_mb": 5300}
    target = {"mle_epoch_s": 4, "adv_iter_s": 4, "sample_10k_s": 1.5, "peak_rss_mb": 1000}
    names = {"mle_epoch_s": "MLE epoch (s)", "adv_iter_s": "adversarial iteration, 5 D + 1 G (s)",
             "sample_10k_s": "sample 10,000 sentences (s)", "peak_rss_mb": "peak memory (MB)"}
    rows = [f"| {names[k]} | {anchor[k]:,} | {b[k]:,} | {anchor[k] / b[k]:.1f}x | {target[k]:,} | "
            f"{'reached' if b[k] <= target[k] else 'missed'} |" for k in names]
    return ("| `configs/relgan_coco.toml` on this CPU | anchor (TextGAN-PyTorch RelGAN) | ours | speed-up | target | |\n"
            "|---|---|---|---|---|---|\n" + "\n".join(rows) +
            f"\n\n{b['machine']}, {b['threads']} torch threads, torch {b['torch']}, {b['precision']}; vocabulary "
            f"{b['vocab']:,}, length {b['seq_len']}, mean of {b['adv_iters_timed']} adversarial iterations after a warm-up.")


def gpu_bench() -> str:
    variants = [("train_cuda.json", "fp32, eager"), ("train_cuda_graphs.json", "fp32, CUDA-graph sampling"),
                ("train_cuda_bf16.json", "bf16 autocast, eager"),
                ("train_cuda_bf16_graphs.json", "bf16 autocast, CUDA-graph sampling")]
    rows, card = [], None
    for name, label in variants:
        b = _load(f"results/bench/{name}")
        if b is None:
            continue
        card = b
        rows.append(f"| {label} | {b['adv_iter_s']:.3f} | {b['adv_iters_per_s']:.2f} | {b['adv_kernel_s']:.3f} "
                    f"({b['kernel_fraction']:.0%}) | {b['mle_epoch_s']:.2f} | {b['sample_10k_s']:.2f} | {b['peak_gpu_mb']:,.0f} |")
    if not rows:
        return "(not measured yet: run scripts/gpu_check.sh on a machine with a GPU)"
    return ("| `configs/relgan_coco.toml` on the GPU | adversarial iteration (s) | iterations / s | "
            "GPU kernel time per iteration (s, share of wall) | MLE epoch (s) | 10,000 samples (s) | peak GPU memory (MB) |\n"
            "|---|---|---|---|---|---|---|\n" + "\n".join(rows) +
            f"\n\n{card['device']}, torch {card['torch']}, {card['machine']}; same configuration and vocabulary "
            f"({card['vocab']:,}) as the CPU table. Kernel time: one profiled iteration (torch.profiler), "
            f"against the mean wall time of {card['adv_iters_timed']} unprofiled ones.")


def grammar_bench() -> str:
    parts = []
    for grammar in ("arith", "kusner"):
        d = _load(f"results/grammar/{grammar}.json")
        if d is None:
            continue
        ref = d["reference"]
        nseeds = {len(v["seeds"]) for v in d["runs"].values()}
        head = (f"| `{grammar}` ({'/'.join(map(str, sorted(nseeds)))} seeds, mean ± std) | valid | unique | "
                "grammar NLL of valid samples (x grammar's own) | generator NLL of held-out strings (x exact) | "
                "wall per run | targets |\n|---|---|---|---|---|---|---|")
        rows = []
        for key in ("mle", "gan", "scratch"):
            if key not in d["runs"]:
                continue
            r = d["runs"][key]
            m, sd = r["mean"], r["std"]
            hit = (m["valid"] >= 0.99, abs(m["nll_samples_ratio"] - 1) <= 0.05, m["gen_nll_test_ratio"] - 1 <= 0.05)
            verdict = ", ".join(f"{name} {'reached' if ok else 'missed'}"
                                for name, ok in zip(("valid", "sample NLL", "held-out NLL"), hit))
            rows.append(f"| {r['label']} | {m['valid']:.3f} ± {sd['valid']:.3f} | {m['unique']:.3f} ± {sd['unique']:.3f} | "
                        f"{m['nll_samples']:.2f} (x{m['nll_samples_ratio']:.3f} ± {sd['nll_samples_ratio']:.3f}) | "
                        f"{m['gen_nll_test']:.2f} (x{m['gen_nll_test_ratio']:.3f} ± {sd['gen_nll_test_ratio']:.3f}) | "
                        f"{m['wall_s']:.0f} s | {verdict} |")
        rows.append(f"| strings drawn from the grammar ({ref['n']:,}, held out) | {ref['valid']:.3f} | {ref['unique']:.3f} | "
                    f"{ref['nll_valid']:.2f} (x1) | {ref['nll_valid']:.2f} (x1: the least possible) | - | - |")
        parts.append(head + "\n" + "\n".join(rows))
    if not parts:
        return "(not measured yet: run scripts/bench_grammar.py)"
    d = _load("results/grammar/arith.json") or _load("results/grammar/kusner.json")
    return "\n\n".join(parts) + f"\n\n2,000 samples per run; {d['machine']}; torch {d['torch']}."


TABLES = {"arith_default": arith_default, "arith_ablation": arith_ablation, "bleu_bench": bleu_bench,
          "data_bench": data_bench, "train_bench": train_bench, "gpu_bench": gpu_bench,
          "grammar_bench": grammar_bench}


def render(text: str) -> str:
    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name not in TABLES:
            raise SystemExit(f"README names an unknown table {name!r}")
        return f"<!-- results:{name} -->\n{TABLES[name]()}\n<!-- /results -->"
    return re.sub(r"<!-- results:(\w+) -->.*?<!-- /results -->", fill, text, flags=re.S)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    readme = ROOT / "README.md"
    text = readme.read_text()
    new = render(text)
    if args.check:
        if new != text:
            sys.exit("README.md tables differ from the result files: run scripts/render_readme.py")
        return
    readme.write_text(new)


if __name__ == "__main__":
    main()

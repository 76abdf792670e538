"""Benchmark: BLEU-2..5 of 10,000 hypotheses against 10,000 references, and Self-BLEU-2..5 of
10,000 lines, against fast-bleu (C++) and NLTK (extrapolated from a sample of hypotheses).

    .venv/bin/python -m scripts.bench.bleu [--hyps ../shared/data/coco/train.txt]
        [--refs ../shared/data/coco/test.txt] [--repeat 3] [--nltk-sample 20]

Times our evaluation both as the whole command a user runs (`seqgan-gumbel evaluate ...`,
interpreter start-up included) and as the computation alone (files already read). fast-bleu
is optional (pip install fast-bleu); NLTK must be installed (the dev extra). Prints a table,
the real-data reference values, and writes results/speed/bleu.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scripts import ROOT


ORDERS = (2, 3, 4, 5)


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def command_time(args, repeat):
    cmd = [sys.executable, "-m", "seqgan_gumbel", "evaluate", *args, "--json"]
    return timed(lambda: json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout), repeat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hyps", default=str(ROOT.parent / "shared/data/coco/train.txt"))
    ap.add_argument("--refs", default=str(ROOT.parent / "shared/data/coco/test.txt"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--nltk-sample", type=int, default=20)
    ap.add_argument("--out", default=str(ROOT / "results/speed/bleu.json"))
    args = ap.parse_args()

    from seqgan_gumbel.metrics import read_text_lines, self_bleu, sentence_bleu as exact_bleu

    hyps = [l.split() for l in read_text_lines(args.hyps, "samples file", keep_empty=True)]
    refs = [l.split() for l in read_text_lines(args.refs, "reference file", keep_empty=False)]
    res: dict = {"hypotheses": len(hyps), "references": len(refs), "orders": list(ORDERS),
                 "machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version()}

    t, ours = timed(lambda: exact_bleu(hyps, refs, ORDERS), args.repeat)
    res["ours_bleu_compute_s"] = round(t, 4)
    res["real_data_bleu"] = {str(n): round(float(v.mean()), 4) for n, v in ours.items()}
    t, ours_self = timed(lambda: self_bleu(hyps, ORDERS), args.repeat)
    res["ours_self_bleu_compute_s"] = round(t, 4)
    res["self_bleu"] = {str(n): round(float(v.mean()), 4) for n, v in ours_self.items()}
    t, _ = command_time(["--samples", args.hyps, "--references", args.refs, "--bleu", "2,3,4,5"], args.repeat)
    res["ours_bleu_command_s"] = round(t, 4)
    t, _ = command_time(["--samples", args.hyps, "--self-bleu", "--bleu", "2,3,4,5"], args.repeat)
    res["ours_self_bleu_command_s"] = round(t, 4)

    try:
        import fast_bleu
    except ImportError:
        res["fast_bleu"] = "not installed (pip install fast-bleu)"
    else:
        weights = {n: (1 / n,) * n for n in ORDERS}
        t, fb = timed(lambda: fast_bleu.BLEU(refs, weights).get_score(hyps), 1)
        res["fast_bleu_bleu_s"] = round(t, 4)
        t, fbs = timed(lambda: fast_bleu.SelfBLEU(hyps, weights).get_score(), 1)
        res["fast_bleu_self_bleu_s"] = round(t, 4)
        res["fast_bleu_max_abs_diff_bleu"] = max(abs(a - b) for n in ORDERS for a, b in zip(fb[n], ours[n]))
        res["fast_bleu_max_abs_diff_self_bleu"] = max(abs(a - b) for n in ORDERS for a, b in zip(fbs[n], ours_self[n]))
        res["speedup_bleu_command_vs_fast_bleu"] = round(res["fast_bleu_bleu_s"] / res["ours_bleu_command_s"], 2)
        res["speedup_self_bleu_command_vs_fast_bleu"] = round(res["fast_bleu_self_bleu_s"] / res["ours_self_bleu_command_s"], 2)

    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    sm, w = SmoothingFunction().method1, [(1 / n,) * n for n in ORDERS]
    sample = hyps[: args.nltk_sample]
    t0 = time.perf_counter()
    nltk_scores = [sentence_bleu(refs, h, w, smoothing_function=sm) for h in sample]
    per_hyp = (time.perf_counter() - t0) / len(sample)
    res["nltk_per_hypothesis_s"] = round(per_hyp, 4)
    res["nltk_extrapolated_bleu_s"] = round(per_hyp * len(hyps), 1)
    res["nltk_max_abs_diff"] = max(abs(s[k] - ours[n][i]) for i, s in enumerate(nltk_scores) for k, n in enumerate(ORDERS))

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(f"{len(hyps)} hypotheses x {len(refs)} references, BLEU-2..5 / Self-BLEU-2..5 ({res['machine']})")
    print(f"{'':34}{'BLEU s':>10}{'Self-BLEU s':>13}")
    print(f"{'ours, whole command':34}{res['ours_bleu_command_s']:10.3f}{res['ours_self_bleu_command_s']:13.3f}")
    print(f"{'ours, computation alone':34}{res['ours_bleu_compute_s']:10.3f}{res['ours_self_bleu_compute_s']:13.3f}")
    if "fast_bleu_bleu_s" in res:
        print(f"{'fast-bleu (C++), computation':34}{res['fast_bleu_bleu_s']:10.3f}{res['fast_bleu_self_bleu_s']:13.3f}")
    print(f"{'NLTK, extrapolated':34}{res['nltk_extrapolated_bleu_s']:10.1f}{'-':>13}")
    print(f"real-data BLEU-2..5 (hyps vs refs): {' / '.join(f'{v:.3f}' for v in res['real_data_bleu'].values())}")
    print(f"max |ours - NLTK| on {len(sample)} hypotheses: {res['nltk_max_abs_diff']:.2e}")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()

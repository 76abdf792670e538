"""Benchmark: the judges on COCO at full size on this machine's CPU. Fits the judge LM (the default
recipe, 2 x 512 LSTM) on COCO's training captions, then times the LM score of 10,000 lines, the
reverse-LM score at N = 10,000 and MAUVE with the Fréchet distance (features included), with the
training captions standing in for samples: their figures are the real-data row of the judges.

    .venv/bin/python -m scripts.bench.judges_speed [--data ../shared/data/coco] [--judge runs/judges/coco]

Targets (issue 30): judge fit <= 15 min, LM score <= 20 s, reverse-LM <= 5 min, MAUVE <= 60 s.
Writes results/speed/judges.json; the judge itself stays in --judge (weights are not kept in git).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from scripts import ROOT

TARGETS_S = {"fit": 900, "lm_score": 20, "reverse_lm": 300, "mauve": 60}


def main() -> None:
    import torch

    from seqgan_gumbel.evaluation import fit_judge
    from seqgan_gumbel.metrics import read_text_lines

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/coco"))
    ap.add_argument("--judge", default=str(ROOT / "runs/judges/coco"), help="the judge's folder (default runs/judges/coco)")
    ap.add_argument("--num", type=int, default=10_000)
    ap.add_argument("--out", default=str(ROOT / "results/speed/judges.json"))
    args = ap.parse_args()
    train = read_text_lines(Path(args.data) / "train.txt", "training text", keep_empty=False)
    test = read_text_lines(Path(args.data) / "test.txt", "test text", keep_empty=False)
    samples = train[:args.num]
    fitted_here = not (Path(args.judge) / "judge.json").is_file()      # else loaded: no fit to time
    t0 = time.perf_counter()
    judge = fit_judge(train, None, out=args.judge, progress=True)
    fit_s = time.perf_counter() - t0
    times, figures = ({"fit": fit_s} if fitted_here else {}), {}
    for name, job in (("lm_score", lambda: judge.lm_score(samples)),
                      ("reverse_lm", lambda: judge.reverse_lm(samples, test)),
                      ("mauve", lambda: judge.distances(samples, test))):
        t0 = time.perf_counter()
        figures |= job()
        times[name] = time.perf_counter() - t0
        print(f"{name}: {times[name]:.1f} s (target {TARGETS_S[name]} s) {figures}")
    result = {"judge": judge.digest[:16], "fitted_here": fitted_here, "epochs": judge.info["epochs"],
              "best_epoch": judge.info["best_epoch"], "validation_nll": judge.info["validation_nll"],
              "train_lines": judge.info["train_lines"], "num": len(samples), "test_lines": len(test),
              "seconds": times, "targets_s": TARGETS_S, "real_data_figures": figures,
              "threads": torch.get_num_threads(), "cpus": os.cpu_count(), "machine": platform.processor() or platform.machine(),
              "torch": torch.__version__}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()

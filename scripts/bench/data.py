"""Time loading a corpus and building its batches (tokenizer training, encoding, packing).

    .venv/bin/python -m scripts.bench.data [--train ../shared/data/coco/train.txt] [--repeat 5]

Prints a table and writes results/speed/data_load.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

import seqgan_gumbel as sg

from scripts import ROOT


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(ROOT.parent / "shared/data/coco/train.txt"))
    ap.add_argument("--test", default=str(ROOT.parent / "shared/data/coco/test.txt"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "results/speed/data_load.json"))
    args = ap.parse_args()
    rows = {}
    for tokenizer in ("word", "bpe"):
        cfg = sg.load_config(None, ["data.kind=corpus", f"data.path={args.train}", f"data.test_path={args.test}",
                                 f"data.tokenizer={tokenizer}"])
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            data = sg.KINDS.get("corpus").from_config(cfg, "cpu").data     # the corpus kind builds its data
            times.append(time.perf_counter() - t0)
        rows[tokenizer] = {"median_s": round(statistics.median(times), 4), "min_s": round(min(times), 4),
                           "train_lines": data.stats["train"], "test_lines": data.stats["test"],
                           "vocab": len(data.vocab), "batch_tensor": list(data.ids.shape)}
    result = {"what": "the corpus data kind built from its config: read train+test, train the tokenizer, encode, pack into [N, T] tensors",
              "files": [args.train, args.test], "repeat": args.repeat, "results": rows,
              "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
              "torch": torch.__version__}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'tokenizer':10} {'median s':>9} {'min s':>7} {'vocab':>6} tensor")
    for k, r in rows.items():
        print(f"{k:10} {r['median_s']:9.3f} {r['min_s']:7.3f} {r['vocab']:6d} {r['batch_tensor']}")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()

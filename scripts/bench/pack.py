"""Carry a benchmark run in pieces between machines: `pack` puts what the next piece needs into
parts of at most 15 MB (the device tool brings back files of up to 16 MB), `unpack` puts them back
in place in this repository.

What travels: the result files and kept curves (results/<bench>/<name>*), and per run in
runs/bench/<bench>-<name>/: everything but checkpoint.prev.pt while its seed is not yet in the
result file (an unfinished run resumes from checkpoint.pt), otherwise only its small files and
pretrained.pt (a GAN seed still to come starts from its MLE run's pretrained.pt). Unpacking renews
the resume/ snapshots kept with the results from the unpacked runs, so a commit goes on from there.

    python -m scripts.bench.pack pack DIR [--benches oracle,coco] [--name full]
    python -m scripts.bench.pack unpack DIR
"""
from __future__ import annotations

import argparse
import io
import json
import tarfile
from pathlib import Path

from scripts import ROOT


PART = 15 * 2 ** 20
RETURN_LIMIT = 64 * 2 ** 20     # what the device tool brings back from $OUT in all
SMALL = ("pretrained.pt", "warmup_rebuilt.json", "metrics.jsonl", "summary.json", "bench_pieces.json", "config.toml", "vocab.json",
         "tokenizer.json", "samples.txt")


def files(bench: str, name: str) -> list[Path]:
    res = ROOT / "results" / bench
    out = [p for p in res.glob(f"{name}*") if p.is_file()] + [p for p in res.glob(f"{name}_runs/*/*") if p.is_file()]
    result = json.loads((res / f"{name}.json").read_text()) if (res / f"{name}.json").is_file() else {"variants": {}}
    for run in sorted((ROOT / "runs" / "bench" / f"{bench}-{name}").glob("*-s*")):
        key, seed = run.name.rsplit("-s", 1)
        done = seed in result["variants"].get(key, {}).get("seeds", {})
        out += [p for p in run.iterdir() if p.is_file() and p.name != "checkpoint.prev.pt" and (not done or p.name in SMALL)]
    return out


def pack(out: Path, benches: list[str], name: str) -> list[Path]:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for bench in benches:
            for p in files(bench, name):
                tar.add(p, arcname=str(p.relative_to(ROOT)))
    data, parts = buf.getvalue(), []
    out.mkdir(parents=True, exist_ok=True)
    for i in range(0, len(data), PART):
        parts.append(out / f"bench_state.part{i // PART:02d}")
        parts[-1].write_bytes(data[i:i + PART])
    return parts


def unpack(src: Path) -> list[str]:
    parts = sorted(src.glob("bench_state.part*"))
    if not parts:
        raise SystemExit(f"{src}: no bench_state.part* files to unpack")
    with tarfile.open(fileobj=io.BytesIO(b"".join(p.read_bytes() for p in parts)), mode="r:gz") as tar:
        names = tar.getnames()
        if any(Path(n).is_absolute() or ".." in Path(n).parts or not n.startswith(("results/", "runs/")) for n in names):
            raise SystemExit(f"{src}: the parts hold paths outside results/ and runs/; not unpacked")
        tar.extractall(ROOT, filter="data")
    refresh_snapshots(names)
    return names


def refresh_snapshots(names: list[str]) -> None:
    """The unpacked runs are the newest state of their seeds: renew the resume/ snapshots kept with
    the results from them (scripts/bench/keep.py), so that what is committed goes on from there."""
    from scripts.bench.keep import CHECKPOINT, keep_run

    for n in names:
        parts = Path(n).parts        # runs/bench/<bench>-<name>/<run>/checkpoint.pt
        if len(parts) == 5 and parts[:2] == ("runs", "bench") and parts[4] == CHECKPOINT:
            bench, name = parts[2].split("-", 1)
            run = ROOT / Path(n).parent
            keep_run(run, ROOT / "results" / bench / f"{name}_runs" / parts[3], mle=parts[3].startswith("mle"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("pack", "unpack"))
    ap.add_argument("dir", type=Path)
    ap.add_argument("--benches", default="oracle,coco")
    ap.add_argument("--name", default="full")
    args = ap.parse_args()
    if args.action == "pack":
        parts = pack(args.dir, args.benches.split(","), args.name)
        print(f"packed into {len(parts)} part(s): " + ", ".join(p.name for p in parts))
        total = sum(p.stat().st_size for p in parts)
        if total > RETURN_LIMIT:      # 2026-12-04: three unfinished runs packed to 69 MB; the last part was lost
            print(f"warning: {total / 2 ** 20:.0f} MB packed, over the {RETURN_LIMIT / 2 ** 20:.0f} MB the device "
                  "tool brings back: pack fewer benchmarks (--benches) or run fewer seeds at once")
    else:
        print(f"unpacked {len(unpack(args.dir))} files")


if __name__ == "__main__":
    main()

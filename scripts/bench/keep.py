"""What a benchmark keeps of each run beside its results (results/<bench>/<name>_runs/<run>/), so
that the repository alone, on any machine, can report a run and go on with it.

Always kept: the curve (metrics.jsonl), summary.json, the pieces (bench_pieces.json) and, for an
MLE run, the SHA-256 of its best generator (warmup.json), from which its GAN starts. Weights are
not committed (.gitignore): on this machine the MLE run's pretrained.pt is copied beside the record
too, and while the run's seed is not yet in the result file so is resume/ (the run folder as it
stands, checkpoint.prev.pt left out), from which a later invocation goes on when the runs folder
has no checkpoint; it is dropped once the seed's figures are saved. On a fresh clone a GAN seed's
warm-up is rebuilt from its config.json and compared with the recorded digest (scripts/bench/seeds.py).
Used by scripts/bench/seeds.py."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from scripts.bench.pieces import PIECES
from seqgan_gumbel.storage import CHECKPOINT_NAME as CHECKPOINT, PREVIOUS_NAME, read_metrics, sealed_digest

RESUME = "resume"
KEPT = ("metrics.jsonl", "summary.json", PIECES)
PRETRAINED, WARMUP = "pretrained.pt", "warmup.json"
REBUILT = "warmup_rebuilt.json"        # beside a warm-up scripts.bench.seeds rebuilt: how it compared with the record


def write_warmup(run: Path, keep: Path) -> None:
    """Record the digest of an MLE run's best generator: what a rebuilt warm-up is compared with."""
    record = {"sha256": sealed_digest(run / PRETRAINED),
              "note": "SHA-256 of the payload of this MLE run's pretrained.pt (not committed); "
                      "scripts.bench.seeds rebuilds it from config.json where it is missing and compares"}
    (keep / WARMUP).write_text(json.dumps(record, indent=1) + "\n")


def lost_dir(runs: Path) -> Path:
    """Where the records of <name>_runs/ whose checkpoints were lost are set aside: <name>_lost/."""
    return runs.with_name(runs.name.replace("_runs", "_lost"))


def keep_run(out: Path, keep: Path, mle: bool) -> None:
    """Copy what is kept of the run folder out into keep, the resume/ snapshot included while out
    holds a checkpoint (written to a temporary folder first, so a stop leaves the old one whole)."""
    keep.mkdir(parents=True, exist_ok=True)
    for f in KEPT + ((PRETRAINED,) if mle else ()):
        if (out / f).is_file():
            shutil.copyfile(out / f, keep / f)
    if mle and (out / PRETRAINED).is_file():
        write_warmup(out, keep)
    if not (out / CHECKPOINT).is_file():
        return
    tmp = keep / f".{RESUME}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for f in out.iterdir():
        if f.is_file() and f.name != PREVIOUS_NAME and not f.name.startswith("."):
            shutil.copyfile(f, tmp / f.name)
    shutil.rmtree(keep / RESUME, ignore_errors=True)
    tmp.rename(keep / RESUME)


def restore_run(out: Path, keep: Path) -> bool:
    """Put the kept resume/ snapshot in place when out has no checkpoint of its own: True if done."""
    snapshot = keep / RESUME
    if (out / CHECKPOINT).is_file() or not (snapshot / CHECKPOINT).is_file():
        return False
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(snapshot, out)
    return True


def lost_steps(out: Path, keep: Path) -> int:
    """Steps the kept curve records for a run that can no longer be resumed (no checkpoint in out,
    none kept): 0 when nothing would be lost by starting it afresh."""
    curve = keep / "metrics.jsonl"
    if (out / CHECKPOINT).is_file() or (keep / RESUME / CHECKPOINT).is_file() or not curve.is_file():
        return 0
    return max((row.get("global_step", 0) for row in read_metrics(curve)), default=0)


def set_aside(keep: Path, lost: Path) -> Path:
    """Move the kept record of a run that cannot be resumed to lost/<run>.<k> (k = 1, 2, ...), out of
    the way of the run that starts afresh, and return where it went."""
    lost.mkdir(parents=True, exist_ok=True)
    k = 1
    while (lost / f"{keep.name}.{k}").exists():
        k += 1
    return Path(shutil.move(str(keep), str(lost / f"{keep.name}.{k}")))


def drop_snapshot(keep: Path) -> None:
    """The seed's figures are saved: its resume/ snapshot is no longer needed."""
    shutil.rmtree(keep / RESUME, ignore_errors=True)

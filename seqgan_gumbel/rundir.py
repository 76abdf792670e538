"""A run directory: what it may replace, and every file a run writes into it.

Only the first process of a torchrun launch writes; the others get NullFiles.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from .checkpoint import CHECKPOINT_NAME, save_checkpoint
from .config import to_toml
from .data import write_lines
from .errors import UserError

RUN_MARKERS = ("config.toml", CHECKPOINT_NAME, "metrics.jsonl")


def check_run_dir(out: Path, overwrite: bool) -> None:
    """Refuse to mix a new run into an existing one unless asked to replace it."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; choose a directory")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise UserError(f"--out {out} is not empty; pass --overwrite to replace the run there, "
                            f"--resume {out} to continue it, or choose another --out")
        if not any((out / m).exists() for m in RUN_MARKERS):
            raise UserError(f"--out {out} holds files that are not a seqgan_gumbel run; "
                            f"refusing to overwrite it, choose another --out")


def prepare_run_dir(out: Path, overwrite: bool) -> None:
    """Create out, replacing an earlier run there only when asked to."""
    check_run_dir(out, overwrite)
    if out.is_dir() and any(out.iterdir()):
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def truncate_metrics(path: Path, global_step: int) -> None:
    """Drop logged rows past the checkpoint: the resumed run logs those steps again."""
    if not path.is_file():
        return
    keep = [l for l in path.read_text(encoding="utf-8").splitlines()
            if l.strip() and json.loads(l).get("global_step", 0) <= global_step]
    path.write_text("".join(l + "\n" for l in keep), encoding="utf-8")


class RunFiles:
    """The files of one run directory, written by the first process."""

    def __init__(self, out: Path):
        self.out = out

    def write_start(self, cfg, kind) -> None:
        """config.toml, vocab.json, train.txt and the data kind's own files."""
        data, vocab = kind.data, kind.data.vocab
        (self.out / "config.toml").write_text(to_toml(cfg), encoding="utf-8")
        (self.out / "vocab.json").write_text(json.dumps(list(vocab.tokens)), encoding="utf-8")
        write_lines(self.out / "train.txt", (vocab.text(s) for s in data.sequences))
        kind.write_files(self.out)

    def checkpoint(self, state_fn) -> None:
        save_checkpoint(self.out / CHECKPOINT_NAME, state_fn())

    def pretrained(self, state_fn) -> None:
        save_checkpoint(self.out / "pretrained.pt", state_fn(), keep_previous=False)

    def samples(self, lines: list[str]) -> None:
        write_lines(self.out / "samples.txt", lines)

    def summary(self, summary: dict) -> None:
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")

    def report(self) -> None:
        from .plots import run_report

        run_report(self.out)


class NullFiles:
    """The files of a torchrun process other than the first: it writes none."""

    def write_start(self, cfg, kind) -> None:
        pass

    def checkpoint(self, state_fn) -> None:
        pass

    def pretrained(self, state_fn) -> None:
        pass

    def samples(self, lines: list[str]) -> None:
        pass

    def summary(self, summary: dict) -> None:
        pass

    def report(self) -> None:
        pass

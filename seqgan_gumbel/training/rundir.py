"""A run directory: what it may replace, and every file a run writes into it.

Only the first process of a torchrun launch writes; the others get NullFiles.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

from seqgan_gumbel.storage.checkpoint import CHECKPOINT_NAME, PREVIOUS_NAME, atomic_write_bytes, save_checkpoint
from seqgan_gumbel.config.schema import to_toml
from seqgan_gumbel.data.sequences import write_lines
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.metrics.plots import run_report

RUN_MARKERS = ("config.toml", CHECKPOINT_NAME, "metrics.jsonl")
# Everything a run writes into its directory: --overwrite replaces these and nothing else.
RUN_FILES = RUN_MARKERS + ("vocab.json", "train.txt", "validation.txt", "test.txt", "tokenizer.json", "oracle.npz", PREVIOUS_NAME,
                           "pretrained.pt", "samples.txt", "summary.json", "report.png", "sweep", "wandb")
LOCK, PREVIOUS_RUN = ".lock", ".previous-run"     # the run's lock; the replaced run, until the first checkpoint


def _entries(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name not in (LOCK, PREVIOUS_RUN)] if out.is_dir() else []


def check_run_dir(out: Path, overwrite: bool) -> None:
    """Refuse to mix a new run into an existing one unless asked to replace it."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; choose a directory")
    if _entries(out):
        if not overwrite:
            raise UserError(f"--out {out} is not empty; pass --overwrite to replace the run there, "
                            f"--resume {out} to continue it, or choose another --out")
        if not any((out / m).exists() for m in RUN_MARKERS):
            raise UserError(f"--out {out} holds files that are not a seqgan_gumbel run; "
                            f"refusing to overwrite it, choose another --out")


def prepare_run_dir(out: Path, overwrite: bool) -> None:
    """Create out; with overwrite, set the earlier run's files aside in out/.previous-run (the
    user's own files stay), to be deleted once the new run has its first checkpoint."""
    check_run_dir(out, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    old = [p for p in _entries(out) if p.name in RUN_FILES]
    if old:
        aside = out / PREVIOUS_RUN
        shutil.rmtree(aside, ignore_errors=True)
        aside.mkdir()
        for p in old:
            os.replace(p, aside / p.name)


def restore_previous_run(out: Path) -> None:
    """The new run failed before its first checkpoint: put the replaced run back."""
    aside = out / PREVIOUS_RUN
    if not aside.is_dir():
        return
    for p in _entries(out):
        if p.name in RUN_FILES:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    for p in aside.iterdir():
        os.replace(p, out / p.name)
    aside.rmdir()


def remove_stale_temporaries(out: Path, notify=None) -> None:
    """Temporary files of a save that a killed process left behind (.checkpoint.pt.XXXX.tmp)."""
    for p in out.glob(".*.tmp"):
        if p.is_file() and p.name.split(".")[1] in ("checkpoint", "pretrained", "samples", "summary", "metrics"):
            p.unlink()
            if notify is not None:
                notify(f"removed {p}, a temporary file left by a run that was stopped while saving")


class RunLock:
    """out/.lock, held for a whole run: a second process on the same run directory is refused.
    A lock whose process is gone (killed) is broken, with a notice."""

    def __init__(self, out: Path, notify=None):
        self.path, self.notify = out / LOCK, notify

    def __enter__(self) -> RunLock:
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._break_stale()
                continue
            with os.fdopen(fd, "w") as f:
                f.write(f"{os.getpid()} {socket.gethostname()}\n")
            return self
        raise UserError(f"{self.path.parent} is locked by another run starting at the same moment; try again")

    def _break_stale(self) -> None:
        try:
            pid, host = self.path.read_text().split()
            pid = int(pid)
        except (OSError, ValueError):
            pid, host = 0, ""
        if host == socket.gethostname() and pid > 0 and _alive(pid):
            raise UserError(f"run directory {self.path.parent} is in use by process {pid}; wait for it to end "
                            f"(or stop it), or choose another --out")
        if host and host != socket.gethostname():
            raise UserError(f"run directory {self.path.parent} is in use by process {pid} on {host}; if that "
                            f"run is gone, delete {self.path}")
        self.path.unlink(missing_ok=True)
        if self.notify is not None:
            self.notify(f"removed the lock of process {pid}, which is no longer running")

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)            # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    return True                    # it exists (PermissionError: it exists, as another user's)


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
        if data.val_ids is not None:
            write_lines(self.out / "validation.txt", (vocab.text(vocab.decode(r)) for r in data.val_ids.tolist()))
        kind.write_files(self.out)

    def checkpoint(self, state_fn) -> None:
        save_checkpoint(self.out / CHECKPOINT_NAME, state_fn())
        shutil.rmtree(self.out / PREVIOUS_RUN, ignore_errors=True)   # the new run now stands on its own

    def pretrained(self, state_fn) -> None:
        save_checkpoint(self.out / "pretrained.pt", state_fn(), keep_previous=False)

    def samples(self, lines: list[str]) -> None:
        text = "".join(line + "\n" for line in lines)
        atomic_write_bytes(self.out / "samples.txt", lambda f: f.write(text.encode("utf-8")))

    def summary(self, summary: dict) -> None:
        text = json.dumps(summary, indent=2) + "\n"
        atomic_write_bytes(self.out / "summary.json", lambda f: f.write(text.encode("utf-8")))

    def report(self) -> None:
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

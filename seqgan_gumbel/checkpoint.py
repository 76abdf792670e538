"""Checkpoints: written atomically, read without unpickling arbitrary objects."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from .errors import UserError

FORMAT = "seqgan_gumbel/1"
CHECKPOINT_NAME = "checkpoint.pt"


def default_file_mode() -> int:
    """The mode a plain open() would give a new file (mkstemp's files are 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: Path, writer) -> None:
    """Call writer(file) on a temporary file beside path, fsync it, then rename it over path."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_checkpoint(path: Path, state: dict) -> None:
    state = {"format": FORMAT, **state}
    atomic_write_bytes(Path(path), lambda f: torch.save(state, f))


def load_checkpoint(run_or_file: str | Path) -> dict:
    """The checkpoint dict from a run directory or a checkpoint file, loaded on the CPU."""
    p = Path(run_or_file)
    path = p / CHECKPOINT_NAME if p.is_dir() else p
    if not path.is_file():
        where = f"run directory {p}" if p.is_dir() else str(p)
        raise UserError(f"{where} has no checkpoint ({CHECKPOINT_NAME}); "
                        f"train a run there first or pass the right --run")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated, corrupted or not a checkpoint at all
        raise UserError(f"checkpoint {path} cannot be read ({type(e).__name__}); "
                        f"it is damaged or not a seqgan_gumbel checkpoint") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise UserError(f"checkpoint {path} is not a {FORMAT} checkpoint; "
                        f"it was written by another program or version")
    return state

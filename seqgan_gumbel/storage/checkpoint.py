"""Checkpoints: written atomically, sealed with a SHA-256, read without unpickling arbitrary objects.

The state dict is serialised with torch.save, and that payload is stored with its SHA-256 in
an outer torch file, so a truncated file (unreadable) and an altered one (digest mismatch)
are both refused. Writing a new checkpoint first moves the current one to checkpoint.prev.pt,
so one good checkpoint survives whatever happens to the newest.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from pathlib import Path

import torch

from seqgan_gumbel.errors import UserError

FORMAT = "seqgan_gumbel/2"
CHECKPOINT_NAME = "checkpoint.pt"
PREVIOUS_NAME = "checkpoint.prev.pt"


def default_file_mode() -> int:
    """The mode a plain open() would give a new file (mkstemp's files are 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: Path, writer, *, keep_previous: Path | None = None) -> None:
    """Call writer(file) on a temporary file beside path, fsync it, then rename it over path.

    With keep_previous, the file being replaced is first renamed to that path.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, default_file_mode())
        if keep_previous is not None and path.exists():
            os.replace(path, keep_previous)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_checkpoint(path: Path, state: dict, *, keep_previous: bool = True) -> None:
    buf = io.BytesIO()
    torch.save(state, buf)
    payload = buf.getvalue()
    outer = {"format": FORMAT, "sha256": hashlib.sha256(payload).hexdigest(),
             "payload": torch.frombuffer(bytearray(payload), dtype=torch.uint8)}
    path = Path(path)
    atomic_write_bytes(path, lambda f: torch.save(outer, f),
                       keep_previous=path.with_name(PREVIOUS_NAME) if keep_previous else None)


# What each use needs of a checkpoint's state.
GENERATOR_KEYS = ("config", "vocab", "max_len", "banned", "generator")
RESUME_KEYS = GENERATOR_KEYS + ("discriminator", "opt_mle", "opt_g", "opt_d", "global_step", "mle_steps",
                                "rng_cpu", "stream")


def _torch_load(source, path: Path, what: str):
    """torch.load with weights_only (no arbitrary objects), its warnings silenced: any failure is
    one UserError naming the file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(source, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated, corrupted, a forbidden type, or not a checkpoint at all
        detail = "a type a checkpoint may not hold" if "weights_only" in str(e) else type(e).__name__
        raise UserError(f"checkpoint {path} cannot be read ({what}: {detail}); "
                        f"it is damaged or not a seqgan_gumbel checkpoint") from None


def _sealed(path: Path) -> tuple[str, bytes]:
    """(SHA-256, payload bytes) of a sealed file, the digest checked."""
    outer = _torch_load(path, path, "outer file")
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise UserError(f"checkpoint {path} is not a {FORMAT} checkpoint; "
                        f"it was written by another program or version")
    payload = outer.get("payload")
    if not isinstance(payload, torch.Tensor) or payload.dtype != torch.uint8:
        raise UserError(f"checkpoint {path} has no payload; it is damaged")
    payload = payload.numpy().tobytes()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != outer.get("sha256"):
        raise UserError(f"checkpoint {path} fails its SHA-256 check: it was altered or damaged on disk")
    return digest, payload


def sealed_digest(path: str | Path) -> str:
    """The checked SHA-256 of a checkpoint file's sealed state: equal digests, equal weights and state."""
    return _sealed(Path(path))[0]


def _read(path: Path) -> dict:
    _, payload = _sealed(path)
    state = _torch_load(io.BytesIO(payload), path, "sealed state")
    if not isinstance(state, dict):
        raise UserError(f"checkpoint {path} holds a {type(state).__name__}, not a run's state; it is damaged")
    return state


def require(state: dict, keys: tuple[str, ...], path, what: str) -> None:
    """A UserError naming the file unless the checkpoint's state has every key this use needs."""
    missing = [k for k in keys if k not in state]
    if missing:
        raise UserError(f"checkpoint {path} is not {what}: it lacks {', '.join(missing[:4])}"
                        f"{'...' if len(missing) > 4 else ''}")


def checkpoint_path(run_or_file: str | Path) -> Path:
    p = Path(run_or_file)
    return p / CHECKPOINT_NAME if p.is_dir() else p


def load_checkpoint(run_or_file: str | Path) -> dict:
    """The checkpoint dict from a run directory (its newest checkpoint) or a checkpoint file.

    A damaged newest checkpoint is refused, naming the previous one when that is intact.
    """
    p = Path(run_or_file)
    path = checkpoint_path(p)
    previous = path.with_name(PREVIOUS_NAME)
    if not path.is_file():
        if p.is_dir() and previous.is_file():
            return _read(previous)  # interrupted between the two renames of a save
        where = f"run directory {p}" if p.is_dir() else str(p)
        raise UserError(f"{where} has no checkpoint ({CHECKPOINT_NAME}); "
                        f"train a run there first or pass the right --run")
    try:
        return _read(path)
    except UserError as e:
        if path.name == CHECKPOINT_NAME and previous.is_file():
            try:
                step = _read(previous).get("global_step", "?")
            except UserError:
                raise e from None
            raise UserError(f"{e}; the previous checkpoint {previous} (step {step}) is intact: "
                            f"use it with --resume {previous} (or --run {previous})") from None
        raise

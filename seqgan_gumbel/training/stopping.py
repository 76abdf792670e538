"""Stopping a run on a signal: the loop finishes its step, writes a checkpoint and says how to resume."""
from __future__ import annotations

import contextlib
import signal
from pathlib import Path

import torch

from seqgan_gumbel.training import distributed


class NonFiniteLoss(RuntimeError):
    """A loss became NaN or infinite; the run stops rather than train on garbage."""


class Interrupted(RuntimeError):
    """SIGINT or SIGTERM arrived; a checkpoint was written and the run can be resumed."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.signum = signum


class StopSignals:
    """Within the block, SIGINT and SIGTERM only set `received`: the loop stops at the end of its
    step. Under torchrun a signal seen by any process stops them all at the same step."""

    def __init__(self, dist: distributed.Dist, device: torch.device):
        self.dist, self.device, self.received = dist, device, None

    def __enter__(self) -> StopSignals:
        self.handlers = {s: signal.signal(s, self._on) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc) -> None:
        for s, h in self.handlers.items():
            signal.signal(s, h)

    def _on(self, signum, frame) -> None:
        self.received = signum

    def agree(self) -> None:
        if self.dist.active:
            self.received = distributed.any_flag(self.dist, self.received or 0, self.device) or None


def _last_good(out: Path) -> str:
    from seqgan_gumbel.storage.checkpoint import CHECKPOINT_NAME, load_checkpoint

    ckpt = out / CHECKPOINT_NAME
    if not ckpt.is_file():
        return "no checkpoint had been written yet"
    return f"the last good checkpoint, {ckpt} (step {load_checkpoint(ckpt)['global_step']}), is left as it was"


def check_loss(loss: torch.Tensor, what: str, where: str, out: Path) -> None:
    if not torch.isfinite(loss):
        raise NonFiniteLoss(f"{what} loss is {loss.item()} at {where}; the run stopped and {_last_good(out)} "
                            f"(lower the learning rates or set train.grad_clip)")


def check_weights(modules: dict, where: str, out: Path) -> None:
    """NonFiniteLoss unless every weight is finite: a checkpoint never holds infinities."""
    for name, module in modules.items():
        for key, w in module.state_dict().items():
            if w.is_floating_point() and not bool(torch.isfinite(w).all()):
                raise NonFiniteLoss(f"the {name}'s weights ({key}) became non-finite by {where}, though the loss "
                                    f"was finite; the run stopped before saving them and {_last_good(out)} "
                                    f"(lower the learning rates or set train.grad_clip)")


@contextlib.contextmanager
def stop_at_once(out: Path):
    """Around the final sampling: training is over and checkpointed, so a signal stops at once,
    saying how to write what is missing."""
    def on(signum, frame):
        raise Interrupted(f"{signal.Signals(signum).name} during the final sampling: training is complete and "
                          f"checkpointed, but samples.txt and summary.json may be missing; write them with: "
                          f"seqgan-gumbel train --resume {out}", signum)

    handlers = {s: signal.signal(s, on) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)

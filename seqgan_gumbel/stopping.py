"""Stopping a run on a signal: the loop finishes its step, writes a checkpoint and says how to resume."""
from __future__ import annotations

import signal

import torch

from . import distributed


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

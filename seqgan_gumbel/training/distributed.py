"""Data-parallel training under torchrun: which process this is, its share of each batch, and
the averaging of gradients across processes.

torchrun starts one process per GPU (or CPU worker) with RANK, WORLD_SIZE, LOCAL_RANK and
LOCAL_WORLD_SIZE set; each process trains a full copy of both models on its rows of every
global batch, and after each backward pass the gradients are averaged with one all-reduce per
model, so every copy takes the same optimizer step. Gradients are averaged explicitly rather
than through DistributedDataParallel's forward hooks: the generator's graph is built by
`generate`, not `forward`, and the critic is frozen during generator steps.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from seqgan_gumbel.errors import UserError

if TYPE_CHECKING:
    from seqgan_gumbel.config.schema import Config

_SETTLE_S = 0.05   # see stop(): long beside the microseconds a worker needs to free its work


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    local_world: int = 1

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        """The process that writes logs, checkpoints and samples."""
        return self.rank == 0

    def shard(self, global_batch: int) -> tuple[int, int, int] | None:
        """(first, stop, total): this process's rows of a global batch; None when alone."""
        if not self.active:
            return None
        per = global_batch // self.world
        return self.rank * per, (self.rank + 1) * per, global_batch


def set_threads(cfg: Config, dist: Dist | None = None) -> None:
    """train.threads, or under torchrun on CPUs the cores shared out among the local processes
    (more threads than cores makes OpenMP's waiting threads spin against each other). A Trainer
    applies it as it is built, before the data and models (threads can change float results), so
    every way a run starts or goes on honours it; call it for work done without a Trainer."""
    dist = dist or Dist()
    if cfg.train.threads > 0:
        torch.set_num_threads(cfg.train.threads)
    elif dist.active and not torch.cuda.is_available():
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // dist.local_world))


def from_env() -> Dist:
    """The process's place in a torchrun launch (a single process when not launched by it)."""
    env = os.environ
    if int(env.get("WORLD_SIZE", "1")) <= 1:
        return Dist()
    return Dist(int(env["RANK"]), int(env["WORLD_SIZE"]), int(env.get("LOCAL_RANK", "0")),
                int(env.get("LOCAL_WORLD_SIZE", env["WORLD_SIZE"])))


def start(d: Dist, device: torch.device, batch_size: int) -> None:
    """Join the process group (NCCL on GPUs, gloo on CPUs)."""
    if not d.active:
        return
    if batch_size % d.world:
        raise UserError(f"train.batch_size {batch_size} is the global batch and must divide evenly "
                        f"among {d.world} processes; use a multiple of {d.world}")
    import torch.distributed as dist

    if not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")


def stop(d: Dist, together: bool = True) -> None:
    """Leave the process group. After a normal end all processes leave together: one that tears
    gloo down while another still works can abort. After an error (together=False) there is no
    waiting for the others.

    Then a pause that lets go of the GIL. A gloo worker thread frees its last finished work (the
    barrier, which keeps the earlier all-reduces and their tensors) only after the caller has
    been woken, and freeing a tensor made in Python takes the GIL. Were the interpreter already
    shutting down, that thread would be made to exit there and the process would abort with
    "terminate called without an active exception" (seen in CI on 1 run in 20-40; a core dump
    showed ~AsyncBarrierWork in ProcessGroupGloo::runLoop waiting in take_gil)."""
    import torch.distributed as dist

    if d.active and dist.is_initialized():
        try:
            if together:
                dist.barrier()
        finally:
            dist.destroy_process_group()
            time.sleep(_SETTLE_S)


def average_gradients(d: Dist, params) -> None:
    """Replace every gradient by its mean over the processes (one all-reduce for all of them)."""
    if not d.active:
        return
    import torch.distributed as dist
    from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors

    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = _flatten_dense_tensors(grads)
    dist.all_reduce(flat)
    flat /= d.world
    for g, mean in zip(grads, _unflatten_dense_tensors(flat, grads)):
        g.copy_(mean)


def mean_of(d: Dist, values: list[float], device: torch.device) -> list[float]:
    """Scalars averaged over the processes (for logging what the whole global batch gave)."""
    if not d.active:
        return values
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return (t / d.world).tolist()


def any_flag(d: Dist, flag: int, device: torch.device) -> int:
    """The largest of the processes' flags (a stop signal seen by any process stops all)."""
    if not d.active:
        return flag
    import torch.distributed as dist

    t = torch.tensor([flag], dtype=torch.int64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return int(t.item())


def barrier(d: Dist) -> None:
    if d.active:
        import torch.distributed as dist

        dist.barrier()


def weight_spread(d: Dist, modules, device: torch.device) -> float:
    """Largest absolute difference between any process's weights and the first process's
    (0.0 when the copies agree, as they must after every step)."""
    if not d.active:
        return 0.0
    import torch.distributed as dist

    worst = torch.zeros((), dtype=torch.float64, device=device)
    for m in modules:
        for p in m.state_dict().values():
            ref = p.detach().clone()
            dist.broadcast(ref, src=0)
            worst = torch.maximum(worst, (p.detach() - ref).abs().max().double())
    dist.all_reduce(worst, op=dist.ReduceOp.MAX)
    return float(worst.item())

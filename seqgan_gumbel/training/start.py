"""Starting a run and resuming a stopped one: everything a user can get wrong is checked first."""
from __future__ import annotations

from pathlib import Path

from seqgan_gumbel.training import distributed
from seqgan_gumbel.storage.checkpoint import RESUME_KEYS, load_checkpoint, require
from seqgan_gumbel.config.schema import Config, from_dict, stderr_notice
from seqgan_gumbel.setup.config import apply_overrides
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.storage.paths import output_dir
from seqgan_gumbel.storage.jsonl import truncate_metrics
from seqgan_gumbel.training.rundir import (RunLock, check_run_dir, prepare_run_dir, remove_stale_temporaries,
                                           restore_previous_run)
from seqgan_gumbel.training.trainer import Trainer


def train(cfg: Config, out: str | Path, *, overwrite: bool = False, progress: bool = True,
          dist: distributed.Dist | None = None) -> dict:
    """Train one run into the directory `out`; returns its summary.
    dist: this process's place in a torchrun launch (None: a single process)."""
    out, dist = Path(out), dist or distributed.Dist()
    output_dir(out, "--out")
    trainer = Trainer(cfg, out, progress=progress, dist=dist)  # loads data, builds models: may raise UserError
    check_run_dir(out, overwrite)
    return start_run(trainer, out, overwrite=overwrite, dist=dist)


def start_run(trainer: Trainer, out: Path, *, overwrite: bool = False, dist: distributed.Dist | None = None) -> dict:
    """Train a new trainer from its first step into out under the run lock (a second process on
    the same folder is refused); what an overwritten run held comes back if this one fails before
    its first checkpoint. The one way a run starts: `train`, `sg.train` and the benchmark scripts."""
    out, dist = Path(out), dist or distributed.Dist()
    if not dist.main:
        distributed.barrier(dist)
        return trainer.run()
    made = [p for p in (out, *out.parents) if not p.exists()]
    out.mkdir(parents=True, exist_ok=True)
    try:
        with RunLock(out, stderr_notice):
            prepare_run_dir(out, overwrite)
            distributed.barrier(dist)
            try:
                return trainer.run()
            except BaseException:
                restore_previous_run(out)        # a no-op once the new run has its first checkpoint
                raise
    finally:
        for p in made:                           # folders made for a run that wrote nothing
            if p.is_dir() and not any(p.iterdir()):
                p.rmdir()


def run_folder(run_or_checkpoint: str | Path) -> Path:
    """The run folder of a run folder or of one of its checkpoint files."""
    p = Path(run_or_checkpoint)
    return p if p.is_dir() else p.parent


def resume(run_or_checkpoint: str | Path, overrides: list[str] | None = None, *, progress: bool = True,
           dist: distributed.Dist | None = None) -> dict:
    """Continue a stopped run from its newest checkpoint (or the given checkpoint file)."""
    p = Path(run_or_checkpoint)
    out = run_folder(p)
    state = load_checkpoint(p)
    if "generator" in state and "opt_g" not in state:
        raise UserError(f"{p} is a generator-only checkpoint (pretrained.pt), not a run to resume")
    require(state, RESUME_KEYS, p, "a run to resume")
    cfg = from_dict(state["config"], "checkpoint config")
    apply_overrides(cfg, overrides or [])
    dist = dist or distributed.Dist()
    trainer = resumed_trainer(out, state, cfg, progress=progress, dist=dist)
    if trainer.global_step >= trainer.total and (out / "summary.json").is_file():
        raise UserError(f"run {out} is already complete ({trainer.global_step} steps); "
                        f"raise train.adv_steps with --set to train further")
    return continue_run(trainer, out, dist)


def resumed_trainer(out: Path, state: dict, cfg: Config, *, progress: bool = True,
                    dist: distributed.Dist | None = None) -> Trainer:
    """The trainer of a stopped run in out, restored from its checkpoint state with cfg (the
    checkpoint's config, or one computing the same run on another device)."""
    trainer = Trainer(cfg, out, progress=progress, dist=dist or distributed.Dist())
    trainer.restore(state)
    return trainer


def continue_run(trainer: Trainer, out: Path, dist: distributed.Dist | None = None) -> dict:
    """Train a restored trainer to its end under the run lock: stale temporaries removed, the log cut
    back to the checkpoint (its later rows are logged again). The one way a run goes on: `train
    --resume`, `sg.resume` and the benchmark scripts all come here."""
    dist = dist or distributed.Dist()
    if not dist.main:
        distributed.barrier(dist)
        return trainer.run(resumed=True)
    with RunLock(out, stderr_notice):
        remove_stale_temporaries(out, stderr_notice)
        truncate_metrics(out / "metrics.jsonl", trainer.global_step, stderr_notice)
        distributed.barrier(dist)
        return trainer.run(resumed=True)

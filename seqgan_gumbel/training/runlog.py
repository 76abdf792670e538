"""What a run reports while it trains: metrics.jsonl, the progress bar and Weights & Biases.

Only the first process of a torchrun launch reports; the others get a SilentLog, so the
training loop never asks which process it is.
"""
from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from seqgan_gumbel.errors import UserError


class RunLog:
    """Appends one JSON line per logged step, shows a progress bar and mirrors rows to wandb."""

    live = True

    def __init__(self, out: Path, cfg, total: int, done: int, progress: bool, resumed: bool):
        self.path, self.cfg, self.total, self.done = out / "metrics.jsonl", cfg, total, done
        self.progress, self.resumed = progress, resumed
        self.file = self.bar = self.wandb = None

    def __enter__(self) -> RunLog:
        self.file = open(self.path, "a", encoding="utf-8")
        self.bar = tqdm(total=self.total, initial=self.done, disable=not self.progress,
                        dynamic_ncols=True, unit="step", mininterval=0.5)
        self.wandb = _start_wandb(self.cfg, self.path.parent, self.resumed)
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()
        self.file.close()

    def row(self, row: dict) -> None:
        self.file.write(json.dumps(row) + "\n")
        self.file.flush()
        if self.wandb is not None:
            self.wandb.log({k: v for k, v in row.items() if isinstance(v, (int, float))}, step=row["global_step"])
        self.bar.set_postfix({k: (f"{v:.3g}" if isinstance(v, float) else v)
                              for k, v in row.items() if k not in ("elapsed_s", "phase", "global_step")},
                             refresh=False)

    def advance(self, phase: str, steps: int = 1) -> None:
        self.bar.set_description(phase, refresh=False)
        self.bar.update(steps)

    def finish(self, summary: dict | None) -> None:
        """End the wandb run: with the summary's figures, or (None) as failed."""
        if self.wandb is None:
            return
        if summary is None:
            self.wandb.finish(exit_code=1)
            return
        self.wandb.summary.update({k: v for k, v in summary.items() if isinstance(v, (int, float))})
        self.wandb.finish()


class SilentLog:
    """The log of a torchrun process other than the first: it reports nothing."""

    live = False

    def __enter__(self) -> SilentLog:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def row(self, row: dict) -> None:
        pass

    def advance(self, phase: str, steps: int = 1) -> None:
        pass

    def finish(self, summary: dict | None) -> None:
        pass


def _start_wandb(cfg, out: Path, resumed: bool):
    if not cfg.log.wandb:
        return None
    try:
        import wandb
    except ImportError:
        raise UserError("log.wandb is set but wandb is not installed: pip install 'seqgan_gumbel[wandb]'") from None
    return wandb.init(project=cfg.log.wandb_project, config=cfg.to_dict(), dir=str(out),
                      name=out.name, resume="allow" if resumed else None)


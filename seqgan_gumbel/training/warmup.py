"""Early stopping of the maximum-likelihood warm-up on the validation split's NLL, keeping the best generator."""
from __future__ import annotations


class EarlyStopping:
    """Tracks the best validation NLL of the warm-up (never the test split's: that would choose
    the model on the data that scores it); `due` after `patience` evaluations without
    a better one (patience 0: never). Its state is a plain dict, saved in checkpoints."""

    def __init__(self, patience: int):
        self.patience = patience
        self.best: dict | None = None      # {"nll", "step", "evals_since", "generator"}
        self.stopped_at: int | None = None

    def observe(self, scores: dict, step: int, gen) -> None:
        if self.patience == 0 or "nll_validation" not in scores:
            return
        nll = scores["nll_validation"]
        if self.best is None or nll < self.best["nll"]:
            self.best = {"nll": nll, "step": step, "evals_since": 0,
                         "generator": {k: v.detach().clone() for k, v in gen.state_dict().items()}}
        else:
            self.best["evals_since"] += 1

    def due(self) -> bool:
        b = self.best
        return b is not None and self.patience > 0 and b["evals_since"] >= self.patience

    def restore_best(self, gen) -> None:
        """Put the best warm-up generator back (at the end of the warm-up, stopped early or not)."""
        if self.best is not None and self.patience > 0:
            gen.load_state_dict(self.best["generator"])

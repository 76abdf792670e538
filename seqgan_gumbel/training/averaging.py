"""An exponential moving average of the generator's weights over the adversarial phase."""
from __future__ import annotations

import copy

import torch
from torch import nn


class WeightAverage:
    """w_avg <- decay * w_avg + (1 - decay) * w after every adversarial iteration's generator
    steps, starting from the weights of the first one (Yazici et al. 2019, "The unusual
    effectiveness of averaging in GAN training"). Training keeps using w; sampling, evaluation
    and the saved generator use w_avg. decay 0 = off: the weights themselves throughout."""

    def __init__(self, gen: nn.Module, decay: float):
        self.decay, self.steps = decay, 0
        self.model = copy.deepcopy(gen).requires_grad_(False) if decay > 0 else None

    def update(self, gen: nn.Module) -> None:
        if self.model is None:
            return
        with torch.no_grad():
            if self.steps == 0:
                self.model.load_state_dict(gen.state_dict())
            else:
                for avg, w in zip(self.model.parameters(), gen.parameters()):
                    avg.lerp_(w, 1.0 - self.decay)
        self.steps += 1

    def sampler(self, gen: nn.Module) -> nn.Module:
        """The generator to sample and evaluate: the average once it has started, else gen."""
        return self.model if self.model is not None and self.steps > 0 else gen

    def state_dict(self) -> dict | None:
        return None if self.model is None else {"steps": self.steps, "weights": self.model.state_dict()}

    def load_state_dict(self, state: dict | None) -> None:
        if self.model is not None and state is not None:
            self.steps = int(state["steps"])
            self.model.load_state_dict(state["weights"])

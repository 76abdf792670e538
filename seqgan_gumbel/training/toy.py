"""The seed's toy: a Gumbel-softmax generator learns a categorical distribution adversarially.

The generator is only a vector of logits; each sample is a relaxed one-hot drawn with the
Gumbel-softmax. The discriminator is logistic regression on the (relaxed) one-hot and both
play the standard non-saturating GAN game, with several generator steps per discriminator
step, as in the blog post "Neural Networks gone wild! They can sample from discrete
distributions now!".
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from seqgan_gumbel.models.gumbel import gumbel_softmax


@dataclass
class ToyConfig:
    target: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.1, 0.3, 0.6])
    tau: float = 0.5
    hard: bool = False           # straight-through samples for the discriminator
    batch_size: int = 512
    epochs: int = 40
    steps_per_epoch: int = 50    # discriminator steps per epoch
    g_steps: int = 1             # generator steps per discriminator step (the blog used 10; it oscillates)
    g_lr: float = 0.01
    d_lr: float = 0.05
    seed: int = 0


def total_variation(p: torch.Tensor, q: torch.Tensor) -> float:
    return 0.5 * (p - q).abs().sum().item()


def train_toy(cfg: ToyConfig, on_epoch=None) -> torch.Tensor:
    """Learned probabilities after each epoch, [epochs, K]. on_epoch(epoch, probs) is called."""
    gen_rng = torch.Generator().manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    target = torch.tensor(cfg.target, dtype=torch.float32)
    k = target.numel()
    logits = torch.zeros(k, requires_grad=True)
    disc = torch.nn.Linear(k, 1)
    opt_g = torch.optim.Adam([logits], lr=cfg.g_lr)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.d_lr)
    history = []

    def fake_batch() -> torch.Tensor:
        sample, _ = gumbel_softmax(logits.expand(cfg.batch_size, k), cfg.tau, hard=cfg.hard)
        return sample

    for epoch in range(cfg.epochs):
        for _ in range(cfg.steps_per_epoch):
            real = F.one_hot(torch.multinomial(target, cfg.batch_size, replacement=True,
                                               generator=gen_rng), k).float()
            d_real, d_fake = disc(real), disc(fake_batch().detach())
            d_loss = (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                      + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            for _ in range(cfg.g_steps):
                d_fake = disc(fake_batch())
                g_loss = F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
                opt_g.zero_grad()
                g_loss.backward()
                opt_g.step()
        probs = torch.softmax(logits.detach(), dim=0)
        history.append(probs)
        if on_epoch is not None:
            on_epoch(epoch, probs)
    return torch.stack(history)

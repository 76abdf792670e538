"""GAN losses on discriminator outputs (real scores, fake scores), each a (d_loss, g_loss) pair."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from seqgan_gumbel.config.schema import LOSSES  # noqa: F401  (the names this module implements)


def discriminator_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Loss the discriminator minimises (without the gradient penalty)."""
    if kind == "standard":
        return (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
                + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
    if kind == "rsgan":
        diff = real - fake
        return F.binary_cross_entropy_with_logits(diff, torch.ones_like(diff))
    if kind == "wgan-gp":
        return fake.mean() - real.mean()
    if kind == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    raise ValueError(f"unknown loss {kind!r}")


def generator_loss(kind: str, real: torch.Tensor | None, fake: torch.Tensor) -> torch.Tensor:
    """Loss the generator minimises; the standard loss is the non-saturating -log D(G(z))."""
    if kind == "standard":
        return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
    if kind == "rsgan":
        diff = fake - real
        return F.binary_cross_entropy_with_logits(diff, torch.ones_like(diff))
    if kind in ("wgan-gp", "hinge"):
        return -fake.mean()
    raise ValueError(f"unknown loss {kind!r}")


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: mean (||grad critic(x_hat)|| - 1)^2 on random interpolations of real and fake.

    real are one-hots and fake relaxed one-hots, both [B, T, V]; fake is detached here.
    """
    alpha = torch.rand(real.shape[0], 1, 1, device=real.device, dtype=real.dtype)
    x_hat = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(True)
    score = critic(x_hat)
    (grad,) = torch.autograd.grad(score.sum(), x_hat, create_graph=True)
    norm = grad.flatten(1).norm(dim=1)
    return ((norm - 1) ** 2).mean()

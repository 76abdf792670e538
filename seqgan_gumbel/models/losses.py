"""GAN losses on discriminator outputs (real scores, fake scores), each a (d_loss, g_loss) pair."""
from __future__ import annotations

from types import MappingProxyType

import torch
import torch.nn.functional as F


# Each loss: (what the critic minimises without the gradient penalty, what the generator
# minimises), on the critic's scores of real and fake batches. The names are train.loss's values;
# validation asks this table, so a loss added here is a loss the config accepts.
def _standard_d(real, fake):
    return (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))


def _standard_g(real, fake):      # the non-saturating -log D(G(z))
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


def _rsgan_d(real, fake):
    diff = real - fake
    return F.binary_cross_entropy_with_logits(diff, torch.ones_like(diff))


def _rsgan_g(real, fake):
    diff = fake - real
    return F.binary_cross_entropy_with_logits(diff, torch.ones_like(diff))


def _wasserstein_d(real, fake):
    return fake.mean() - real.mean()


def _hinge_d(real, fake):
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def _minus_fake(real, fake):
    return -fake.mean()


LOSSES = MappingProxyType({"standard": (_standard_d, _standard_g), "rsgan": (_rsgan_d, _rsgan_g),
                           "wgan-gp": (_wasserstein_d, _minus_fake), "hinge": (_hinge_d, _minus_fake)})


def discriminator_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Loss the discriminator minimises (without the gradient penalty)."""
    return LOSSES[kind][0](real, fake)


def generator_loss(kind: str, real: torch.Tensor | None, fake: torch.Tensor) -> torch.Tensor:
    """Loss the generator minimises; the standard loss is the non-saturating -log D(G(z))."""
    return LOSSES[kind][1](real, fake)


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

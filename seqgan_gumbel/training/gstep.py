"""The generator's loss in an adversarial step, by estimator (train.estimator), and an estimate of
its gradient's variance. Functions of the Trainer whose parts they read; the Trainer calls them."""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from seqgan_gumbel.models import critics
from seqgan_gumbel.models.losses import generator_loss
from seqgan_gumbel.training import distributed

if TYPE_CHECKING:
    from seqgan_gumbel.training.trainer import Trainer


def loss(t: Trainer, tau: float, update: bool = True) -> torch.Tensor:
    """One batch's generator loss: through the relaxation at tau (gumbel), or the score-function
    surrogate (reinforce), whose baseline moves only when update; the relaxation's loss takes the
    critic's score of every real prefix with discriminator.prefix_loss, as the critic's does.
    Minus train.entropy_weight times the entropy bonus, plus train.feature_matching times the
    feature distance, and plus the teacher-forced NLL term when train.mle_weight > 0. The critic
    is frozen by the caller."""
    tr = t.cfg.train
    if tr.estimator == "reinforce":
        real_tokens = t._next_real()
        real_mean = 0.0
        if tr.loss == "rsgan":
            with torch.no_grad(), t._autocast():
                (real_mean,) = distributed.mean_of(t.dist, [float(t.disc(real_tokens).float().mean())], t.device)
        g_loss, sums = t.reinforce.loss(real_mean)
        if update:
            t.reinforce.update(*distributed.mean_of(t.dist, sums.tolist(), t.device))
    else:
        fake, entropy = _relaxed_fake(t, tau)
        real_tokens = t._next_real()
        with t._autocast():
            d_real = t.disc(real_tokens).float() if tr.loss == "rsgan" else None
            d_fake = critics.loss_scores(t.disc, fake, t.cfg.discriminator.prefix_loss).float()
        g_loss = generator_loss(tr.loss, d_real, d_fake)
        if entropy is not None:
            g_loss = g_loss - tr.entropy_weight * entropy
        if tr.feature_matching > 0:
            g_loss = g_loss + tr.feature_matching * feature_distance(t.disc, real_tokens, fake, t._autocast)
    if tr.mle_weight > 0:
        g_loss = g_loss + tr.mle_weight * t._mle_loss(real_tokens)
    return g_loss


def feature_distance(critic, real: torch.Tensor, fake: torch.Tensor, autocast) -> torch.Tensor:
    """Feature matching (Salimans et al. 2016): the squared Euclidean distance between the critic's
    mean features of the real batch and of the fake one, differentiable in the fake batch only.
    Under torchrun each process matches its own rows' means, as the minibatch feature does."""
    with autocast():
        with torch.no_grad():
            real_mean = critic.features(real).float().mean(0)
        fake_mean = critic.features(fake).float().mean(0)
    return (fake_mean - real_mean).pow(2).sum()


def _relaxed_fake(t: Trainer, tau: float) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The relaxed fake batch the critic reads and, when train.entropy_weight > 0, the entropy bonus
    REINFORCE gets too: each step's entropy along the drawn sequences, summed over a sequence's
    steps and averaged over the batch (the drawn tokens held fixed, as in a policy's bonus)."""
    if t.cfg.train.entropy_weight == 0:
        return t.fakes(tau, need_grad=True), None
    out, z = t.fakes.relaxed(tau)
    with t._autocast():
        _, entropy = t.gen.step_log_probs(out.tokens, z, entropy=True)
    return out.vectors, entropy.sum(1).mean()


def gradient_variance(t: Trainer, tau: float, batches: int) -> dict:
    """The generator gradient's spread over independent batches at the current weights: g_grad_var,
    the summed variance of one batch's gradient (sum over parameters of the sample variance over
    the batches), and g_grad_norm2, the squared norm of their mean. Drawn from forked random
    streams with the data's position put back, so that measuring never changes what training
    draws. Under torchrun each process measures its own rows (the first process's is logged)."""
    params = [p for p in t.gen.parameters() if p.requires_grad]
    state = t.stream.state_dict()
    grads = []
    with torch.random.fork_rng(devices=[t.device] if t.device.type == "cuda" else []):
        for _ in range(batches):
            g = torch.autograd.grad(loss(t, tau, update=False), params, allow_unused=True)
            grads.append(torch.cat([(x if x is not None else torch.zeros_like(p)).flatten().double()
                                    for x, p in zip(g, params)]))
    t.stream.load_state_dict(state)
    g = torch.stack(grads)
    mean = g.mean(0)
    return {"g_grad_var": float(((g - mean) ** 2).sum() / (batches - 1)), "g_grad_norm2": float(mean.pow(2).sum())}

"""The critics by name (discriminator.kind): each builds its network from the discriminator config.
Validation asks this table, so a critic added here is a critic the config accepts."""
from __future__ import annotations

from types import MappingProxyType

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from seqgan_gumbel.models.discriminator import CNNDiscriminator, LSTMDiscriminator


def spectrally_normalized(critic: nn.Module) -> nn.Module:
    """Every linear and convolution layer of critic (the embedding, convolutions, highway and
    head) divided by its largest singular value, estimated by one power iteration per forward
    pass in training mode (Miyato et al. 2018, torch's parametrization; a convolution's weight
    is taken as [out, in * width]). The estimates are buffers: checkpoints keep them."""
    for module in list(critic.modules()):
        if isinstance(module, (nn.Linear, nn.Conv1d)):
            spectral_norm(module)
    return critic


def _lstm(d, vocab_size: int, pad: int) -> LSTMDiscriminator:
    return LSTMDiscriminator(vocab_size, d.emb_dim, d.hidden_dim, d.dropout, d.minibatch_std, pad,
                             d.per_step, d.layer_norm)


def _cnn(d, vocab_size: int, pad: int) -> nn.Module:
    critic = CNNDiscriminator(vocab_size, d.emb_dim, tuple(d.filter_widths), d.num_filters, d.dropout,
                              d.minibatch_std, d.num_rep, pad, d.highway, d.head_hidden)
    return spectrally_normalized(critic) if d.spectral_norm else critic


def loss_scores(critic: nn.Module, x: torch.Tensor, each_prefix: bool) -> torch.Tensor:
    """What train.loss is applied to: one score a sequence, or (each_prefix, a per_step critic:
    discriminator.prefix_loss) the score of every real prefix of every row, flattened, so the
    loss is averaged over prefixes as ScratchGAN's per-step cross-entropy is."""
    if not each_prefix:
        return critic(x)
    scores, real = critic.prefix_scores(x)
    return scores[real.bool()]


def l2_penalty(critic: nn.Module) -> torch.Tensor:
    """sum(w^2) / 2 over every parameter of critic (TensorFlow's l2_loss, as ScratchGAN sums it)."""
    return sum(p.float().pow(2).sum() for p in critic.parameters()) / 2


CRITICS = MappingProxyType({"cnn": _cnn, "lstm": _lstm})

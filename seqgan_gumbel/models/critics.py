"""The critics by name (discriminator.kind): each builds its network from the discriminator config.
Validation asks this table, so a critic added here is a critic the config accepts."""
from __future__ import annotations

from types import MappingProxyType

from seqgan_gumbel.models.discriminator import CNNDiscriminator, LSTMDiscriminator


def _lstm(d, vocab_size: int, pad: int) -> LSTMDiscriminator:
    return LSTMDiscriminator(vocab_size, d.emb_dim, d.hidden_dim, d.dropout, d.minibatch_std, pad, d.per_step)


def _cnn(d, vocab_size: int, pad: int) -> CNNDiscriminator:
    return CNNDiscriminator(vocab_size, d.emb_dim, tuple(d.filter_widths), d.num_filters, d.dropout,
                            d.minibatch_std, d.num_rep, pad, d.highway, d.head_hidden)


CRITICS = MappingProxyType({"cnn": _cnn, "lstm": _lstm})

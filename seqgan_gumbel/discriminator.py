"""Discriminators over (relaxed) one-hot sequences [B, T, V].

Both embed their input with a bias-free linear map V -> E, so a one-hot and a relaxed
one-hot are embedded by the same weights, and padding (all-zero rows) embeds to zero. Real
batches may be given as token ids [B, T] instead: embedded by lookup, the same numbers as
their one-hots through the linear map, without a dense [B, T, V] matrix product.
"""
from __future__ import annotations

import torch
from torch import nn


def embed_input(embed: nn.Linear, x: torch.Tensor, pad: int) -> torch.Tensor:
    """[B, T, E]: x is [B, T, V] (relaxed) one-hots, or [B, T] token ids with pad -> zero."""
    if x.dtype == torch.long:
        return nn.functional.embedding(x, embed.weight.t()) * (x != pad).unsqueeze(-1)
    return embed(x)


def minibatch_std(features: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """[B, 1]: mean over features of the batch standard deviation, sqrt(var + eps).

    eps keeps the value and its gradient finite when every sample in the batch coincides,
    which is exactly the collapse this feature lets the discriminator see.
    """
    std = torch.sqrt(features.var(dim=0, unbiased=False) + eps)
    return std.mean().expand(features.shape[0], 1)


class _Head(nn.Module):
    def __init__(self, in_dim: int, use_minibatch_std: bool):
        super().__init__()
        self.use_minibatch_std = use_minibatch_std
        self.linear = nn.Linear(in_dim + int(use_minibatch_std), 1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        if self.use_minibatch_std:
            features = torch.cat([features, minibatch_std(features)], dim=1)
        return self.linear(features).squeeze(-1)


class LSTMDiscriminator(nn.Module):
    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int, dropout: float = 0.0,
                 use_minibatch_std: bool = False, pad: int = 0):
        super().__init__()
        self.pad = pad
        self.embed = nn.Linear(vocab_size, emb_dim, bias=False)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = _Head(hidden_dim, use_minibatch_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(embed_input(self.embed, x, self.pad))    # h: [1, B, H]
        return self.head(self.dropout(h[0]))


CHUNK_ROWS = 1024   # sequences per chunk of the graph-free convolution pass


def conv_relu_max(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """max over time of relu(conv(x)), [N, C, T] -> [N, F], with a lean backward pass.

    Max-pooling passes gradient only through each filter's best window, so the full
    convolution runs without a graph just to find that window, and only the winning windows
    are recomputed with autograd (relu commutes with max). Forward values and gradients are
    those of relu(conv(x)).amax(2) (up to summation order), without keeping the [N, F, T]
    activations for the backward pass — most of the memory and time of RelGAN's discriminator.
    Used when a window (C * w values) is smaller than an activation row (T - w + 1 values).
    """
    n, c, t = x.shape
    w = conv.kernel_size[0]
    if torch.is_grad_enabled() and c * w >= t - w + 1:
        # Wide channels, short sequences (the default critic): the winning windows would be
        # larger than the activations they replace, so the plain form is cheaper.
        return torch.relu(conv(x)).amax(dim=2)
    with torch.no_grad():
        # In chunks, so the [N, F, T] activations never exist all at once.
        maxed = [conv(part).max(dim=2) for part in x.split(CHUNK_ROWS)]
    if not torch.is_grad_enabled():
        return torch.relu(torch.cat([m.values for m in maxed]))
    best = torch.cat([m.indices for m in maxed])                              # [N, F]
    windows = x.unfold(2, w, 1).transpose(1, 2)                               # [N, T', C, w]
    picked = windows.gather(1, best[:, :, None, None].expand(-1, -1, c, w))   # [N, F, C, w]
    return torch.relu((picked * conv.weight).sum(dim=(2, 3)) + conv.bias)


class CNNDiscriminator(nn.Module):
    """Convolutions of several widths, max-pooled over time, a highway layer, dropout.

    With num_rep > 1 this is RelGAN's discriminator with multiple embedded representations:
    the embedding (emb_dim) is split into num_rep representations of emb_dim / num_rep, the
    same convolutions (kernel width x emb_dim / num_rep, as RelGAN's Conv2d with that stride)
    run over each, and each representation gets its own score; the output is [B, num_rep] and
    the losses average over every score. Computed as one Conv1d over B * num_rep sequences
    rather than RelGAN's 1-channel Conv2d: the same arithmetic, far less memory traffic.
    """

    def __init__(self, vocab_size: int, emb_dim: int, filter_widths: tuple[int, ...],
                 num_filters: int, dropout: float = 0.25, use_minibatch_std: bool = False,
                 num_rep: int = 1, pad: int = 0):
        super().__init__()
        self.pad = pad
        if emb_dim % num_rep:
            raise ValueError("emb_dim must be a multiple of num_rep")
        self.num_rep, self.rep_dim = num_rep, emb_dim // num_rep
        self.embed = nn.Linear(vocab_size, emb_dim, bias=False)
        self.convs = nn.ModuleList(nn.Conv1d(self.rep_dim, num_filters, w) for w in filter_widths)
        self.min_len = max(filter_widths)
        feat = num_filters * len(filter_widths)
        self.highway = nn.Linear(feat, 2 * feat)
        self.dropout = nn.Dropout(dropout)
        self.head = _Head(feat, use_minibatch_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T = x.shape[:2]
        R, e = self.num_rep, self.rep_dim
        emb = embed_input(self.embed, x, self.pad).view(B, T, R, e).permute(0, 2, 3, 1).reshape(B * R, e, T)   # [B*R, e, T]
        if T < self.min_len:
            emb = nn.functional.pad(emb, (0, self.min_len - T))
        pooled = torch.cat([conv_relu_max(conv, emb) for conv in self.convs], dim=1)        # [B*R, F]
        h, gate = self.highway(pooled).chunk(2, dim=1)
        gate = torch.sigmoid(gate)
        feats = self.dropout(gate * torch.relu(h) + (1 - gate) * pooled)
        if R == 1:
            return self.head(feats)                                                  # [B]
        # Minibatch statistics per representation, over the batch, as for a single one.
        feats = feats.view(B, R, -1).transpose(0, 1).reshape(R * B, -1)
        if self.head.use_minibatch_std:
            std = torch.sqrt(feats.view(R, B, -1).var(dim=1, unbiased=False) + 1e-8).mean()
            feats = torch.cat([feats, std.expand(R * B, 1)], dim=1)
        return self.head.linear(feats).view(R, B).t()                                # [B, R]

"""Discriminators over (relaxed) one-hot sequences [B, T, V].

Both embed their input with a bias-free linear map V -> E, so a one-hot and a relaxed
one-hot are embedded by the same weights, and padding (all-zero rows) embeds to zero.
"""
from __future__ import annotations

import torch
from torch import nn


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
                 use_minibatch_std: bool = False):
        super().__init__()
        self.embed = nn.Linear(vocab_size, emb_dim, bias=False)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = _Head(hidden_dim, use_minibatch_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(self.embed(x))                           # h: [1, B, H]
        return self.head(self.dropout(h[0]))


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
                 num_rep: int = 1):
        super().__init__()
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
        B, T, _ = x.shape
        R, e = self.num_rep, self.rep_dim
        emb = self.embed(x).view(B, T, R, e).permute(0, 2, 3, 1).reshape(B * R, e, T)   # [B*R, e, T]
        if T < self.min_len:
            emb = nn.functional.pad(emb, (0, self.min_len - T))
        pooled = torch.cat([torch.relu(conv(emb)).amax(dim=2) for conv in self.convs], dim=1)  # [B*R, F]
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

"""Discriminators over (relaxed) one-hot sequences [B, T, V].

Both embed their input with a bias-free linear map V -> E, so a one-hot and a relaxed
one-hot are embedded by the same weights, and padding (all-zero rows) embeds to zero. Real
batches may be given as token ids [B, T] instead: embedded by lookup, the same numbers as
their one-hots through the linear map, without a dense [B, T, V] matrix product.
"""
from __future__ import annotations

from functools import partial

import torch
from torch import nn

from seqgan_gumbel.config.schema import HIGHWAYS
from seqgan_gumbel.models.dropout import Dropout
from seqgan_gumbel.models.recurrent import LayerNormLSTM


def embed_input(embed: nn.Linear, x: torch.Tensor, pad: int) -> torch.Tensor:
    """[B, T, E]: x is [B, T, V] (relaxed) one-hots, or [B, T] token ids with pad -> zero."""
    if x.dtype == torch.long:
        return nn.functional.embedding(x, embed.weight.t()) * (x != pad).unsqueeze(-1)
    return embed(x)


class _HighwayGate(torch.autograd.Function):
    """sigmoid(g) * relu(h) + (1 - sigmoid(g)) * y, keeping only h, g and y for the backward
    pass (the gate and its products are recomputed), which is written in differentiable
    operations so a gradient penalty can differentiate it again."""

    @staticmethod
    def forward(ctx, h, g, y):
        ctx.save_for_backward(h, g, y)
        return torch.relu(h).sub_(y).mul_(torch.sigmoid(g)).add_(y)

    @staticmethod
    def backward(ctx, grad):
        h, g, y = ctx.saved_tensors
        s = torch.sigmoid(g)
        gs = grad * s
        return gs * (h > 0), gs * (1 - s) * (torch.relu(h) - y), grad * (1 - s)


def minibatch_std(features: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """[B, 1]: mean over features of the batch standard deviation, sqrt(var + eps).

    eps keeps the value and its gradient finite when every sample in the batch coincides,
    which is exactly the collapse this feature lets the discriminator see.
    """
    return mean_batch_std(features, eps).expand(features.shape[0], 1)


def mean_batch_std(features: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """The scalar minibatch_std feature of features [..., B, F]: sqrt(var over B + eps),
    averaged over everything else (over every representation too)."""
    return torch.sqrt(features.var(dim=-2, unbiased=False) + eps).mean()


class _Head(nn.Module):
    """Features -> one score: a linear layer, or with hidden > 0 two (RelGAN's feature2out of
    100 units, then out2logits, with no nonlinearity between them, as TextGAN-PyTorch has it)."""

    def __init__(self, in_dim: int, use_minibatch_std: bool, hidden: int = 0):
        super().__init__()
        self.use_minibatch_std = use_minibatch_std
        in_dim += int(use_minibatch_std)
        self.hidden = nn.Linear(in_dim, hidden) if hidden > 0 else None
        self.linear = nn.Linear(hidden if hidden > 0 else in_dim, 1)

    def score(self, features: torch.Tensor) -> torch.Tensor:
        """[N, F] (minibatch feature already appended) -> [N]."""
        if self.hidden is not None:
            features = self.hidden(features)
        return self.linear(features).squeeze(-1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        if self.use_minibatch_std:
            features = torch.cat([features, minibatch_std(features)], dim=1)
        return self.score(features)


class LSTMDiscriminator(nn.Module):
    """An LSTM over the sequence: one score from its final state, or (per_step) the mean of a
    score of every prefix, up to and including the end token, so that each generated token is
    judged by the prefix it ends (dense per-step signals, as ScratchGAN's per-step rewards)."""

    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int, dropout: float = 0.0,
                 use_minibatch_std: bool = False, pad: int = 0, per_step: bool = False,
                 layer_norm: bool = False):
        super().__init__()
        self.pad, self.per_step = pad, per_step
        self.embed = nn.Linear(vocab_size, emb_dim, bias=False)
        self.lstm = (LayerNormLSTM if layer_norm else partial(nn.LSTM, batch_first=True))(emb_dim, hidden_dim)
        self.dropout = Dropout(dropout)
        self.head = _Head(hidden_dim, use_minibatch_std and not per_step)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.per_step:
            _, (h, _) = self.lstm(embed_input(self.embed, x, self.pad))   # h: [1, B, H]
            return self.head(self.dropout(h[0]))
        scores, real = self.prefix_scores(x)
        return (scores * real).sum(1) / real.sum(1).clamp(min=1)

    def prefix_scores(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(the score of every prefix [B, T], 1.0 at real positions [B, T]): position t scores
        the prefix that ends with token t (per_step critics; ScratchGAN's per-step rewards)."""
        out, _ = self.lstm(embed_input(self.embed, x, self.pad))         # [B, T, H]
        scores = self.head.score(self.dropout(out))                      # [B, T]
        # Real positions: non-pad ids, or non-zero vectors (generated vectors are zero after the end).
        real = (x != self.pad) if x.dtype == torch.long else (x.detach().abs().sum(-1) > 0)
        return scores, real.to(scores.dtype)


CHUNK_ELEMENTS = 1 << 20        # CPU: activations per chunk of the graph-free pass (a few MB, in cache)
GPU_CHUNK_ELEMENTS = 1 << 28    # GPU: one chunk in practice (launches cost more than the memory)


def _scan_windows(xp: torch.Tensor, weight: torch.Tensor, spans: tuple[tuple[int, int, int], ...],
                  t: int, need_index: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Every filter's largest response over positions (bias excluded) and, if asked, the last
    position holding it. xp [N, C, T + W - w_min] is the input padded at the end, weight
    [F, C, W] the filters zero-padded to the widest width W, spans (width, first, stop) the
    filter columns of each width. Returns values [N, F] and positions [N, F] (long) or None.
    Runs over row chunks small enough for the [n, P, F] responses to stay in cache."""
    f, c, w_max = weight.shape
    positions = xp.shape[2] - w_max + 1
    invalid = torch.zeros(positions, f, dtype=xp.dtype, device=xp.device)
    for w, first, stop in spans:        # a window that would run past the end: never the max
        invalid[t - w + 1:, first:stop] = float("-inf")
    wmat = weight.reshape(f, c * w_max).t()                                    # [C*W, F]
    where = torch.arange(positions, dtype=xp.dtype, device=xp.device).view(1, positions, 1)
    chunk = CHUNK_ELEMENTS if xp.device.type == "cpu" else GPU_CHUNK_ELEMENTS
    rows = max(1, chunk // (positions * f))
    best, index = [], []
    for part in xp.unfold(2, w_max, 1).split(rows):                            # [n, C, P, W]
        act = (part.permute(0, 2, 1, 3).reshape(-1, c * w_max) @ wmat).view(-1, positions, f)
        if act.dtype not in (torch.float32, torch.float64) and positions > 256:
            act = act.float()     # positions past 256 are not exact in bf16 / fp16
        top = act.add_(invalid).amax(dim=1)                                    # [n, F]
        best.append(top)
        if need_index:
            index.append(act.eq_(top.unsqueeze(1)).mul_(where).amax(dim=1))
    # Positions fit a byte for any realistic length: a quarter of int64's memory until backward.
    small = torch.uint8 if positions <= 256 else torch.int32
    return torch.cat(best), (torch.cat(index).to(small) if need_index else None)


class _MaxWindows(torch.autograd.Function):
    """values[n, f] = max over p of sum_{c,k} weight[f, c, k] * xp[n, c, p + k], with the
    gradient of max-pooling: through the winning window only. The backward pass is written in
    differentiable operations, so a gradient penalty can differentiate it again."""

    @staticmethod
    def forward(ctx, xp, weight, spans, t):
        best, index = _scan_windows(xp, weight, spans, t, need_index=True)
        ctx.save_for_backward(xp, weight, index)
        ctx.spans = spans
        return best

    @staticmethod
    def backward(ctx, grad):
        xp, weight, index = ctx.saved_tensors
        index = index.long()
        n, c, length = xp.shape
        f, _, w_max = weight.shape
        positions = length - w_max + 1
        # Filters of width > k have nonzero tap k; when the widths ascend these are a suffix.
        ascending = all(a[0] <= b[0] for a, b in zip(ctx.spans, ctx.spans[1:]))
        grad_x, grad_w = [], []
        for k in range(w_max):
            first = next((s[1] for s in ctx.spans if s[0] > k), f) if ascending else 0
            idx = index[:, first:].unsqueeze(1).expand(n, c, f - first)
            g = grad[:, first:].unsqueeze(1)                                    # [N, 1, F']
            taps = xp[:, :, k:k + positions].gather(2, idx)                      # [N, C, F']
            gw = (g * taps).sum(0).t().to(weight.dtype)                         # [F', C]
            grad_w.append(nn.functional.pad(gw, (0, 0, first, 0)))
            back = torch.zeros(n, c, positions, dtype=xp.dtype, device=xp.device).scatter_add(
                2, idx, (g * weight[first:, :, k].t().unsqueeze(0)).to(xp.dtype))   # [N, C, P]
            grad_x.append(nn.functional.pad(back, (k, w_max - 1 - k)))
        return torch.stack(grad_x).sum(0), torch.stack(grad_w, dim=2), None, None


def conv_relu_max(convs: nn.ModuleList | list[nn.Conv1d], x: torch.Tensor) -> torch.Tensor:
    """[relu(conv(x)).amax(2) for conv in convs] concatenated, [N, C, T] -> [N, sum F].

    When a window (C * w values) is smaller than an activation row (T - w + 1 values) the
    convolutions are memory-bound: they then run as one matrix product for all widths (the
    narrower filters zero-padded to the widest, windows past the end masked), without a graph,
    in cache-sized row chunks, keeping only each filter's best position; relu commutes with
    the max and the bias with the max over time. Max-pooling passes gradient through the
    winning window alone, so the backward pass gathers just those windows. Values and
    gradients are those of relu(conv(x)).amax(2) up to summation order (among tied windows
    one gets the gradient, as with max_pool). Wide channels and short sequences (the default
    critic) take the plain per-width convolutions: there the windows outweigh the activations.
    """
    n, c, t = x.shape
    widths = [conv.kernel_size[0] for conv in convs]
    w_max, w_min = max(widths), min(widths)
    if c * w_max >= t - w_max + 1:
        return torch.cat([torch.relu(conv(x)).amax(dim=2) for conv in convs], dim=1)
    spans, first = [], 0
    for conv, w in zip(convs, widths):
        spans.append((w, first, first + conv.out_channels))
        first += conv.out_channels
    weight = torch.cat([nn.functional.pad(conv.weight, (0, w_max - w)) for conv, w in zip(convs, widths)])
    bias = torch.cat([conv.bias for conv in convs])
    xp = nn.functional.pad(x, (0, w_max - w_min))
    if torch.is_grad_enabled() and (xp.requires_grad or weight.requires_grad):
        best = _MaxWindows.apply(xp, weight, tuple(spans), t)
    else:
        with torch.no_grad():
            best = _scan_windows(xp, weight, tuple(spans), t, need_index=False)[0]
    return torch.relu(best + bias)


class CNNDiscriminator(nn.Module):
    """Convolutions of several widths, max-pooled over time, a highway layer, dropout.

    highway 'gated' is the highway layer of Srivastava et al. (SeqGAN's): a transform
    relu(W_h x) and a gate sigmoid(W_g x) from separate weights. 'shared' is RelGAN's as
    TextGAN-PyTorch writes it: one linear layer y = W x whose output is both, sigmoid(y) *
    relu(y) + (1 - sigmoid(y)) * x (half the weights and arithmetic); head_hidden = 100 adds
    its 100-unit layer before the score.

    With num_rep > 1 this is RelGAN's discriminator with multiple embedded representations:
    the embedding (emb_dim) is split into num_rep representations of emb_dim / num_rep, the
    same convolutions (kernel width x emb_dim / num_rep, as RelGAN's Conv2d with that stride)
    run over each, and each representation gets its own score; the output is [B, num_rep] and
    the losses average over every score. Computed as one Conv1d over B * num_rep sequences
    rather than RelGAN's 1-channel Conv2d: the same arithmetic, far less memory traffic.
    """

    def __init__(self, vocab_size: int, emb_dim: int, filter_widths: tuple[int, ...],
                 num_filters: int, dropout: float = 0.25, use_minibatch_std: bool = False,
                 num_rep: int = 1, pad: int = 0, highway: str = "gated", head_hidden: int = 0):
        super().__init__()
        self.pad = pad
        if highway not in HIGHWAYS:
            raise ValueError(f"unknown highway {highway!r}")
        if emb_dim % num_rep:
            raise ValueError("emb_dim must be a multiple of num_rep")
        self.num_rep, self.rep_dim = num_rep, emb_dim // num_rep
        self.embed = nn.Linear(vocab_size, emb_dim, bias=False)
        self.convs = nn.ModuleList(nn.Conv1d(self.rep_dim, num_filters, w) for w in filter_widths)
        self.min_len = max(filter_widths)
        feat = num_filters * len(filter_widths)
        self.shared_gate = highway == "shared"
        self.highway = nn.Linear(feat, feat if self.shared_gate else 2 * feat)
        self.dropout = Dropout(dropout)
        self.head = _Head(feat, use_minibatch_std, head_hidden)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """What the score is taken from (after highway and dropout, before the minibatch feature):
        [B, F], or [B, num_rep * F] with each representation's features side by side."""
        B, T = x.shape[:2]
        R, e = self.num_rep, self.rep_dim
        emb = embed_input(self.embed, x, self.pad).view(B, T, R, e).permute(0, 2, 3, 1).reshape(B * R, e, T)   # [B*R, e, T]
        if T < self.min_len:
            emb = nn.functional.pad(emb, (0, self.min_len - T))
        pooled = conv_relu_max(self.convs, emb)                                          # [B*R, F]
        if self.shared_gate:
            h = gate = self.highway(pooled)
        else:
            h, gate = self.highway(pooled).chunk(2, dim=1)
        return self.dropout(_HighwayGate.apply(h, gate, pooled)).view(B, -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, R = x.shape[0], self.num_rep
        feats = self.features(x)
        if R == 1:
            return self.head(feats)                                                  # [B]
        # Minibatch statistics per representation, over the batch, as for a single one.
        feats = feats.view(B, R, -1).transpose(0, 1).reshape(R * B, -1)
        if self.head.use_minibatch_std:
            feats = torch.cat([feats, mean_batch_std(feats.view(R, B, -1)).expand(R * B, 1)], dim=1)
        return self.head.score(feats).view(R, B).t()                                 # [B, R]

"""The Gumbel-softmax relaxation (Jang et al. 2016; Maddison et al. 2016) and Gumbel-max sampling."""
from __future__ import annotations

import torch


def gumbel_noise(shape: torch.Size | tuple[int, ...], *, device=None, dtype=torch.float32,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Standard Gumbel noise -log(-log U), with U kept inside (0, 1) so no log(0) can occur."""
    return gumbel_from_uniform(torch.rand(shape, device=device, dtype=dtype, generator=generator))


def gumbel_from_uniform(u: torch.Tensor) -> torch.Tensor:
    """-log(-log u) for uniforms u in [0, 1) (u is overwritten)."""
    # rand() is in [0, 1): only 0 needs guarding; 1 - eps is already the largest value it returns.
    return -torch.log(-torch.log(u.clamp_(min=torch.finfo(u.dtype).tiny)))


def gumbel_softmax(logits: torch.Tensor, tau: float, *, hard: bool = False,
                   noise: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Relaxed one-hot sample softmax((logits + g) / tau) over the last dimension.

    tau is a true temperature: the perturbed logits are divided by it. With hard=True the
    straight-through estimator is returned: the exact one-hot of the argmax in the forward
    pass, the soft sample's gradient in the backward pass. Returns (sample, index), where
    index = argmax(logits + g) is a draw from softmax(logits) whatever tau is.
    """
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    if noise is None:
        noise = gumbel_noise(logits.shape, device=logits.device, dtype=logits.dtype)
    perturbed = logits + noise
    index = perturbed.argmax(dim=-1)
    soft = torch.softmax(perturbed / tau, dim=-1)
    if not hard:
        return soft, index
    one_hot = torch.zeros_like(soft).scatter_(-1, index.unsqueeze(-1), 1.0)
    # soft - soft.detach() is exactly zero, so the forward value is exactly one-hot.
    return one_hot + (soft - soft.detach()), index


# Rows of [rows, vocabulary] logits worked on at a time when drawing on the CPU: few enough that
# they stay in the cache (2,000 rows of a 5,000-token vocabulary are 40 MB, and every pass over them
# then goes to memory: drawing took twice as long). The uniforms are dealt as before, per step over
# the whole batch, so the draws are the same, but for a uniform within float rounding of a CDF
# boundary (BLAS may sum a row's logits in another order for another block size).
CPU_ROWS = 256


def categorical(logits: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
    """One draw per row from softmax(logits) [..., V] -> [...], by inverse CDF.

    The same distribution as argmax(logits + Gumbel noise), with one uniform per row instead
    of two logarithms per entry: the cheap path wherever only the token is needed. u: the
    uniforms [...] to use (drawn here when None).
    """
    cdf = torch.softmax(logits, dim=-1).cumsum_(dim=-1)
    if u is None:
        u = torch.rand(cdf.shape[:-1], device=logits.device, dtype=cdf.dtype)
    return search_cdf(cdf, u)


def draw_rows(logits_of, hidden: torch.Tensor, u: torch.Tensor, at_once: int) -> torch.Tensor:
    """categorical(logits_of(rows of hidden), u of those rows), at_once rows at a time [B]: the
    [rows, V] logits stay in the cache (CPU_ROWS); the draws are those of the whole batch at once."""
    tokens = [categorical(logits_of(hidden[s:s + at_once]), u[s:s + at_once]) for s in range(0, hidden.shape[0], at_once)]
    return tokens[0] if len(tokens) == 1 else torch.cat(tokens)


def search_cdf(cdf: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """The token k with u * total in (cdf[k-1], cdf[k]], for cumulative sums cdf [..., V] and
    uniforms u [...] in [0, 1). A token of probability zero has an empty interval; u = 0 (one
    draw in 2^24 in float32) is moved up to the smallest positive float, since searching for 0
    itself would return token 0 whatever its probability (<pad>, which is banned)."""
    value = (u.to(cdf.dtype).unsqueeze(-1) * cdf[..., -1:]).clamp_(min=torch.finfo(cdf.dtype).tiny)
    return torch.searchsorted(cdf, value).squeeze(-1).clamp_(max=cdf.shape[-1] - 1)

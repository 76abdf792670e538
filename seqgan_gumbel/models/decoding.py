"""Decoders: what a sampler does to each step's next-token distribution before it draws.

    temperature T   the logits divided by T (1 = the model's own distribution)
    top-k K         only the K most likely tokens kept (Fan et al. 2018), 0 = all
    top-p P         nucleus sampling (Holtzman et al. 2020): the fewest most likely tokens whose
                    probability reaches P kept, 1 = all

applied in that order (temperature, then top-k, then top-p, as Hugging Face's samplers do), and
the kept tokens' probabilities renormalised. The likelihood of a sequence under a decoder is the
product of these truncated, renormalised distributions, so NLL figures stay the likelihood of what
is actually sampled; a held-out sequence with a token the decoder never draws has probability 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from seqgan_gumbel.errors import UserError


@dataclass(frozen=True)
class Decoder:
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    def __post_init__(self):
        if not self.temperature > 0:
            raise UserError(f"--temperature {self.temperature}: give a sampling temperature above 0")
        if self.top_k < 0:
            raise UserError(f"--top-k {self.top_k}: give a number of tokens ≥ 1 (0 keeps them all)")
        if not 0 < self.top_p <= 1:
            raise UserError(f"--top-p {self.top_p}: give a probability mass in (0, 1] (1 keeps every token)")

    @property
    def truncates(self) -> bool:
        return self.top_k > 0 or self.top_p < 1

    def logits(self, logits: torch.Tensor) -> torch.Tensor:
        """[..., V] logits of the decoder's next-token distribution (log-probabilities up to a
        constant): divided by the temperature, the tokens it never draws at -inf."""
        if self.temperature != 1.0:
            logits = logits / self.temperature
        return truncate(logits, self.top_k, self.top_p) if self.truncates else logits

    def label(self) -> str:
        parts = [f"T = {self.temperature:g}"]
        parts += [f"top-k {self.top_k}"] if self.top_k else []
        parts += [f"top-p {self.top_p:g}"] if self.top_p < 1 else []
        return ", ".join(parts)


def truncate(logits: torch.Tensor, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """Logits [..., V] with every token outside the top-k and outside the nucleus of mass top_p
    set to -inf. Ties at the k-th value are all kept, so the result does not depend on how a sort
    orders equal values; the most likely token is always kept."""
    out = logits
    if 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        out = out.masked_fill(out < kth, float("-inf"))
    if top_p < 1:
        probs = torch.softmax(out.float(), dim=-1)
        sorted_p, order = torch.sort(probs, dim=-1, descending=True)
        before = torch.cumsum(sorted_p, dim=-1) - sorted_p          # mass of the more likely tokens
        drop_sorted = before >= top_p                              # the nucleus already reached P
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        smallest_kept = torch.where(drop, float("inf"), probs).amin(dim=-1, keepdim=True)
        out = out.masked_fill(probs < smallest_kept, float("-inf"))   # a tie at the edge is kept whole
    return out

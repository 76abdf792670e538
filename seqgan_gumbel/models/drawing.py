"""Drawing token ids from a generator, and the generator's likelihood of given sequences."""
from __future__ import annotations

import math

import torch

from seqgan_gumbel.models.decoding import Decoder
from seqgan_gumbel.models.generator import Generator


@torch.no_grad()
def draw_ids(gen: Generator, num: int, *, temperature: float = 1.0, batch_size: int = 1000,
             seed: int | None = None, progress: bool = False, decoder: Decoder | None = None,
             prefix: torch.Tensor | None = None) -> torch.Tensor:
    """[num, T] token ids (CPU) from the generator at a sampling temperature, or through a
    decoder (temperature, top-k, top-p; decoding.py), each starting with the prefix ids when
    given; pad after the end."""
    from tqdm import tqdm

    if seed is not None:
        torch.manual_seed(seed)
    was_training = gen.training
    gen.eval()
    out = []
    starts = range(0, num, batch_size)
    for start in tqdm(starts, desc="sampling", unit="batch", disable=not progress or len(starts) < 3):
        b = min(batch_size, num - start)
        with torch.no_grad():
            out.append(gen.generate(b, temperature=temperature, need_relaxed=False, decoder=decoder,
                                    prefix=prefix).tokens.cpu())
    gen.train(was_training)
    return torch.cat(out)


@torch.no_grad()
def generator_nll(gen: Generator, ids: torch.Tensor, pad: int, batch_size: int = 1000, *,
                  temperature: float = 1.0, z_samples: int = 10, decoder: Decoder | None = None) -> float:
    """The generator's mean NLL per token (nats) of sequences [N, T], end token included.

    With latent noise z the likelihood p(x) = E_z p(x | z) has no closed form: it is estimated
    per sequence as -log mean_k p(x | z_k) over z_samples prior draws (an upper bound on the
    NLL in expectation, tight as z_samples grows).
    """
    was_training = gen.training
    gen.eval()
    device = gen.embedding.weight.device
    total, count = 0.0, 0
    k = z_samples if gen.z_dim > 0 else 1
    for start in range(0, ids.shape[0], batch_size):
        x = ids[start:start + batch_size].to(device)
        per_z = torch.stack([gen.token_nll(x, temperature=temperature, decoder=decoder).double() for _ in range(k)])
        nll = -(torch.logsumexp(-per_z, dim=0) - math.log(k))
        total += nll.sum().item()
        count += int((x != pad).sum())
    gen.train(was_training)
    return total / count

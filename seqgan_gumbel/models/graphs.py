"""CUDA-graph capture of the discriminator steps' sampling (opt-in: train.cuda_graphs).

A discriminator step samples a fake batch without a gradient: seq_len steps of a handful of
small kernels each, which on a fast GPU cost more in launches than in arithmetic. The whole
sampling is captured once as a CUDA graph and replayed: the temperature lives in a device
tensor the replay reads, the weights are read in place (optimizer steps update them in
place), and the random numbers come from the graph-safe generator, fresh at every replay.
"""
from __future__ import annotations

import contextlib

import torch

from seqgan_gumbel.models.generator import Generated, Generator, Shard


class GraphedSampler:
    """gen.generate(batch, tau, ...) under no_grad, captured once and replayed for any tau.

    The returned tensors are the graph's own buffers: valid until the next call."""

    def __init__(self, gen: Generator, batch: int, feedback: str, critic_input: str,
                 need_relaxed: bool, shard: Shard | None, bf16: bool):
        device = gen.embedding.weight.device
        if device.type != "cuda":
            raise ValueError("CUDA graphs need the generator on a CUDA device")
        self.tau = torch.ones((), device=device)
        # The autocast cache would keep bf16 copies of the weights from before the capture.
        cast = (torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=False) if bf16
                else contextlib.nullcontext())

        def sample() -> Generated:
            with torch.no_grad(), cast:
                return gen.generate(batch, self.tau, feedback, critic_input=critic_input,
                                    need_relaxed=need_relaxed, shard=shard)

        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(2):             # warm-up: cuDNN and cuBLAS choose their kernels
                sample()
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.out = sample()

    def __call__(self, tau: float) -> Generated:
        self.tau.fill_(tau)
        self.graph.replay()
        return self.out

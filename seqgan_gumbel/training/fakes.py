"""The generator's fake batches for the critic, sampled eagerly or replayed from a CUDA graph."""
from __future__ import annotations

import torch
from tqdm import tqdm


class FakeBatches:
    """fakes(tau, need_grad): this process's fake batch at relaxation temperature tau.

    Returns the [B, T, V] vectors the critic reads, or token ids [B, T] when a critic step
    (no gradient) needs only hard tokens: a straight-through sample is an exact one-hot, so
    without a graph and without relaxed feedback no softmax is needed. With graphs
    (train.cuda_graphs) the critic steps' sampling is captured once and replayed; if the
    capture fails it says so once and samples eagerly from then on.
    """

    def __init__(self, gen, batch: int, feedback: str, critic_input: str, shard, autocast,
                 graphs: bool = False, bf16: bool = False):
        self.gen, self.batch, self.feedback, self.critic_input = gen, batch, feedback, critic_input
        self.shard, self.autocast, self.bf16 = shard, autocast, bf16
        self.graphed = None if graphs else False     # GraphedSampler once captured; False: eager

    def __call__(self, tau: float, need_grad: bool) -> torch.Tensor:
        if not need_grad and self.graphed is not False:
            fake = self._replayed(tau)
            if fake is not None:
                return fake
        with torch.set_grad_enabled(need_grad), self.autocast():
            relaxed = need_grad or self.critic_input == "relaxed"
            out = self.gen.generate(self.batch, tau, self.feedback, critic_input=self.critic_input,
                                    need_relaxed=relaxed, shard=self.shard)
            return out.vectors if out.vectors is not None else out.tokens   # [B, T, V] or ids [B, T]

    def relaxed(self, tau: float):
        """The generator step's batch with its gradient, whole (vectors, tokens, mask), and the latent
        codes it was drawn from (None without generator.z_dim), drawn as generate draws them, so the
        random stream is the one __call__ takes: for a loss that reads the tokens too."""
        z = self.gen.draw_z(self.batch, self.shard)
        with self.autocast():
            return self.gen.generate(self.batch, tau, self.feedback, critic_input=self.critic_input,
                                     z=z, shard=self.shard), z

    def _replayed(self, tau: float) -> torch.Tensor | None:
        if self.graphed is None:
            from seqgan_gumbel.models.graphs import GraphedSampler

            try:
                self.graphed = GraphedSampler(self.gen, self.batch, self.feedback, self.critic_input,
                                              self.critic_input == "relaxed", self.shard, self.bf16)
            except Exception as e:   # an op the capture cannot take: say so once, then go on eagerly
                self.graphed = False
                tqdm.write(f"seqgan-gumbel train: CUDA graph capture failed ({type(e).__name__}: "
                           f"{str(e).splitlines()[0][:120]}); sampling eagerly")
                return None
        out = self.graphed(tau)
        return out.vectors if out.vectors is not None else out.tokens

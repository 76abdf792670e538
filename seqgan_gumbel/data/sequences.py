"""Training data as tensors, whatever its kind (see kinds/), and the stream of batches over it.

Each kind tokenizes and packs its data once into a SequenceData; training only indexes the tensors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.data.vocab import Vocab


@dataclass
class SequenceData:
    """Encoded sequences [N, T] and what decodes and scores them.

    T = max_len + 1 (room for the end token), or max_len for fixed-length data (the oracle),
    which has no end token.
    """

    vocab: Vocab
    sequences: list[tuple[str, ...]]      # training sequences as tokens (for novelty, train.txt)
    ids: torch.Tensor                     # [N, T]
    max_len: int
    fixed_length: bool = False
    test_ids: torch.Tensor | None = None  # [M, T] held-out sequences
    val_ids: torch.Tensor | None = None   # [K, T] a validation split carved from the training data
    test_lines: list[str] | None = None   # held-out text, for corpora
    tokenizer_json: str | None = None     # corpora: the trained tokenizer
    oracle: object | None = None          # oracle data: the oracle that drew it
    stats: dict = field(default_factory=dict)

    @property
    def banned(self) -> tuple[int, ...]:
        """Ids the generator may never emit: padding and start always; the unknown token
        unless the data is a corpus (held-out text can hold unknown words); the end token for
        fixed-length data."""
        v = self.vocab
        out = (v.pad, v.bos) + (() if self.tokenizer_json else (v.unk,))
        return out + ((v.eos,) if self.fixed_length else ())

    @property
    def seq_len(self) -> int:
        return self.max_len if self.fixed_length else self.max_len + 1

    def carve_validation(self, fraction: float, seed: int) -> SequenceData:
        """Move a seeded share of the training sequences into val_ids, never to be trained on
        (the vocabulary, built before, still covers them). fraction 0: nothing moves."""
        n = self.ids.shape[0]
        k = round(n * fraction)
        if fraction <= 0:
            return self
        if not 1 <= k < n:
            raise UserError(f"data.validation_fraction {fraction} of {n:,} training sequences leaves "
                            f"{'no validation' if k < 1 else 'no training'} sequence; choose a share that keeps both")
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + 2_000_003))
        val, keep = order[:k].sort().values, order[k:].sort().values
        self.val_ids, self.ids = self.ids[val], self.ids[keep]
        self.sequences = [self.sequences[i] for i in keep.tolist()]
        self.stats = self.stats | {"train": n - k, "validation": k}
        return self

    def batches(self, batch_size: int, seed: int) -> "BatchStream":
        return BatchStream(self.ids.shape[0], batch_size, seed)


class BatchStream:
    """Row indices of endless reshuffled batches (whole epochs, a last partial batch dropped).

    Its whole position (generator state, this epoch's order, the offset) is a state dict, so a
    resumed run draws exactly the batches the uninterrupted one would have.
    """

    def __init__(self, n: int, batch_size: int, seed: int):
        self.n, self.size = n, min(batch_size, n)
        self.generator = torch.Generator().manual_seed(seed)
        self.order: torch.Tensor | None = None
        self.pos = 0

    def next(self) -> torch.Tensor:
        if self.order is None or self.pos + self.size > self.n:
            self.order, self.pos = torch.randperm(self.n, generator=self.generator), 0
        idx = self.order[self.pos:self.pos + self.size]
        self.pos += self.size
        return idx

    @property
    def batches_per_epoch(self) -> int:
        return self.n // self.size

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "order": self.order, "pos": self.pos}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.order, self.pos = state["order"], int(state["pos"])


def write_lines(path: str | Path, lines) -> None:
    Path(path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")

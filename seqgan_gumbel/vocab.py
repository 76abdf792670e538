"""A fixed, ordered token vocabulary with the special tokens every sequence model here uses."""
from __future__ import annotations

from dataclasses import dataclass

import torch

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)


@dataclass(frozen=True)
class Vocab:
    """Ids are positions in `tokens`; the specials always come first, in SPECIALS order."""

    tokens: tuple[str, ...]

    @classmethod
    def from_tokens(cls, words) -> "Vocab":
        """Deterministic: the same set of words gives the same ids on every run (sorted)."""
        return cls(SPECIALS + tuple(sorted(set(words) - set(SPECIALS))))

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def pad(self) -> int:
        return 0

    @property
    def bos(self) -> int:
        return 1

    @property
    def eos(self) -> int:
        return 2

    @property
    def unk(self) -> int:
        return 3

    def index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tokens)}

    def encode_batch(self, sequences, length: int) -> torch.Tensor:
        """[N, length] ids: tokens, one end token, then padding. Sequences must fit length - 1."""
        ids = self.index()
        out = torch.full((len(sequences), length), self.pad, dtype=torch.long)
        for row, seq in enumerate(sequences):
            enc = [ids.get(t, self.unk) for t in seq] + [self.eos]
            out[row, : len(enc)] = torch.tensor(enc, dtype=torch.long)
        return out

    def decode(self, ids) -> tuple[str, ...]:
        """Tokens up to the first end token; padding and start tokens are dropped."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos:
                break
            if i not in (self.pad, self.bos):
                out.append(self.tokens[i])
        return tuple(out)

"""A fixed, ordered token vocabulary with the special tokens every sequence model here uses."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
N_SPECIALS = len(SPECIALS)   # oracle token k is vocabulary id k + N_SPECIALS


@dataclass(frozen=True)
class Vocab:
    """Ids are positions in `tokens`; the specials always come first, in SPECIALS order.

    decoder says how tokens become text: 'space' joins them with single spaces (words,
    grammar symbols, oracle ids), 'metaspace' glues BPE pieces and turns '▁' into spaces.
    """

    tokens: tuple[str, ...]
    decoder: str = "space"

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

    def encode_batch(self, sequences, length: int, *, end_token: bool = True):
        """[N, length] ids: tokens, one end token (unless fixed-length), then padding."""
        ids = self.index()
        return self.pack([[ids.get(t, self.unk) for t in seq] for seq in sequences], length,
                         end_token=end_token)

    def pack(self, id_lists, length: int, *, end_token: bool = True):
        """[N, length] tensor of id lists, each followed by the end token (optional) and padding."""
        import torch  # here, so that text-only users of the vocabulary never load torch

        lens = np.fromiter((len(x) for x in id_lists), dtype=np.int64, count=len(id_lists))
        if len(lens) and lens.max() + int(end_token) > length:
            raise ValueError(f"a sequence of {lens.max()} ids does not fit length {length}")
        flat = np.fromiter((i for x in id_lists for i in x), dtype=np.int64, count=int(lens.sum()))
        out = np.full((len(id_lists), length), self.pad, dtype=np.int64)
        out[np.arange(length)[None, :] < lens[:, None]] = flat      # row-major fill, row by row
        if end_token:
            out[np.arange(len(id_lists)), lens] = self.eos
        return torch.from_numpy(out)

    def text(self, tokens) -> str:
        """Tokens (as decoded by `decode`) joined into a line of text."""
        if self.decoder == "metaspace":
            return "".join(tokens).replace("▁", " ").strip()
        return " ".join(tokens)

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

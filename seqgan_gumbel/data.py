"""Training sequences as one tensor: drawn from a grammar, or read from a file of sequences."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import UserError
from .grammar import Grammar
from .vocab import Vocab


def read_sequences(path: str | Path, *, what: str = "data file", keep_empty: bool = False,
                   hint: str = "check the path (--set data.path=FILE)") -> list[tuple[str, ...]]:
    """One sequence per line, tokens separated by whitespace.

    Blank lines are skipped for training data; with keep_empty (samples to be scored) a blank
    line is an empty sequence, since dropping it would overstate the samples' quality.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{what} {path} does not exist; {hint}")
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()                                   # the newline that ends the last line
    seqs = []
    for lineno, line in enumerate(lines, 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{what} {path} is not UTF-8 text (line {lineno}); "
                            f"convert it to UTF-8") from None
        tokens = tuple(text.split())
        if tokens or keep_empty:
            seqs.append(tokens)
    if not seqs or not any(seqs):
        raise UserError(f"{what} {path} is empty: it needs one sequence per line")
    return seqs


@dataclass
class SequenceData:
    """Encoded training sequences [N, T] (T = max_len + 1 for the end token) and their vocab."""

    vocab: Vocab
    sequences: list[tuple[str, ...]]
    ids: torch.Tensor
    max_len: int

    @property
    def seq_len(self) -> int:
        return self.max_len + 1

    def batches(self, batch_size: int, generator: torch.Generator):
        """Endless reshuffled batches of rows (whole epochs, the last partial batch dropped)."""
        n = self.ids.shape[0]
        size = min(batch_size, n)
        while True:
            order = torch.randperm(n, generator=generator)
            for start in range(0, n - size + 1, size):
                yield self.ids[order[start:start + size]]


def build_data(grammar: Grammar | None, path: str, num_train: int, seed: int) -> SequenceData:
    """Training data from a file when a path is given, else num_train strings from the grammar."""
    if path:
        seqs = read_sequences(path)
        max_len = grammar.max_len if grammar is not None else max(map(len, seqs))
        too_long = sum(len(s) > max_len for s in seqs)
        seqs = [s for s in seqs if len(s) <= max_len]
        if not seqs:
            raise UserError(f"data file {path}: no sequence has at most {max_len} tokens "
                            f"({too_long} are longer); raise the length limit or shorten them")
    elif grammar is not None:
        seqs, max_len = grammar.samples(num_train, seed), grammar.max_len
    else:
        raise UserError("no training data: set data.grammar or data.path")
    words = set(grammar.terminals) if grammar is not None else set()
    words.update(t for s in seqs for t in s)
    vocab = Vocab.from_tokens(words)
    return SequenceData(vocab, seqs, vocab.encode_batch(seqs, max_len + 1), max_len)


def write_sequences(path: str | Path, sequences) -> None:
    Path(path).write_text("".join(" ".join(s) + "\n" for s in sequences), encoding="utf-8")

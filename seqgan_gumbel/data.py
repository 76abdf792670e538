"""Training data as tensors, from any source: a grammar, a file of sequences, a text corpus, the oracle.

Everything is tokenized and packed once, here; training only indexes the tensors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from .corpus import read_sequences  # noqa: F401  (re-exported: data files are read there)
from .errors import UserError
from .grammar import Grammar
from .vocab import N_SPECIALS, SPECIALS, Vocab

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


def _fit(id_lists: list[list[int]], max_len: int, overlong: str) -> tuple[list[list[int]], int]:
    """Drop or truncate sequences longer than max_len; returns (kept, number too long)."""
    too_long = sum(len(x) > max_len for x in id_lists)
    if overlong == "truncate":
        return [x[:max_len] for x in id_lists if x], too_long
    return [x for x in id_lists if 0 < len(x) <= max_len], too_long


def grammar_data(grammar: Grammar | None, path: str, num_train: int, seed: int,
                 num_test: int = 0) -> SequenceData:
    """A file of token sequences when a path is given, else num_train strings from the grammar
    (and num_test held-out strings drawn with another seed)."""
    if path:
        seqs = read_sequences(path)
        max_len = grammar.max_len if grammar is not None else max(map(len, seqs))
        too_long = sum(len(s) > max_len for s in seqs)
        seqs = [s for s in seqs if len(s) <= max_len]
        if not seqs:
            raise UserError(f"data file {path}: no sequence has at most {max_len} tokens "
                            f"({too_long} are longer); raise the length limit or shorten them")
    elif grammar is not None:
        seqs, max_len, too_long = grammar.samples(num_train, seed), grammar.max_len, 0
    else:
        raise UserError("no training data: set data.grammar or data.path")
    words = set(grammar.terminals) if grammar is not None else set()
    words.update(t for s in seqs for t in s)
    vocab = Vocab.from_tokens(words)
    test = grammar.samples(num_test, seed + 1_000_003) if grammar is not None and not path and num_test else None
    return SequenceData(vocab, seqs, vocab.encode_batch(seqs, max_len + 1), max_len,
                        test_ids=vocab.encode_batch(test, max_len + 1) if test else None,
                        stats={"train": len(seqs), "test": len(test or []), "too_long": too_long})


def corpus_data(dc, seed: int) -> SequenceData:
    """A text corpus (one sentence per line) tokenized with a tokenizer trained on its training part."""
    from .corpus import read_lines, split_held_out, tokenizer_tokens, train_tokenizer

    if not dc.path:
        raise UserError("data.kind = corpus needs data.path, the training text (one sentence per line)")
    limit = dc.max_lines or None
    train_lines = read_lines(dc.path)[:limit]
    if dc.test_path:
        test_lines = read_lines(dc.test_path, what="test file")[:limit]
    else:
        train_lines, test_lines = split_held_out(train_lines, dc.test_fraction, seed)
    vocab_lines = train_lines + test_lines if dc.vocab_includes_test else train_lines
    tok = train_tokenizer(vocab_lines, dc.tokenizer, vocab_size=dc.bpe_vocab_size, min_freq=dc.min_freq,
                          lowercase=dc.lowercase, split_punctuation=dc.split_punctuation)
    vocab = Vocab(tokenizer_tokens(tok), "metaspace" if dc.tokenizer == "bpe" else "space")
    train_ids = [e.ids for e in tok.encode_batch_fast(train_lines)]
    test_ids = [e.ids for e in tok.encode_batch_fast(test_lines)]
    max_len = dc.max_len or max(map(len, train_ids))
    train_ids, too_long = _fit(train_ids, max_len, dc.overlong)
    test_ids, test_too_long = _fit(test_ids, max_len, dc.overlong)
    if not train_ids:
        raise UserError(f"corpus {dc.path}: no line has at most {max_len} tokens ({too_long} are longer); "
                        f"raise data.max_len or set data.overlong=truncate")
    sequences = [tuple(vocab.tokens[i] for i in ids) for ids in train_ids]
    return SequenceData(
        vocab, sequences, vocab.pack(train_ids, max_len + 1), max_len,
        test_ids=vocab.pack(test_ids, max_len + 1) if test_ids else None, test_lines=test_lines,
        tokenizer_json=tok.to_str(),
        stats={"train": len(train_ids), "test": len(test_ids), "too_long": too_long,
               "test_unknown_tokens": sum(row.count(vocab.unk) for row in test_ids),
               "test_too_long": test_too_long, "overlong": dc.overlong, "vocab": len(vocab)})


def oracle_data(dc, device: str = "cpu") -> SequenceData:
    """num_train / num_test sequences drawn from the oracle (the published one, or a seeded random one)."""
    from .oracle import load_oracle, random_oracle

    oracle = load_oracle(dc.oracle_params, device) if dc.oracle_params else random_oracle(dc.oracle_seed, device=device)
    length = dc.max_len or 20
    # Oracle token k is our id k + N_SPECIALS (after the special tokens); its token text is str(k).
    vocab = Vocab(SPECIALS + tuple(str(k) for k in range(oracle.vocab_size)))
    train = oracle.sample(dc.num_train, length, seed=dc.oracle_seed * 2 + 1) + N_SPECIALS
    test = oracle.sample(dc.num_test, length, seed=dc.oracle_seed * 2 + 2) + N_SPECIALS
    sequences = [tuple(vocab.tokens[i] for i in row) for row in train.tolist()]
    return SequenceData(vocab, sequences, train, length, fixed_length=True, test_ids=test,
                        oracle=oracle, stats={"train": dc.num_train, "test": dc.num_test})


def build_data(cfg, grammar: Grammar | None, device: str = "cpu") -> SequenceData:
    dc, seed = cfg.data, cfg.train.seed
    if dc.kind == "corpus":
        return corpus_data(dc, seed)
    if dc.kind == "oracle":
        return oracle_data(dc, device)
    return grammar_data(grammar, dc.path, dc.num_train, seed, min(dc.num_test, 2000))


def write_lines(path: str | Path, lines) -> None:
    Path(path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")

"""Text corpora: reading one sentence per line, and tokenizers from Hugging Face `tokenizers`.

The word-level model splits on whitespace (the COCO / EMNLP protocol: punctuation stays
attached unless split_punctuation is asked for); BPE learns subwords to a chosen vocabulary
size and marks word starts with '▁' (Metaspace), so decoding restores the spaces. Ids are
deterministic: the special tokens first (<pad> <bos> <eos> <unk>), then, for words, by
descending count and then alphabetically; BPE trains on the sorted lines, so the same
corpus in any line order gives the same vocabulary.
"""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.data.vocab import SPECIALS, UNK

TOKENIZERS = ("word", "bpe")
METASPACE = "\u2581"


def _decoded_lines(path: str | Path, what: str, hint: str) -> list[str]:
    """The lines of a UTF-8 file (the newline ending the last line adds no empty line);
    a missing or non-UTF-8 file is a UserError naming it (and the line)."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{what} {path} is a folder, not a file; {hint}")
    if not path.is_file():
        raise UserError(f"{what} {path} does not exist; {hint}")
    raw = path.read_bytes().split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    lines = []
    for lineno, line in enumerate(raw, 1):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            raise UserError(f"{what} {path} is not UTF-8 text (line {lineno}); convert it to UTF-8") from None
    return lines


def line_number(path: str | Path, text: str) -> int | str:
    """The number of the first line of a file that reads `text` once stripped ("?" if none does)."""
    for lineno, line in enumerate(_decoded_lines(path, "file", "check the path"), 1):
        if line.strip() == text:
            return lineno
    return "?"


def read_lines(path: str | Path, what: str = "corpus file") -> list[str]:
    """Non-blank lines of a UTF-8 file, stripped; a clear error for a missing, empty or non-UTF-8 file."""
    lines = [t for t in (line.strip() for line in _decoded_lines(path, what, "check the path")) if t]
    if not lines:
        raise UserError(f"{what} {path} is empty: it needs one sentence per line")
    return lines


def read_sequences(path: str | Path, *, what: str = "data file", keep_empty: bool = False,
                   hint: str = "check the path (--set data.path=FILE)") -> list[tuple[str, ...]]:
    """One sequence per line, tokens separated by whitespace.

    Blank lines are skipped for training data; with keep_empty (samples to be scored) a blank
    line is an empty sequence, since dropping it would overstate the samples' quality.
    """
    seqs = [tuple(line.split()) for line in _decoded_lines(path, what, hint)]
    seqs = seqs if keep_empty else [s for s in seqs if s]
    if not any(seqs):
        raise UserError(f"{what} {path} is empty: it needs one sequence per line")
    return seqs


def split_held_out(lines: list[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """A seeded (train, test) split of the lines, test being `fraction` of them (at least one)."""
    order = list(range(len(lines)))
    random.Random(seed).shuffle(order)
    n_test = max(1, round(len(lines) * fraction))
    if n_test >= len(lines):
        raise UserError(f"a corpus of {len(lines)} lines is too small to hold out a test split; "
                        f"give data.test_path or more lines")
    test = set(order[:n_test])
    return ([l for i, l in enumerate(lines) if i not in test], [l for i, l in enumerate(lines) if i in test])


def _base(lowercase: bool, split_punctuation: bool, bpe: bool):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    tok = Tokenizer(models.BPE(unk_token=UNK) if bpe else models.WordLevel({UNK: 3}, unk_token=UNK))
    if lowercase:
        tok.normalizer = normalizers.Lowercase()
    if bpe:
        parts = [pre_tokenizers.Metaspace()]
        tok.decoder = decoders.Metaspace()
    else:
        parts = [pre_tokenizers.WhitespaceSplit()]
    if split_punctuation:
        parts.append(pre_tokenizers.Punctuation())
    tok.pre_tokenizer = parts[0] if len(parts) == 1 else pre_tokenizers.Sequence(parts)
    return tok


def train_tokenizer(lines: list[str], kind: str = "word", *, vocab_size: int = 5000, min_freq: int = 1,
                    lowercase: bool = False, split_punctuation: bool = False):
    """A trained `tokenizers.Tokenizer` whose ids 0..3 are <pad> <bos> <eos> <unk>."""
    from tokenizers import models, trainers

    if kind not in TOKENIZERS:
        raise UserError(f"unknown tokenizer {kind!r}: choose word or bpe")
    tok = _base(lowercase, split_punctuation, kind == "bpe")
    norm = tok.normalizer.normalize_str if tok.normalizer else (lambda s: s)
    if kind == "word":
        counts = Counter(w for line in lines for w, _ in tok.pre_tokenizer.pre_tokenize_str(norm(line)))
        words = sorted((w for w, c in counts.items() if c >= min_freq and w not in SPECIALS),
                       key=lambda w: (-counts[w], w))
        vocab = {t: i for i, t in enumerate(SPECIALS + tuple(words))}
        tok.model = models.WordLevel(vocab, unk_token=UNK)
        return tok
    alphabet = {ch for line in lines for ch in norm(line).replace(" ", METASPACE)} | {METASPACE}
    if vocab_size < len(alphabet) + len(SPECIALS):
        raise UserError(f"BPE vocabulary size {vocab_size} is smaller than the corpus alphabet "
                        f"({len(alphabet)} characters + {len(SPECIALS)} special tokens); "
                        f"use data.bpe_vocab_size >= {len(alphabet) + len(SPECIALS)}")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_freq,
                                  special_tokens=list(SPECIALS), show_progress=False)
    tok.train_from_iterator(sorted(lines), trainer)
    return tok


def tokenizer_tokens(tok) -> tuple[str, ...]:
    """The tokenizer's vocabulary in id order."""
    return tuple(tok.id_to_token(i) for i in range(tok.get_vocab_size()))


def tokenizer_from_json(text: str):
    from tokenizers import Tokenizer

    return Tokenizer.from_str(text)

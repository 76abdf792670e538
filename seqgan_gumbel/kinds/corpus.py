"""A text corpus, one sentence per line, tokenized with a tokenizer trained on its training part.

Quality is BLEU-n of the samples against all of the held-out text, diversity Self-BLEU-n (each
sample against all the others); the generator's NLL of the held-out text (NLL_gen) covers
what BLEU cannot see, the share of the language a model leaves out.
"""
from __future__ import annotations

import math
from pathlib import Path

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.kinds.base import Axis, DataKind, EvalOptions, held_out_nll, held_out_text

TRAIN_ORDERS = (2, 3, 4, 5)   # the BLEU orders logged during training and swept
AUTO_MAX_LEN = 1000           # data.max_len = 0 takes the longest line, up to this many tokens


def _fit(id_lists: list[list[int]], max_len: int, overlong: str) -> tuple[list[list[int]], int]:
    """Drop or truncate sequences longer than max_len; returns (kept, number too long)."""
    too_long = sum(len(x) > max_len for x in id_lists)
    if overlong == "truncate":
        return [x[:max_len] for x in id_lists if x], too_long
    return [x for x in id_lists if 0 < len(x) <= max_len], too_long


def _automatic_max_len(path: str, lines: list[str], ids: list[list[int]]) -> int:
    """The longest line's token count; one pathological line (a whole file without newlines,
    say) would make every sequence that long, so past AUTO_MAX_LEN it is refused."""
    from seqgan_gumbel.data.corpus import line_number

    longest = max(range(len(ids)), key=lambda i: len(ids[i]))
    if len(ids[longest]) > AUTO_MAX_LEN:
        raise UserError(f"corpus {path} line {line_number(path, lines[longest])} has {len(ids[longest]):,} tokens, "
                        f"and data.max_len = 0 makes every sequence as long as the longest line; set data.max_len "
                        f"(say 50) with data.overlong=drop or data.overlong=truncate")
    return len(ids[longest])


def corpus_data(dc, seed: int) -> SequenceData:
    """A text corpus (one sentence per line) tokenized with a tokenizer trained on its training part."""
    from seqgan_gumbel.data.corpus import read_lines, split_held_out, tokenizer_tokens, train_tokenizer
    from seqgan_gumbel.data.sequences import SequenceData
    from seqgan_gumbel.data.vocab import Vocab

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
    max_len = dc.max_len or _automatic_max_len(dc.path, train_lines, train_ids)
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


class CorpusKind(DataKind):
    name = "corpus"
    quality = Axis("bleu", "BLEU-{n} vs held-out text")
    diversity = Axis("self_bleu", "Self-BLEU-{n} (lower = more diverse)")

    evaluation_files = ("references",)

    def __init__(self, references: list[str] | None, test_ids=None, data=None, run=None, source: str | None = None,
                 test_lines: list[str] | None = None):
        self.references, self.test_ids, self.data, self.run = references, test_ids, data, run
        self.source = source
        self.test_lines = references if test_lines is None else test_lines   # the run's own held-out text

    @staticmethod
    def check_config(dc) -> None:
        if not dc.path:
            raise UserError("config key data.path: a corpus needs the path of its training text")

    @staticmethod
    def run_name(dc) -> str:
        return Path(dc.path).stem

    @classmethod
    def from_config(cls, cfg, device) -> CorpusKind:
        data = corpus_data(cfg.data, cfg.train.seed)
        return cls(data.test_lines, data.test_ids, data)

    @classmethod
    def from_run(cls, run, references: str | None = None) -> CorpusKind:
        """BLEU against the run's test.txt, or the `references` file; held-out NLL on test.txt."""
        from seqgan_gumbel.metrics.text import encode_lines, read_text_lines

        test_file = run.directory / "test.txt"
        own = read_text_lines(test_file, "test file", False)
        refs = read_text_lines(references, "reference file", keep_empty=False) if references else own
        return cls(refs, encode_lines(run, own), run=run, source=references or str(test_file), test_lines=own)

    @classmethod
    def from_files(cls, references: str | None = None) -> CorpusKind:
        """BLEU against the `references` file; without one, Self-BLEU alone."""
        from seqgan_gumbel.metrics.text import read_text_lines

        refs = read_text_lines(references, "reference file", keep_empty=False) if references else None
        return cls(refs, source=references)

    def write_files(self, out: Path) -> None:
        from seqgan_gumbel.data.sequences import write_lines

        write_lines(out / "test.txt", self.data.test_lines)
        (out / "tokenizer.json").write_text(self.data.tokenizer_json, encoding="utf-8")

    def _text(self, samples, orders, **kw) -> dict:
        from seqgan_gumbel.metrics.text import text_scores

        return text_scores(samples, self.references, orders=orders, **kw)

    def quick_figures(self, samples, gen, held_out) -> dict:
        s = self._text(samples, TRAIN_ORDERS, self_bleu=True)
        out = {f"bleu{n}": v for n, v in s["bleu"].items()}
        out.update({f"self_bleu{n}": v for n, v in s["self_bleu"].items()})
        return out | held_out_nll(gen, self.test_ids, limit=held_out)

    def summary_figures(self, samples, gen) -> dict:
        return held_out_nll(gen, self.test_ids)

    def full_figures(self, samples, gen, opts: EvalOptions) -> dict:
        result = {"references": self.source,
                  **self._text(samples, opts.orders, self_bleu=opts.self_bleu, smoothing=opts.smoothing,
                               corpus_level=opts.corpus_level)}
        if gen is not None and self.run is not None:
            from seqgan_gumbel.metrics.text import likelihoods, read_text_lines

            train = read_text_lines(self.run.directory / "train.txt", "training file", False)
            result.update(likelihoods(self.run, self.test_lines, train))     # at temperature 1, as 0.1 reported
            if opts.temperature != 1.0:       # and of what this temperature or decoder draws
                result.update(held_out_nll(gen, self.test_ids, opts.temperature))
        return result

    def sweep_figures(self, samples, gen, temperature, order) -> dict:
        orders = sorted({*TRAIN_ORDERS, order})
        s = self._text(samples, orders, self_bleu=True)
        row = {"bleu": s["bleu"][str(order)], "self_bleu": s["self_bleu"][str(order)], "order": order}
        row.update({f"bleu{n}": s["bleu"][str(n)] for n in orders})
        row.update({f"self_bleu{n}": s["self_bleu"][str(n)] for n in orders})
        return row | held_out_nll(gen, self.test_ids, temperature)

    def table(self, result: dict) -> str:
        lines = [f"{result['n_hypotheses']} samples" + (f" against {result['n_references']} references"
                                                        if "n_references" in result else "")
                 + f"; {result['aggregate']}, smoothing {result['smoothing']}"]
        orders = result["orders"]
        lines.append(f"{'':12}" + "".join(f"{'n=' + str(n):>9}" for n in orders))
        for key, label in (("bleu", "BLEU"), ("self_bleu", "Self-BLEU")):
            if key in result:
                lines.append(f"{label:12}" + "".join(f"{result[key][str(n)]:9.4f}" for n in orders))
        for key in ("nll_gen_test", "nll_gen_train"):
            if key in result and not math.isnan(result[key]):
                lines.append(f"{key:12} {result[key]:.4f} nats/token")
        if held_out_text(result):
            unit = " nats/token, of what this decoder draws" if result.get("nll_test") is not None else ""
            lines.append(f"{'nll_test':12} {held_out_text(result)}{unit}")
        return "\n".join(lines)

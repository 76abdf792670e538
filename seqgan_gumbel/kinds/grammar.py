"""Strings of a probabilistic context-free grammar (or a file of token sequences).

Quality is validity (the grammar derives the string within its length limit), diversity the
grammar's exact NLL of the valid samples; the generator's NLL of held-out strings drawn from
the grammar measures how much of the language it covers.
"""
from __future__ import annotations

from pathlib import Path

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.kinds.base import Axis, DataKind, EvalOptions, held_out_nll, held_out_text

HELD_OUT_CAP = 2000   # held-out grammar strings drawn for the NLL (data.num_test, at most this)


def _tokens(samples: list[str]) -> list[tuple[str, ...]]:
    return [tuple(s.split()) for s in samples]


def grammar_data(grammar, path: str, num_train: int, seed: int,
                 num_test: int = 0) -> SequenceData:
    """A file of token sequences when a path is given, else num_train strings from the grammar
    (and num_test held-out strings drawn with another seed)."""
    from seqgan_gumbel.data.corpus import read_sequences
    from seqgan_gumbel.data.sequences import SequenceData
    from seqgan_gumbel.data.vocab import Vocab

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


class GrammarKind(DataKind):
    name = "grammar"
    quality = Axis("valid", "valid fraction")
    diversity = Axis("nll_valid", "grammar NLL of valid samples (nats/sequence; higher = less typical)")

    evaluation_files = ("grammar", "train")

    def __init__(self, grammar, train: list[tuple[str, ...]] | None = None, test_ids=None, data=None):
        self.grammar, self._train, self.test_ids, self.data = grammar, train, test_ids, data

    @property
    def train(self) -> list[tuple[str, ...]] | None:
        """The sequences novelty counts against: those given (read back from a run, or
        `evaluate --train`), else the data's, read when asked so that a validation split carved
        after this kind was built is left out."""
        if self._train is None and self.data is not None:
            return self.data.sequences
        return self._train

    @train.setter
    def train(self, sequences: list[tuple[str, ...]] | None) -> None:
        self._train = sequences

    @staticmethod
    def check_config(dc) -> None:
        if not (dc.grammar or dc.path):
            raise UserError("config key data.grammar: set a grammar or a data.path")

    @staticmethod
    def run_name(dc) -> str:
        return Path(dc.path).stem if dc.path else Path(dc.grammar).stem

    @classmethod
    def from_config(cls, cfg, device) -> GrammarKind:
        from seqgan_gumbel.data.grammar import load_grammar

        dc = cfg.data
        grammar = load_grammar(dc.grammar, dc.max_len or None) if dc.grammar else None
        data = grammar_data(grammar, dc.path, dc.num_train, cfg.train.seed, min(dc.num_test, HELD_OUT_CAP))
        return cls(grammar, test_ids=data.test_ids, data=data)

    @classmethod
    def from_run(cls, run, grammar: str | None = None, train: str | None = None) -> GrammarKind:
        """Validity under the run's grammar, or the `grammar` named; novelty against the run's
        train.txt, or the `train` file; held-out NLL on the run's test.txt."""
        from seqgan_gumbel.data.corpus import read_sequences
        from seqgan_gumbel.data.grammar import load_grammar

        own_train, test_file = run.directory / "train.txt", run.directory / "test.txt"
        if train:
            sequences = read_sequences(train, what="training file", hint="check --train")
        else:
            sequences = read_sequences(own_train, what="training file") if own_train.is_file() else None
        test_ids = None
        if test_file.is_file():
            test_ids = run.vocab.encode_batch(read_sequences(test_file, what="test file"), run.max_len + 1)
        return cls(load_grammar(grammar) if grammar else run.grammar, sequences, test_ids)

    @classmethod
    def from_files(cls, grammar: str | None = None, train: str | None = None) -> GrammarKind:
        from seqgan_gumbel.data.corpus import read_sequences
        from seqgan_gumbel.data.grammar import load_grammar

        return cls(load_grammar(grammar) if grammar else None,
                   read_sequences(train, what="training file", hint="check --train") if train else None)

    def write_files(self, out: Path) -> None:
        from seqgan_gumbel.data.sequences import write_lines

        if self.data is not None and self.data.test_ids is not None:
            vocab = self.data.vocab
            write_lines(out / "test.txt", (vocab.text(vocab.decode(r)) for r in self.data.test_ids.tolist()))

    def _scores(self, samples: list[str], train=None) -> dict:
        from seqgan_gumbel.metrics.grammar import grammar_scores

        return grammar_scores(_tokens(samples), self.grammar, train)

    def quick_figures(self, samples, gen, held_out) -> dict:
        out = {}
        if self.grammar is not None:
            s = self._scores(samples)
            out = {"valid": s["valid"], "unique": s["unique"], "mean_length": s["mean_length"],
                   "nll_valid": s["nll_valid"]}
        return out | held_out_nll(gen, self.test_ids, limit=held_out)

    def summary_figures(self, samples, gen) -> dict:
        out = {"samples": self._scores(samples, self.train)} if self.grammar is not None else {}
        return out | held_out_nll(gen, self.test_ids)

    def full_figures(self, samples, gen, opts: EvalOptions) -> dict:
        if self.grammar is None:
            raise UserError("this run was trained on a file of sequences without a grammar: "
                            "give --grammar NAME to score validity")
        g = self.grammar
        result = {"grammar": g.name, "max_len": g.max_len, "samples": self._scores(samples, self.train)}
        n_ref = len(samples) if opts.reference is None else opts.reference
        if n_ref < 0:
            raise UserError(f"--reference must be 0 or positive, got {n_ref}")
        if n_ref:
            result["grammar_reference"] = self._scores([" ".join(s) for s in g.samples(n_ref, opts.seed)],
                                                       self.train)
            result["n_reference"] = n_ref
        return result | held_out_nll(gen, self.test_ids, opts.temperature)

    def sweep_figures(self, samples, gen, temperature, order) -> dict:
        s = self._scores(samples)
        row = {k: s[k] for k in ("valid", "unique", "mean_length", "nll_valid")}
        return row | held_out_nll(gen, self.test_ids, temperature)

    def table(self, result: dict) -> str:
        cols = [("samples", result["samples"])]
        if "grammar_reference" in result:
            cols.append((f"grammar ({result['n_reference']} drawn)", result["grammar_reference"]))
        rows = ["n", "valid", "unique", "unique_valid", "novel", "mean_length", "nll_valid", "nll_valid_per_token"]
        lines = [f"{'':22}" + "".join(f"{name:>22}" for name, _ in cols)]
        for r in rows:
            cells = []
            for _, figs in cols:
                v = figs.get(r)
                cells.append(f"{'-' if v is None else (f'{v:.4f}' if isinstance(v, float) else v):>22}")
            lines.append(f"{r:22}" + "".join(cells))
        held_out = held_out_text(result)
        if held_out and held_out != "nan":
            lines.append(f"{'held-out NLL':22}{held_out:>22}  (generator, nats/token)")
        return "\n".join(lines)

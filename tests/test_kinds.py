"""A data kind is one object: a fourth kind, registered inside this test alone, trains,
evaluates and sweeps through the same code paths as the built-in ones."""
import json

import pytest

import seqgan_gumbel as sg
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.kinds import KINDS, Axis, DataKind, held_out_nll


def _alternating(s: str) -> bool:
    t = s.split()
    return bool(t) and all(a != b for a, b in zip(t, t[1:]))


class AlternatingKind(DataKind):
    """Strings of a and b that never repeat a letter, lengths 1..6: quality is the alternating share."""

    name = "alternating"
    quality = Axis("alternating", "alternating fraction")
    diversity = Axis("distinct", "distinct fraction")

    def __init__(self, test_ids=None, data=None):
        self.test_ids, self.data = test_ids, data

    @staticmethod
    def run_name(dc) -> str:
        return "alternating"

    @classmethod
    def from_config(cls, cfg, device):
        from seqgan_gumbel.data.sequences import SequenceData
        from seqgan_gumbel.data.vocab import Vocab

        words = [tuple("ab"[(i + k) % 2] for k in range(n)) for n in range(1, 7) for i in range(2)]
        train = [words[i % len(words)] for i in range(cfg.data.num_train)]
        vocab = Vocab.from_tokens({"a", "b"})
        data = SequenceData(vocab, train, vocab.encode_batch(train, 7), 6,
                            test_ids=vocab.encode_batch(words, 7), stats={"train": len(train)})
        return cls(data.test_ids, data)

    @classmethod
    def from_run(cls, run):
        from seqgan_gumbel.data.corpus import read_sequences

        test = read_sequences(run.directory / "alternating_test.txt")
        return cls(run.vocab.encode_batch(test, run.max_len + 1))

    def write_files(self, out):
        v = self.data.vocab
        (out / "alternating_test.txt").write_text("".join(v.text(v.decode(r)) + "\n" for r in self.test_ids.tolist()))

    def _figures(self, samples):
        return {"alternating": sum(map(_alternating, samples)) / len(samples),
                "distinct": len(set(samples)) / len(samples)}

    def quick_figures(self, samples, gen, held_out):
        return self._figures(samples) | held_out_nll(gen, self.test_ids, limit=held_out)

    def summary_figures(self, samples, gen):
        return self._figures(samples) | held_out_nll(gen, self.test_ids)

    def full_figures(self, samples, gen, opts):
        return self._figures(samples) | held_out_nll(gen, self.test_ids, opts.temperature)

    def sweep_figures(self, samples, gen, temperature, order):
        return self._figures(samples) | held_out_nll(gen, self.test_ids, temperature)

    def table(self, result):
        return f"alternating {result['alternating']:.3f}"


@pytest.fixture
def alternating():
    KINDS.register(AlternatingKind)
    yield
    KINDS.unregister("alternating")


def test_a_registered_kind_trains_evaluates_and_sweeps(alternating, tmp_path):
    from seqgan_gumbel.evaluation.sweep import sweep

    run = sg.train({"data": {"kind": "alternating", "num_train": 256}}, tmp_path / "run",
                   overrides={"train.mle_steps": 150, "train.adv_steps": 3, "train.log_every": 50,
                              "train.batch_size": 32, "train.num_samples": 200})
    rows = [json.loads(l) for l in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert {"alternating", "distinct", "nll_test"} <= set(rows[-1])          # logged during training
    assert (tmp_path / "run" / "alternating_test.txt").is_file()              # its own run file
    assert run.summary["alternating"] > 0.9                                   # it learned the kind's data
    figures = run.evaluate(num=300, temperature=0.8)
    assert set(figures) == {"alternating", "distinct", "nll_test"}
    swept = sweep([str(tmp_path / "run")], [0.5, 1.0], 200, 0, 4, tmp_path / "sweep")
    assert [r["temperature"] for r in swept] == [0.5, 1.0]
    assert swept[0]["alternating"] >= swept[1]["alternating"] and (tmp_path / "sweep" / "sweep.png").is_file()
    assert json.loads((tmp_path / "sweep" / "sweep.json").read_text())["kind"] == "alternating"


def test_an_unregistered_kind_is_a_user_error_naming_the_choices():
    with pytest.raises(UserError, match="data.kind: choose one of grammar, corpus, oracle"):
        sg.load_config(None, ["data.kind=alternating"])


def test_training_evaluate_and_sweep_share_the_kinds_figures(tmp_path):
    """The grammar kind's figures of one set of samples agree wherever they are reported."""
    from seqgan_gumbel.kinds import EvalOptions, GrammarKind
    from seqgan_gumbel.data.grammar import load_grammar

    kind = GrammarKind(load_grammar("arith"), train=[("x", "+", "y")])
    samples = ["x + y", "x + y", "( x", "y * x"]
    quick = kind.quick_figures(samples, None, 10)
    full = kind.full_figures(samples, None, EvalOptions(reference=0))["samples"]
    swept = kind.sweep_figures(samples, None, 1.0, 4)
    assert quick["valid"] == full["valid"] == swept["valid"] == 0.75
    assert quick["unique"] == full["unique"] == swept["unique"] == 0.75
    assert full["novel"] == 0.5 and quick["nll_valid"] == swept["nll_valid"] == full["nll_valid"]
    none_valid = ["( x"]                                   # no valid sample: null, never NaN, in logs and JSON
    assert kind.quick_figures(none_valid, None, 10)["nll_valid"] is None
    assert kind.sweep_figures(none_valid, None, 1.0, 4)["nll_valid"] is None
    figures = kind.full_figures(none_valid, None, EvalOptions(reference=0))["samples"]
    assert figures["nll_valid"] is None and figures["nll_valid_per_token"] is None
    assert "nan" not in json.dumps(figures, allow_nan=False).lower()


def _tiny(kind_overrides, out):
    return sg.train(None, out, overrides={**kind_overrides, "train.mle_steps": 5, "train.adv_steps": 0,
                                          "train.num_samples": 20, "train.eval_samples": 10}).loaded


def _evaluation_kind(run, **flags):
    import argparse

    from seqgan_gumbel.cli.commands import _evaluation_kind

    args = {k: None for k in ("references", "bleu", "self_bleu", "oracle", "grammar", "train")}
    return _evaluation_kind(argparse.Namespace(**(args | flags)), run)


def test_evaluate_builds_the_kind_once_with_the_flags_files_in_place_of_the_runs(tmp_path):
    """`evaluate --run DIR` with --grammar/--train, --references or --oracle: the run's own files
    where no flag names one, the flags' files where one does, each read once by the kind itself."""
    from seqgan_gumbel.data.oracle import load_oracle, random_oracle

    run = _tiny({"data.grammar": "arith", "data.num_train": 64, "data.num_test": 16}, tmp_path / "g")
    own = _evaluation_kind(run)
    assert own.grammar.name == "arith" and own.train == [tuple(l.split()) for l in
                                                          (tmp_path / "g" / "train.txt").read_text().splitlines()]
    (tmp_path / "t.txt").write_text("x + y\ny * x\n")
    given = _evaluation_kind(run, grammar="kusner", train=str(tmp_path / "t.txt"))
    assert given.grammar.name == "kusner" and given.train == [("x", "+", "y"), ("y", "*", "x")]
    assert given.test_ids.equal(own.test_ids)            # held-out NLL stays on the run's test.txt
    alone = _evaluation_kind(None, grammar="kusner")
    assert alone.grammar.name == "kusner" and alone.train is None and alone.test_ids is None

    (tmp_path / "c.txt").write_text("".join(f"a cat sat on mat {i % 7}\n" for i in range(80)))
    run = _tiny({"data.kind": "corpus", "data.path": str(tmp_path / "c.txt")}, tmp_path / "c")
    test_lines = (tmp_path / "c" / "test.txt").read_text().splitlines()
    (tmp_path / "r.txt").write_text("a dog sat\n\na cat ran\n")
    k = _evaluation_kind(run, references=str(tmp_path / "r.txt"))
    assert k.references == ["a dog sat", "a cat ran"] and k.source == str(tmp_path / "r.txt")
    assert k.test_lines == test_lines and len(k.test_ids) == len(test_lines)
    assert _evaluation_kind(run).references == test_lines
    assert _evaluation_kind(None, self_bleu=True).references is None

    random_oracle(0, vocab=30, emb=4, hidden=4).save(tmp_path / "o.npz")
    run = _tiny({"data.kind": "oracle", "data.oracle_params": str(tmp_path / "o.npz"), "data.num_train": 64,
                 "data.num_test": 16, "data.max_len": 8}, tmp_path / "o")
    random_oracle(1, vocab=30, emb=4, hidden=4).save(tmp_path / "o2.npz")
    k = _evaluation_kind(run, oracle=str(tmp_path / "o2.npz"))
    other = load_oracle(tmp_path / "o2.npz")
    drawn = other.sample(4, 8, seed=0)
    assert k.source == str(tmp_path / "o2.npz") and k.oracle.nll(drawn) == other.nll(drawn)
    assert _evaluation_kind(run).oracle.nll(drawn) != other.nll(drawn)       # the run's own oracle
    assert k.test_ids.equal(_evaluation_kind(run).test_ids)
    assert _evaluation_kind(run).source == str(tmp_path / "o" / "oracle.npz")

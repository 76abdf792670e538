"""SeqGAN's synthetic benchmark: sequences drawn from an oracle LSTM whose likelihood is known.

Quality is NLL_oracle (the oracle's NLL of the samples), diversity NLL_test (the generator's
NLL of held-out oracle samples at the same sampling temperature).
"""
from __future__ import annotations

from pathlib import Path

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.kinds.base import Axis, DataKind, EvalOptions, held_out_nll, held_out_text


def oracle_data(dc, device: str = "cpu") -> SequenceData:
    """num_train / num_test sequences drawn from the oracle (the published one, or a seeded random one)."""
    from seqgan_gumbel.data.sequences import SequenceData
    import torch

    from seqgan_gumbel.data.oracle import Oracle, load_oracle, random_oracle
    from seqgan_gumbel.data.vocab import N_SPECIALS, SPECIALS, Vocab

    # The sequences are drawn on the CPU whatever the device, so that a run (or a benchmark run in
    # pieces) trains and is scored on the same data on every machine: CUDA's random stream is not
    # the CPU's.
    oracle = load_oracle(dc.oracle_params) if dc.oracle_params else random_oracle(dc.oracle_seed)
    length = dc.max_len or 20
    # Oracle token k is our id k + N_SPECIALS (after the special tokens); its token text is str(k).
    vocab = Vocab(SPECIALS + tuple(str(k) for k in range(oracle.vocab_size)))
    train = oracle.sample(dc.num_train, length, seed=dc.oracle_seed * 2 + 1) + N_SPECIALS
    test = oracle.sample(dc.num_test, length, seed=dc.oracle_seed * 2 + 2) + N_SPECIALS
    sequences = [tuple(vocab.tokens[i] for i in row) for row in train.tolist()]
    if torch.device(device).type != "cpu":
        oracle = Oracle(oracle.params, device)
    return SequenceData(vocab, sequences, train, length, fixed_length=True, test_ids=test,
                        oracle=oracle, stats={"train": dc.num_train, "test": dc.num_test})


class OracleKind(DataKind):
    name = "oracle"
    quality = Axis("nll_oracle", "NLL_oracle (lower = better quality)")
    diversity = Axis("nll_test", "NLL_test (generator NLL of held-out oracle samples; lower = more diverse)")

    evaluation_files = ("oracle",)

    def __init__(self, oracle, test_ids=None, data=None, source: str = ""):
        self.oracle, self.test_ids, self.data, self.source = oracle, test_ids, data, source

    @staticmethod
    def run_name(dc) -> str:
        return "oracle"

    @classmethod
    def from_config(cls, cfg, device) -> OracleKind:
        data = oracle_data(cfg.data, device)
        return cls(data.oracle, data.test_ids, data)

    @classmethod
    def from_run(cls, run, oracle: str | None = None) -> OracleKind:
        """NLL_oracle under the run's oracle.npz, or the `oracle` file; NLL_test on the run's test.txt."""
        from seqgan_gumbel.metrics.text import oracle_test_ids
        from seqgan_gumbel.data.oracle import load_oracle

        source = run.directory / "oracle.npz"
        own = load_oracle(source)
        test_ids = oracle_test_ids(run.directory, own) if (run.directory / "test.txt").is_file() else None
        return cls(load_oracle(oracle) if oracle else own, test_ids, source=oracle or str(source))

    @classmethod
    def from_files(cls, oracle: str | None = None) -> OracleKind:
        from seqgan_gumbel.data.oracle import load_oracle

        if not oracle:
            raise UserError("evaluating oracle samples needs --oracle FILE.npz or a --run DIR")
        return cls(load_oracle(oracle), source=oracle)

    def write_files(self, out: Path) -> None:
        from seqgan_gumbel.data.sequences import write_lines
        from seqgan_gumbel.data.vocab import N_SPECIALS

        self.oracle.save(out / "oracle.npz")
        # The held-out oracle samples, as oracle token ids, for NLL_test in evaluate and sweep.
        write_lines(out / "test.txt", (" ".join(str(i - N_SPECIALS) for i in row)
                                      for row in self.data.test_ids.tolist()))

    def _ids(self, samples: list[str], where: str = "drawn") -> list[list[int]]:
        from seqgan_gumbel.data.oracle import parse_id_sequences

        return parse_id_sequences(samples, self.oracle.vocab_size, where)

    def _nll_oracle(self, samples: list[str]) -> float:
        import torch

        from seqgan_gumbel.data.oracle import nll_of_sequences

        ids = self._ids(samples)
        if len({len(s) for s in ids}) == 1:
            return self.oracle.nll(torch.tensor(ids))
        return nll_of_sequences(self.oracle, ids)["nll_oracle"]

    def quick_figures(self, samples, gen, held_out) -> dict:
        return {"nll_oracle": self._nll_oracle(samples)} | held_out_nll(gen, self.test_ids, limit=held_out)

    def summary_figures(self, samples, gen) -> dict:
        return {"nll_oracle": self._nll_oracle(samples)} | held_out_nll(gen, self.test_ids)

    def full_figures(self, samples, gen, opts: EvalOptions) -> dict:
        from seqgan_gumbel.data.oracle import nll_of_sequences

        result = {"oracle": self.source, **nll_of_sequences(self.oracle, self._ids(samples, opts.samples_name))}
        return result | held_out_nll(gen, self.test_ids, opts.temperature)

    def sweep_figures(self, samples, gen, temperature, order) -> dict:
        return {"nll_oracle": self._nll_oracle(samples)} | held_out_nll(gen, self.test_ids, temperature)

    def table(self, result: dict) -> str:
        return (f"NLL_oracle {result['nll_oracle']:.4f} nats/token over {result['n_sequences']} "
                f"sequences ({result['n_tokens']} tokens)"
                + (f"; NLL_test {held_out_text(result)}" if held_out_text(result) else ""))

"""The figures `evaluate` and `sweep` report, for grammars, the synthetic oracle and text corpora.

Text metrics (BLEU, Self-BLEU) import neither torch nor the models; likelihoods need a run.
"""
from __future__ import annotations

from pathlib import Path

from seqgan_gumbel.errors import UserError

TEXT_PROTOCOL = "whitespace tokens; every hypothesis against every reference"


def read_text_lines(path: str | Path, what: str, keep_empty: bool) -> list[str]:
    """Lines of a UTF-8 file; samples keep empty lines (empty hypotheses), references do not."""
    from seqgan_gumbel.data.corpus import read_sequences

    return [" ".join(s) for s in read_sequences(path, what=what, keep_empty=keep_empty,
                                                hint=f"check the {what} path")]


def oracle_test_ids(run_dir: str | Path, oracle):
    """A run's held-out oracle samples (its test.txt) as vocabulary ids [N, L], for NLL_test."""
    import torch

    from seqgan_gumbel.data.oracle import parse_id_sequences
    from seqgan_gumbel.data.vocab import N_SPECIALS

    path = Path(run_dir) / "test.txt"
    ids = parse_id_sequences(read_text_lines(path, "test file", False), oracle.vocab_size, str(path))
    return torch.tensor(ids) + N_SPECIALS


def text_scores(samples: list[str], references: list[str] | None, *, orders=(2, 3, 4, 5),
                self_bleu: bool = False, smoothing: bool = True, corpus_level: bool = False) -> dict:
    """BLEU-n of the samples against all references and Self-BLEU-n (leave-one-out) of the samples."""
    from seqgan_gumbel.metrics import bleu

    orders = [int(o) for o in orders]
    if any(o < 1 or o > 9 for o in orders) or not orders:
        raise UserError(f"BLEU orders must be between 1 and 9, got {','.join(map(str, orders))}")
    hyps = [s.split() for s in samples]
    if not any(hyps):
        raise UserError("the samples are all empty: nothing to score")
    out: dict = {"n_hypotheses": len(hyps), "orders": orders,
                 "smoothing": "method1 (epsilon 0.1)" if smoothing else "none (NLTK method0)",
                 "aggregate": "corpus BLEU (NLTK corpus_bleu)" if corpus_level else "mean of sentence BLEU",
                 "tokenization": TEXT_PROTOCOL}
    if references is not None:
        refs = [r.split() for r in references if r.split()]
        if not refs:
            raise UserError("the reference file has no usable (non-empty) lines")
        ref_vocab = {t for r in refs for t in r}
        if not any(t in ref_vocab for h in hyps for t in h):
            raise UserError("the samples and the references share no token: they use different "
                            "vocabularies (token ids against words?); score samples of the same kind")
        out["n_references"] = len(refs)
        if corpus_level:
            out["bleu"] = {str(n): v for n, v in bleu.corpus_bleu(hyps, refs, orders, smoothing).items()}
        else:
            out["bleu"] = {str(n): float(v.mean()) for n, v in bleu.sentence_bleu(hyps, refs, orders, smoothing).items()}
    if self_bleu:
        if len(hyps) < 2:
            raise UserError("Self-BLEU needs at least 2 samples")
        out["self_bleu"] = {str(n): float(v.mean()) for n, v in bleu.self_bleu(hyps, orders, smoothing).items()}
    return out


def encode_lines(run, lines: list[str]):
    """Text lines as a corpus run's token ids [N, max_len + 1] (its tokenizer; longer lines
    truncated to max_len, lines with no token dropped), ready for generator_nll."""
    from seqgan_gumbel.data.corpus import tokenizer_from_json

    ids = [e.ids[: run.max_len] for e in tokenizer_from_json(run.tokenizer_json).encode_batch_fast(lines)]
    return run.vocab.pack([x for x in ids if x], run.max_len + 1)


def likelihoods(run, test_lines: list[str] | None, train_lines: list[str] | None,
                temperature: float = 1.0, z_samples: int = 10) -> dict:
    """NLL_gen: the generator's mean NLL per token of held-out (and training) text, end token included."""

    from seqgan_gumbel.models.drawing import generator_nll

    out: dict = {}
    for name, lines in (("nll_gen_test", test_lines), ("nll_gen_train", train_lines)):
        if not lines:
            continue
        out[name] = generator_nll(run.generator, encode_lines(run, lines), run.vocab.pad, temperature=temperature,
                                  z_samples=z_samples)
    if run.generator.z_dim > 0:
        out["nll_note"] = (f"estimate: the generator draws latent z, so p(x) = E_z p(x|z) is estimated by "
                           f"-log mean over {z_samples} prior draws of z (an upper bound in expectation)")
    out["nll_protocol"] = "lines longer than the run's max_len are truncated to it"
    return out


def small_sample_bleu(samples: list[str], references: list[str], *, size: int = 100, draws: int = 10,
                      orders=(2, 3, 4, 5), seed: int = 0) -> dict:
    """RelGAN's protocol: the mean sentence BLEU-n of only `size` hypotheses against all the
    references, repeated on `draws` random subsets of the samples (seeded, without replacement
    within a draw): {n: {"mean", "std", "draws": [...]}} over the draws. Each hypothesis is scored
    once (its BLEU does not depend on the others), so a draw is a subset mean."""
    import numpy as np

    from seqgan_gumbel.metrics import bleu

    hyps = [s.split() for s in samples]
    if len(hyps) < size:
        raise UserError(f"{len(hyps)} samples are fewer than the {size} a draw takes")
    scores = bleu.sentence_bleu(hyps, [r.split() for r in references if r.split()], orders)
    rng = np.random.default_rng(seed)
    picks = [rng.choice(len(hyps), size, replace=False) for _ in range(draws)]
    out = {}
    for n, s in scores.items():
        means = [float(s[p].mean()) for p in picks]
        out[str(n)] = {"mean": float(np.mean(means)), "std": float(np.std(means, ddof=1)) if draws > 1 else 0.0,
                       "draws": means}
    return out

"""Scores for samples of a toy grammar: validity, uniqueness, novelty, length, exact grammar NLL."""
from __future__ import annotations

from seqgan_gumbel.data.grammar import Grammar


def grammar_scores(samples: list[tuple[str, ...]], grammar: Grammar,
                   train: list[tuple[str, ...]] | None = None) -> dict:
    """Figures over `samples` (token tuples).

    valid: fraction the grammar derives within its length limit. unique: distinct samples /
    samples. novel: fraction of samples not in the training set (None without one).
    nll_valid: mean exact -log P(s | len <= max_len) over the valid samples, per sequence and
    per token (nats; the end of the sequence is not a token here), None without a valid sample (so
    that a run's JSON records null, never NaN).
    """
    n = len(samples)
    if n == 0:
        return {"n": 0}
    valid = [s for s in samples if grammar.is_valid(s)]
    nlls = [grammar.nll(s) for s in valid]
    out = {
        "n": n,
        "valid": len(valid) / n,
        "unique": len(set(samples)) / n,
        "unique_valid": len(set(valid)) / n,
        "mean_length": sum(map(len, samples)) / n,
        "nll_valid": sum(nlls) / len(nlls) if nlls else None,
        "nll_valid_per_token": sum(nlls) / sum(map(len, valid)) if nlls else None,
        "novel": None,
    }
    if train is not None:
        seen = set(train)
        out["novel"] = sum(s not in seen for s in samples) / n
    return out

"""BLEU and Self-BLEU of every hypothesis against a whole reference set, exactly as NLTK, fast.

Definitions are NLTK's `sentence_bleu` with uniform weights: clipped n-gram counts against
the maximum count over all references, the brevity penalty from the closest reference length
(ties to the shorter), smoothing method 1 (epsilon 0.1 for a zero numerator) or none (NLTK's
method 0: a zero precision becomes sys.float_info.min), and 0 when no unigram matches.

Speed: tokens become integer ids and every n-gram a dense integer id (the (n-1)-gram's id
times the vocabulary size plus the last token, compressed with np.unique), so the reference
maxima are computed once for the whole set and each hypothesis costs the same whatever the
number of references. Nothing here imports torch.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

EPSILON = 0.1   # NLTK SmoothingFunction().method1


@dataclass
class _Corpus:
    """Sentences as one flat id array with per-sentence offsets."""

    tokens: np.ndarray     # [total] int64 token ids
    starts: np.ndarray     # [S] offset of each sentence in tokens
    lengths: np.ndarray    # [S]


def _encode(sentences: list[list[str]], index: dict[str, int]) -> _Corpus:
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    flat = np.fromiter((index.setdefault(t, len(index)) for s in sentences for t in s),
                       dtype=np.int64, count=int(lengths.sum()))
    starts = np.zeros(len(sentences), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return _Corpus(flat, starts, lengths)


def _ngram_ids(corpora: list[_Corpus], vocab: int, max_n: int):
    """For each order n = 1..max_n and each corpus: (sentence index, dense n-gram id) of every
    n-gram occurrence. Ids are shared across the corpora."""
    total = [c.tokens.size for c in corpora]
    tokens = np.concatenate([c.tokens for c in corpora])
    # sentence index and end offset of each token position, per corpus
    sent, end = [], []
    for c in corpora:
        s = np.repeat(np.arange(c.lengths.size), c.lengths)
        sent.append(s)
        end.append((c.starts + c.lengths)[s])
    sent_all, end_all = np.concatenate(sent), np.concatenate(end)
    offsets = np.concatenate([[0], np.cumsum(total)])
    # positions in the concatenation: shift each corpus's end offsets by its start
    end_all = end_all + np.repeat(offsets[:-1], total)
    pos = np.arange(tokens.size)
    key = tokens.copy()                     # dense id of the n-gram starting at each position
    out = []
    for n in range(1, max_n + 1):
        valid = pos + n <= end_all
        if n > 1:
            last = np.zeros_like(tokens)                # the n-th token of the n-gram at each position
            last[: max(tokens.size - (n - 1), 0)] = tokens[n - 1:]
            # Positions whose n-gram runs past its sentence all map to -1 (never counted).
            _, key = np.unique(np.where(valid, key * vocab + last, -1), return_inverse=True)
            key = key.reshape(-1)
        per_corpus = []
        for i in range(len(corpora)):
            lo, hi = offsets[i], offsets[i + 1]
            v = valid[lo:hi]
            per_corpus.append((sent_all[lo:hi][v], key[lo:hi][v]))
        out.append(per_corpus)
    return out


def _counts(sent: np.ndarray, gram: np.ndarray, n_grams: int):
    """Distinct (sentence, n-gram) pairs and how often each occurs."""
    pair = sent * n_grams + gram
    uniq, cnt = np.unique(pair, return_counts=True)
    return uniq // n_grams, uniq % n_grams, cnt


def _closest_lengths(hyp_len: np.ndarray, ref_lens: np.ndarray) -> np.ndarray:
    """NLTK's closest reference length: smallest |r - h|, ties to the shorter r."""
    r = np.unique(ref_lens)
    i = np.searchsorted(r, hyp_len)                    # r[i-1] < h <= r[i]
    lo = r[np.clip(i - 1, 0, r.size - 1)]
    hi = r[np.clip(i, 0, r.size - 1)]
    return np.where(np.abs(hi - hyp_len) < np.abs(hyp_len - lo), hi, lo)


def _scores(num: np.ndarray, den: np.ndarray, hyp_len: np.ndarray, closest: np.ndarray,
            orders: list[int], smoothing: bool) -> dict[int, np.ndarray]:
    """Sentence BLEU for each order from per-hypothesis numerators/denominators [max_n, H]."""
    with np.errstate(divide="ignore"):
        bp = np.where(hyp_len > closest, 1.0,
                      np.where(hyp_len == 0, 0.0, np.exp(1 - closest / np.maximum(hyp_len, 1))))
    p = num / den
    if smoothing:
        p = np.where(num == 0, (num + EPSILON) / den, p)
    else:
        p = np.where(num == 0, sys.float_info.min, p)
    logp = np.log(p)
    out = {}
    for n in orders:
        w = 1 / n
        s = np.array([math.fsum(w * lp for lp in col) for col in logp[:n].T.tolist()])
        out[n] = np.where(num[0] == 0, 0.0, bp * np.exp(s))
    return out


def _check_orders(orders) -> list[int]:
    orders = sorted(set(int(o) for o in orders))
    if not orders or orders[0] < 1 or orders[-1] > 9:
        raise ValueError("BLEU orders must be between 1 and 9")
    return orders


def _clipped_counts(hypotheses: list[list[str]], references: list[list[str]], max_n: int):
    """Per hypothesis and order: clipped matches [max_n, H], n-gram counts [max_n, H] (at least
    1, as NLTK), hypothesis lengths [H] and closest reference lengths [H]."""
    index: dict[str, int] = {}
    hyp, ref = _encode(hypotheses, index), _encode(references, index)
    grams = _ngram_ids([hyp, ref], max(len(index), 1), max_n)
    H = len(hypotheses)
    num = np.zeros((max_n, H))
    den = np.zeros((max_n, H))
    for n, ((hs, hg), (rs, rg)) in enumerate(grams, 1):
        n_grams = int(max(hg.max(initial=-1), rg.max(initial=-1))) + 1
        ref_max = np.zeros(n_grams, dtype=np.int64)
        if rg.size:
            _, r_gram, r_cnt = _counts(rs, rg, n_grams)
            np.maximum.at(ref_max, r_gram, r_cnt)
        if hg.size:
            h_sent, h_gram, h_cnt = _counts(hs, hg, n_grams)
            num[n - 1] = np.bincount(h_sent, weights=np.minimum(h_cnt, ref_max[h_gram]), minlength=H)
        den[n - 1] = np.maximum(1, hyp.lengths - n + 1)
    return num, den, hyp.lengths, _closest_lengths(hyp.lengths, ref.lengths)


def sentence_bleu(hypotheses: list[list[str]], references: list[list[str]], orders=(2, 3, 4, 5),
                  smoothing: bool = True) -> dict[int, np.ndarray]:
    """BLEU-n of every hypothesis against all references: {n: scores [H]}."""
    orders = _check_orders(orders)
    num, den, lengths, closest = _clipped_counts(hypotheses, references, orders[-1])
    return _scores(num, den, lengths, closest, orders, smoothing)


def self_bleu(samples: list[list[str]], orders=(2, 3, 4, 5), smoothing: bool = True) -> dict[int, np.ndarray]:
    """Self-BLEU: each sample against all the other samples (exact leave-one-out)."""
    orders = _check_orders(orders)
    if len(samples) < 2:
        raise ValueError("Self-BLEU needs at least 2 samples")
    max_n = orders[-1]
    index: dict[str, int] = {}
    corp = _encode(samples, index)
    grams = _ngram_ids([corp], max(len(index), 1), max_n)
    S = len(samples)
    num = np.zeros((max_n, S))
    den = np.zeros((max_n, S))
    for n, ((ss, sg),) in enumerate(grams, 1):
        den[n - 1] = np.maximum(1, corp.lengths - n + 1)
        if not sg.size:
            continue
        n_grams = int(sg.max()) + 1
        sent, gram, cnt = _counts(ss, sg, n_grams)
        # Per n-gram: the largest count, how many sentences hold it, and the largest count below it.
        top = np.zeros(n_grams, dtype=np.int64)
        np.maximum.at(top, gram, cnt)
        holders = np.bincount(gram, weights=(cnt == top[gram]), minlength=n_grams)
        second = np.zeros(n_grams, dtype=np.int64)
        below = cnt < top[gram]
        np.maximum.at(second, gram[below], cnt[below])
        others_max = np.where((cnt == top[gram]) & (holders[gram] == 1), second[gram], top[gram])
        num[n - 1] = np.bincount(sent, weights=np.minimum(cnt, others_max), minlength=S)
    # Closest length among the others: one's own length counts only if another sentence shares it.
    lengths = corp.lengths
    uniq, inv, lcount = np.unique(lengths, return_inverse=True, return_counts=True)
    closest = _closest_lengths(lengths, lengths)               # = own length
    alone = lcount[inv] == 1
    if alone.any():
        for L in np.unique(lengths[alone]):
            others = uniq[uniq != L]
            closest[lengths == L] = _closest_lengths(np.array([L]), others)[0]
    return _scores(num, den, lengths, closest, orders, smoothing)


def corpus_bleu(hypotheses: list[list[str]], references: list[list[str]], orders=(2, 3, 4, 5),
                smoothing: bool = True) -> dict[int, float]:
    """NLTK's corpus_bleu with every hypothesis against all references: counts summed first."""
    orders = _check_orders(orders)
    num, den, lengths, closest = _clipped_counts(hypotheses, references, orders[-1])
    scores = _scores(num.sum(1, keepdims=True), den.sum(1, keepdims=True), np.array([lengths.sum()]),
                     np.array([closest.sum()]), orders, smoothing)
    return {n: float(v[0]) for n, v in scores.items()}

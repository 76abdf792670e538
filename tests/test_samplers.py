"""Exactness of the density-ratio samplers on an oracle small enough to enumerate (3 tokens, 3 steps:
27 sequences). Given the exact log ratio, each sampler must draw exactly the distribution it
claims, and its likelihood must be that distribution's: chi-square tests of 5,000-20,000 draws (fixed
seeds; a correct sampler fails one at p < 1e-3 one time in a thousand) and closed forms by
enumeration."""
import itertools
import math

import pytest
import torch
from scipy.stats import chisquare

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.models.generator import Generator
from seqgan_gumbel.data.oracle import random_oracle
from seqgan_gumbel.ratio.model import ExactRatio
from seqgan_gumbel.ratio.samplers import SIR, Guided, Plain, Rejection, make_sampler

V, L, N = 3, 3, 20000
SPACE = torch.tensor(list(itertools.product(range(4, 4 + V), repeat=L)))     # [27, 3] generator ids


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    oracle = random_oracle(3, vocab=V, emb=3, hidden=4)
    gen = Generator(V + 4, 4, 5, L, bos=1, eos=2, pad=0, banned=(0, 1, 2, 3)).eval()
    with torch.no_grad():
        gen.out.weight.mul_(8.0)                     # a generator far from the oracle
    oracle_logp = -oracle.sequence_nll(SPACE - 4)
    return oracle, gen, oracle_logp


def _counts(ids: torch.Tensor) -> torch.Tensor:
    index = {tuple(r): i for i, r in enumerate(SPACE.tolist())}
    out = torch.zeros(len(SPACE))
    for r in ids.tolist():
        out[index[tuple(r)]] += 1
    return out


def _fits(ids, probs) -> float:
    probs = probs / probs.sum()
    return chisquare(_counts(ids).numpy(), (probs * ids.shape[0]).numpy()).pvalue


def _plain_logp(gen, temperature=1.0):
    return Plain(gen, temperature).log_p(SPACE)


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_guide_with_exact_ratio_is_the_oracle(models, temperature):
    oracle, gen, oracle_logp = models
    g = Guided(gen, ExactRatio(oracle, gen, temperature), temperature, strength=1.0)
    assert torch.allclose(g.log_p(SPACE), oracle_logp, atol=1e-5)
    ids, _ = g.draw(N, seed=1)
    assert _fits(ids, oracle_logp.exp()) > 1e-3
    # the generator itself is far from the oracle: the same test refuses its samples
    assert _fits(Plain(gen, temperature).draw(N, seed=1)[0], oracle_logp.exp()) < 1e-6


def test_guide_at_any_strength_samples_its_own_normalised_likelihood(models):
    oracle, gen, oracle_logp = models
    g = Guided(gen, ExactRatio(oracle, gen), 1.0, strength=0.5)
    q = g.log_p(SPACE).exp()
    assert q.sum().item() == pytest.approx(1.0, abs=1e-6)
    assert _fits(g.draw(N, seed=2)[0], q) > 1e-3
    assert not torch.allclose(q, oracle_logp.exp(), atol=1e-3)   # strength 0.5 is not the oracle
    held = g.held_out(SPACE)
    assert held["nll_test"] == pytest.approx(-g.log_p(SPACE).sum().item() / SPACE.numel())


def _sir_exact(p: torch.Tensor, logw: torch.Tensor, k: int) -> torch.Tensor:
    """q_K by enumeration of every set of K - 1 other candidates."""
    w = logw.exp()
    expect = torch.zeros_like(p)
    for others in itertools.product(range(len(p)), repeat=k - 1):
        prob = math.prod(p[j].item() for j in others)
        s = sum(w[j].item() for j in others)
        expect += prob / (w + s)
    return k * p * w * expect


@pytest.mark.parametrize("k", [2, 3])
def test_sir_samples_its_finite_k_distribution(models, k):
    oracle, gen, oracle_logp = models
    sir = SIR(gen, ExactRatio(oracle, gen), 1.0, 1.0, candidates=k, mc_draws=4000)
    p = _plain_logp(gen).exp()
    q = _sir_exact(p, sir.weights(SPACE), k)
    assert q.sum().item() == pytest.approx(1.0, abs=1e-6)
    ids, stats = sir.draw(N, seed=3)
    assert _fits(ids, q) > 1e-3
    assert 1.0 <= stats["ess"] <= k
    # the Monte Carlo likelihood of q_K agrees with the enumerated one within 4 standard errors
    held = sir.held_out(SPACE)
    exact_nll = -q.log().sum().item() / SPACE.numel()
    assert 0 < held["nll_test_se"] < 0.05
    assert abs(held["nll_test"] - exact_nll) < 4 * held["nll_test_se"]


def test_rejection_with_a_true_bound_is_the_oracle(models):
    oracle, gen, oracle_logp = models
    ratio = ExactRatio(oracle, gen)
    bound = ratio.logit(SPACE).max().item()
    rej = Rejection(gen, ratio, 1.0, 1.0, bound=bound, pilot=20000)
    ids, stats = rej.draw(N // 4, seed=4)               # acceptance ~ 4%: 5,000 kept of ~125,000 drawn
    assert _fits(ids, oracle_logp.exp()) > 1e-3
    # acceptance = E_p[exp(r - M)] = exp(-M) exactly, since sum_x p_data(x) = 1
    assert stats["acceptance"] == pytest.approx(math.exp(-bound), rel=0.05)
    held = rej.held_out(SPACE)
    exact = -oracle_logp.sum().item() / SPACE.numel()
    assert abs(held["nll_test"] - exact) < 4 * held["nll_test_se"] + 1e-9


def test_rejection_with_a_low_bound_samples_the_clipped_distribution(models):
    oracle, gen, _ = models
    ratio = ExactRatio(oracle, gen)
    logw = ratio.logit(SPACE).double()
    bound = logw.median().item()
    rej = Rejection(gen, ratio, 1.0, 1.0, bound=bound, pilot=2000)
    q = _plain_logp(gen).exp() * (logw - bound).clamp(max=0).exp()
    assert _fits(rej.draw(N // 2, seed=5)[0], q) > 1e-3


def test_bad_sampling_options_are_refused(models):
    oracle, gen, _ = models
    ratio = ExactRatio(oracle, gen)
    for kw in ({"strength": -1.0}, {"strength": float("nan")}, {"strength": float("inf")}, {"candidates": 0}):
        with pytest.raises(UserError):
            make_sampler(gen, ratio, method="sir", **kw)
    with pytest.raises(UserError, match="fit-ratio"):
        make_sampler(gen, None, method="guide")
    # an acceptance rate too low to finish is refused up front, with the way out
    with pytest.raises(UserError, match="lower --strength"):
        Rejection(gen, ratio, 1.0, 40.0, max_factor=200).draw(10)


def test_guide_with_end_tokens_samples_its_own_likelihood():
    """Sequences of every length (the end token may come at any step, rows leave the batch when
    they end): the guided draws follow the guide's own likelihood, which sums to 1."""
    from seqgan_gumbel.ratio.model import PrefixRatio

    torch.manual_seed(1)
    gen = Generator(6, 4, 5, 3, bos=1, eos=2, pad=0, banned=(0, 1, 3)).eval()
    ratio = PrefixRatio(6, 3, 4, bos=1, pad=0).eval()
    with torch.no_grad():
        ratio.head.weight.normal_(0, 1.5)
    space = set()
    for seq in itertools.product((2, 4, 5), repeat=3):
        seq = list(seq)
        if 2 in seq:
            end = seq.index(2)
            seq = seq[:end + 1] + [0] * (2 - end)
        space.add(tuple(seq))
    space = torch.tensor(sorted(space))                                    # 15 sequences
    g = Guided(gen, ratio, 1.0, strength=1.0, batch_size=4000)
    q = g.log_p(space).exp()
    assert len(space) == 15 and q.sum().item() == pytest.approx(1.0, abs=1e-5)
    ids, _ = g.draw(N, seed=6)
    index = {tuple(r): i for i, r in enumerate(space.tolist())}
    counts = torch.zeros(len(space))
    for r in ids.tolist():
        counts[index[tuple(r)]] += 1
    assert chisquare(counts.numpy(), (q / q.sum() * N).numpy()).pvalue > 1e-3

import numpy as np
import pytest
import torch
from scipy import stats

from seqgan_gumbel.models.gumbel import gumbel_noise, gumbel_softmax


def test_gumbel_max_is_distributed_as_softmax():
    # Goodness of fit of argmax(logits + g) against softmax(logits) on 200k draws.
    torch.manual_seed(1234)
    logits = torch.tensor([2.0, -1.0, 0.5, 0.0, -3.0, 1.2])
    n = 200_000
    _, idx = gumbel_softmax(logits.expand(n, -1), tau=1.0)
    observed = np.bincount(idx.numpy(), minlength=logits.numel())
    expected = torch.softmax(logits.double(), 0).numpy() * n
    _, p = stats.chisquare(observed, expected)
    assert p > 1e-3, (observed, expected)
    # And the test can fail: the same draws are rejected against a slightly different law.
    wrong = torch.softmax(logits.double() + torch.tensor([0.05, 0, 0, 0, 0, 0]), 0).numpy() * n
    assert stats.chisquare(observed, wrong)[1] < 1e-6


def test_samples_approach_one_hot_as_tau_goes_to_zero():
    torch.manual_seed(0)
    logits = torch.randn(2000, 7)
    noise = gumbel_noise(logits.shape)
    gaps = []
    for tau in (2.0, 1.0, 0.1, 0.01, 0.001):
        soft, idx = gumbel_softmax(logits, tau, noise=noise)
        one_hot = torch.nn.functional.one_hot(idx, 7).float()
        gaps.append((soft - one_hot).abs().sum(-1).mean().item())
        assert torch.allclose(soft.sum(-1), torch.ones(2000), atol=1e-5)
        if tau == 0.001:
            # One-hot to 1e-6 unless the top two perturbed logits lie within
            # tau * ln(1e6) = 0.014 of each other, which happens to about 1% of draws.
            assert (soft.max(-1).values > 1 - 1e-6).float().mean() > 0.97
    assert all(a > b for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[-1] < 0.01


def test_straight_through_is_exactly_one_hot_with_the_soft_gradient():
    torch.manual_seed(0)
    base = torch.randn(64, 9)
    noise = gumbel_noise(base.shape)
    weights = torch.randn(64, 9)

    logits_st = base.clone().requires_grad_(True)
    hard, idx = gumbel_softmax(logits_st, 0.5, hard=True, noise=noise)
    assert torch.equal(hard, torch.nn.functional.one_hot(idx, 9).float())
    (hard * weights).sum().backward()

    logits_soft = base.clone().requires_grad_(True)
    soft, _ = gumbel_softmax(logits_soft, 0.5, noise=noise)
    (soft * weights).sum().backward()

    assert torch.equal(logits_st.grad, logits_soft.grad)
    assert logits_st.grad.abs().sum() > 0


def test_gradient_reaches_logits_and_matches_finite_differences():
    torch.manual_seed(3)
    logits = torch.randn(5, dtype=torch.float64, requires_grad=True)
    noise = gumbel_noise((5,), dtype=torch.float64)
    w = torch.randn(5, dtype=torch.float64)
    f = lambda l: (gumbel_softmax(l, 0.7, noise=noise)[0] * w).sum()
    assert torch.autograd.gradcheck(f, (logits,))
    f(logits).backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0


def test_noise_is_finite_even_when_uniform_draw_is_zero(monkeypatch):
    monkeypatch.setattr(torch, "rand", lambda shape, **kw: torch.zeros(shape, dtype=kw.get("dtype")))
    g = gumbel_noise((4, 3))
    assert torch.isfinite(g).all()
    sample, _ = gumbel_softmax(torch.zeros(4, 3), 0.1)
    assert torch.isfinite(sample).all()


def test_noise_has_gumbel_moments():
    torch.manual_seed(0)
    g = gumbel_noise((400_000,), dtype=torch.float64)
    # Mean is the Euler-Mascheroni constant, variance pi^2 / 6; 5 standard errors.
    assert abs(g.mean().item() - np.euler_gamma) < 5 * np.sqrt(np.pi ** 2 / 6 / 400_000)
    assert abs(g.var().item() - np.pi ** 2 / 6) < 0.02


def test_rejects_nonpositive_tau():
    with pytest.raises(ValueError):
        gumbel_softmax(torch.zeros(3), 0.0)


def test_a_token_of_probability_zero_is_never_drawn_even_for_u_zero():
    """u = 0 (one float32 draw in 2^24) once returned token 0, <pad>, whatever its probability."""
    from seqgan_gumbel.models.gumbel import categorical, search_cdf

    inf = float("inf")
    logits = torch.tensor([-inf, -inf, -inf, 0.3, -inf, 1.2, -inf])       # leading and trailing zeros
    u = torch.tensor([0.0, torch.finfo(torch.float32).tiny, 0.5, 1 - 2**-24])
    drawn = categorical(logits.expand(4, -1), u)
    assert drawn.tolist()[0] == 3 and set(drawn.tolist()) <= {3, 5}
    assert drawn.tolist()[-1] == 5                                          # the top end: the last positive token
    cdf = torch.softmax(logits, -1).cumsum(-1).expand(4, -1).contiguous()   # the oracle's sampler searches the same way
    assert torch.equal(search_cdf(cdf, u), drawn)
    # and elsewhere it is the plain inverse CDF: the share of each token over an even grid of u
    grid = (torch.arange(100_000) + 0.5) / 100_000
    counts = torch.bincount(categorical(logits.expand(100_000, -1), grid), minlength=7).double() / 100_000
    assert torch.allclose(counts, torch.softmax(logits.double(), -1), atol=2e-5)

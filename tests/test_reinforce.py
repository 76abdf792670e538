"""The score-function (REINFORCE) estimator: its gradient against the exact gradient by enumeration
of every sequence of a small generator, rollout rewards against their definition, the returns in
closed form, and a run stopped by SIGTERM resumed bit for bit."""
import contextlib
import itertools
import json
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import torch

from seqgan_gumbel.models.discriminator import LSTMDiscriminator
from seqgan_gumbel.models.generator import Generator, end_mask
from seqgan_gumbel.storage.checkpoint import load_checkpoint
from seqgan_gumbel.training.reinforce import ScoreFunction, discounted_returns, rollout_values, terminal_bonus

from conftest import ROOT

PAD, BOS, EOS, V, T = 0, 1, 2, 5, 3          # tokens 3 and 4, the end token 2, three steps


def small_models(per_step: bool):
    torch.manual_seed(3)
    gen = Generator(V, 4, 6, T, bos=BOS, eos=EOS, pad=PAD, banned=(PAD, BOS))
    disc = LSTMDiscriminator(V, 4, 6, pad=PAD, per_step=per_step)
    with torch.no_grad():                       # a critic with a clear opinion, so rewards differ
        for p in disc.parameters():
            p.mul_(4)
    disc.requires_grad_(False)
    return gen, disc


def every_sequence() -> torch.Tensor:
    """All 15 sequences the generator can emit: padding after the first end token, deduplicated."""
    raw = torch.tensor(list(itertools.product((EOS, 3, 4), repeat=T)))
    ids = raw.masked_fill(end_mask(raw, EOS) == 0, PAD)
    return torch.unique(ids, dim=0)


def sequence_reward(disc, ids):
    return torch.sigmoid(disc(ids))                          # the standard loss's reward


def prefix_rewards(disc, ids):
    scores, real = disc.prefix_scores(ids)
    return ((2 * torch.sigmoid(scores) - 1) * real).sum(1)   # dense rewards, no discount


def prefix_rewards_and_whole(disc, ids, weight=0.5):
    """Dense rewards plus weight times the whole string's reward (its last prefix's)."""
    scores, real = disc.prefix_scores(ids)
    r = (2 * torch.sigmoid(scores) - 1) * real
    last = real.sum(1).long() - 1
    return r.sum(1) + weight * r.gather(1, last.unsqueeze(1)).squeeze(1)


def exact_gradient(gen, disc, total_reward) -> tuple[torch.Tensor, float]:
    seqs = every_sequence()
    p = torch.exp(-gen.token_nll(seqs))
    assert abs(float(p.detach().sum()) - 1) < 1e-5                    # the enumeration is complete
    objective = (p * total_reward(disc, seqs)).sum()
    grads = torch.autograd.grad(objective, list(gen.parameters()))
    return torch.cat([g.flatten() for g in grads]), float(objective.detach())


def estimates(gen, disc, rewards: str, batches: int = 100, batch: int = 256, terminal: float = 0.0) -> torch.Tensor:
    tr = SimpleNamespace(loss="standard", rewards=rewards, rollouts=2, discount=1.0, baseline_decay=0.9,
                         entropy_weight=0.0, terminal_reward=terminal)
    sf = ScoreFunction(tr, gen, disc, batch, None, contextlib.nullcontext)
    out = []
    for _ in range(batches):
        loss, sums = sf.loss()
        grads = torch.autograd.grad(loss, list(gen.parameters()), allow_unused=True)
        out.append(-torch.cat([(g if g is not None else torch.zeros_like(p)).flatten()
                               for g, p in zip(grads, gen.parameters())]))
        sf.update(*sums.tolist())
    assert sf.baseline != 0.0                                # the baseline was in use
    return torch.stack(out)


@pytest.mark.parametrize("rewards, per_step, total, terminal", [
    ("rollout", False, sequence_reward, 0.0), ("dense", True, prefix_rewards, 0.0),
    ("dense", True, prefix_rewards_and_whole, 0.5)])            # train.terminal_reward = 0.5
def test_reinforce_gradient_matches_the_exact_gradient_by_enumeration(rewards, per_step, total, terminal):
    gen, disc = small_models(per_step)
    exact, _ = exact_gradient(gen, disc, total)
    torch.manual_seed(0)
    est = estimates(gen, disc, rewards, terminal=terminal).double()
    mean, se = est.mean(0), est.std(0) / est.shape[0] ** 0.5
    exact = exact.double()
    moving = se > 0                  # the banned tokens' output weights: no gradient, no spread
    assert torch.all(exact[~moving].abs() < 1e-7)
    z = (mean[moving] - exact[moving]) / se[moving]
    # 340 coordinates: under the null the largest |z| is near 3.5; above 5 has p ~ 2e-4.
    assert z.abs().max() < 5, float(z.abs().max())
    # Along the exact gradient's direction: unbiased there within 4 standard errors, and the
    # gradient is far from zero there, so an estimator that is off (zero, the wrong sign, the
    # reward of another step) fails this test.
    u = exact / exact.norm()
    along = est @ u
    se_along = float(along.std() / len(along) ** 0.5)
    assert abs(float(along.mean()) - float(exact.norm())) < 4 * se_along
    assert float(exact.norm()) > 10 * se_along


def test_log_probs_and_entropy_match_the_step_distributions():
    gen, _ = small_models(False)
    seqs = every_sequence()
    logp, entropy = gen.step_log_probs(seqs, entropy=True)
    assert torch.allclose(logp.sum(1), -gen.token_nll(seqs), atol=1e-5)
    dist = torch.distributions.Categorical(logits=gen.logits(seqs))
    real = seqs != PAD
    assert torch.allclose(entropy[real], dist.entropy()[real], atol=1e-5)
    assert torch.all(entropy[~real] == 0) and torch.all(logp[~real] == 0)
    (g,) = torch.autograd.grad(entropy.sum(), [gen.out.weight])
    assert torch.isfinite(g).all()                           # banned tokens (p = 0) give no NaN


def test_rollout_values_follow_their_definition():
    gen, disc = small_models(False)
    torch.manual_seed(1)
    tokens = gen.generate(64, need_relaxed=False).tokens
    seen = []

    def first_token_reward(ids):
        seen.append(ids)
        return (ids[:, 0] == 3).float() + 0.5 * (ids[:, 1] == 4).float()

    values = rollout_values(gen, tokens, None, first_token_reward, 5)
    assert torch.equal(values[:, -1], first_token_reward(tokens))      # the last token: the sequence's own
    # Every completion keeps its prefix verbatim, five per row, rows in order.
    for t, ids in enumerate(seen[:-2]):
        assert torch.equal(ids[:, :t + 1], tokens[:, :t + 1].repeat_interleave(5, 0))
    # From the second token on, the reward is fixed by the prefix: the value is exact.
    assert torch.allclose(values[:, 1], first_token_reward(tokens))
    # The first token's value: the mean over completions of what the second token brings.
    seqs = every_sequence()
    with torch.no_grad():                       # the exact values: no gradient needed
        p = torch.exp(-gen.token_nll(seqs))
        r = sequence_reward(disc, seqs)
    rows = torch.tensor([[3, PAD, PAD], [4, PAD, PAD]])
    n = 4000
    got = rollout_values(gen, rows, None, lambda ids: sequence_reward(disc, ids), n)[:, 0]
    for i, first in enumerate((3, 4)):
        cond = p * (seqs[:, 0] == first)
        cond = cond / cond.sum()
        mean = float((cond * r).sum())
        sd = float((cond * (r - mean) ** 2).sum()) ** 0.5
        assert abs(float(got[i]) - mean) < 4 * sd / n ** 0.5, (float(got[i]), mean)


def test_discounted_returns_in_closed_form():
    r = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0]])              # the sequence ended at the third token
    got = discounted_returns(r, mask, 0.5)
    assert torch.allclose(got, torch.tensor([[1 + 0.5 * 2 + 0.25 * 3, 2 + 0.5 * 3, 3.0, 0.0]]))


def test_terminal_bonus_credits_every_token_with_the_whole_strings_reward():
    r = torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])   # ended at the third, the first
    assert torch.equal(terminal_bonus(r, mask, 0.5), torch.tensor([[1.5, 1.5, 1.5, 0.0], [2.5, 0.0, 0.0, 0.0]]))
    tr = SimpleNamespace(loss="standard", rewards="dense", discount=0.5, terminal_reward=0.5)
    disc = SimpleNamespace(prefix_scores=lambda ids: (ids.float(), None))
    sf = ScoreFunction(tr, None, disc, 2, None, contextlib.nullcontext)
    ids = torch.tensor([[0, 1, 2, 3]])
    p = 2 * torch.sigmoid(ids.float()) - 1                      # the dense rewards of these scores
    got = sf._returns(ids, torch.tensor([[1.0, 1.0, 1.0, 0.0]]), None, 0.0)
    want = discounted_returns(p, torch.tensor([[1.0, 1.0, 1.0, 0.0]]), 0.5) + 0.5 * p[0, 2] * torch.tensor([1.0, 1, 1, 0])
    assert torch.allclose(got, want)


SETS = ["data.num_train=300", "data.num_test=60", "train.batch_size=16", "train.mle_steps=20",
        "train.adv_steps=60", "train.log_every=5", "train.eval_samples=16", "train.eval_test=40",
        "train.num_samples=16", "train.checkpoint_every=6", "train.threads=1", "log.report=false",
        "discriminator.num_filters=8", "train.estimator=reinforce", "train.rollouts=2", "train.grad_variance=2"]


def _train(out, *extra):
    cmd = [sys.executable, "-m", "seqgan_gumbel", "train", "--quiet", *extra]
    if "--resume" not in extra:
        cmd += ["--out", str(out), *[a for s in SETS for a in ("--set", s)]]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_reinforce_run_stopped_by_sigterm_resumes_bit_identical(tmp_path):
    ref = _train(tmp_path / "ref")
    _, err = ref.communicate(timeout=600)
    assert ref.returncode == 0, err
    out = tmp_path / "run"
    proc = _train(out)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        lines = (out / "metrics.jsonl").read_text().splitlines() if (out / "metrics.jsonl").is_file() else []
        if lines and lines[-1].endswith("}") and json.loads(lines[-1])["global_step"] >= 35:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    stopped = load_checkpoint(out)
    assert 35 <= stopped["global_step"] < 80 and stopped["reinforce_baseline"] != 0.0
    again = _train(out, "--resume", str(out))
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    a, b = load_checkpoint(tmp_path / "ref"), load_checkpoint(out)
    assert a["reinforce_baseline"] == b["reinforce_baseline"]
    for part in ("generator", "discriminator"):
        assert all(torch.equal(a[part][k], b[part][k]) for k in a[part])
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert "g_grad_var" in rows[-1] and rows[-1]["g_grad_var"] > 0
    assert (out / "samples.txt").read_text() == (tmp_path / "ref" / "samples.txt").read_text()

"""ScratchGAN's critic ingredients: a layer-normalised LSTM, the loss on every prefix, an L2 penalty."""
import copy

import numpy as np
import pytest
import torch

from seqgan_gumbel.models.critics import l2_penalty, loss_scores
from seqgan_gumbel.models.discriminator import LSTMDiscriminator
from seqgan_gumbel.models.recurrent import LayerNormLSTM
from seqgan_gumbel.setup.config import load_config

PER_STEP = ["discriminator.kind=lstm", "discriminator.per_step=true", "discriminator.minibatch_std=false"]


def _numpy_layer_norm_lstm(m: LayerNormLSTM, x: np.ndarray) -> np.ndarray:
    """The recurrence written out in numpy from the module's weights: gates = layer norm (biased
    variance, eps 1e-5, gain and shift) of x W_x^T + h W_h^T, plus the bias; i, g, f, o."""
    w_x, w_h = (p.detach().double().numpy() for p in (m.input.weight, m.hidden.weight))
    gain, shift = m.norm.weight.detach().double().numpy(), m.norm.bias.detach().double().numpy()
    bias = m.bias.detach().double().numpy()
    sig = lambda v: 1 / (1 + np.exp(-v))
    b, t_max, _ = x.shape
    h = np.zeros((b, m.hidden_dim))
    c = np.zeros((b, m.hidden_dim))
    out = []
    for t in range(t_max):
        a = x[:, t] @ w_x.T + h @ w_h.T
        a = (a - a.mean(1, keepdims=True)) / np.sqrt(a.var(1, keepdims=True) + 1e-5) * gain + shift + bias
        i, g, f, o = np.split(a, 4, axis=1)
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        out.append(h)
    return np.stack(out, 1)


def test_layer_norm_lstm_is_the_recurrence_and_forgets_its_weights_scale():
    """Against a numpy loop of the same equations; the forget bias starts at 1; and scaling both
    weight matrices leaves the output unchanged (the normalisation's whole point: an LSTM without
    it, or with the bias inside the normalisation, changes)."""
    torch.manual_seed(0)
    m = LayerNormLSTM(5, 6)
    with torch.no_grad():                        # a gain and shift other than 1 and 0, so they count
        m.norm.weight.uniform_(0.5, 1.5)
        m.norm.bias.uniform_(-0.5, 0.5)
    assert torch.equal(m.bias.view(4, 6)[2], torch.ones(6)) and m.bias.view(4, 6)[[0, 1, 3]].abs().sum() == 0
    x = torch.randn(3, 7, 5)
    out, (h, c) = m(x)
    assert out.shape == (3, 7, 6) and h.shape == (1, 3, 6) and c.shape == (1, 3, 6)
    assert torch.equal(h[0], out[:, -1])
    np.testing.assert_allclose(out.detach().double().numpy(), _numpy_layer_norm_lstm(m, x.double().numpy()),
                               atol=1e-5)
    with torch.no_grad():
        m.input.weight.mul_(3.0)
        m.hidden.weight.mul_(3.0)
    assert torch.allclose(m(x)[0], out, atol=1e-4)
    plain = torch.nn.LSTM(5, 6, batch_first=True)
    before = plain(x)[0]
    with torch.no_grad():
        plain.weight_ih_l0.mul_(3.0)
        plain.weight_hh_l0.mul_(3.0)
    assert not torch.allclose(plain(x)[0], before, atol=1e-2)


@pytest.mark.parametrize("per_step", [False, True])
def test_the_layer_normalised_critic_scores_and_round_trips(per_step):
    """discriminator.layer_norm builds the critic on LayerNormLSTM; its scores are those of its own
    last state or prefixes, and a critic rebuilt from its state dict scores identically."""
    torch.manual_seed(1)
    make = lambda: LSTMDiscriminator(9, 8, 10, 0.0, False, 0, per_step, layer_norm=True)
    critic = make()
    assert isinstance(critic.lstm, LayerNormLSTM)
    ids = torch.tensor([[3, 4, 5, 0, 0], [2, 2, 6, 7, 1]])
    other = make()
    other.load_state_dict(critic.state_dict())
    assert torch.equal(other(ids), critic(ids))
    out, _ = critic.lstm(critic.embed.weight.t()[ids] * (ids != 0).unsqueeze(-1))
    if per_step:
        scores, real = critic.prefix_scores(ids)
        assert torch.allclose(scores, critic.head.score(out), atol=1e-6)
        assert torch.allclose(critic(ids), (scores * real).sum(1) / real.sum(1), atol=1e-6)
    else:
        assert torch.allclose(critic(ids), critic.head.score(out[:, -1]), atol=1e-6)


def test_loss_scores_are_every_real_prefix_or_one_a_sequence():
    torch.manual_seed(2)
    critic = LSTMDiscriminator(9, 8, 10, 0.0, False, 0, per_step=True)
    ids = torch.tensor([[3, 4, 0, 0], [2, 2, 6, 1], [5, 0, 0, 0]])
    scores, _ = critic.prefix_scores(ids)
    flat = loss_scores(critic, ids, each_prefix=True)
    assert torch.equal(flat, torch.cat([scores[0, :2], scores[1], scores[2, :1]]))
    assert torch.equal(loss_scores(critic, ids, each_prefix=False), critic(ids))


def test_the_critic_step_takes_the_loss_over_every_prefix_plus_the_l2_penalty():
    """One critic step with discriminator.prefix_loss and .l2: its logged loss is the standard
    cross-entropy averaged over every real prefix of the real and of the fake batch it read,
    recomputed here from the critic's weights before the step, plus l2 x sum(w^2) / 2; without
    the two keys it is the cross-entropy of the prefixes' mean score."""
    from seqgan_gumbel.training.trainer import Trainer

    l2 = 1e-3
    base = PER_STEP + ["data.num_train=200", "train.batch_size=8", "train.mle_steps=0", "train.adv_steps=2",
                       "train.d_steps=1", "train.loss=standard", "train.estimator=reinforce",
                       "train.rewards=dense", "discriminator.dropout=0", "discriminator.hidden_dim=12",
                       "discriminator.layer_norm=true", "log.report=false"]
    logged = {}
    for keys in ((), ("discriminator.prefix_loss=true", f"discriminator.l2={l2}")):
        t = Trainer(load_config(None, base + list(keys)), None, progress=False)
        critic = copy.deepcopy(t.disc)           # the weights the critic step starts from
        seen, original = [], t.disc.prefix_scores
        t.disc.prefix_scores = lambda x: seen.append(x.clone()) or original(x)
        torch.manual_seed(3)
        logged[keys] = t.adversarial_step(0.5)["d_loss"]
        real, fake = seen[:2]                    # the critic step's two batches (then the rewards')
        assert real.dtype == torch.long and not torch.equal(real, fake)
        with torch.no_grad():
            (s_real, m_real), (s_fake, m_fake) = critic.prefix_scores(real), critic.prefix_scores(fake)
            if keys:
                ce = (-torch.log(torch.sigmoid(s_real[m_real.bool()]))).mean() \
                     + (-torch.log(1 - torch.sigmoid(s_fake[m_fake.bool()]))).mean()
                expected = ce + l2 * sum(float((p.double() ** 2).sum()) for p in critic.parameters()) / 2
            else:
                mean = lambda s, m: (s * m).sum(1) / m.sum(1)
                expected = (-torch.log(torch.sigmoid(mean(s_real, m_real)))).mean() \
                           + (-torch.log(1 - torch.sigmoid(mean(s_fake, m_fake)))).mean()
        assert logged[keys] == pytest.approx(float(expected), rel=1e-5)
    assert l2_penalty(critic) > 1 and logged[()] != pytest.approx(logged[keys], rel=1e-3)


def test_the_relaxations_generator_loss_is_taken_over_every_prefix_too():
    """With discriminator.prefix_loss the relaxation's generator loss (standard: -log D) is averaged
    over every real prefix of the fake batch it scores, as the critic's loss is."""
    from seqgan_gumbel.training import gstep
    from seqgan_gumbel.training.trainer import Trainer

    base = PER_STEP + ["data.num_train=200", "train.batch_size=8", "train.mle_steps=0", "train.loss=standard",
                       "discriminator.dropout=0", "discriminator.prefix_loss=true", "log.report=false"]
    t = Trainer(load_config(None, base), None, progress=False)
    seen, original = [], t.disc.prefix_scores
    t.disc.prefix_scores = lambda x: seen.append(x.detach().clone()) or original(x)
    t.disc.requires_grad_(False)
    loss = float(gstep.loss(t, 0.5).detach())
    [fake] = seen
    assert fake.is_floating_point()              # the relaxed (straight-through) one-hots
    with torch.no_grad():
        scores, real = original(fake)
    assert 0 < real.sum() < real.numel()         # some rows end early: the mean is not over every position
    assert loss == pytest.approx(float(-torch.log(torch.sigmoid(scores[real.bool()])).mean()), rel=1e-5)

import pytest
import torch

from seqgan_gumbel.models.discriminator import CNNDiscriminator, LSTMDiscriminator, minibatch_std
from seqgan_gumbel.models.generator import FEEDBACK_MODES, Generator, end_mask, one_hot
from seqgan_gumbel.models.losses import LOSSES, discriminator_loss, generator_loss, gradient_penalty

V, T = 9, 8  # ids: 0 pad, 1 bos, 2 eos, 3 unk, then 5 tokens


def make_gen(**kw):
    torch.manual_seed(0)
    return Generator(V, 6, 10, T, bos=1, eos=2, pad=0, banned=(0, 1, 3), **kw)


def test_end_mask_and_padding_after_the_end_token():
    tokens = torch.tensor([[4, 2, 5, 2], [4, 5, 6, 7], [2, 4, 4, 4]])
    assert end_mask(tokens, 2).tolist() == [[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]]
    oh = one_hot(torch.tensor([[4, 2, 0]]), V, pad=0)
    assert oh[0, 2].abs().sum() == 0 and oh[0, 0, 4] == 1


@pytest.mark.parametrize("feedback", FEEDBACK_MODES)
@pytest.mark.parametrize("critic_input", ["one-hot", "relaxed"])
def test_generate_shapes_masks_and_gradients(feedback, critic_input):
    gen = make_gen()
    out = gen.generate(32, tau=0.5, feedback=feedback, critic_input=critic_input)
    assert out.vectors.shape == (32, T, V) and out.tokens.shape == (32, T)
    # Banned tokens never appear; everything after the first end token is padding and zero.
    assert not torch.isin(out.tokens, torch.tensor([1, 3])).any()
    after = out.mask == 0
    assert (out.tokens[after] == 0).all() and (out.vectors[after] == 0).all()
    assert torch.allclose(out.vectors[~after].sum(-1), torch.ones(int((~after).sum())), atol=1e-5)
    if critic_input == "one-hot":
        assert torch.equal(out.vectors, one_hot(out.tokens, V, 0))
    # The discriminator's gradient reaches every generator weight that shapes the sample.
    w = torch.randn(T, V)
    (out.vectors * w).sum().backward()
    assert gen.out.weight.grad.abs().sum() > 0
    assert gen.lstm.weight_hh_l0.grad.abs().sum() > 0
    if feedback != "hard":
        assert gen.embedding.weight.grad.abs().sum() > 0


def test_hard_tokens_follow_the_model_distribution():
    # The first token of generate() is a draw from softmax(first-step logits).
    gen = make_gen()
    with torch.no_grad():
        probs = torch.softmax(gen.logits(torch.zeros(1, T, dtype=torch.long))[0, 0], -1)
        torch.manual_seed(5)
        first = gen.generate(40_000, need_relaxed=False).tokens[:, 0]
    freq = torch.bincount(first, minlength=V).float() / 40_000
    se = (probs * (1 - probs) / 40_000).sqrt()
    assert ((freq - probs).abs() <= 5 * se + 1e-6).all()


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_whole_sampled_sequences_follow_the_model_distribution(temperature):
    """Every complete sequence of a 3-step generator over 2 words, drawn 30,000 times (ended
    rows leave the batch on the CPU), against its exact probability exp(-token_nll): chi-square."""
    from itertools import product

    from scipy.stats import chisquare

    torch.manual_seed(3)
    gen = Generator(5, 4, 6, 3, bos=1, eos=2, pad=0, banned=(0, 1, 3))
    outcomes = []          # every possible output: ends at step 1, 2, 3, or never
    for n in range(1, 4):
        for words in product((4, 2), repeat=n):
            if 2 not in words[:-1]:
                outcomes.append(list(words) + [0] * (3 - n))
    outcomes = [o for o in outcomes if o[-1] != 0 or 2 in o]
    seqs = torch.tensor(outcomes)
    with torch.no_grad():
        probs = torch.exp(-gen.token_nll(seqs, temperature=temperature).double())
        assert probs.sum().item() == pytest.approx(1.0, abs=1e-6)   # the outcomes are exhaustive
        torch.manual_seed(4)
        drawn = gen.generate(30_000, temperature=temperature, need_relaxed=False).tokens
    index = {tuple(o): i for i, o in enumerate(outcomes)}
    counts = torch.bincount(torch.tensor([index[tuple(r)] for r in drawn.tolist()]), minlength=len(outcomes))
    _, p_value = chisquare(counts.numpy(), (probs / probs.sum() * 30_000).numpy())
    assert p_value > 1e-3


def test_drawn_tokens_do_not_depend_on_how_many_rows_are_worked_on_at_once(monkeypatch):
    # On the CPU the [rows, V] logits are computed CPU_ROWS rows at a time to stay in the cache;
    # the random stream is dealt per step over the whole batch, so the draws are the same.
    import seqgan_gumbel.models.generator as generator

    gen = Generator(9, 4, 6, 6, bos=1, eos=2, pad=0, banned=(0, 1))
    drawn = []
    for rows in (10**9, 7):
        monkeypatch.setattr(generator, "CPU_ROWS", rows)
        torch.manual_seed(3)
        with torch.no_grad():
            drawn.append(gen.generate(100, temperature=0.7, need_relaxed=False).tokens)
    assert (drawn[0] == 2).any(1).float().mean() > 0.3       # rows end early: the batch shrinks
    assert torch.equal(drawn[0], drawn[1])


def test_temperature_sharpens_sampling():
    gen = make_gen()
    with torch.no_grad():
        torch.manual_seed(1)
        cold = gen.generate(4000, temperature=0.2, need_relaxed=False).tokens[:, 0]
        torch.manual_seed(1)
        warm = gen.generate(4000, temperature=1.0, need_relaxed=False).tokens[:, 0]
    mode = torch.bincount(warm, minlength=V).argmax()
    assert (cold == mode).float().mean() > (warm == mode).float().mean()


def test_token_nll_matches_a_step_by_step_computation():
    gen = make_gen()
    tokens = torch.tensor([[4, 5, 2, 0, 0, 0, 0, 0], [6, 6, 6, 6, 6, 6, 6, 2]])
    got = gen.token_nll(tokens)
    # Independent: run the LSTM one step at a time and add -log p of each real token.
    with torch.no_grad():
        for b in range(2):
            state, prev, total = None, 1, 0.0
            for t in range(T):
                h, state = gen.lstm(gen.embedding(torch.tensor([[prev]])), state)
                logp = torch.log_softmax(gen.out(h[0, 0]) + gen.logit_mask, -1)
                if tokens[b, t] == 0:
                    break
                total -= logp[tokens[b, t]].item()
                prev = tokens[b, t].item()
            assert got[b].item() == pytest.approx(total, rel=1e-5)


def test_latent_noise_changes_the_initial_state():
    gen = make_gen(z_dim=4)
    tokens = torch.full((2, T), 4)
    z = torch.randn(2, 4)
    a = gen.token_nll(tokens, z)
    assert not torch.allclose(a, gen.token_nll(tokens, -z))
    assert torch.allclose(a, gen.token_nll(tokens, z))


@pytest.mark.parametrize("disc", [
    lambda: CNNDiscriminator(V, 8, (2, 3), 5, 0.0, True),
    lambda: LSTMDiscriminator(V, 8, 6, 0.0, True),
])
def test_discriminators_embed_soft_and_hard_alike_and_ignore_padding(disc):
    torch.manual_seed(0)
    d = disc().eval()
    x = one_hot(torch.randint(4, V, (4, T)), V, 0)
    assert d(x).shape == (4,)
    # A soft input equal to a one-hot is scored exactly like it (same bias-free embedding).
    assert torch.equal(d(x), d(x.clone().requires_grad_(True)).detach())
    e = d.embed(torch.zeros(1, 1, V))
    assert e.abs().sum() == 0


def test_minibatch_std_is_finite_when_samples_coincide():
    feats = torch.ones(16, 5, requires_grad=True)
    s = minibatch_std(feats)
    s.sum().backward()
    assert torch.isfinite(s).all() and torch.isfinite(feats.grad).all()
    assert s[0].item() == pytest.approx(1e-4)
    varied = torch.randn(16, 5)
    assert minibatch_std(varied)[0].item() == pytest.approx(varied.std(0, unbiased=False).mean().item(), rel=1e-5)


def test_gradient_penalty_closed_form_for_a_linear_critic():
    torch.manual_seed(0)
    w = torch.randn(T, V)
    critic = lambda x: (x * w).sum(dim=(1, 2))
    real, fake = torch.rand(6, T, V), torch.rand(6, T, V)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx((w.norm().item() - 1) ** 2, rel=1e-5)


def test_losses_closed_forms():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-1.0, 1.0])
    sp = torch.nn.functional.softplus  # -log sigmoid(x) = softplus(-x)
    assert discriminator_loss("standard", real, fake).item() == pytest.approx(
        (sp(-real).mean() + sp(fake).mean()).item())
    assert generator_loss("standard", None, fake).item() == pytest.approx(sp(-fake).mean().item())
    assert discriminator_loss("rsgan", real, fake).item() == pytest.approx(sp(-(real - fake)).mean().item())
    assert generator_loss("rsgan", real, fake).item() == pytest.approx(sp(-(fake - real)).mean().item())
    assert discriminator_loss("wgan-gp", real, fake).item() == pytest.approx(0.0 - 1.25)
    assert generator_loss("wgan-gp", real, fake).item() == pytest.approx(0.0)
    assert discriminator_loss("hinge", real, fake).item() == pytest.approx(0.25 + 1.0)
    assert set(LOSSES) == {"standard", "rsgan", "wgan-gp", "hinge"}


def test_latent_z_likelihood_is_the_prior_sample_estimate():
    # With latent z, NLL_gen is -log mean_k p(x | z_k) over K prior draws; check against a direct
    # computation with the same draws, and that a z-free generator ignores K.
    from seqgan_gumbel.models.drawing import generator_nll

    gen = make_gen(z_dim=3)
    tokens = torch.tensor([[4, 5, 2, 0, 0, 0, 0, 0], [6, 7, 8, 2, 0, 0, 0, 0]])
    torch.manual_seed(11)
    got = generator_nll(gen, tokens, pad=0, z_samples=4)
    torch.manual_seed(11)
    with torch.no_grad():
        per_z = torch.stack([gen.eval().token_nll(tokens).double() for _ in range(4)])   # [K, B]
    expected = -(torch.logsumexp(-per_z, 0) - torch.log(torch.tensor(4.0, dtype=torch.float64))).sum() / 7
    assert got == pytest.approx(expected.item(), rel=1e-12)
    # Jensen: the estimate is at most the mean single-draw NLL.
    assert got <= per_z.sum(1).mean().item() / 7 + 1e-12
    plain = make_gen()
    assert generator_nll(plain, tokens, 0, z_samples=1) == pytest.approx(generator_nll(plain, tokens, 0, z_samples=9))


@pytest.mark.parametrize("channels,length", [(3, 40), (1, 6), (1, 37)])
def test_lean_conv_max_equals_the_plain_one_with_gradients_and_double_backward(channels, length):
    from seqgan_gumbel.models import discriminator

    torch.manual_seed(0)
    convs = torch.nn.ModuleList(torch.nn.Conv1d(channels, f, w) for w, f in ((2, 4), (5, 3), (3, 6)))
    x = torch.randn(9, channels, length, requires_grad=True)   # lean path where C * 5 < T - 4, else plain

    def plain(inp):
        return torch.cat([torch.relu(conv(inp)).amax(2) for conv in convs], dim=1)

    def lean(inp):
        return discriminator.conv_relu_max(convs, inp)

    # Several chunks of rows, so the chunked pass is exercised too.
    discriminator.CHUNK_ELEMENTS, saved = 40, discriminator.CHUNK_ELEMENTS
    try:
        assert torch.allclose(lean(x), plain(x), atol=1e-6)
        params = [x] + [p for conv in convs for p in conv.parameters()]
        for a, b in zip(torch.autograd.grad(lean(x).pow(2).sum(), params),
                        torch.autograd.grad(plain(x).pow(2).sum(), params)):
            assert torch.allclose(a, b, atol=1e-5)
        # WGAN-GP differentiates the input gradient again.
        g1 = torch.autograd.grad(lean(x).sum(), x, create_graph=True)[0]
        g2 = torch.autograd.grad(plain(x).sum(), x, create_graph=True)[0]
        assert torch.allclose(g1, g2, atol=1e-6)
        w1 = torch.autograd.grad(g1.norm(), convs[1].weight)[0]
        w2 = torch.autograd.grad(g2.norm(), convs[1].weight)[0]
        assert torch.allclose(w1, w2, atol=1e-5)
        with torch.no_grad():
            assert torch.allclose(lean(x), plain(x), atol=1e-6)
    finally:
        discriminator.CHUNK_ELEMENTS = saved


@pytest.mark.parametrize("disc", [
    lambda: CNNDiscriminator(V, 8, (2, 3), 5, 0.0, True, num_rep=4),
    lambda: LSTMDiscriminator(V, 8, 6, 0.0, True),
])
def test_token_ids_are_scored_as_their_one_hots(disc):
    torch.manual_seed(0)
    d = disc().eval()
    tok = torch.randint(4, V, (6, T))
    tok[:, 5:] = 0                                               # padding
    a = d(tok)
    ga = torch.autograd.grad(a.sum(), d.embed.weight)[0]
    b = d(one_hot(tok, V, 0))
    gb = torch.autograd.grad(b.sum(), d.embed.weight)[0]
    assert torch.allclose(a, b, atol=1e-6) and torch.allclose(ga, gb, atol=1e-6)


def test_sampling_without_relaxation_returns_tokens_only():
    out = make_gen().generate(8, need_relaxed=False)
    assert out.vectors is None and out.tokens.shape == (8, T)


def test_dropout_keeps_each_unit_with_probability_one_minus_p_and_rescales():
    from seqgan_gumbel.models.dropout import Dropout

    torch.manual_seed(0)
    d = Dropout(0.25)
    out = d(torch.ones(1000, 1000))
    kept = out != 0
    assert torch.all(out[kept] == 1 / 0.75)
    # 10^6 independent keeps: standard error sqrt(0.75 * 0.25 / 10^6) = 4.3e-4.
    assert abs(kept.float().mean().item() - 0.75) < 5 * 4.33e-4
    x = torch.randn(3, 4)
    assert d.eval()(x) is x


@pytest.mark.parametrize("shared", [True, False])
def test_fused_highway_gate_gradients_and_second_derivatives(shared):
    from seqgan_gumbel.models.discriminator import _HighwayGate

    torch.manual_seed(0)
    h, g, y = (torch.randn(4, 5, dtype=torch.float64, requires_grad=True) for _ in range(3))
    fn = (lambda h, g, y: _HighwayGate.apply(h, h, y)) if shared else _HighwayGate.apply
    gate = torch.sigmoid(h if shared else g)
    assert torch.allclose(fn(h, g, y), gate * torch.relu(h) + (1 - gate) * y)
    assert torch.autograd.gradcheck(fn, (h, g, y))
    assert torch.autograd.gradgradcheck(fn, (h, g, y))


def test_per_step_lstm_critic_is_the_mean_score_of_the_prefixes_up_to_the_end():
    """discriminator.per_step: each prefix x_<=t is scored from the LSTM state after it, and the
    sequence's score is their mean over real positions (padding ignored, ids or vectors alike)."""
    torch.manual_seed(0)
    d = LSTMDiscriminator(7, 5, 6, pad=0, per_step=True).eval()
    ids = torch.tensor([[4, 5, 2, 0, 0], [6, 4, 5, 4, 2]])
    got = d(ids)
    for row, length in ((0, 3), (1, 5)):
        prefix_scores = []
        for t in range(1, length + 1):
            out, _ = d.lstm(torch.nn.functional.embedding(ids[row:row + 1, :t], d.embed.weight.t()))
            prefix_scores.append(d.head.score(out[:, -1]))
        assert torch.allclose(got[row], torch.stack(prefix_scores).mean(), atol=1e-6)
    vectors = torch.nn.functional.one_hot(ids, 7).float() * (ids != 0).unsqueeze(-1)
    assert torch.allclose(d(vectors), got, atol=1e-6)


def test_spectral_norm_divides_every_critic_layer_by_its_largest_singular_value():
    """discriminator.spectral_norm: after enough power iterations (one per training forward pass)
    each linear and convolution layer's weight, as [out, in * width], has spectral norm 1 by an
    SVD; the estimates are buffers, so a critic rebuilt from its state dict scores the same."""
    from types import SimpleNamespace

    from seqgan_gumbel.models.critics import CRITICS

    d = SimpleNamespace(emb_dim=6, filter_widths=[2, 3], num_filters=5, dropout=0.0, minibatch_std=True,
                        num_rep=1, highway="gated", head_hidden=4, spectral_norm=True)
    torch.manual_seed(0)
    critic = CRITICS["cnn"](d, V, 0)
    ids = torch.randint(4, V, (8, T))
    for _ in range(200):
        critic(ids)
    layers = [m for m in critic.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv1d))]
    assert len(layers) == 6          # embedding, two convolutions, highway, hidden, score
    for m in layers:
        w = m.weight.detach().reshape(m.weight.shape[0], -1)
        assert torch.linalg.matrix_norm(w, ord=2).item() == pytest.approx(1.0, abs=1e-4)
        raw = m.parametrizations.weight.original.detach().reshape(w.shape[0], -1)
        assert torch.linalg.matrix_norm(raw, ord=2).item() != pytest.approx(1.0, abs=1e-2)
    torch.manual_seed(1)
    rebuilt = CRITICS["cnn"](d, V, 0)
    rebuilt.load_state_dict(critic.state_dict())
    assert torch.equal(rebuilt(ids), critic(ids))
    critic.eval(), rebuilt.eval()
    assert torch.equal(rebuilt(ids), critic(ids))

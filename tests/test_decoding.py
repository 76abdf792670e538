"""Decoders (temperature, top-k, nucleus) and prompts: the truncation against closed forms, the
likelihood of what a truncated sampler draws against an independent step-by-step computation and
enumeration (27 sequences of 3 tokens), draws against that likelihood by chi-square (fixed seeds,
20,000 draws: a correct sampler fails p < 1e-3 one time in a thousand), and prompts kept verbatim."""
import itertools
import math

import pytest
import torch
from scipy.stats import chisquare

from seqgan_gumbel.data.oracle import random_oracle
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.models.decoding import Decoder, truncate
from seqgan_gumbel.models.drawing import draw_ids
from seqgan_gumbel.models.generator import Generator
from seqgan_gumbel.ratio.model import ExactRatio
from seqgan_gumbel.ratio.samplers import Guided, Plain

V, L, N = 3, 3, 20000
SPACE = torch.tensor(list(itertools.product(range(4, 4 + V), repeat=L)))     # [27, 3] generator ids


@pytest.fixture(scope="module")
def gen():
    torch.manual_seed(0)
    g = Generator(V + 4, 4, 5, L, bos=1, eos=2, pad=0, banned=(0, 1, 2, 3)).eval()
    with torch.no_grad():
        g.out.weight.mul_(4.0)                       # peaked enough that truncation matters
    return g


def _reference_logp(gen, temperature, top_k, top_p):
    """log q of every sequence of SPACE, one step at a time from the teacher-forced logits: the
    step's softmax at the temperature, tokens outside the top-k and the nucleus zeroed (by sorting
    probabilities here, not by the code under test), renormalised."""
    with torch.no_grad():
        logits = gen.logits(SPACE).double() / temperature        # [27, L, V + 4]
    out = torch.zeros(len(SPACE), dtype=torch.float64)
    for i, seq in enumerate(SPACE.tolist()):
        for t, tok in enumerate(seq):
            p = torch.softmax(logits[i, t], -1).tolist()
            order = sorted(range(len(p)), key=lambda j: -p[j])
            keep = set(order[:top_k] if top_k else order)
            mass, nucleus = 0.0, set()
            for j in order:
                if mass >= top_p:
                    break
                nucleus.add(j)
                mass += p[j]
            keep &= nucleus if top_p < 1 else keep
            kept = {j: p[j] for j in keep}
            total = sum(kept.values())
            out[i] += math.log(kept[tok] / total) if tok in kept else -math.inf
    return out


def _fits(ids, logp) -> float:
    index = {tuple(r): i for i, r in enumerate(SPACE.tolist())}
    counts = torch.zeros(len(SPACE))
    for r in ids.tolist():
        counts[index[tuple(r)]] += 1
    probs = logp.exp()
    keep = probs > 0
    assert counts[~keep].sum() == 0, "drew a sequence the decoder gives probability 0"
    if keep.sum() == 1:                              # greedy: one sequence, every draw it
        return 1.0
    return chisquare(counts[keep].numpy(), (probs[keep] / probs[keep].sum() * ids.shape[0]).numpy()).pvalue


def test_truncation_closed_forms():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept = lambda out: (out > -math.inf).int().tolist()[0]
    assert kept(truncate(logits, top_k=2)) == [1, 1, 0, 0]
    assert kept(truncate(logits, top_p=0.8)) == [1, 1, 0, 0]            # 0.5 + 0.3 reaches 0.8
    assert kept(truncate(logits, top_p=0.81)) == [1, 1, 1, 0]
    assert kept(truncate(logits, top_p=0.1)) == [1, 0, 0, 0]            # the most likely token always
    assert kept(truncate(logits, top_k=3, top_p=0.9)) == [1, 1, 1, 0]
    ties = torch.log(torch.tensor([[0.4, 0.2, 0.2, 0.2]]))
    assert kept(truncate(ties, top_k=2)) == [1, 1, 1, 1]                # a tie at the k-th value is kept whole
    assert kept(truncate(ties, top_p=0.5)) == [1, 1, 1, 1]
    assert torch.equal(truncate(logits, top_k=0, top_p=1.0), logits)
    assert torch.equal(truncate(logits, top_k=9), logits)
    assert Decoder(0.7).logits(logits).equal(logits / 0.7)              # no truncation: the temperature alone


@pytest.mark.parametrize("bad", [dict(top_k=-1), dict(top_p=0.0), dict(top_p=1.5), dict(temperature=0.0)])
def test_bad_decoders_are_user_errors(bad):
    with pytest.raises(UserError):
        Decoder(**bad)


@pytest.mark.parametrize("temperature,top_k,top_p", [(1.0, 2, 1.0), (1.0, 0, 0.7), (0.8, 2, 0.9), (1.3, 1, 1.0)])
def test_truncated_sampler_draws_exactly_the_likelihood_it_reports(gen, temperature, top_k, top_p):
    sampler = Plain(gen, temperature, top_k=top_k, top_p=top_p)
    logp = sampler.log_p(SPACE)
    assert torch.allclose(logp, _reference_logp(gen, temperature, top_k, top_p), atol=1e-5)
    assert logp.exp().sum().item() == pytest.approx(1.0, abs=1e-5)     # a distribution over the 27
    assert (logp == -math.inf).any()                                   # truncation removed some
    ids, _ = sampler.draw(N, seed=1)
    assert _fits(ids, logp) > 1e-3


def test_held_out_nll_of_a_truncated_decoder_is_infinite_where_it_cannot_draw(gen):
    plain, cut = Plain(gen), Plain(gen, top_k=1)
    assert math.isfinite(plain.held_out(SPACE)["nll_test"]) and cut.held_out(SPACE)["nll_test"] == math.inf


def test_the_guide_truncates_the_guided_distribution(gen):
    oracle = random_oracle(3, vocab=V, emb=3, hidden=4)
    g = Guided(gen, ExactRatio(oracle, gen, 1.0), 1.0, strength=1.0, top_p=0.8)
    logp = g.log_p(SPACE)
    assert logp.exp().sum().item() == pytest.approx(1.0, abs=1e-5) and (logp == -math.inf).any()
    # without truncation the guide with the exact ratio is the oracle; truncated, it is the oracle's
    # own steps cut to their 0.8 nucleus
    oracle_steps = Guided(gen, ExactRatio(oracle, gen, 1.0), 1.0, strength=1.0)
    assert torch.allclose(oracle_steps.log_p(SPACE), -oracle.sequence_nll(SPACE - 4), atol=1e-5)
    assert _fits(g.draw(N, seed=2)[0], logp) > 1e-3


def test_a_prefix_is_kept_and_the_continuation_follows_the_conditional(gen):
    prefix = torch.tensor([5])
    ids = draw_ids(gen, N, seed=3, prefix=prefix, decoder=Decoder(1.0, top_k=2))
    assert (ids[:, 0] == 5).all()
    logp = Plain(gen, top_k=2).log_p(SPACE)
    conditional = torch.where(SPACE[:, 0] == 5, logp, torch.tensor(-math.inf, dtype=logp.dtype))
    assert _fits(ids, conditional) > 1e-3


def _tiny(out, **overrides):
    import seqgan_gumbel as sg

    return sg.train(None, out, overrides={"train.mle_steps": 40, "train.adv_steps": 0, "train.num_samples": 20,
                                          "train.eval_samples": 10, **overrides})


def test_prompts_are_continued_verbatim_and_unknown_words_named(tmp_path, capsys):
    from seqgan_gumbel.cli.parser import main

    run = _tiny(tmp_path / "g", **{"data.grammar": "arith", "data.num_train": 64, "data.num_test": 16})
    lines = run.sample(40, prompt="x +", top_k=3, seed=1)
    assert len(lines) == 40 and all(line.startswith("x + ") for line in lines)
    assert run.sample(40, top_p=0.9, seed=1) != run.sample(40, seed=1)
    (tmp_path / "prompts.txt").write_text("( y\n")
    assert main(["sample", "--run", str(tmp_path / "g"), "--num", "5", "--prompt", "x +", "--prompts",
                 str(tmp_path / "prompts.txt"), "--top-p", "0.9"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 10 and all(o.startswith("x + ") for o in out[:5]) and all(o.startswith("( y") for o in out[5:])
    for prompt, words in (("x + banana * kiwi", "banana, kiwi"), ("x <eos>", "<eos>"), ("   ", "holds no token"),
                          (" ".join(["x"] + ["+ y"] * 8), "at most 14")):
        assert main(["sample", "--run", str(tmp_path / "g"), "--num", "2", "--prompt", prompt]) == 2
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1, err
    for flag, value in (("--top-k", "-1"), ("--top-p", "0"), ("--top-p", "1.5")):
        with pytest.raises(SystemExit) as stop:
            main(["sample", "--run", str(tmp_path / "g"), flag, value])
        assert stop.value.code == 2 and flag in capsys.readouterr().err
    assert main(["sample", "--run", str(tmp_path / "g"), "--guide", "--prompt", "x"]) == 2
    assert "not with --guide" in capsys.readouterr().err

    (tmp_path / "c.txt").write_text("".join(f"a cat sat on the mat {i % 5}\n" for i in range(60)))
    run = _tiny(tmp_path / "c", **{"data.kind": "corpus", "data.path": str(tmp_path / "c.txt")})
    assert all(line.startswith("a cat ") or line == "a cat" for line in run.sample(20, prompt="a cat"))
    with pytest.raises(UserError, match="zebra not in the run's vocabulary"):
        run.sample(2, prompt="a zebra sat")

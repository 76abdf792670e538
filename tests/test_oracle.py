import json

import numpy as np
import pytest
import torch

from seqgan_gumbel.cli.parser import main
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.data.oracle import load_oracle, random_oracle

from conftest import ORACLE, ROOT, needs_oracle, run_cli


def numpy_nll(params, seq):
    """The README's equations, step by step in float64 numpy: an independent reference."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    sig = lambda x: 1 / (1 + np.exp(-x))
    h, c, prev, total = np.zeros(p["U_i"].shape[0]), np.zeros(p["U_i"].shape[0]), 0, 0.0
    for tok in seq:
        x = p["embedding"][prev]
        i = sig(x @ p["W_i"] + h @ p["U_i"] + p["b_i"])
        f = sig(x @ p["W_f"] + h @ p["U_f"] + p["b_f"])
        o = sig(x @ p["W_o"] + h @ p["U_o"] + p["b_o"])
        g = np.tanh(x @ p["W_c"] + h @ p["U_c"] + p["b_c"])
        c = f * c + i * g
        h = o * np.tanh(c)
        logits = h @ p["W_out"] + p["b_out"]
        m = logits.max()
        total -= logits[tok] - m - np.log(np.exp(logits - m).sum())
        prev = tok
    return total


def test_oracle_nll_matches_the_equations():
    o = random_oracle(5, vocab=50, emb=8, hidden=6)
    seqs = o.sample(7, 12, seed=1)
    got = o.sequence_nll(seqs)
    for s, g in zip(seqs.tolist(), got.tolist()):
        assert g == pytest.approx(numpy_nll(o.params, s), rel=1e-5)


def test_oracle_sampling_follows_its_own_distribution():
    # First tokens are draws from softmax(logits after the start token).
    o = random_oracle(2, vocab=6, emb=4, hidden=4)
    first = o.sample(60_000, 1, seed=3)[:, 0]
    probs = torch.exp(-torch.stack([o.sequence_nll(torch.tensor([[k]])) for k in range(6)]).squeeze(1))
    assert probs.sum().item() == pytest.approx(1.0, abs=1e-6)
    freq = torch.bincount(first, minlength=6).double() / 60_000
    se = (probs * (1 - probs) / 60_000).sqrt()
    assert ((freq - probs).abs() <= 5 * se).all()


def test_oracle_draws_match_a_whole_batch_reference_however_many_rows_are_computed_at_once(monkeypatch):
    # The reference: every row of a batch at once, one uniform per row and step dealt from the
    # seeded stream step by step, the token found on the cumulative softmax.
    import seqgan_gumbel.data.oracle as oracle_module

    o = random_oracle(4, vocab=40, emb=5, hidden=6)
    stream, ref = torch.Generator().manual_seed(9), []
    for b in (30, 30, 5):                                        # 65 rows in batches of 30
        h, c = o._zeros(b)
        tok, seq = torch.zeros(b, dtype=torch.long), []
        for _ in range(8):
            h, c, logits = o._step(o.embedding[tok], h, c)
            u = torch.rand(b, generator=stream)
            tok = torch.searchsorted(torch.softmax(logits, 1).cumsum(1), (u * 1.0).unsqueeze(1)).squeeze(1)
            seq.append(tok.clamp(max=39))
        ref.append(torch.stack(seq, 1))
    monkeypatch.setattr(oracle_module, "CPU_ROWS", 4)
    drawn = o.sample(65, 8, seed=9, batch_size=30)
    assert torch.equal(drawn, torch.cat(ref))
    # BLAS may sum a row in another order for another block size: equal to float rounding.
    assert torch.allclose(o.sequence_nll(drawn), o.sequence_nll(drawn, batch_size=65), rtol=1e-6, atol=0)


def test_random_oracle_is_seeded():
    a, b, c = random_oracle(1), random_oracle(1), random_oracle(2)
    assert np.array_equal(a.params["W_out"], b.params["W_out"])
    assert not np.array_equal(a.params["W_out"], c.params["W_out"])
    assert torch.equal(a.sample(5, 20, seed=0), b.sample(5, 20, seed=0))


@needs_oracle
@pytest.mark.slow
def test_published_oracle_scores_its_own_samples_at_5_75():
    o = load_oracle(ORACLE)
    nll = o.nll(o.sample(10_000, 20, seed=0))
    # RelGAN reports 5.750; sampling noise on 200k tokens is about 0.01.
    assert abs(nll - 5.75) <= 0.03, nll


def test_wrong_oracle_files_are_refused(tmp_path):
    params = random_oracle(0, vocab=20, emb=4, hidden=3).params
    bad = dict(params, W_out=params["W_out"][:, :10])
    np.savez(tmp_path / "bad.npz", **bad)
    with pytest.raises(UserError, match=r"W_out has shape \(3, 10\), expected \(3, 20\)"):
        load_oracle(tmp_path / "bad.npz")
    missing = {k: v for k, v in params.items() if k != "b_c"}
    np.savez(tmp_path / "missing.npz", **missing)
    with pytest.raises(UserError, match="b_c has shape None"):
        load_oracle(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(UserError, match="not a readable .npz"):
        load_oracle(tmp_path / "junk.npz")


def test_evaluate_oracle_command(tmp_path, capsys):
    o = random_oracle(0, vocab=30, emb=4, hidden=4)
    o.save(tmp_path / "o.npz")
    seqs = o.sample(20, 20, seed=0)
    (tmp_path / "ids.txt").write_text("".join(" ".join(map(str, s)) + "\n" for s in seqs.tolist()))
    assert main(["evaluate", "--oracle", str(tmp_path / "o.npz"), "--samples", str(tmp_path / "ids.txt"), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["n_sequences"] == 20 and r["n_tokens"] == 400
    assert r["nll_oracle"] == pytest.approx(o.nll(seqs), rel=1e-9)
    (tmp_path / "bad.txt").write_text("1 2 3\n4 x 5\n")
    assert main(["evaluate", "--oracle", str(tmp_path / "o.npz"), "--samples", str(tmp_path / "bad.txt")]) == 2
    assert "line 2" in capsys.readouterr().err
    (tmp_path / "range.txt").write_text("1 2 30\n")
    assert main(["evaluate", "--oracle", str(tmp_path / "o.npz"), "--samples", str(tmp_path / "range.txt")]) == 2
    assert "0..29" in capsys.readouterr().err


@pytest.mark.slow
def test_short_oracle_training_run_lowers_nll_oracle(tmp_path):
    params = ["--oracle-params", ORACLE] if ORACLE.is_file() else ["--set", "data.kind=oracle"]
    out = tmp_path / "o"
    r = run_cli("train", "--config", "configs/oracle_gan.toml", *params, "--quiet", "--out", out,
                "--set", "data.num_train=2000", "--set", "data.num_test=500", "--set", "train.mle_steps=300",
                "--set", "train.adv_steps=5", "--set", "train.log_every=50", "--set", "train.eval_samples=500",
                "--set", "train.num_samples=500", cwd=ROOT)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows[0]["phase"] == "init"
    first, last = rows[0]["nll_oracle"], rows[-1]["nll_oracle"]
    # Each figure averages 10,000 tokens (standard error about 0.03): 0.15 is a real drop.
    assert last < first - 0.15, (first, last)
    assert rows[-1]["phase"] == "adv"
    ids = (out / "samples.txt").read_text().splitlines()
    assert len(ids) == 500 and all(len(l.split()) == 20 for l in ids)
    r = run_cli("evaluate", "--run", out, "--samples", out / "samples.txt", "--json")
    assert json.loads(r.stdout)["n_tokens"] == 500 * 20

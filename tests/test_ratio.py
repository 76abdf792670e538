"""Fitting a ratio model to a run, and using it from the command line and the Python API.

The learning test runs where the truth is known: an oracle small enough to enumerate (3 tokens,
length 3: 27 sequences), a generator trained only briefly on it, and the KL divergence from the
oracle of the generator and of the guided generator, both by enumeration."""
import itertools
import json
import shutil

import pytest
import torch

from seqgan_gumbel import api
from seqgan_gumbel.cli.parser import main
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.data.oracle import random_oracle
from seqgan_gumbel.ratio.model import load_ratio
from seqgan_gumbel.ratio.fit import RatioConfig, fit_ratio
from seqgan_gumbel.ratio.samplers import Guided, Plain

SPACE = torch.tensor(list(itertools.product(range(4, 7), repeat=3)))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("ratio")
    oracle = base / "tiny.npz"
    random_oracle(3, vocab=3, emb=3, hidden=4).save(oracle)
    out = {"oracle": base / "oracle", "grammar": base / "grammar", "other": base / "other"}
    common = ["train", "--quiet", "--set", "train.adv_steps=0", "--set", "train.log_every=1000",
              "--set", "train.num_samples=10", "--set", "train.eval_samples=10"]
    assert main([*common, "--out", str(out["oracle"]), "--oracle-params", str(oracle), "--set", "data.max_len=3",
                 "--set", "data.num_train=2000", "--set", "data.num_test=500", "--set", "train.mle_steps=10",
                 "--set", "generator.hidden_dim=8", "--set", "generator.emb_dim=4"]) == 0
    assert main([*common, "--out", str(out["other"]), "--oracle-params", str(oracle), "--set", "data.max_len=3",
                 "--set", "data.num_train=200", "--set", "data.num_test=50", "--set", "train.mle_steps=3",
                 "--set", "generator.hidden_dim=8", "--set", "generator.emb_dim=4"]) == 0
    assert main(["train", "--dry-run", "--quiet", "--out", str(out["grammar"]),
                 "--set", "data.validation_fraction=0.3"]) == 0
    return out


def _kl(oracle_logp: torch.Tensor, model_logp: torch.Tensor) -> float:
    return (oracle_logp.exp() * (oracle_logp - model_logp)).sum().item()


def test_a_fitted_ratio_model_moves_the_generator_towards_the_oracle(runs):
    run = api.load(runs["oracle"]).loaded
    oracle = run.kind().oracle
    truth = -oracle.sequence_nll(SPACE - 4)
    model, report = fit_ratio(run, RatioConfig(steps=300, eval_every=50, batch_size=128, lr=3e-3,
                                               held_out=2000, patience=4, pool=20000))
    kl_gen = _kl(truth, Plain(run.generator).log_p(SPACE))
    guided = Guided(run.generator, model).log_p(SPACE)
    assert guided.exp().sum().item() == pytest.approx(1.0, abs=1e-5)
    # a 10-step generator is far from the oracle (KL 0.12 nats); the guide must remove most of the
    # gap (measured: to 0.007)
    assert kl_gen > 0.05
    assert _kl(truth, guided) < 0.2 * kl_gen, (kl_gen, _kl(truth, guided), report["calibrated"])
    assert report["calibrated"]["loss"] < 0.69 and 0 < report["best_step"] <= 300


def test_fit_ratio_then_guided_and_filtered_sampling_from_the_command_line(runs, tmp_path, capsys):
    r = runs["oracle"]
    assert main(["fit-ratio", "--run", str(r), "--steps", "20", "--held-out", "200", "--quiet"]) == 0
    assert "ratio model written" in capsys.readouterr().out
    report = json.loads((r / "ratio.json").read_text())
    assert report["config"]["steps"] == 20 and "calibrated" in report
    for extra in (["--guide"], ["--filter", "sir", "--candidates", "3"], ["--filter", "rejection", "--strength", "0.5"]):
        out = tmp_path / "s.txt"
        assert main(["sample", "--run", str(r), "--num", "30", "--out", str(out), *extra]) == 0
        lines = out.read_text().splitlines()
        assert len(lines) == 30 and all(len(x.split()) == 3 for x in lines)
    assert main(["sweep", "--run", str(r), "--temperatures", "1.0", "--strengths", "0,1", "--num", "50",
                 "--out", str(tmp_path / "sw")]) == 0
    rows = json.loads((tmp_path / "sw" / "sweep.json").read_text())["rows"]
    assert [(x["method"], x["strength"]) for x in rows] == [("plain", 0.0), ("guide", 1.0)]
    assert rows[1]["label"].endswith("guide G=1") and rows[1]["nll_test_se"] == 0.0
    # the API: the same sampler, with its exact likelihood
    loaded = api.load(r)
    texts = loaded.sample(10, method="guide", strength=1.0)
    assert len(texts) == 10


def test_bad_ratio_requests_get_one_line_and_status_2(runs, tmp_path, capsys):
    r, other, grammar = runs["oracle"], runs["other"], runs["grammar"]
    if not (r / "ratio.pt").is_file():
        assert main(["fit-ratio", "--run", str(r), "--steps", "5", "--held-out", "100", "--quiet"]) == 0
    shutil.copy(r / "ratio.pt", tmp_path / "foreign.pt")
    capsys.readouterr()
    out = tmp_path / "never.txt"
    cases = [
        (["sample", "--run", str(other), "--guide"], "fit-ratio"),
        (["sample", "--run", str(other), "--guide", "--ratio", str(tmp_path / "foreign.pt")], "another generator"),
        (["sample", "--run", str(r), "--guide", "--strength", "-1"], "--strength"),
        (["sample", "--run", str(r), "--guide", "--strength", "nan"], "--strength"),
        (["sample", "--run", str(r), "--filter", "sir", "--candidates", "0"], "--candidates"),
        (["sample", "--run", str(r), "--strength", "2"], "--guide or --filter"),
        (["fit-ratio", "--run", str(runs["grammar"]).replace("grammar", "missing")], "checkpoint"),
        (["sweep", "--run", str(other), "--strengths", "0,1", "--temperatures", "1"], "fit-ratio"),
        (["sweep", "--run", str(r), "--strengths", "0,-2", "--temperatures", "1"], "--strength"),
    ]
    for argv, match in cases:
        code = main([*argv, "--out", str(out)] if argv[0] == "sample" else argv)
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and match in err, (argv, err)
        assert not out.exists()
    # a grammar run without a validation split: nothing to fit on, and the fix named
    bare = tmp_path / "bare"
    assert main(["train", "--dry-run", "--quiet", "--out", str(bare)]) == 0
    capsys.readouterr()
    assert main(["fit-ratio", "--run", str(bare), "--steps", "5", "--quiet"]) == 2
    assert "data.validation_fraction" in capsys.readouterr().err
    assert not (bare / "ratio.pt").exists()


def test_ratio_model_on_a_grammar_run_fits_on_its_validation_split(runs):
    run = api.load(runs["grammar"]).loaded
    model, report = fit_ratio(run, RatioConfig(steps=10, eval_every=5, held_out=60))
    assert report["n_held_out"] <= 60
    ids, _ = Guided(run.generator, model).draw(20)
    assert ids.shape[0] == 20
    with pytest.raises(UserError, match="fit-ratio"):
        load_ratio(run)          # fit_ratio returns the model; saving it is the caller's (fit-ratio's) choice


def test_a_frozen_ratio_model_trains_only_its_head_on_the_generators_features(runs, capsys):
    run = api.load(runs["oracle"]).loaded
    model, report = fit_ratio(run, RatioConfig(freeze=True, steps=20, eval_every=10, held_out=200, pool=1000))
    gen = run.generator
    assert torch.equal(model.embedding.weight, gen.embedding.weight)
    for name, p in gen.lstm.named_parameters():
        assert torch.equal(getattr(model.lstm, name), p), name
    assert model.head.weight.abs().sum() > 0 and report["config"]["freeze"] is True   # the head has learned
    with pytest.raises(UserError, match="init generator"):
        fit_ratio(run, RatioConfig(freeze=True, init="scratch", steps=2))
    assert main(["fit-ratio", "--run", str(runs["other"]), "--freeze", "--init", "scratch", "--quiet"]) == 2
    assert "init generator" in capsys.readouterr().err


def test_train_can_fit_the_ratio_model_at_its_end(tmp_path, capsys):
    out = tmp_path / "g"
    assert main(["train", "--dry-run", "--quiet", "--fit-ratio", "--out", str(out),
                 "--set", "data.validation_fraction=0.3"]) == 0
    assert "ratio model written" in capsys.readouterr().out
    run = api.load(out)
    assert load_ratio(run.loaded)[1]["report"]["config"]["steps"] == 4
    assert len(run.sample(5, method="sir", candidates=2)) == 5
    # without a validation split there is nothing to fit on: refused before training, nothing written
    bare = tmp_path / "bare"
    assert main(["train", "--dry-run", "--quiet", "--fit-ratio", "--out", str(bare)]) == 2
    assert "data.validation_fraction" in capsys.readouterr().err and not bare.exists()

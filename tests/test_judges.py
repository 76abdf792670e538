"""The judges (LM score, reverse-LM score, MAUVE, Fréchet distance): their arithmetic against
independent references (scipy's sqrtm, a step-by-step LSTM), the judge's cache, and the proof
where the truth is known: on a small seeded oracle they must rank temperatures as NLL_oracle and
NLL_test do (Spearman ≥ 0.95, the issue's bar), and on arith as validity and diversity do."""
import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from scipy.linalg import sqrtm
from scipy.stats import spearmanr

from seqgan_gumbel.data.grammar import load_grammar
from seqgan_gumbel.data.oracle import random_oracle
from seqgan_gumbel.data.vocab import Vocab
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.evaluation import lm
from seqgan_gumbel.evaluation.distances import frechet_distance, mauve_score
from seqgan_gumbel.evaluation.judge import Judge, JudgeConfig, find_judge, fit_judge
from seqgan_gumbel.evaluation.lm import LMRecipe

TINY = JudgeConfig(lm=LMRecipe(emb_dim=32, hidden_dim=64, layers=1, dropout=0.0, max_epochs=10, lr=3e-3),
                   reverse=LMRecipe(emb_dim=16, hidden_dim=32, layers=1, dropout=0.0, max_epochs=8, patience=1, lr=1e-2))


def test_frechet_distance_against_scipy_and_closed_forms():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(400, 6)), rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 0.5
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    want = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca + cb - 2 * sqrtm(ca @ cb).real)
    assert frechet_distance(a, b) == pytest.approx(want, rel=1e-9)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(a, a + 3.0) == pytest.approx(6 * 9.0, rel=1e-12)     # a shift: |c|^2
    assert frechet_distance(a, 2 * a) == pytest.approx(np.trace(ca) + ((a.mean(0)) ** 2).sum(), rel=1e-9)


def test_mauve_is_near_one_for_one_distribution_and_near_zero_for_two():
    rng = np.random.default_rng(1)
    p, q = rng.normal(size=(2000, 8)), rng.normal(size=(2000, 8))
    assert mauve_score(p, q) > 0.9
    assert mauve_score(p, q + 4.0) < 0.1


def _reference_nll_and_state(model, row: list[int], pad: int):
    """One token at a time through the LSTM, carrying its state: summed NLL and the last state."""
    state, total, x = None, 0.0, torch.tensor([[model.bos]])
    for tok in [t for t in row if t != pad]:
        out, state = model.lstm(model.embedding(x), state)
        total -= torch.log_softmax(model.out(out[0, -1]), -1)[tok].item()
        last, x = out[0, -1], torch.tensor([[tok]])
    return total, last


def test_lm_likelihood_and_features_against_a_step_by_step_lstm():
    vocab = Vocab.from_tokens("a b c d".split())
    ids = lm.encode(vocab, ["a b c", "d", "", "a a a a a a", "b zebra"], max_len=5)
    assert ids[3].tolist() == [4, 4, 4, 4, 4, 2] and ids[4].tolist() == [5, 3, 2, 0, 0, 0]   # truncated; <unk>
    torch.manual_seed(0)
    model = lm.LSTMLM(len(vocab), LMRecipe(emb_dim=5, hidden_dim=7, layers=2, dropout=0.3), vocab.bos).eval()
    nll, lengths = lm.per_sequence_nll(model, ids, vocab.pad, batch_size=2)
    states = lm.last_states(model, ids, vocab.pad, batch_size=2)
    for i, row in enumerate(ids.tolist()):
        total, last = _reference_nll_and_state(model, row, vocab.pad)
        assert nll[i].item() == pytest.approx(total, rel=1e-5) and lengths[i] == sum(t != 0 for t in row)
        assert torch.allclose(states[i], last, atol=1e-6)
    assert lm.mean_nll(model, ids, vocab.pad) == pytest.approx(float(nll.sum() / lengths.sum()))


def test_a_fit_is_seeded_keeps_its_best_epoch_and_leaves_the_callers_random_state():
    vocab = Vocab.from_tokens("a b c".split())
    rng = np.random.default_rng(0)
    lines = [" ".join(rng.choice(["a b", "b c", "c a"], size=3)) for _ in range(200)]
    train, valid = lm.encode(vocab, lines[:150], 10), lm.encode(vocab, lines[150:], 10)
    recipe = LMRecipe(emb_dim=8, hidden_dim=16, layers=1, dropout=0.0, max_epochs=6, patience=1, lr=0.05)
    before = torch.get_rng_state()
    m1, h1 = lm.fit(vocab, train, valid, recipe)
    assert torch.equal(torch.get_rng_state(), before)
    m2, h2 = lm.fit(vocab, train, valid, recipe)
    assert h1 == h2 and all(torch.equal(a, b) for a, b in zip(m1.state_dict().values(), m2.state_dict().values()))
    best = min(h1, key=lambda h: h["valid_nll"])
    assert lm.mean_nll(m1, valid, vocab.pad) == pytest.approx(best["valid_nll"], rel=1e-6)
    assert len(h1) < 6 or best["epoch"] >= 5       # stopped after one epoch without improvement, or ran out


def test_a_judge_is_cached_by_its_text_and_settings_and_found_again(tmp_path, monkeypatch):
    lines = [f"w{i % 7} w{i % 5} w{i % 3}" for i in range(120)]
    config = JudgeConfig(lm=LMRecipe(emb_dim=8, hidden_dim=8, layers=1, max_epochs=2))
    judge = fit_judge(lines, None, config)
    assert (judge.directory / "judge.json").is_file() and judge.info["train_lines"] == 114
    monkeypatch.setattr(lm, "fit", lambda *a, **k: pytest.fail("a cached judge was fitted again"))
    again = fit_judge(lines, None, config)
    assert again.directory == judge.directory and torch.equal(again.ids(lines[:3]), judge.ids(lines[:3]))
    assert find_judge(lines).digest == judge.digest and find_judge(lines[:-1]) is None
    assert find_judge([f"  {line}\t " for line in lines]).digest == judge.digest    # spacing: the same text
    assert Judge.load(judge.directory).lm_score(lines[:5]) == judge.lm_score(lines[:5])
    with pytest.raises(UserError, match="other text or settings"):
        fit_judge(lines[:-1], None, config, out=judge.directory)
    with pytest.raises(UserError, match="no judge.json"):
        Judge.load(tmp_path)
    info = json.loads((judge.directory / "judge.json").read_text())
    (judge.directory / "judge.json").write_text(json.dumps(info | {"format": 99}))
    with pytest.raises(UserError, match="fit it again"):
        Judge.load(judge.directory)
    with pytest.raises(UserError, match="real held-out text"):
        judge.figures(lines[:5], None, ("lm", "mauve"))


def _text(ids) -> list[str]:
    return [" ".join(map(str, r)) for r in ids.tolist()]


def test_on_the_oracle_the_judges_rank_as_the_truth_does(tmp_path):
    """The oracle at seven temperatures, and a perturbed oracle (another model), as generators:
    the LM score must rank them as NLL_oracle, the reverse-LM score as NLL_test (each generator's
    NLL of held-out real samples); MAUVE of real against real near 1, falling away from T = 1."""
    oracle, length = random_oracle(3, vocab=40, emb=16, hidden=16), 10
    params = {k: v + np.random.default_rng(5).normal(0, 0.5, v.shape).astype(v.dtype) for k, v in oracle.params.items()}
    other = type(oracle)(params)
    test_ids = oracle.sample(1000, length, seed=2)
    judge = fit_judge(_text(oracle.sample(3000, length, seed=1)), None, TINY, out=tmp_path / "judge")
    temperatures = (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0)
    truth, judged = [], []
    for model, t in [(oracle, t) for t in temperatures] + [(other, 1.0)]:
        ids = model.sample(1000, length, seed=10, temperature=t)
        truth.append((oracle.nll(ids), float(model.sequence_nll(test_ids, temperature=t).sum() / test_ids.numel())))
        judged.append(judge.figures(_text(ids), _text(test_ids), ("lm", "reverse", "mauve")))
    nll_oracle, nll_test = zip(*truth)
    assert spearmanr(nll_oracle, [j["lm_score"] for j in judged]).statistic >= 0.95
    assert spearmanr(nll_test, [j["reverse_lm"] for j in judged]).statistic >= 0.95
    real = judge.figures(_text(oracle.sample(1000, length, seed=11)), _text(test_ids), ("mauve",))
    assert real["mauve"] > 0.9
    mauve = [j["mauve"] for j in judged[:len(temperatures)]]
    # away from T = 1 on each side MAUVE does not rise by more than its quantisation noise (0.03:
    # real against real gives 0.96, not 1, at 1,000 samples), and the extremes are clearly lower
    for side in (mauve[3::-1], mauve[3:]):
        assert all(b <= a + 0.03 for a, b in zip(side, side[1:])) and side[-1] < side[0] - 0.1


def test_on_arith_the_judges_rank_validity_and_diversity():
    """Quality: grammar strings with a growing share corrupted (a token swapped), so validity is
    known; the LM score must rank them as invalidity does. Diversity: strings drawn from pools of
    fewer and fewer distinct grammar strings (mode collapse); the reverse-LM score must rise."""
    grammar = load_grammar("arith")
    lines = [" ".join(s) for s in grammar.samples(6000, seed=0)]
    judge = fit_judge(lines[:3000], None, TINY)
    test = lines[3000:4000]
    symbols = sorted({w for line in lines for w in line.split()})
    rng = np.random.default_rng(0)

    def corrupt(line: str, p: float) -> str:
        words = line.split()
        if rng.random() < p:
            words[rng.integers(len(words))] = symbols[rng.integers(len(symbols))]
        return " ".join(words)

    fresh = lines[4000:5000]
    ladders = [[corrupt(s, p) for s in fresh] for p in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)]
    invalid = [1 - np.mean([grammar.is_valid(tuple(s.split())) for s in ladder]) for ladder in ladders]
    assert spearmanr(invalid, [judge.lm_score(ladder)["lm_score"] for ladder in ladders]).statistic >= 0.95
    pools = (1000, 300, 100, 30, 10)
    collapsed = [[lines[5000 + i] for i in rng.integers(0, k, size=1000)] for k in pools]
    reverse = [judge.reverse_lm(c, test)["reverse_lm"] for c in collapsed]
    assert spearmanr([-math.log(k) for k in pools], reverse).statistic >= 0.95


def test_judge_fit_then_evaluate_and_sweep_find_it(tmp_path, capsys):
    """The user's path: judge fit --run, then evaluate and sweep judge by themselves; decoders in
    sweep each get a curve; truncated held-out NLL is JSON null with the undrawable share."""
    import seqgan_gumbel as sg
    from seqgan_gumbel.cli.parser import main

    run_dir = tmp_path / "g"
    run = sg.train(None, run_dir, overrides={"train.mle_steps": 40, "train.adv_steps": 0, "train.num_samples": 20,
                                             "train.eval_samples": 10, "data.num_train": 400, "data.num_test": 200})
    with pytest.raises(UserError, match="fit_judge"):
        run.evaluate(num=50, judge="found")
    assert main(["evaluate", "--run", str(run_dir), "--num", "50", "--json"]) == 0
    assert "lm_score" not in json.loads(capsys.readouterr().out)           # no judge yet: none used
    assert main(["judge", "fit", "--run", str(run_dir), "--hidden", "16", "--layers", "1", "--emb", "8",
                 "--epochs", "2", "--reverse-epochs", "1", "--quiet"]) == 0
    assert "validation NLL" in capsys.readouterr().out
    assert main(["evaluate", "--run", str(run_dir), "--num", "60", "--top-k", "1", "--json",
                 "--judges", "lm,reverse,mauve"]) == 0
    result = json.loads(capsys.readouterr().out)          # strict JSON: an infinite NLL would not parse
    assert result["nll_test"] is None and 0 < result["test_undrawable"] <= 1
    assert {"lm_score", "reverse_lm", "mauve", "frechet", "judge"} <= set(result)
    assert main(["evaluate", "--run", str(run_dir), "--num", "60", "--no-judge", "--json"]) == 0
    assert "lm_score" not in json.loads(capsys.readouterr().out)
    assert run.evaluate(num=60, judge="found", judges=("lm",))["judge"] == result["judge"]
    same = JudgeConfig(lm=LMRecipe(emb_dim=8, hidden_dim=16, layers=1, max_epochs=2),
                       reverse=dataclasses.replace(JudgeConfig().reverse, max_epochs=1))
    assert run.fit_judge(same).digest[:16] == result["judge"]          # the command's judge, from the cache
    out = tmp_path / "sweep"
    assert main(["sweep", "--run", str(run_dir), "--num", "40", "--temperatures", "0.8,1.2", "--top-k", "2",
                 "--top-p", "0.5,0.9", "--out", str(out)]) == 0
    rows = json.loads((out / "sweep.json").read_text())["rows"]
    assert [(r["top_k"], r["top_p"]) for r in rows] == [(0, 1.0)] * 2 + [(2, 1.0)] * 2 + [(0, 0.5)] * 2 + [(0, 0.9)] * 2
    assert len({r["label"] for r in rows}) == 4 and all("lm_score" in r and "mauve" in r for r in rows)
    assert (out / "sweep.png").stat().st_size > 0
    for args, words in ((["evaluate", "--run", str(run_dir), "--judges", "lm,bleu"], "choose among"),
                        (["evaluate", "--run", str(run_dir), "--judge", str(tmp_path)], "no judge.json"),
                        (["evaluate", "--run", str(run_dir), "--judge", str(tmp_path), "--no-judge"], "contradict"),
                        (["sweep", "--run", str(run_dir), "--top-p", "1.5"], "--top-p"),
                        (["judge", "fit", "--run", str(tmp_path)], "no train.txt")):
        try:
            code = main(args)
        except SystemExit as stop:
            code = stop.code
        err = capsys.readouterr().err
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err


def test_the_reverse_lm_stopped_on_real_lines_trains_on_every_sample(monkeypatch):
    lines = [f"w{i % 7} w{i % 5} w{i % 3}" for i in range(40)]
    judge = fit_judge(lines, None, JudgeConfig(lm=LMRecipe(emb_dim=8, hidden_dim=8, layers=1, max_epochs=1),
                                               reverse=LMRecipe(emb_dim=8, hidden_dim=8, layers=1, max_epochs=1)))
    seen = []
    real_fit = lm.fit

    def spy(vocab, train, valid, recipe, *a):
        seen.append((len(train), valid))
        return real_fit(vocab, train, valid, recipe, *a)

    monkeypatch.setattr(lm, "fit", spy)
    samples, real = lines[:30], lines[30:36]
    judge.reverse_lm(samples, lines[36:])
    assert seen[-1][0] == 27                                   # 10% of the samples held out to stop the fit
    out = judge.reverse_lm(samples, lines[36:], stop_on=real)
    assert seen[-1][0] == 30 and torch.equal(seen[-1][1], judge.ids(real, judge.config.reverse.max_len))
    assert out["reverse_lm_epochs"] == 1
    with pytest.raises(UserError, match="stopping text is empty"):
        judge.reverse_lm(samples, lines[36:], stop_on=[])

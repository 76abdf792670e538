import json

import pytest

from seqgan_gumbel.cli.parser import main

TEXT = ["a man rides a horse on the beach", "two dogs play in the snow", "a cat sleeps on a sofa",
        "the horse eats hay in the barn", "a dog runs on the beach", "two cats play with a ball"] * 10


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("sweep")
    corpus = base / "text.txt"
    corpus.write_text("\n".join(TEXT) + "\n")
    out = {}
    for name, extra in (("grammar", []), ("grammar2", ["--set", "train.seed=1"]),
                        ("oracle", ["--set", "data.kind=oracle"]),
                        ("corpus", ["--set", "data.kind=corpus", "--set", f"data.path={corpus}"])):
        out[name] = base / name
        assert main(["train", "--dry-run", "--quiet", "--out", str(out[name]), *extra]) == 0
    return out


@pytest.mark.parametrize("kind, keys", [("grammar", {"valid", "nll_valid", "unique"}),
                                        ("oracle", {"nll_oracle", "nll_test"}),
                                        ("corpus", {"bleu", "self_bleu"})])
@pytest.mark.slow
def test_sweep_writes_curves(runs, kind, keys, tmp_path, capsys):
    out = tmp_path / "sw"
    assert main(["sweep", "--run", str(runs[kind]), "--temperatures", "0.3,1.0,2.0", "--num", "200",
                 "--out", str(out)]) == 0
    result = json.loads((out / "sweep.json").read_text())
    assert result["kind"] == kind and len(result["rows"]) == 3
    assert keys <= set(result["rows"][0])
    assert (out / "sweep.csv").read_text().count("\n") == 4
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    for r in result["rows"]:
        assert all(r[k] == r[k] for k in keys)   # finite, not NaN


def test_sweep_several_runs_on_one_plot_and_errors(runs, tmp_path, capsys):
    out = tmp_path / "two"
    assert main(["sweep", "--run", str(runs["grammar"]), "--label", "a", "--run", str(runs["grammar2"]),
                 "--label", "b", "--temperatures", "0.5,1", "--num", "50", "--out", str(out)]) == 0
    rows = json.loads((out / "sweep.json").read_text())["rows"]
    assert [r["label"] for r in rows] == ["a", "a", "b", "b"]
    capsys.readouterr()
    for argv, match in ((["--run", str(runs["grammar"]), "--run", str(runs["oracle"])], "different data kinds"),
                        (["--run", str(runs["grammar"]), "--temperatures", "0,1"], "positive"),
                        (["--run", str(runs["grammar"]), "--label", "x", "--label", "y"], "one per --run")):
        assert main(["sweep", *argv, "--num", "20", "--out", str(tmp_path / "bad")]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and match in err, err


def test_evaluate_corpus_run_reports_bleu_and_nll_gen(runs, capsys):
    assert main(["evaluate", "--run", str(runs["corpus"]), "--num", "100", "--self-bleu", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["n_hypotheses"] == 100 and r["references"].endswith("test.txt")
    assert set(r["bleu"]) == {"2", "3", "4", "5"} and "self_bleu" in r
    assert r["nll_gen_test"] > 0 and r["nll_gen_train"] > 0


def test_corpus_sweep_rows_match_evaluate_at_the_same_temperature_and_seed(runs, tmp_path, capsys):
    """Every corpus row holds BLEU-2..5, Self-BLEU-2..5 and NLL_test, equal to what evaluate
    reports for the same samples (same seed and temperature; evaluate's NLL_gen is at T = 1)."""
    out = tmp_path / "sw"
    assert main(["sweep", "--run", str(runs["corpus"]), "--temperatures", "0.7,1", "--num", "150", "--seed", "3",
                 "--order", "3", "--out", str(out)]) == 0
    cool, one = json.loads((out / "sweep.json").read_text())["rows"]
    capsys.readouterr()
    assert main(["evaluate", "--run", str(runs["corpus"]), "--num", "150", "--seed", "3", "--temperature", "0.7",
                 "--self-bleu", "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert cool["bleu"] == cool["bleu3"] and cool["self_bleu"] == cool["self_bleu3"]
    for n in "2345":
        assert cool[f"bleu{n}"] == pytest.approx(ev["bleu"][n], abs=1e-12)
        assert cool[f"self_bleu{n}"] == pytest.approx(ev["self_bleu"][n], abs=1e-12)
    assert one["nll_test"] == pytest.approx(ev["nll_gen_test"], rel=1e-9)
    assert cool["nll_test"] != pytest.approx(one["nll_test"], rel=1e-3)

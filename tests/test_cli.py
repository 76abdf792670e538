import json
from pathlib import Path

import pytest
import torch

from seqgan_gumbel.cli.parser import main
from seqgan_gumbel.config.schema import describe_keys

from conftest import run_cli


@pytest.fixture(scope="module")
def dry_run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "dry"
    r = run_cli("train", "--dry-run", "--quiet", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "run written to" in r.stdout
    return out


@pytest.mark.slow
def test_dry_run_writes_the_whole_run_directory(dry_run_dir):
    names = {p.name for p in dry_run_dir.iterdir()}
    assert {"config.toml", "vocab.json", "train.txt", "metrics.jsonl", "checkpoint.pt",
            "samples.txt", "summary.json"} <= names
    rows = [json.loads(l) for l in (dry_run_dir / "metrics.jsonl").read_text().splitlines()]
    assert {r["phase"] for r in rows} == {"init", "mle", "adv"}  # both phases ran
    assert all("valid" in r for r in rows)
    assert rows[0]["phase"] == "init" and rows[0]["step"] == 0
    adv = [r for r in rows if r["phase"] == "adv"]
    assert adv[0]["tau"] == 1.0 and adv[-1]["tau"] == pytest.approx(0.1)
    # The checkpoint holds weights, config and vocabulary, and loads without unpickling code.
    from seqgan_gumbel.storage.checkpoint import load_checkpoint

    outer = torch.load(dry_run_dir / "checkpoint.pt", weights_only=True)
    assert set(outer) == {"format", "sha256", "payload"}
    state = load_checkpoint(dry_run_dir)
    assert {"generator", "discriminator", "config", "vocab", "max_len", "opt_g", "rng_cpu"} <= set(state)


def test_sample_and_evaluate_from_a_run(dry_run_dir, tmp_path, capsys):
    out = tmp_path / "s.txt"
    assert main(["sample", "--run", str(dry_run_dir), "--num", "50", "--seed", "3", "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 50
    assert main(["sample", "--run", str(dry_run_dir), "--num", "50", "--seed", "3", "--out", str(tmp_path / "t.txt")]) == 0
    assert (tmp_path / "t.txt").read_text() == out.read_text()  # seeded
    capsys.readouterr()
    assert main(["evaluate", "--run", str(dry_run_dir), "--samples", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    s = result["samples"]
    assert s["n"] == 50 and 0 <= s["valid"] <= 1 and s["novel"] is not None
    assert result["grammar"] == "arith" and result["grammar_reference"]["valid"] == 1.0


def test_evaluate_table_and_figures(tmp_path, capsys):
    f = tmp_path / "s.txt"
    f.write_text("x + y\nx + y\n( x\n\ny * ( x )\n")
    train = tmp_path / "train.txt"
    train.write_text("x + y\n")
    assert main(["evaluate", "--samples", str(f), "--grammar", "arith", "--train", str(train),
                 "--reference", "0", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)["samples"]
    assert s["n"] == 5 and s["valid"] == pytest.approx(3 / 5) and s["unique"] == pytest.approx(4 / 5)
    assert s["novel"] == pytest.approx(3 / 5) and s["mean_length"] == pytest.approx(13 / 5)
    assert main(["evaluate", "--samples", str(f), "--grammar", "arith"]) == 0
    table = capsys.readouterr().out
    assert "valid" in table and "grammar (5 drawn)" in table


def _user_error(capsys, argv, match):
    code = main(argv) if not isinstance(argv, tuple) else None
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and match in err, err


def test_user_errors_are_one_line_with_status_2(tmp_path, capsys):
    out = tmp_path / "run"
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"a fine line\nna\xefve caf\xe9\n")
    utf8 = tmp_path / "utf8.txt"
    utf8.write_text("the quick brown fox\njumps over the lazy dog\n" * 5)
    bad_oracle = tmp_path / "oracle.npz"
    bad_oracle.write_text("not an archive")
    cases = [
        (["train", "--out", str(out), "--set", "data.path=" + str(tmp_path / "none.txt")], "does not exist"),
        (["train", "--out", str(out), "--set", "data.path=" + str(empty)], "is empty"),
        (["train", "--out", str(out), "--set", "data.grammar=nope"], "unknown grammar 'nope'"),
        (["train", "--out", str(out), "--set", "train.bogus=1"], "unknown config key"),
        (["train", "--out", str(out), "--set", "train.adv_steps=many"], "not a valid int"),
        (["sample", "--run", str(tmp_path)], "has no checkpoint"),
        (["sample", "--run", str(tmp_path / "nowhere")], "has no checkpoint"),
        (["evaluate", "--samples", str(empty), "--grammar", "arith"], "is empty"),
        (["evaluate", "--samples", str(tmp_path / "none.txt"), "--grammar", "arith"], "does not exist"),
        (["evaluate", "--samples", str(empty)], "needs something to score against"),
        (["train", "--out", str(out), "--set", "data.kind=corpus", "--set", f"data.path={latin}"],
         "not UTF-8 text (line 2)"),
        (["train", "--out", str(out), "--set", "data.kind=corpus", "--set", f"data.path={latin}",
          "--set", "data.nonsense=1"], "unknown config key"),
        (["train", "--out", str(out), "--oracle-params", str(bad_oracle)], "not a readable .npz"),
        (["train", "--out", str(out), "--set", "data.kind=corpus", "--set", f"data.path={utf8}",
          "--set", "data.tokenizer=bpe", "--set", "data.bpe_vocab_size=8"], "smaller than the corpus alphabet"),
    ]
    for argv, match in cases:
        _user_error(capsys, argv, match)
    assert not out.exists()  # nothing half-written


def test_bad_flags_exit_2(capsys):
    for argv in (["train", "--bogus"], ["sample"], ["frobnicate"], ["sample", "--run", "x", "--num", "ten"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "error" in err


def test_damaged_checkpoint_is_refused(dry_run_dir, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    data = (dry_run_dir / "checkpoint.pt").read_bytes()
    (bad / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    _user_error(capsys, ["sample", "--run", str(bad)], "cannot be read")
    torch.save({"weights": torch.zeros(2)}, bad / "checkpoint.pt")
    _user_error(capsys, ["sample", "--run", str(bad)], "is not a seqgan_gumbel/2 checkpoint")


def test_existing_run_is_not_overwritten_without_asking(dry_run_dir, capsys):
    _user_error(capsys, ["train", "--dry-run", "--quiet", "--out", str(dry_run_dir)], "--overwrite")
    assert (dry_run_dir / "checkpoint.pt").exists()


def test_help_explains_every_option():
    r = run_cli("train", "--help")
    assert r.returncode == 0
    for key in describe_keys().split("\n"):
        assert key.split("=")[0].strip() in r.stdout
    for flag in ("--config", "--set", "--out", "--overwrite", "--dry-run", "--quiet", "--resume", "--oracle-params",
                 "--device"):
        assert flag in r.stdout
    for cmd, flags in (("sample", ("--run", "--num", "--temperature", "--seed", "--out", "--device", "--guide",
                                   "--filter", "--strength", "--candidates", "--ratio")),
                       ("fit-ratio", ("--run", "--temperature", "--steps", "--init", "--objective", "--held-out")),
                       ("sweep", ("--strengths", "--method", "--candidates")),
                       ("evaluate", ("--samples", "--grammar", "--train", "--run", "--reference", "--json"))):
        text = run_cli(cmd, "--help").stdout
        assert all(f in text for f in flags), cmd


def test_example_configs_load():
    from seqgan_gumbel.setup.config import load_config

    configs = sorted((Path(__file__).parents[1] / "configs").glob("*.toml"))
    assert configs
    for c in configs:
        load_config(str(c), [])


def test_default_run_directories_never_collide(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["train", "--dry-run", "--quiet"]) == 0
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(runs) == 2 and all(r.startswith("arith-") for r in runs)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message for a machine without a GPU")
@pytest.mark.slow
def test_train_device_flag(tmp_path):
    r = run_cli("train", "--device", "cuda", "--dry-run", "--quiet", "--out", tmp_path / "g")
    assert r.returncode == 2 and "no CUDA GPU is available" in r.stderr and not (tmp_path / "g").exists()
    assert run_cli("train", "--device", "cpu", "--dry-run", "--quiet", "--out", tmp_path / "c").returncode == 0
    assert json.loads((tmp_path / "c" / "summary.json").read_text())["device"] == "cpu"

"""Hostile inputs and faults, met as a user would meet them: every command answers in one line
with exit status 2 (1 for the machine's faults), prints no traceback, and leaves the file
system as it was; a kill at the wrong moment never strands a run."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from conftest import ROOT, run_cli
from test_resume import SMALL, _sets
from seqgan_gumbel.storage.checkpoint import FORMAT, load_checkpoint, save_checkpoint

OLD_RUN = ROOT / "tests" / "fixtures" / "run_v0_1"
TINY = ["--set", "data.num_train=200", "--set", "data.num_test=50", "--set", "train.batch_size=16",
        "--set", "train.eval_samples=16", "--set", "train.eval_test=16", "--set", "train.num_samples=16",
        "--set", "discriminator.num_filters=8", "--set", "log.report=false"]


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.is_dir(), None if p.is_dir() else p.read_bytes())
            for p in sorted(root.rglob("*"))}


def one_line(r, code: int = 2, match: str = "") -> str:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == code, (r.returncode, r.stderr[-2000:])
    assert len(lines) == 1 and "Traceback" not in r.stderr and "Warning" not in r.stderr, r.stderr[-2000:]
    assert match in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def place(tmp_path):
    """A run to read, a folder, a file, and the path of a folder that does not exist."""
    shutil.copytree(OLD_RUN, tmp_path / "run")
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("not a folder\n")
    return tmp_path


OUTPUTS = [
    (["sample", "--run", "{run}", "--out", "{t}/missing/s.txt"], "does not exist"),
    (["sample", "--run", "{run}", "--out", "{t}/folder"], "is a folder"),
    (["sample", "--run", "{run}", "--out", "{t}/file.txt/s.txt"], "is a file, not a folder"),
    (["toy", "--epochs", "1", "--out", "{t}/missing/h.png"], "does not exist"),
    (["toy", "--epochs", "1", "--out", "{t}/folder"], "is a folder"),
    (["toy", "--epochs", "1", "--out", "{t}/picture.xyz"], "matplotlib cannot write .xyz pictures"),
    (["sweep", "--run", "{run}", "--num", "4", "--out", "{t}/file.txt"], "is a file"),
    (["train", "--dry-run", "--quiet", "--out", "{t}/file.txt/run"], "is a file, not a folder"),
    (["train", "--dry-run", "--quiet", "--out", "{t}/file.txt"], "is a file"),
    (["data", "download", "coco", "--dest", "{t}/file.txt", "--quiet"], "is a file"),
    (["train", "--config", "{t}/folder", "--quiet"], "is a folder, not a file"),
    (["evaluate", "--samples", "{t}/folder", "--grammar", "arith"], "is a folder, not a file"),
]


@pytest.mark.parametrize("argv, match", OUTPUTS, ids=[" ".join(a[:2]) + f" ({m})" for a, m in OUTPUTS])
def test_paths_that_cannot_be_written_or_read(place, argv, match):
    before = snapshot(place)
    r = run_cli(*[a.format(run=place / "run", t=place) for a in argv])
    one_line(r, 2, match)
    assert snapshot(place) == before


def test_a_folder_that_refuses_writes(place):
    target = Path("/sys/seqgan_gumbel_test.txt")    # sysfs refuses new files, even to root
    try:
        target.write_text("x")
        target.unlink()
        pytest.skip("/sys takes writes on this machine")
    except OSError:
        pass
    one_line(run_cli("sample", "--run", place / "run", "--out", target), 2, "cannot write in /sys")
    one_line(run_cli("sweep", "--run", place / "run", "--out", "/sys/seqgan_gumbel_sweep"), 2, "cannot write in /sys")


NUMBERS = [
    (["train", "--set", "relaxation.tau_start=inf"], "relaxation.tau_start: 'inf' is not a valid float"),
    (["train", "--set", "relaxation.tau_end=nan"], "relaxation.tau_end: 'nan' is not a valid float"),
    (["train", "--set", "train.g_lr=inf"], "train.g_lr"),
    (["train", "--set", "train.mle_lr=1e300"], "train.mle_lr: must be in (0, 10]"),
    (["train", "--set", "train.seed=100000000000000000000000"], "train.seed: 100000000000000000000000 is out of range"),
    (["train", "--set", "data.max_len=100000000000000000000"], "data.max_len"),
    (["sample", "--run", "{run}", "--temperature", "inf"], "--temperature: inf must be a positive finite number"),
    (["sample", "--run", "{run}", "--seed", "100000000000000000000000"], "--seed: 100000000000000000000000 is out of range"),
    (["evaluate", "--run", "{run}", "--temperature", "inf"], "--temperature: inf must be a positive finite number"),
    (["sweep", "--run", "{run}", "--temperatures", "1,inf", "--out", "{t}/sw"], "--temperatures '1,inf'"),
    (["toy", "--tau", "nan", "--out", "{t}/h.png"], "--tau: nan must be a positive finite number"),
    (["train", "--set", "data.grammar={t}/big.cfg"], "max_len must be a whole number from 1 to 500"),
    (["train", "--set", "train.estimator=sgd"], "train.estimator: choose one of gumbel, reinforce"),
    (["train", "--set", "train.rewards=sparse"], "train.rewards: choose one of rollout, dense"),
    (["train", "--set", "train.rollouts=0"], "train.rollouts: must be at least 1"),
    (["train", "--set", "train.discount=0"], "train.discount: must be in (0, 1]"),
    (["train", "--set", "train.baseline_decay=1"], "train.baseline_decay: must be in [0, 1)"),
    (["train", "--set", "train.terminal_reward=-1"], "train.terminal_reward: must be 0 (off) or positive"),
    (["train", "--set", "train.terminal_reward=1"], "train.terminal_reward: adds the whole string's reward"),
    (["train", "--set", "train.entropy_weight=-1"], "train.entropy_weight: must be 0 or positive"),
    (["train", "--set", "train.grad_variance=1"], "train.grad_variance: must be 0 (off) or at least 2"),
    (["train", "--set", "train.estimator=reinforce", "--set", "train.rewards=dense"],
     "dense rewards score every prefix: set discriminator.kind=lstm and discriminator.per_step=true"),
]


@pytest.mark.parametrize("argv, match", NUMBERS, ids=[m[:40] for _, m in NUMBERS])
def test_numbers_that_are_not_numbers(place, argv, match):
    (place / "big.cfg").write_text("start S\nmax_len 100000000000000000000\nS -> a 1.0\n")
    before = snapshot(place)
    args = [a.format(run=place / "run", t=place) for a in argv]
    if args[0] == "train":
        args += ["--quiet", "--out", str(place / "new")]
    one_line(run_cli(*args), 2, match)
    assert snapshot(place) == before


def test_grammar_files_that_are_not_utf8_or_never_finish(place):
    (place / "latin1.cfg").write_bytes(b"start S\nmax_len 5\nS -> caf\xe9 1.0\n")
    (place / "loop.cfg").write_text("start S\nmax_len 10\nS -> S a 1.0\n")
    (place / "s.txt").write_text("a a\n")
    before = snapshot(place)
    one_line(run_cli("train", "--set", f"data.grammar={place / 'latin1.cfg'}", "--out", place / "r"), 2, "not UTF-8")
    # S -> S a derives no finite string: refused when the grammar is read, not a hang
    one_line(run_cli("train", "--set", f"data.grammar={place / 'loop.cfg'}", "--out", place / "r", timeout=60),
             2, "never (or hardly ever) finish")
    one_line(run_cli("evaluate", "--samples", place / "s.txt", "--grammar", place / "loop.cfg", timeout=60), 2, "S -> S a")
    assert snapshot(place) == before


def test_report_on_samples_that_are_not_utf8_names_the_file(place):
    (place / "run" / "samples.txt").write_bytes(b"caf\xe9 au lait\n")
    before = snapshot(place)
    line = one_line(run_cli("report", place / "run"), 2, "samples.txt is not UTF-8 text")
    assert "seqgan-gumbel sample --run" in line
    assert snapshot(place) == before


def test_one_pathological_corpus_line_is_refused_naming_it(place):
    lines = ["a man rides a horse"] * 20 + [" ".join(["word"] * 200_000)] + ["two dogs play"] * 20
    (place / "corpus.txt").write_text("\n".join(lines) + "\n")
    (place / "test.txt").write_text("two dogs play\n")
    before = snapshot(place)
    r = run_cli("train", "--dry-run", "--set", "data.kind=corpus", "--set", f"data.path={place / 'corpus.txt'}",
                "--set", f"data.test_path={place / 'test.txt'}", "--out", place / "r")
    line = one_line(r, 2, "line 21 has 200,000 tokens")
    assert "data.max_len" in line and "data.overlong" in line
    assert snapshot(place) == before


def _seal(path: Path, inner) -> None:
    """A checkpoint file with this inner state, sealed as the package seals its own."""
    if isinstance(inner, dict):
        save_checkpoint(path, inner, keep_previous=False)
        return
    import hashlib
    import io

    buf = io.BytesIO()
    torch.save(inner, buf)
    payload = buf.getvalue()
    torch.save({"format": FORMAT, "sha256": hashlib.sha256(payload).hexdigest(),
                "payload": torch.frombuffer(bytearray(payload), dtype=torch.uint8)}, path)


@pytest.mark.slow
def test_damaged_checkpoints_of_every_shape(place):
    from fractions import Fraction

    cases = {"empty": ({}, "it lacks config"), "wrong keys": ({"weights": 1}, "it lacks config"),
             "forbidden type": ({"config": Fraction(1, 2)}, "a type a checkpoint may not hold"),
             "a list": ([1, 2], "holds a list"), "bare pickle": (None, "not a seqgan_gumbel/2 checkpoint")}
    for name, (inner, match) in cases.items():
        d = place / name.replace(" ", "_")
        d.mkdir()
        if inner is None:
            torch.save({"generator": {}}, d / "checkpoint.pt")          # a plain torch file, unsealed
        else:
            _seal(d / "checkpoint.pt", inner)
        one_line(run_cli("sample", "--run", d), 2, match)
        one_line(run_cli("train", "--resume", d, "--quiet"), 2, match)


def test_no_traceback_for_an_internal_error_only_a_line_and_a_file(monkeypatch, capsys):
    from seqgan_gumbel import cli
    from seqgan_gumbel.cli import commands

    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(commands, "toy", broken)
    assert cli.main(["toy"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error: RuntimeError: boom" in err[0], err
    path = Path(err[0].split("the full traceback is in ")[1].split(" (please")[0])
    assert "Traceback" in path.read_text() and "boom" in path.read_text()
    path.unlink()


@pytest.mark.slow
def test_overwrite_replaces_only_the_runs_files(place):
    out = place / "r"
    assert run_cli("train", "--dry-run", "--quiet", "--out", out, *TINY).returncode == 0
    (out / "notes.txt").write_text("my notes\n")
    (out / "extra").mkdir()
    old = (out / "checkpoint.pt").read_bytes()
    r = run_cli("train", "--dry-run", "--quiet", "--out", out, "--overwrite", "--set", "train.seed=5", *TINY)
    assert r.returncode == 0, r.stderr
    assert (out / "notes.txt").read_text() == "my notes\n" and (out / "extra").is_dir()
    assert (out / "checkpoint.pt").read_bytes() != old
    assert not (out / ".previous-run").exists() and not (out / ".lock").exists()


def test_a_failed_overwrite_puts_the_old_run_back(place, monkeypatch):
    from seqgan_gumbel.training import start as training
    from seqgan_gumbel.setup.config import dry_run
    from seqgan_gumbel.setup.config import load_config

    out = place / "r"
    training.train(dry_run(load_config(None, [])), out, progress=False)
    (out / "notes.txt").write_text("mine\n")
    before = snapshot(out)

    def fails(self, resumed=False):
        self.files.write_start(self.cfg, self.kind)      # the new run has begun writing
        raise RuntimeError("the machine fell over")

    monkeypatch.setattr(training.Trainer, "run", fails)
    with pytest.raises(RuntimeError):
        training.train(dry_run(load_config(None, ["train.seed=3"])), out, overwrite=True, progress=False)
    assert snapshot(out) == before


@pytest.mark.slow
def test_a_run_directory_in_use_is_refused_and_a_dead_holders_lock_is_broken(place):
    out = place / "r"
    assert run_cli("train", "--dry-run", "--quiet", "--out", out, *TINY).returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ".lock").write_text(f"{holder.pid} {os.uname().nodename}\n")
        before = snapshot(out)
        one_line(run_cli("train", "--dry-run", "--quiet", "--out", out, "--overwrite", *TINY), 2,
                 f"in use by process {holder.pid}")
        one_line(run_cli("train", "--resume", out, "--set", "train.adv_steps=5", "--quiet"), 2, "in use by process")
        assert snapshot(out) == before
    finally:
        holder.kill()
        holder.wait()
    r = run_cli("train", "--dry-run", "--quiet", "--out", out, "--overwrite", *TINY)
    assert r.returncode == 0 and f"removed the lock of process {holder.pid}" in r.stderr
    assert not (out / ".lock").exists()


@pytest.mark.slow
def test_two_runs_started_at_once_on_one_folder(place):
    out = place / "r"
    cmd = [sys.executable, "-m", "seqgan_gumbel", "train", "--dry-run", "--quiet", "--out", str(out), *TINY]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert sorted(code for code, _ in results) == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert "in use by process" in loser or "is not empty" in loser
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["global_step"] for r in rows] == sorted({r["global_step"] for r in rows})   # one run's log


@pytest.mark.slow
def test_a_kill_while_appending_to_metrics_resumes_bit_identical(place):
    ref, out = place / "ref", place / "killed"
    assert run_cli("train", "--quiet", "--out", ref, *_sets(SMALL)).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "seqgan_gumbel", "train", "--quiet", "--out", str(out),
                             *_sets(SMALL)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and load_step(out) < 50:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # What a kill in the middle of a write leaves: a torn last line, a temporary checkpoint file.
    with open(out / "metrics.jsonl", "a") as f:
        f.write('{"phase": "adv", "step": 99, "global_st')
    (out / ".checkpoint.pt.x1y2z3.tmp").write_bytes(b"partial")
    (out / ".lock").write_text("999999999 " + os.uname().nodename + "\n")     # its holder is dead
    report = run_cli("report", out)
    assert report.returncode == 0 and "dropped its last line" in report.stderr, report.stderr
    r = run_cli("train", "--resume", out, "--quiet")
    assert r.returncode == 0, r.stderr
    assert "dropped its last line" in r.stderr and "removed" in r.stderr
    assert not list(out.glob(".*.tmp")) and not (out / ".lock").exists()
    a, b = load_checkpoint(ref), load_checkpoint(out)
    for part in ("generator", "discriminator"):
        for k, v in a[part].items():
            assert torch.equal(v, b[part][k]), (part, k)
    strip = lambda p: [{k: v for k, v in json.loads(l).items() if k != "elapsed_s"}
                       for l in (p / "metrics.jsonl").read_text().splitlines()]
    assert strip(ref) == strip(out)


def load_step(out: Path) -> int:
    try:
        return load_checkpoint(out)["global_step"]
    except Exception:
        return 0


def test_weights_that_overflow_are_never_checkpointed(tmp_path):
    from seqgan_gumbel.setup.config import dry_run
    from seqgan_gumbel.setup.config import load_config
    from seqgan_gumbel.training.stopping import NonFiniteLoss
    from seqgan_gumbel.training.trainer import Trainer

    out = tmp_path / "r"
    out.mkdir()
    trainer = Trainer(dry_run(load_config(None, [])), out, progress=False)
    trainer.save()
    good = (out / "checkpoint.pt").read_bytes()
    with torch.no_grad():
        trainer.gen.out.weight[0, 0] = float("inf")      # a finite loss, then an overflowing step
    with pytest.raises(NonFiniteLoss, match=r"generator's weights \(out.weight\) became non-finite"):
        trainer.save()
    assert (out / "checkpoint.pt").read_bytes() == good


@pytest.mark.slow
def test_sigterm_during_the_final_sampling_says_how_to_finish(place):
    out = place / "r"
    settings = ["train.mle_steps=5", "train.adv_steps=2", "train.checkpoint_every=0", "train.num_samples=400000",
                "train.eval_samples=16", "train.eval_test=16", "data.num_train=200", "log.report=false"]
    proc = subprocess.Popen([sys.executable, "-m", "seqgan_gumbel", "train", "--quiet", "--out", str(out),
                             *_sets(settings)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (out / "checkpoint.pt").exists():   # written just before sampling
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert len(err.strip().splitlines()) == 1 and "during the final sampling" in err and "--resume" in err
    assert not (out / "summary.json").exists()
    r = run_cli("train", "--resume", out, "--quiet", "--set", "train.num_samples=100")
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "summary.json").read_text())["samples"]["n"] == 100


def test_a_failed_download_leaves_no_folder_behind(tmp_path):
    dest = tmp_path / "a" / "b"
    r = run_cli("data", "download", "coco", "--dest", dest, "--base-url", "http://127.0.0.1:9/none", "--quiet")
    one_line(r, 2, "download of")
    assert not (tmp_path / "a").exists()


def test_toy_reports_the_file_it_wrote(tmp_path):
    r = run_cli("toy", "--epochs", "1", "--out", tmp_path / "heat")
    assert r.returncode == 0 and (tmp_path / "heat.png").is_file()
    assert f"heatmap written to {tmp_path / 'heat.png'}" in r.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_sample_on_a_missing_gpu_names_its_own_flag():
    line = one_line(run_cli("sample", "--run", OLD_RUN, "--device", "cuda"), 2, "no CUDA GPU")
    assert "--device cpu" in line and "--set" not in line

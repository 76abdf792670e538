"""Checkpoints that survive anything: stop a run (SIGTERM, SIGKILL) and resume it bit for bit."""
import json
import signal
import subprocess
import sys
import time

import pytest
import torch

from seqgan_gumbel.storage.checkpoint import load_checkpoint
from seqgan_gumbel.cli.parser import main
from seqgan_gumbel.errors import UserError

from conftest import ROOT, run_cli

SMALL = ["data.num_train=400", "data.num_test=100", "train.batch_size=16", "train.mle_steps=40",
         "train.adv_steps=90", "train.log_every=5", "train.eval_samples=16", "train.eval_test=50",
         "train.num_samples=20", "train.checkpoint_every=7", "train.threads=1",
         "discriminator.num_filters=16", "log.report=false"]


def _sets(items):
    return [a for item in items for a in ("--set", item)]


def _weights(run_dir):
    state = load_checkpoint(run_dir)
    return state["global_step"], {**{f"g.{k}": v for k, v in state["generator"].items()},
                                  **{f"d.{k}": v for k, v in state["discriminator"].items()}}


def _start(out, *extra):
    cmd = [sys.executable, "-m", "seqgan_gumbel", "train", "--quiet", *extra]
    cmd += ["--out", str(out), *_sets(SMALL)] if "--resume" not in extra else []
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_step(proc, out, step, timeout=120):
    """Poll metrics.jsonl until the run has logged `step` (or it ended)."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines() if l.strip()]
        except (FileNotFoundError, json.JSONDecodeError):
            rows = []
        if rows and rows[-1]["global_step"] >= step:
            return
        time.sleep(0.02)
    raise AssertionError(f"run ended or stalled before step {step}")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    r = run_cli("train", "--quiet", "--out", out, *_sets(SMALL), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return out


def _resume(out, *extra):
    r = subprocess.run([sys.executable, "-m", "seqgan_gumbel", "train", "--quiet", "--resume", str(out), *extra],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    return r


@pytest.mark.slow
def test_sigterm_twice_then_resume_is_bit_identical(reference, tmp_path):
    out = tmp_path / "run"
    proc = _start(out)
    _wait_for_step(proc, out, 45)                      # in the adversarial phase
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "--resume" in err and len(err.strip().splitlines()) == 1
    first_stop, _ = _weights(out)
    assert 45 <= first_stop < 130
    proc = _start(out, "--resume", str(out))
    _wait_for_step(proc, out, first_stop + 20)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM
    r = _resume(out)
    assert r.returncode == 0, r.stderr
    step, got = _weights(out)
    ref_step, expected = _weights(reference)
    assert step == ref_step == 130
    assert got.keys() == expected.keys()
    assert all(torch.equal(got[k], expected[k]) for k in got)
    # The metrics log has each step once, as the uninterrupted run's.
    steps = [json.loads(l)["global_step"] for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps))
    assert (out / "samples.txt").read_text() == (reference / "samples.txt").read_text()


@pytest.mark.slow
def test_kill_between_checkpoints_then_resume_is_bit_identical(reference, tmp_path):
    out = tmp_path / "run"
    proc = _start(out)
    _wait_for_step(proc, out, 60)
    proc.send_signal(signal.SIGKILL)                   # no chance to save anything
    proc.communicate(timeout=60)
    stopped, _ = _weights(out)
    assert stopped % 7 == 0 and stopped >= 56          # the last periodic checkpoint
    r = _resume(out)
    assert r.returncode == 0, r.stderr
    _, got = _weights(out)
    _, expected = _weights(reference)
    assert all(torch.equal(got[k], expected[k]) for k in got)


def test_damaged_checkpoint_is_refused_and_the_previous_one_survives(reference, tmp_path, capsys):
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(reference, run)
    prev = run / "checkpoint.prev.pt"
    assert prev.is_file()
    data = bytearray((run / "checkpoint.pt").read_bytes())
    data[len(data) // 2] ^= 0xFF                        # one altered byte inside the payload
    (run / "checkpoint.pt").write_bytes(bytes(data))
    with pytest.raises(UserError, match="SHA-256 check|cannot be read") as e:
        load_checkpoint(run)
    assert "checkpoint.prev.pt" in str(e.value) and "is intact" in str(e.value)
    (run / "checkpoint.pt").write_bytes(bytes(data[: len(data) // 3]))   # truncated
    assert main(["sample", "--run", str(run), "--num", "3"]) == 2
    err = capsys.readouterr().err
    assert "cannot be read" in err and "checkpoint.prev.pt" in err
    assert load_checkpoint(prev)["global_step"] == 126   # the previous one is intact and usable
    assert main(["sample", "--run", str(prev), "--num", "3"]) == 0


def test_non_finite_loss_stops_and_names_the_last_good_checkpoint(tmp_path, monkeypatch):
    from seqgan_gumbel.setup.config import load_config
    from seqgan_gumbel.models.generator import Generator
    from seqgan_gumbel.training.stopping import NonFiniteLoss
    from seqgan_gumbel.training.start import train

    real = Generator.token_nll
    calls = {"n": 0}

    def poisoned(self, tokens, *a, **kw):
        out = real(self, tokens, *a, **kw)
        calls["n"] += 1 if out.requires_grad else 0
        return out * float("nan") if calls["n"] >= 12 else out

    monkeypatch.setattr(Generator, "token_nll", poisoned)
    cfg = load_config(None, SMALL + ["train.checkpoint_every=5"])
    with pytest.raises(NonFiniteLoss, match=r"maximum-likelihood step 12.*checkpoint.pt \(step 10\)"):
        train(cfg, tmp_path / "nan", progress=False)
    assert load_checkpoint(tmp_path / "nan")["global_step"] == 10


def test_resume_of_a_complete_run_is_refused(reference, capsys):
    assert main(["train", "--resume", str(reference)]) == 2
    assert "already complete" in capsys.readouterr().err

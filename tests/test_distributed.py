"""Data-parallel training: 2 processes under torchrun (gloo, CPU) against 1 process with the
same global batch, the shards' random draws, and resume."""
import json
import os
import subprocess
import sys

import pytest
import torch

from seqgan_gumbel.storage.checkpoint import load_checkpoint
from seqgan_gumbel.setup.config import load_config
from seqgan_gumbel.models.generator import Generator
from seqgan_gumbel.training.start import train

# Dropout and minibatch statistics draw per process and see only a process's rows, so the
# comparison with one process turns them off; everything else is the default recipe.
SETTINGS = ["data.num_train=256", "data.num_test=64", "train.batch_size=16", "train.mle_steps=6",
            "train.adv_steps=4", "train.log_every=5", "train.eval_samples=16", "train.eval_test=64",
            "train.num_samples=16", "train.checkpoint_every=4", "discriminator.num_filters=8",
            "discriminator.dropout=0", "discriminator.minibatch_std=false", "train.loss=rsgan",
            "train.threads=1", "log.report=false"]


def torchrun(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "seqgan_gumbel", "train", "--quiet", *args]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def assert_same_weights(a: dict, b: dict) -> None:
    # Two processes sum each gradient in another order than one, and Adam divides by the
    # gradient's running scale, so where a gradient is near zero a rounding difference becomes
    # a visible one: up to 3.4e-6 after these 10 steps on an AMD EPYC (under 1e-6 on the machine
    # this test was written on). A missing or wrong gradient average moves a weight by the
    # order of the learning rate, 5e-3 a step: 250 times this tolerance.
    for part in ("generator", "discriminator"):
        for k, v in a[part].items():
            assert torch.allclose(v, b[part][k], rtol=1e-4, atol=2e-5), (part, k, (v - b[part][k]).abs().max())


@pytest.mark.parametrize("extra", [["discriminator.input=one-hot"], ["discriminator.input=relaxed"],
                                   ["train.estimator=reinforce", "train.rollouts=2"]],
                         ids=["one-hot", "relaxed", "reinforce"])
@pytest.mark.slow
def test_two_processes_match_one_with_the_same_global_batch_and_resume(tmp_path, extra):
    settings = SETTINGS + extra
    one = tmp_path / "one"
    train(load_config(None, settings), one, progress=False)
    two = tmp_path / "two"
    out = torchrun("--out", str(two), *sum((["--set", s] for s in settings), []))
    summary = json.loads((two / "summary.json").read_text())
    assert summary["processes"] == 2 and summary["weight_spread"] == 0.0   # the copies agree
    assert "x 2 processes" in out.stdout
    a, b = load_checkpoint(one), load_checkpoint(two)
    assert a["global_step"] == b["global_step"] == 10
    assert_same_weights(a, b)
    # Only the first process wrote: one metrics log, every logged step once.
    steps = [json.loads(l)["global_step"] for l in (two / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps))
    # Resume from the step-8 checkpoint under torchrun: it ends where the uninterrupted run did.
    assert load_checkpoint(two / "checkpoint.prev.pt")["global_step"] == 8
    again = torchrun("--resume", str(two / "checkpoint.prev.pt"))
    assert f"run written to {two} in" in again.stdout        # the run's folder, not the file resumed
    assert_same_weights(a, load_checkpoint(two))


@pytest.mark.parametrize("need_relaxed", [False, True])
def test_shards_draw_what_one_process_draws_for_the_global_batch(need_relaxed):
    torch.manual_seed(0)
    gen = Generator(9, 6, 10, 8, bos=1, eos=2, pad=0, banned=(0, 1, 3))
    torch.manual_seed(7)
    whole = gen.generate(12, tau=0.5, need_relaxed=need_relaxed)
    parts = []
    for first in (0, 6):
        torch.manual_seed(7)
        parts.append(gen.generate(6, tau=0.5, need_relaxed=need_relaxed, shard=(first, first + 6, 12)))
    assert torch.equal(torch.cat([p.tokens for p in parts]), whole.tokens)
    if need_relaxed:
        assert torch.allclose(torch.cat([p.vectors for p in parts]), whole.vectors, atol=1e-6)
    assert len(set(map(tuple, whole.tokens.tolist()))) > 1     # the rows are not all alike


def test_torchrun_needs_an_out_directory_and_an_even_batch(tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "seqgan_gumbel", "train", "--quiet", "--set", "train.batch_size=15", "--out", str(tmp_path / "r")]
    done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=300)
    assert done.returncode != 0 and "must divide evenly among 2 processes" in done.stderr
    assert not (tmp_path / "r").exists()

"""Runs written before the renames still load, and the refactored loop logs what 0.1.0 logged."""
import json
import math
import shutil

import pytest

from conftest import ROOT, run_cli
from seqgan_gumbel.setup.config import load_config

OLD_RUN = ROOT / "tests" / "fixtures" / "run_v0_1"


@pytest.mark.slow
def test_an_old_run_samples_evaluates_and_resumes(tmp_path):
    run = tmp_path / "old"
    shutil.copytree(OLD_RUN, run)
    r = run_cli("sample", "--run", run, "--num", 5, "--temperature", 0.7)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 5
    r = run_cli("evaluate", "--run", run, "--num", 50, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["samples"]["n"] == 50
    r = run_cli("train", "--resume", run, "--set", "train.adv_steps=5", "--quiet")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["phase"] == "adv" and rows[-1]["step"] == 5


def test_old_config_keys_are_read_with_a_notice_naming_the_new_key(tmp_path):
    r = run_cli("train", "--config", OLD_RUN / "config.toml", "--dry-run", "--quiet", "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    notices = [l for l in r.stderr.splitlines() if "notice" in l]
    assert any("temperature.tau_end is now relaxation.tau_end" in l for l in notices)
    assert any("generator.straight_through is now discriminator.input" in l and "'relaxed'" in l for l in notices)
    cfg = load_config(str(tmp_path / "r" / "config.toml"), [], notify=pytest.fail)   # written with new names
    assert cfg.discriminator.input == "relaxed" and cfg.relaxation.tau_end == 0.5


def test_old_sample_flag_tau_is_the_sampling_temperature_with_a_notice():
    new = run_cli("sample", "--run", OLD_RUN, "--num", 20, "--temperature", 0.5, "--seed", 3)
    old = run_cli("sample", "--run", OLD_RUN, "--num", 20, "--tau", 0.5, "--seed", 3)
    assert old.returncode == 0 and old.stdout == new.stdout
    assert "sample --tau is now --temperature" in old.stderr


# Figures logged since 0.1.0 (a grammar run's samples' grammar NLL, for the from-scratch curves).
ADDED_FIGURES = {"nll_valid"}


def _close(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-7)   # other CPUs may round differently
    return a == b


@pytest.mark.slow
def test_the_dry_run_logs_the_figures_0_1_0_logged(tmp_path):
    r = run_cli("train", "--dry-run", "--quiet", "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    new = [json.loads(l) for l in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    old = [json.loads(l) for l in (ROOT / "tests" / "fixtures" / "dry_run_metrics_v0_1.jsonl").read_text().splitlines()]
    assert len(new) == len(old)
    for a, b in zip(new, old):
        a.pop("elapsed_s"), b.pop("elapsed_s")
        assert [k for k in a if k in b] == list(b)        # every 0.1.0 figure, in its place
        assert set(a) - set(b) <= ADDED_FIGURES           # and only the figures added since
        assert all(_close(a[k], b[k]) for k in b), (a, b)

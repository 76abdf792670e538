"""The default run, as the README runs it: train on arith, draw 2,000 samples, score them."""
import json

import pytest
import torch

from conftest import ROOT, run_cli


@pytest.mark.slow
def test_default_run_reaches_the_validity_and_diversity_targets(tmp_path):
    run = tmp_path / "arith"
    r = run_cli("train", "--quiet", "--out", run, timeout=1200)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert any(row["phase"] == "adv" for row in rows)  # not only maximum likelihood
    samples = tmp_path / "samples.txt"
    assert run_cli("sample", "--run", run, "--num", 2000, "--seed", 1, "--out", samples).returncode == 0
    r = run_cli("evaluate", "--run", run, "--samples", samples, "--reference", 2000, "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    ours, real = result["samples"], result["grammar_reference"]
    print(json.dumps(result, indent=1))
    assert ours["n"] == 2000
    assert ours["valid"] >= 0.95
    assert ours["unique"] >= 0.8 * real["unique"]


@pytest.mark.parametrize("config", sorted(p.name for p in (ROOT / "configs").glob("*.toml")))
@pytest.mark.slow
def test_every_example_config_runs_at_small_size(config, tmp_path):
    text = (ROOT / "configs" / config).read_text()
    for name in ("coco", "oracle"):
        if f"../shared/data/{name}" in text and not (ROOT.parent / "shared" / "data" / name).is_dir():
            pytest.skip(f"configs/{config} reads ../shared/data/{name}, which is not present")
    r = run_cli("train", "--config", ROOT / "configs" / config, "--dry-run", "--quiet", "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "r" / "checkpoint.pt").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_dry_run_on_the_gpu(tmp_path):
    r = run_cli("train", "--dry-run", "--quiet", "--set", "train.device=cuda", "--out", tmp_path / "g")
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "g" / "summary.json").read_text())
    assert summary["device"].startswith("cuda")

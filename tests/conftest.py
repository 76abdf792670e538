import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _seed_and_threads():
    torch.manual_seed(0)
    yield


@pytest.fixture(autouse=True)
def _judge_cache(tmp_path_factory, monkeypatch):
    """Judges fitted by a test (and the command lines it runs) go to a folder of its own, never ~/.cache."""
    monkeypatch.setenv("SEQGAN_GUMBEL_CACHE", str(tmp_path_factory.mktemp("cache")))


def run_cli(*args, cwd=None, timeout=600):
    """Run the command line in a fresh interpreter, as a user would."""
    return subprocess.run([sys.executable, "-m", "seqgan_gumbel", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout)


SHARED_DATA = ROOT.parent / "shared" / "data"
COCO = SHARED_DATA / "coco"
ORACLE = SHARED_DATA / "oracle" / "seqgan_oracle_lstm.npz"
needs_coco = pytest.mark.skipif(not (COCO / "train.txt").is_file(), reason="../shared/data/coco not present")
needs_oracle = pytest.mark.skipif(not ORACLE.is_file(), reason="../shared/data/oracle not present")

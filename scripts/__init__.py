"""The benchmark harness beside the package, run as modules from the repository root:

    python -m scripts.bench.seeds oracle        # benchmarks and ablations (scripts/bench/)
    python -m scripts.render.docs               # the docs' tables and plots from results/ (scripts/render/)
    bash scripts/gpu/check.sh                   # on a machine with a CUDA GPU (scripts/gpu/)

The scripts import only the public names of seqgan_gumbel and of its rooms (their `__all__`,
docs/python.md), which tests/test_bench_scripts.py checks, and share their statistics through
scripts/stats.py.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent      # the repository root: configs/, results/, runs/

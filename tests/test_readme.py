"""The README is a front page: the two set-up commands, a Python example that runs as written,
headline tables rendered from the result files, at most 200 lines."""
import importlib
import os
import subprocess
import sys

import pytest

from conftest import ROOT


def _render_module():
    return importlib.import_module("scripts.render.docs")


def test_every_rendered_block_matches_the_result_files():
    mod = _render_module()
    assert "README.md" in mod.FILES
    for rel in mod.FILES:
        text = (ROOT / rel).read_text()
        assert "<!-- results:" in text, rel
        assert mod.render(text) == text, f"{rel} is stale: run scripts/render/docs.py after changing results/"


def test_readme_opens_with_the_two_setup_commands_and_stays_short():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```bash", 1)[1].split("```", 1)[0]
    assert "bash scripts/run_default.sh" in first_block and "bash scripts/run_tests.sh" in first_block
    assert "bash scripts/run_tests.sh" in (ROOT / ".ci" / "run").read_text()
    assert len(text.splitlines()) <= 200
    for link in ("docs/training.md", "docs/data.md", "docs/evaluation.md", "docs/results.md",
                 "docs/performance.md", "docs/distributed.md", "docs/python.md", "docs/ratio.md"):
        assert f"]({link})" in text and (ROOT / link).is_file(), link


@pytest.mark.slow
def test_the_python_example_runs_as_written(tmp_path):
    code = (ROOT / "README.md").read_text().split("```python", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) <= 12
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "runs" / "demo" / "checkpoint.pt").is_file()
    assert "valid " in done.stdout and "{2: " in done.stdout


def test_docs_pages_stay_short_and_their_links_resolve():
    """One page per benchmark, none over 300 lines; every relative link (README, docs/) names a file that exists."""
    import re

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    long = {p.relative_to(ROOT).as_posix(): n for p in pages[1:] if (n := len(p.read_text().splitlines())) > 300}
    assert not long, f"docs pages over 300 lines: {long}"
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if not target.startswith(("http://", "https://")) and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, broken

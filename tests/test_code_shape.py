"""The package stays readable: small modules, short functions, no work at import time."""
import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "seqgan_gumbel"
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 300, 60


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_300_lines():
    long = {p.relative_to(ROOT).as_posix(): n for p in _modules()
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_is_over_60_lines():
    long = {}
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{p.relative_to(ROOT).as_posix()}:{node.name}"] = n
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_importing_the_package_and_the_text_metrics_loads_no_torch():
    code = ("import sys, seqgan_gumbel, seqgan_gumbel.kinds, seqgan_gumbel.metrics.text, seqgan_gumbel.cli.parser; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_rooms_import_only_downwards_and_without_cycles():
    """pyproject.toml's import-linter contracts: the layers, and no cycle inside any room (imports
    inside functions count too). A wrong import fails here, naming the line."""
    lint = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([lint, "--config", "pyproject.toml"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout and "2 kept" in r.stdout


def test_no_module_or_room_is_named_like_a_public_name():
    """`sg.bleu` once meant a module in one place and a function in another: the public names
    (seqgan_gumbel.__all__) and the module names stay apart."""
    import seqgan_gumbel

    names = {p.stem if p.name != "__init__.py" else p.parent.name for p in _modules()}
    assert not names & set(seqgan_gumbel.__all__), names & set(seqgan_gumbel.__all__)

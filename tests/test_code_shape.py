"""The package stays readable: small modules, short functions, no work at import time."""
import ast
import subprocess
import sys

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
    code = ("import sys, seqgan_gumbel, seqgan_gumbel.kinds, seqgan_gumbel.evaluation, seqgan_gumbel.cli; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"

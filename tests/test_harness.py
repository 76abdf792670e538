"""The benchmark harness (scripts/): every script imports and answers --help when run as a module,
none imports a private name of the package, and the statistics they share are right."""
import ast
import importlib
import math
import runpy
import statistics
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPTS = sorted(p for p in (ROOT / "scripts").rglob("*.py"))
ROOMS = ("config", "storage", "models", "data", "metrics", "kinds", "setup", "ratio", "evaluation", "training")
PUBLIC_MODULES = {"seqgan_gumbel", *(f"seqgan_gumbel.{room}" for room in ROOMS)}


def _module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def private_imports(source: str) -> list[str]:
    """What a script imports from seqgan_gumbel that the package does not export: a module below a
    room (`seqgan_gumbel.training.trainer`), a name missing from `__all__` of the package or room it
    is imported from, or an underscore name, also reached as an attribute (`sg._config`)."""
    bad, aliases = [], set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "seqgan_gumbel":
            if node.module not in PUBLIC_MODULES:
                bad.append(f"line {node.lineno}: from {node.module} (not the package or a room; import from those)")
                continue
            public = importlib.import_module(node.module).__all__
            bad += [f"line {node.lineno}: {a.name} from {node.module} (not in its __all__)"
                    for a in node.names if a.name not in public]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scripts"):
            bad += [f"line {node.lineno}: {a.name} from {node.module} (private)" for a in node.names if a.name.startswith("_")]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "seqgan_gumbel":
                    if a.name != "seqgan_gumbel":
                        bad.append(f"line {node.lineno}: import {a.name} (import the package or a room's names)")
                    aliases.add(a.asname or a.name)
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            bad.append(f"line {node.lineno}: {node.value.id}.{node.attr} (private)")
    return sorted(bad, key=lambda b: int(b.split(":")[0].split()[1]))


def test_the_private_import_check_catches_each_kind_of_reach_inside():
    src = ("import seqgan_gumbel as sg\nfrom seqgan_gumbel.training.trainer import Trainer\n"
           "from seqgan_gumbel.training import Checkpoints\nfrom seqgan_gumbel.api import _config\n"
           "import seqgan_gumbel.setup.runs\nfrom scripts.render.full import _where\nx = sg._API\n"
           "from seqgan_gumbel.training import Trainer\nfrom seqgan_gumbel import load_config\n")
    bad = private_imports(src)
    assert [b.split(":")[0] for b in bad] == ["line 2", "line 3", "line 4", "line 5", "line 6", "line 7"], bad


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: _module_name(p))
def test_no_script_imports_a_private_name(script):
    assert not private_imports(script.read_text()), private_imports(script.read_text())


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: _module_name(p))
def test_every_script_runs_as_a_module_and_answers_help(script, monkeypatch, capsys):
    """A script whose imports went stale (bench_data.py once called a function that had moved)
    fails here, not on the day someone needs its numbers; the shared modules import. Run in this
    process as `python -m` runs it (runpy), which is what keeps the check quick."""
    name = _module_name(script)
    if '__name__ == "__main__"' not in script.read_text():
        importlib.import_module(name)
        return
    monkeypatch.setattr(sys, "argv", [str(script), "--help"])
    monkeypatch.delitem(sys.modules, name, raising=False)       # as a fresh `python -m` finds it
    with pytest.raises(SystemExit) as stop:
        runpy.run_module(name, run_name="__main__", alter_sys=True)
    assert stop.value.code in (0, None)
    assert "usage" in capsys.readouterr().out.lower()


def test_a_script_runs_from_the_repository_root_as_the_docs_say():
    r = subprocess.run([sys.executable, "-m", "scripts.bench.seeds", "--help"], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0 and "usage" in r.stdout.lower(), r.stderr[-2000:]


def test_no_script_edits_sys_path():
    assert not [p for p in SCRIPTS if "sys.path" in p.read_text()]


@pytest.mark.parametrize("room", ROOMS)
def test_every_public_name_of_a_room_loads_and_is_documented(room):
    """A room's __all__ is what scripts may import: each name resolves, none is also the name of a
    module of the room (the module would shadow it once imported), and docs/python.md lists it."""
    mod = importlib.import_module(f"seqgan_gumbel.{room}")
    modules = {p.stem for p in (ROOT / "seqgan_gumbel" / room).glob("*.py")}
    doc = (ROOT / "docs" / "python.md").read_text()
    row = next((line for line in doc.splitlines() if line.startswith(f"| `seqgan_gumbel.{room}` |")), "")
    for name in mod.__all__:
        assert getattr(mod, name) is not None
        assert name not in modules, f"{room}.{name} is also a module of the room"
        assert f"`{name}`" in row, f"docs/python.md's row for {room} does not list {name}"


def test_stats_against_closed_forms():
    st = importlib.import_module("scripts.stats")
    assert st.mean_sd([1.0, 2.0, 4.0]) == (pytest.approx(7 / 3), pytest.approx(statistics.stdev([1.0, 2.0, 4.0])))
    assert st.mean_sd([3.0]) == (3.0, None) and st.mean_sd([3.0], single=0.0) == (3.0, 0.0)
    se = st.mean_se([1.0, 3.0])
    assert se["mean"] == 2.0 and se["se"] == pytest.approx(math.sqrt(2) / math.sqrt(2)) and se["n"] == 2
    assert math.isnan(st.mean_se([1.0])["se"]) and st.mean_se([]) == {}
    assert st.mean_se_text([1.0, 3.0]) == "2.000 ± 1.000" and st.mean_se_text([1.0, 3.0], 1, sign=True) == "+2.0 ± 1.0"
    assert st.mean_se_text([-0.25]) == "-0.250" and st.mean_se_text([2.0, 4.0], 0) == "3 ± 1"
    assert st.diff_se_text([1.0, 3.0], [0.0, 0.0]) == f"+2.000 ± {math.sqrt(2 / 2):.3f}"      # sqrt((2 + 0) / 2)
    assert st.diff_se_text([1.0], [2.0, 4.0], 1) == "-2.0"
    rows = [{"temperature": 1.0, "a": 1.0, "seed": 0}, {"temperature": 1.0, "a": 3.0, "seed": 1},
            {"temperature": 0.5, "a": 5.0, "seed": 0}]
    assert st.by_temperature(rows) == {0.5: {"temperature": 0.5, "a": 5.0, "n": 1}, 1.0: {"temperature": 1.0, "a": 2.0, "n": 2}}
    assert list(st.by_temperature(rows)) == [0.5, 1.0]
    curve = [(2.0, 20.0), (0.0, 0.0), (1.0, 10.0)]
    assert st.interpolate(curve, 0.25) == pytest.approx(2.5) and st.interpolate(curve, 1.5) == pytest.approx(15.0)
    assert st.interpolate(curve, 2.0) == 20.0 and st.interpolate(curve, 2.5) is None and st.interpolate(curve, -1) is None
    assert st.interpolate([(1.0, 4.0), (1.0, 6.0)], 1.0) == 4.0
    a, b = [1.0, 2.0, 3.0], [2.0, 4.0, 9.0]
    assert st.diff_se(a, b) == pytest.approx(math.sqrt((statistics.variance(a) + statistics.variance(b)) / 3))
    assert st.diff_se([1.0], [2.0, 3.0]) is None and st.diff_se([], [1.0]) is None
    # the frontier (lower x, higher y better) of these points: (0, 1), (1, 3), (3, 4); (2, 2) is beaten by (1, 3)
    points = [(3.0, 4.0), (0.0, 1.0), (2.0, 2.0), (1.0, 3.0)]
    assert st.frontier_gap(points, 2.0, 3.5) == pytest.approx(0.0)       # on the line from (1, 3) to (3, 4)
    assert st.frontier_gap(points, 0.5, 1.0) == pytest.approx(-1.0)      # below, between (0, 1) and (1, 3)
    assert st.frontier_gap(points, 5.0, 4.5) == pytest.approx(0.5)       # less diverse than all: against y = 4
    assert st.frontier_gap(points, -1.0, 2.0) == pytest.approx(1.0)      # more diverse than all: against (0, 1)


def test_the_rooms_checked_are_every_room_below_the_command_line():
    rooms = {p.parent.name for p in (ROOT / "seqgan_gumbel").glob("*/__init__.py")} - {"cli"}
    assert rooms == set(ROOMS)

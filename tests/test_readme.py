"""The README's result tables are exactly what the committed result files render to."""
import importlib.util

from conftest import ROOT


def test_readme_tables_match_result_files():
    spec = importlib.util.spec_from_file_location("render_readme", ROOT / "scripts" / "render_readme.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = (ROOT / "README.md").read_text()
    assert "<!-- results:" in text
    assert mod.render(text) == text, "run scripts/render_readme.py after changing results/"


def test_readme_opens_with_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```bash", 1)[1].split("```", 1)[0]
    assert "bash scripts/run_default.sh" in first_block and "bash scripts/run_tests.sh" in first_block
    assert "bash scripts/run_tests.sh" in (ROOT / ".ci" / "run").read_text()

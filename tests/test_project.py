"""The project's own shape: lint clean, short modules, one dependency list, the console script."""
import json
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import ROOT


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or pytest.skip("ruff is not installed (pip install -r requirements-dev.txt)")
    out = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_module_passes_250_lines():
    long = {str(p.relative_to(ROOT)): n for folder in ("nncore", "app_pages", "tools")
            for p in (ROOT / folder).rglob("*.py") if (n := len(p.read_text().splitlines())) > 250}
    assert not long, long


def test_requirements_and_pyproject_list_the_same_dependencies():
    listed = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert sorted(listed) == sorted(declared)


def test_nncore_never_imports_streamlit():
    offenders = [str(p) for p in (ROOT / "nncore").rglob("*.py")
                 if re.search(r"^\s*(import|from)\s+streamlit", p.read_text(), re.M)]
    assert not offenders


def test_the_console_script_runs():
    exe = shutil.which("nncore", path=str(ROOT / ".venv" / "bin")) or shutil.which("nncore")
    cmd = [exe] if exe else [sys.executable, "-m", "nncore"]
    out = subprocess.run([*cmd, "moons", "--epochs", "3", "--json", "--quiet"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert [m["epochs"] for m in json.loads(out.stdout)["models"]] == [3, 3, 3]


def lint_imports():
    return shutil.which("lint-imports", path=str(ROOT / ".venv" / "bin")) or shutil.which("lint-imports") or \
        pytest.skip("import-linter is not installed (pip install -r requirements-dev.txt)")


def test_the_architecture_contract_holds():
    """pyproject.toml's [tool.importlinter]: nncore's layers (an import runs down only, no circle), the
    models' inner order, and no Streamlit in nncore."""
    out = subprocess.run([lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 kept, 0 broken" in out.stdout


def test_the_architecture_contract_catches_an_import_that_runs_up(tmp_path):
    """The same kind of contract over a two-module package whose lower layer imports the upper one."""
    package = tmp_path / "house"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "top.py").write_text("X = 1\n")
    (package / "ground.py").write_text("from house.top import X\n")
    (tmp_path / ".importlinter").write_text("[importlinter]\nroot_package = house\n\n[importlinter:contract:1]\n"
                                            "name = layers\ntype = layers\nlayers =\n    house.top\n    house.ground\n")
    out = subprocess.run([lint_imports(), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 1 and "house.ground is not allowed to import house.top" in out.stdout, out.stdout

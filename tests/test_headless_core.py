"""The core must stay usable with no terminal UI: importing all of wizard/ never loads Textual."""

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support.paths import PROJECT_ROOT

PROBE = """
import importlib, pkgutil, sys
import wizard
modules = [m.name for m in pkgutil.walk_packages(wizard.__path__, "wizard.") if not m.name.endswith("__main__")]
for name in modules:
    importlib.import_module(name)
loaded = sorted(name for name in sys.modules if name == "textual" or name.startswith("textual."))
print(len(modules))
print(",".join(loaded))
"""


def test_wizard_never_imports_textual() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    module_count, loaded = result.stdout.splitlines()
    assert int(module_count) >= 5
    assert loaded == ""


def test_every_module_imports_where_the_platform_has_no_fcntl() -> None:
    """Windows has no fcntl: nothing in the tool may need it (CI runs Linux only, so the module is hidden here)."""
    script = (
        "import importlib, pkgutil, sys\n"
        "sys.modules['fcntl'] = None\n"
        "import wizard, screens\n"
        "for package in (wizard, screens):\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        if not module.name.endswith('__main__'):\n"
        "            importlib.import_module(module.name)\n"
        "from wizard.state import StateStore\n"
        "with StateStore('contoso').exclusive():\n"
        "    pass\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


def test_the_distribution_ships_every_package_of_the_source_tree() -> None:
    """An editable install finds any package; `pip install .` and pipx ship only those pyproject.toml lists."""
    import tomllib

    listed = set(tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    present = {
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for top in ("wizard", "screens", "policy_templates")
        for init in (PROJECT_ROOT / top).rglob("__init__.py")
    }
    assert present == listed


def test_the_wheel_pipx_installs_holds_every_file_the_tool_reads(tmp_path: Path) -> None:
    """`pipx install .` and `uv tool install .` install the wheel the build backend makes: every module, stylesheet
    and policy template of the source tree must be in it, or an installed copy fails where a checkout works."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(PROJECT_ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("asignio_setup-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    needed = {
        path.relative_to(PROJECT_ROOT).as_posix()
        for top in ("wizard", "screens", "policy_templates")
        for path in (PROJECT_ROOT / top).rglob("*")
        if path.suffix in (".py", ".tcss", ".xml") and "__pycache__" not in path.parts
    }
    assert needed - shipped == set()
    entry_points = next(name for name in shipped if name.endswith(".dist-info/entry_points.txt"))
    assert "asignio-setup = wizard.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

"""The core must stay usable with no terminal UI: importing all of wizard/ never loads Textual."""

import subprocess
import sys

from tests.conftest import PROJECT_ROOT

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

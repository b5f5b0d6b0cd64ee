"""The house's own rules: CI runs the README's test command, the constraints it installs with are the ranges, and the
tests share their helpers through tests/support, never through one another."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.paths import NEEDS_PACKS, SHARED_B2C_VARIABLE

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    test_command = readme_commands()[1]
    assert test_command.endswith("python -m pytest")
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


def test_the_constraints_pin_every_declared_dependency_inside_its_declared_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(text) for text in project["dependencies"] + project["optional-dependencies"]["test"]]
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    outside = {
        requirement.name: pins.get(canonicalize_name(requirement.name))
        for requirement in declared
        if canonicalize_name(requirement.name) not in pins
        or pins[canonicalize_name(requirement.name)] not in requirement.specifier
    }
    assert outside == {}


CLOCK_READS = {
    "time": {"time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "sleep", "gmtime", "localtime"},
    "asyncio": {"sleep"},
    "datetime": {"now", "utcnow", "today"},
    "date": {"today"},
}
"""Reads of a clock (and waits) that would bypass wizard.clock: `module.function` as the tool calls them."""


def clock_reads_outside_the_clock() -> list[str]:
    """Every call in wizard/ and screens/ that reads real time or waits in it, except in wizard/clock.py and on lines
    that say why they must be real (`# real time: ...`)."""
    found = []
    for path in sorted([*(ROOT / "wizard").rglob("*.py"), *(ROOT / "screens").rglob("*.py")]):
        if path == ROOT / "wizard" / "clock.py":
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.attr in CLOCK_READS.get(node.func.value.id, ())
                and not (node.func.attr in ("gmtime", "localtime") and node.args)
                and "# real time" not in lines[node.lineno - 1]
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.func.value.id}.{node.func.attr}()")
    return found


def test_every_wait_and_age_in_the_tool_reads_its_clock() -> None:
    """wizard.clock is the one clock, so tests can run the tool on virtual time; a wait that must be real (a network
    deadline, a log's duration) says so on its line."""
    assert clock_reads_outside_the_clock() == []


def pytest_summary(output: str) -> dict[str, int]:
    """pytest's closing counts: {"skipped": 5, "deselected": 300, ...}."""
    last = output.strip().splitlines()[-1]
    return {word.rstrip("s"): int(count) for count, word in re.findall(r"(\d+) ([a-z]+)", last)}


def test_without_microsofts_packs_every_test_needing_them_skips_and_with_ci_fails(tmp_path: Path) -> None:
    """One rule for the tests that read Microsoft's starter packs and XSD (../shared/b2c): they reach them only
    through the `starter_pack` and `xsd_path` fixtures (no test module names the folder itself), which skip on a
    developer's machine and fail in CI. Checked by running those tests with the folder pointed at an empty one."""
    tests = ROOT / "tests"
    folder_names = {"SHARED_B2C", "STARTER_PACK", "XSD_PATH"}
    naming = [
        f"{path.name}: {alias.name}"
        for path in tests.rglob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "tests.support.paths"
        for alias in node.names
        if alias.name in folder_names
    ]
    assert naming == []
    pattern = re.compile(r"\b(" + "|".join(NEEDS_PACKS) + r")\b")
    files = [str(path) for path in tests.rglob("test_*.py") if pattern.search(path.read_text(encoding="utf-8"))]
    empty = tmp_path / "b2c"
    empty.mkdir()
    outcomes = {}
    for ci in ("", "true"):
        environment = {name: value for name, value in os.environ.items() if name != "CI"}
        environment[SHARED_B2C_VARIABLE] = str(empty)
        if ci:
            environment["CI"] = ci
        options = ["-p", "no:cacheprovider", "-n", "0", "-q", "--tb=no", "--assert=plain", "--only-needing-packs"]
        ran = subprocess.run(
            [sys.executable, "-m", "pytest", *options, *files],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        outcomes[ci] = (ran.returncode, pytest_summary(ran.stdout))
    (code, local), (ci_code, in_ci) = outcomes[""], outcomes["true"]
    assert (code, set(local) - {"deselected"}) == (0, {"skipped"}), local
    assert (ci_code, set(in_ci) - {"deselected"}) == (1, {"error"}), in_ci
    assert local["skipped"] == in_ci["error"] > 50


def imports_of_test_modules() -> list[str]:
    """Every import of a test module (tests/**/test_*.py) anywhere in the tests, at any depth in the file."""
    tests = ROOT / "tests"
    test_modules = {".".join(path.relative_to(ROOT).with_suffix("").parts) for path in tests.rglob("test_*.py")}
    found = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module is not None:
                named = {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                named = {alias.name for alias in node.names}
            else:
                continue
            found += [f"{path.relative_to(ROOT)}:{node.lineno}: {module}" for module in sorted(named & test_modules)]
    return found


def test_no_test_module_is_imported_by_another() -> None:
    """Shared fixtures live in tests/conftest.py, shared helpers and constants in tests/support: a test module that
    imports another runs that module's tests' imports, shadows its fixtures and ties the two files' edits together."""
    assert imports_of_test_modules() == []

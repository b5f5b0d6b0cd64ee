"""The house's own rules: CI runs the README's test command, and the constraints it installs with are the ranges."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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

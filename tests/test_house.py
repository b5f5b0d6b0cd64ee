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


def import_cycles() -> list[str]:
    """Every import cycle among the modules of wizard/ and screens/, each as one path round it (`a -> b -> a`).

    Read as import-linter reads them, plus what it cannot see: imports at any depth (a function's import only
    delays the cycle to the first call), relative imports resolved, `from package import module` as that module,
    `importlib.import_module("...")` with a literal name; imports under `if TYPE_CHECKING:` never run, so they do
    not count."""
    modules: dict[str, Path] = {}
    for path in [*(ROOT / "wizard").rglob("*.py"), *(ROOT / "screens").rglob("*.py")]:
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    def imported(module: str, node: ast.AST) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: None if modules[module].name == "__init__.py" else -1]
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            return [str(node.args[0].value)] if called == "import_module" else []
        return []

    def type_checking(node: ast.AST) -> bool:
        test = node.test if isinstance(node, ast.If) else None
        return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )

    imports: dict[str, set[str]] = {module: set() for module in modules}
    for module, path in modules.items():
        waiting: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
        while waiting:
            node = waiting.pop()
            children = node.orelse if isinstance(node, ast.If) and type_checking(node) else ast.iter_child_nodes(node)
            waiting.extend(children)
            imports[module] |= {
                found for name in imported(module, node) if (found := known(name)) not in (None, module)
            }

    def shortest_way_back(start: str) -> list[str] | None:
        """The fewest imports that lead from `start` back to it, or None when none do."""
        ways = {start: [start]}
        frontier = [start]
        while frontier:
            if closing := [module for module in frontier if start in imports[module]]:
                return [*ways[closing[0]], start]
            reached = {found: [*ways[module], found] for module in frontier for found in imports[module]}
            frontier = sorted(reached.keys() - ways.keys())
            ways |= {found: reached[found] for found in frontier}
        return None

    cycles = [way for start in sorted(modules) if (way := shortest_way_back(start)) and min(way) == start]
    return [" -> ".join(way) for way in cycles]


def test_no_import_cycle_in_the_tool_even_through_a_functions_import() -> None:
    """The layers run one way (pyproject's import-linter contracts): a cycle, even one a function's import or a lazy
    `importlib` hides until the first call, means two modules that can only be understood and changed together."""
    assert import_cycles() == []


FACT_MUTATORS = {"clear", "update", "pop", "popitem", "setdefault", "append", "extend", "insert", "remove", "add"}
RUNNER = "wizard/runner.py:Runner"
"""The runner writes one fact, `leaving`, from each removal check's `Finding.leaving` (no step declares it)."""


def run_facts_fields() -> set[str]:
    """The fields of wizard.steps.base.RunFacts, as its class body declares them."""
    tree = ast.parse((ROOT / "wizard" / "steps" / "base.py").read_text(encoding="utf-8"))
    [facts] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "RunFacts"]
    return {
        node.target.id for node in facts.body if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }


def is_facts(node: ast.AST) -> bool:
    """`node` is a run's facts: `….facts`, or a name `facts`."""
    return (isinstance(node, ast.Attribute) and node.attr == "facts") or (
        isinstance(node, ast.Name) and node.id == "facts"
    )


def fact_written(node: ast.AST) -> str | None:
    """The RunFacts field `node` changes, when it is `….facts.<field>` (assigned, an item of it assigned or deleted,
    or a mutating method called on it)."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute) and is_facts(node.value):
        return node.attr
    return None


def targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Tuple | ast.List):
        return [leaf for element in node.elts for leaf in targets(element)]
    if isinstance(node, ast.Starred):
        return targets(node.value)
    return [node]


def fact_writes(tree: ast.Module) -> list[tuple[str, str]]:
    """(field, writer) for every write of a RunFacts field in a module: the writer is the top-level class (or
    function) around the write."""
    found: list[tuple[str, str]] = []
    for top in tree.body:
        writer = getattr(top, "name", "<module>")
        for node in ast.walk(top):
            changed: list[ast.AST] = []
            if isinstance(node, ast.Assign | ast.Delete):
                changed = [leaf for target in node.targets for leaf in targets(target)]
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                changed = [node.target]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                changed = [node.func.value] if node.func.attr in FACT_MUTATORS else []
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
                facts, name = (node.args + [ast.Constant(None)] * 2)[:2]
                if is_facts(facts):
                    found.append((str(name.value) if isinstance(name, ast.Constant) else "?", writer))
            found += [(field, writer) for leaf in changed if (field := fact_written(leaf)) is not None]
    return found


def declared_outputs(tree: ast.Module) -> dict[str, set[str]]:
    """Each top-level class's `outputs = (...)`, as written in its body."""
    declared: dict[str, set[str]] = {}
    for top in tree.body:
        if not isinstance(top, ast.ClassDef):
            continue
        for node in top.body:
            if isinstance(node, ast.Assign) and any(
                getattr(target, "id", None) == "outputs" for target in node.targets
            ):
                declared[top.name] = set(ast.literal_eval(node.value))
    return declared


def run_fact_writers() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(field → the classes or functions in wizard/ that write it, class → the fields its `outputs` declares), each
    named `path:name`."""
    writers: dict[str, set[str]] = {}
    declared: dict[str, set[str]] = {}
    for path in sorted((ROOT / "wizard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT).as_posix()
        for field, writer in fact_writes(tree):
            writers.setdefault(field, set()).add(f"{where}:{writer}")
        declared.update({f"{where}:{name}": fields for name, fields in declared_outputs(tree).items()})
    return writers, declared


def test_every_run_fact_has_one_writer_the_step_that_declares_it_as_its_output() -> None:
    """What a step learns and hands to the steps after it (RunFacts) is written by that step alone, as its declared
    `outputs` (for `leaving`, by the runner from the removal checks' findings): a second writer would make what a
    later step reads depend on which of them ran last."""
    writers, declared = run_fact_writers()
    fields = run_facts_fields()
    assert {field: sorted(by) for field, by in writers.items() if len(by) != 1} == {}
    assert set(writers) == fields, "every fact is written by someone, and only RunFacts' fields are written"
    owners = {field: next(iter(by)) for field, by in writers.items()}
    undeclared = {
        field: owner
        for field, owner in owners.items()
        if field not in declared.get(owner, set()) and (field, owner) != ("leaving", RUNNER)
    }
    assert undeclared == {}, "a step writes a fact it does not declare in its outputs"
    unwritten = {
        owner: sorted(fields - {f for f, by in owners.items() if by == owner}) for owner, fields in declared.items()
    }
    assert {owner: missing for owner, missing in unwritten.items() if missing} == {}, (
        "a step declares what it never writes"
    )

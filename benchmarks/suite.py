"""Where the test suite's time goes: every test on one core (`-n 0`), summed by file, the slowest tests, and what the
sum comes to spread over the cores of the README's test command (pytest-xdist, one worker per core).

Prints numbers; asserts nothing. On a shared machine run it file by file, as the machine allows:
    .venv/bin/python benchmarks/suite.py [pytest arguments, e.g. tests/test_headless_run.py]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DURATION = re.compile(r"^([0-9.]+)s (?:setup|call|teardown) +(.+)$")
SLOWEST = 15
SLOW_TEST_SECONDS = 30.0
"""No test may take longer (issue 22): the longest ones are named against it."""


def durations(arguments: list[str]) -> list[tuple[float, str, str]]:
    """(seconds, file, test) for every setup, call and teardown pytest reports."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q", "--durations=0", "-vv"]
    ran = subprocess.run([*command, *arguments], cwd=ROOT, capture_output=True, text=True, check=False)
    print(ran.stdout.strip().splitlines()[-1] if ran.stdout.strip() else ran.stderr)
    found = []
    for line in ran.stdout.splitlines():
        match = DURATION.match(line.strip())
        if match:
            file, _, test = match.group(2).partition("::")
            found.append((float(match.group(1)), file, test))
    return found


def main() -> None:
    found = durations(sys.argv[1:] or ["tests"])
    by_file: dict[str, float] = defaultdict(float)
    by_test: dict[str, float] = defaultdict(float)
    for seconds, file, test in found:
        by_file[file] += seconds
        by_test[f"{file}::{test}"] += seconds
    total = sum(by_file.values())
    cores = os.cpu_count() or 1
    print(f"{total:8.1f} s of tests on one core; over {cores} cores about {total / cores:.0f} s (plus start-up)")
    print("by file:")
    for file, seconds in sorted(by_file.items(), key=lambda item: -item[1]):
        print(f"{seconds:8.1f} s  {file}")
    print(f"slowest tests (none may pass {SLOW_TEST_SECONDS:g} s):")
    for test, seconds in sorted(by_test.items(), key=lambda item: -item[1])[:SLOWEST]:
        print(f"{seconds:8.1f} s  {test}")


if __name__ == "__main__":
    main()

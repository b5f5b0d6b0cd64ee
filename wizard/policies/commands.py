"""`asignio-setup policies` and `asignio-setup validate`: the offline policy tools on the command line."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from wizard.answers import load_answers
from wizard.errors import BadInputError, ExitCode
from wizard.policies import diff, find_xsd, generate, validate_chain
from wizard.policies.problems import PolicyProblemsError


def read_folder(folder: Path, role: str) -> dict[str, bytes]:
    """Every *.xml file of a folder, keyed by file name; a missing or empty folder is bad input."""
    if not folder.is_dir():
        raise BadInputError(f"{folder}: no such folder", f"give the folder that holds the {role}")
    documents = {path.name: path.read_bytes() for path in sorted(folder.glob("*.xml")) if path.is_file()}
    if not documents:
        raise BadInputError(f"{folder}: no .xml files in it", f"put the {role} there (TrustFramework*.xml)")
    return documents


def run_validate(args: argparse.Namespace) -> int:
    documents = read_folder(args.folder, "policies to validate")
    xsd = find_xsd(args.xsd)
    problems = validate_chain(documents, xsd)
    for problem in problems:
        print(problem)
    schema_note = f"with the XSD at {xsd}" if xsd is not None else "without the XSD (not found; pass --xsd)"
    if problems:
        print(f"{len(problems)} problem(s) in {len(documents)} file(s), checked {schema_note}", file=sys.stderr)
        return int(ExitCode.BAD_INPUT)
    print(f"ok: {len(documents)} policies validate, {schema_note}")
    return int(ExitCode.OK)


def write_atomically(out: Path, files: dict[str, bytes]) -> None:
    """Write every file into a temporary folder beside `out`, then move them in: all or nothing in `out`."""
    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out}: exists and is not a folder", "give a folder for --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".asignio-policies-", dir=out.parent))
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        out.mkdir(exist_ok=True)
        for name in files:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def run_policies(args: argparse.Namespace) -> int:
    answers = load_answers(args.answers)
    documents = read_folder(args.base, "tenant's policy chain (Base, Localization, Extensions)")
    try:
        generated = generate(answers, documents, xsd=find_xsd(args.xsd))
    except PolicyProblemsError as error:
        print(f"error: {error.what.splitlines()[0]}", file=sys.stderr)
        for problem in error.problems:
            print(problem)
        print(f"  what to do: {error.fix}", file=sys.stderr)
        return int(error.exit_code)
    outputs = {f"{policy.policy_id}.xml": policy.content for policy in (generated.extensions, generated.relying_party)}
    for name, content in outputs.items():
        previous = args.out / name
        change = diff(previous.read_bytes() if previous.is_file() else None, content, name)
        status = "unchanged" if previous.is_file() and not change else ("updated" if previous.is_file() else "new")
        print(f"{args.out / name}: {status}")
    write_atomically(args.out, outputs)
    print("upload order: Base, Localization, then " + ", ".join(outputs))
    return int(ExitCode.OK)


def run_command(args: argparse.Namespace) -> int:
    """Dispatch `policies` and `validate`; returns the exit code."""
    if args.command == "validate":
        return run_validate(args)
    return run_policies(args)

"""`asignio-setup policies` and `asignio-setup validate`: the offline policy tools on the command line."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from wizard.answers import is_policy_id
from wizard.answers_file import load_answers
from wizard.errors import BadInputError, ExitCode, PolicyError, shown
from wizard.files import POLICY_FILE_LIMIT, UnreadableFileError, read_regular_file
from wizard.policies import PolicyProblemsError, Problem, diff, find_xsd, generate, validate_chain
from wizard.starter_pack import fill_tenant


def read_folder(folder: Path, role: str) -> tuple[dict[str, bytes], list[Problem]]:
    """Every *.xml file of a folder keyed by file name, and a Problem for each *.xml entry that is not a policy
    file it can read (a dangling link, a FIFO, a device, a folder, a huge file): none is skipped in silence."""
    if not folder.is_dir():
        raise BadInputError(f"{folder}: no such folder", f"give the folder that holds the {role}")
    entries = sorted(folder.glob("*.xml"))
    if not entries:
        raise BadInputError(f"{folder}: no .xml files in it", f"put the {role} there (TrustFramework*.xml)")
    documents: dict[str, bytes] = {}
    unreadable: list[Problem] = []
    for path in entries:
        try:
            documents[path.name] = read_regular_file(path, limit=POLICY_FILE_LIMIT, role="policy file")
        except UnreadableFileError as error:
            unreadable.append(Problem(path.name, None, error.reason, f"{error.fix}, or move it out of {folder}"))
    return documents, unreadable


def run_validate(args: argparse.Namespace) -> int:
    documents, problems = read_folder(args.folder, "policies to validate")
    xsd = find_xsd(args.xsd)
    if documents:
        problems += validate_chain(documents, xsd)
    for problem in problems:
        print(problem)
    schema_note = (
        f"with the XSD at {xsd}"
        if xsd is not None
        else "without the XSD (not found, and it could not be downloaded: pass --xsd FILE)"
    )
    if problems:
        print(f"{len(problems)} problem(s) in {len(documents)} file(s), checked {schema_note}", file=sys.stderr)
        return int(ExitCode.BAD_INPUT)
    print(f"ok: {len(documents)} policies validate, {schema_note}")
    return int(ExitCode.OK)


def output_name(policy_id: str) -> str:
    """A generated policy's file name: its id. The chain's ids and the answers are checked against B2C's rule long
    before; this is checked again because the id becomes a path."""
    if not is_policy_id(policy_id):
        raise PolicyError(
            f"the policy id {shown(policy_id)} cannot name a file", "give policies ids of B2C_1A_ and letters"
        )
    return f"{policy_id}.xml"


def refuse_unusable_out(out: Path) -> None:
    """An --out that is a file is refused before anything is read."""
    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out}: exists and is not a folder", "give a folder for --out")


def stage(out: Path, files: dict[str, bytes]) -> Path:
    """Write every file into a temporary folder inside `out` (made when missing): a place that cannot be written
    is refused here, before anything is said to be new."""
    for name in files:
        if (out / name).is_dir():
            raise BadInputError(f"{out / name}: a folder is where the policy file goes", "move that folder aside")
    staging: Path | None = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".asignio-policies-", dir=out))
        for name, content in files.items():
            (staging / name).write_bytes(content)
    except OSError as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise BadInputError(
            f"{out}: the policies cannot be written there ({error.strerror or type(error).__name__})",
            "give an --out folder you can write to (and with space for two policy files)",
        ) from None
    return staging


def publish(staging: Path, out: Path, names: list[str]) -> None:
    """Move the staged files into `out` and drop the staging folder."""
    try:
        for name in names:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def run_policies(args: argparse.Namespace) -> int:
    refuse_unusable_out(args.out)
    answers = load_answers(args.answers)
    documents, unreadable = read_folder(args.base, "tenant's policy chain (Base, Localization, Extensions)")
    # A fresh starter-pack folder still says yourtenant: the answers name the tenant it is for.
    documents = fill_tenant(documents, answers.tenant.domain)
    try:
        if unreadable:
            raise PolicyProblemsError("the base folder holds files that are not policies", "fix them", unreadable)
        generated = generate(answers, documents, xsd=find_xsd(args.xsd))
    except PolicyProblemsError as error:
        print(f"error: {error.what.splitlines()[0]}", file=sys.stderr)
        for problem in error.problems:
            print(problem)
        print(f"  what to do: {error.fix}", file=sys.stderr)
        return int(error.exit_code)
    outputs = {
        output_name(policy.policy_id): policy.content for policy in (generated.extensions, generated.relying_party)
    }
    staging = stage(args.out, outputs)
    for name, content in outputs.items():
        previous = args.out / name
        change = diff(previous.read_bytes() if previous.is_file() else None, content, name)
        status = "unchanged" if previous.is_file() and not change else ("updated" if previous.is_file() else "new")
        print(f"{args.out / name}: {status}")
    publish(staging, args.out, list(outputs))
    print("upload order: Base, Localization, then " + ", ".join(outputs))
    return int(ExitCode.OK)


def run_command(args: argparse.Namespace) -> int:
    """Dispatch `policies` and `validate`; returns the exit code."""
    if args.command == "validate":
        return run_validate(args)
    return run_policies(args)

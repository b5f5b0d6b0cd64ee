"""The policy engine: generate, merge and validate the Asignio custom policies, offline, with lxml.

Other parts of the project (the runner, the simulated tenant, the TUI, the tests of other features) use only what
this module exports; the engine's own tests and benchmark also reach into its modules for a part they test or time.
The removal's unmerge and the `policies` command load on first use, so a setup does not pay for them.
"""

from __future__ import annotations

import difflib
import importlib
from typing import TYPE_CHECKING

from wizard.policies.build import GeneratedPolicies, PolicyFile, generate
from wizard.policies.chain import parse_documents
from wizard.policies.demo import demo_chain
from wizard.policies.mark import canonical_digest, marked, read_mark, unmarked
from wizard.policies.problems import PolicyProblemsError, Problem
from wizard.policies.schema import find_xsd, load_schema
from wizard.policies.templates import AsignioClaimsProvider, asignio_claims_provider
from wizard.policies.validate import check_chain, validate_chain
from wizard.policies.xmlsafe import BOM, NS, UnsafeXmlError, canonical, parse_policy

if TYPE_CHECKING:
    from wizard.policies.commands import run_command
    from wizard.policies.unmerge import Unmerged, without_asignio

__all__ = [
    "BOM",
    "NS",
    "AsignioClaimsProvider",
    "GeneratedPolicies",
    "PolicyFile",
    "PolicyProblemsError",
    "Problem",
    "Unmerged",
    "UnsafeXmlError",
    "asignio_claims_provider",
    "canonical_digest",
    "check_chain",
    "demo_chain",
    "diff",
    "find_xsd",
    "generate",
    "load_schema",
    "marked",
    "parse_documents",
    "parse_policy",
    "read_mark",
    "run_command",
    "same_content",
    "unmarked",
    "validate_chain",
    "without_asignio",
]

LOADED_ON_FIRST_USE = {
    "Unmerged": "wizard.policies.unmerge",
    "without_asignio": "wizard.policies.unmerge",
    "run_command": "wizard.policies.commands",
}
"""The exports whose modules load when first asked for: only a removal unmerges, only `policies` runs its command."""


def __getattr__(name: str) -> object:
    module = LOADED_ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def diff(old: bytes | None, new: bytes, name: str) -> str:
    """A unified diff of a policy before and after, for the review screen; empty when nothing changes."""

    def lines(data: bytes | None) -> list[str]:
        if data is None:
            return []
        return data.removeprefix(BOM).decode("utf-8", errors="replace").splitlines(keepends=True)

    before = f"{name} (in the tenant)" if old is not None else "/dev/null"
    return "".join(difflib.unified_diff(lines(old), lines(new), fromfile=before, tofile=f"{name} (generated)"))


def same_content(current: bytes | None, wanted: bytes) -> bool:
    """Whether the tenant's copy already says what `wanted` says, however B2C re-serialised it (a BOM, the
    declaration, line endings, indentation): uploads and backups happen only for real changes."""
    if current is None:
        return False
    if current == wanted:
        return True
    try:
        return canonical(current) == canonical(wanted)
    except UnsafeXmlError:
        return False

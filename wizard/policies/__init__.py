"""The policy engine: generate, merge and validate the Asignio custom policies, offline, with lxml.

Other parts of the project (the runner, the simulated tenant, the TUI) use only what this module exports.
"""

from __future__ import annotations

import difflib

from wizard.policies.build import GeneratedPolicies, PolicyFile, generate
from wizard.policies.demo import demo_chain
from wizard.policies.problems import PolicyProblemsError, Problem
from wizard.policies.schema import find_xsd
from wizard.policies.templates import AsignioClaimsProvider, asignio_claims_provider
from wizard.policies.validate import validate_chain
from wizard.policies.xmlsafe import BOM, UnsafeXmlError, canonical

__all__ = [
    "AsignioClaimsProvider",
    "GeneratedPolicies",
    "PolicyFile",
    "PolicyProblemsError",
    "Problem",
    "asignio_claims_provider",
    "demo_chain",
    "diff",
    "find_xsd",
    "generate",
    "same_content",
    "validate_chain",
]


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

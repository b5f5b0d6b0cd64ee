"""The policy engine: generate, merge and validate the Asignio custom policies, offline, with lxml.

Other parts of the project (the runner, the simulated tenant, the TUI, the tests of other features) use only what
this module exports; the engine's own tests and benchmark also reach into its modules for a part they test or time.
The removal's unmerge loads on first use, so a setup does not pay for it. The `policies` and `validate` commands
are a front end of the engine, not part of it: wizard.policy_commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.policies.build import GeneratedPolicies, PolicyFile, generate
from wizard.policies.chain import parse_documents
from wizard.policies.compare import diff, same_content
from wizard.policies.demo import demo_chain
from wizard.policies.mark import canonical_digest, marked, read_mark, unmarked
from wizard.policies.problems import PolicyProblemsError, Problem
from wizard.policies.schema import find_xsd, load_schema
from wizard.policies.templates import AsignioClaimsProvider, asignio_claims_provider
from wizard.policies.validate import check_chain, validate_chain
from wizard.policies.xmlsafe import BOM, NS, UnsafeXmlError, parse_policy

if TYPE_CHECKING:
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
    "same_content",
    "unmarked",
    "validate_chain",
    "without_asignio",
]


def __getattr__(name: str) -> object:
    """The unmerge's exports, loaded when first asked for: only a removal unmerges."""
    if name in ("Unmerged", "without_asignio"):
        from wizard.policies import unmerge

        return getattr(unmerge, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

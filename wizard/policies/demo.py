"""The demo tenant's base chain: asignio-setup's own compact Base, Localization and Extensions."""

from __future__ import annotations

from importlib import resources

from wizard.policies.chain import Policy
from wizard.policies.xmlsafe import parse_policy, q, serialize

DEMO_FILES = ("TrustFrameworkBase.xml", "TrustFrameworkLocalization.xml", "TrustFrameworkExtensions.xml")


def demo_chain(tenant_domain: str) -> dict[str, bytes]:
    """The demo chain keyed by policy id, with TenantId and PublicPolicyUri naming `tenant_domain`."""
    folder = resources.files("policy_templates").joinpath("demo_base")
    chain: dict[str, bytes] = {}
    for file_name in DEMO_FILES:
        policy = Policy(file_name, parse_policy(folder.joinpath(file_name).read_bytes(), file_name))
        root = policy.root
        root.set("TenantId", tenant_domain)
        root.set("PublicPolicyUri", f"http://{tenant_domain}/{policy.policy_id}")
        base_tenant = root.find(f"{q('BasePolicy')}/{q('TenantId')}")
        if base_tenant is not None:
            base_tenant.text = tenant_domain
        chain[policy.policy_id] = serialize(policy.tree)
    return chain

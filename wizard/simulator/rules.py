"""The checks B2C runs when a custom policy is uploaded, with B2C's own wording, so the facade and
the steps meet the same messages they will meet in a real tenant."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lxml import etree

from wizard.simulator.tenant import SimulatedTenant, find_key

NOT_XML = "The policy being uploaded is not XML or is not correctly formatted: "
UTF8_BOM = b"\xef\xbb\xbf"


class PolicyRejected(Exception):
    """B2C refused the upload; the message is what Graph returns in error.message."""


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _child_text(parent: etree._Element, name: str) -> str | None:
    for child in parent:
        if isinstance(child.tag, str) and _local(child) == name:
            return (child.text or "").strip()
    return None


def _validation_failed(policy_id: str, domain: str, *problems: str) -> PolicyRejected:
    return PolicyRejected(
        f'Validation failed: {len(problems)} validation error(s) found in policy "{policy_id.upper()}" '
        f'of tenant "{domain}".' + " ".join(problems)
    )


def parse_policy(content: bytes) -> etree._Element:
    """The policy's root element; a BOM or anything before the XML is refused, as B2C refuses it."""
    if content.startswith(UTF8_BOM):
        raise PolicyRejected(NOT_XML + "Data at the root level is invalid. Line 1, position 1.")
    try:
        root = etree.fromstring(content, _safe_parser())
    except etree.XMLSyntaxError as error:
        raise PolicyRejected(NOT_XML + str(error)) from None
    if _local(root) != "TrustFrameworkPolicy":
        raise PolicyRejected(NOT_XML + f"the root element is '{_local(root)}', not 'TrustFrameworkPolicy'.")
    return root


def base_policy_id(root: etree._Element) -> str | None:
    for child in root:
        if isinstance(child.tag, str) and _local(child) == "BasePolicy":
            return _child_text(child, "PolicyId")
    return None


def check_policy_upload(
    tenant: SimulatedTenant,
    policy_id: str,
    content: bytes,
    validate_chain: Callable[[Mapping[str, bytes]], list[Any]] | None = None,
) -> None:
    """Raise PolicyRejected with B2C's message when B2C would refuse `content` as policy `policy_id`.

    `validate_chain` (the policy engine's, when present) gets the stored ancestors and the upload, keyed
    by policy id; its problems located in the uploaded policy are B2C's validation errors.
    """
    root = parse_policy(content)
    domain = tenant.domain
    declared_id = root.get("PolicyId") or ""
    if declared_id.lower() != policy_id.lower():
        raise PolicyRejected(
            f"The policy id '{declared_id}' in the policy xml does not match the policy id '{policy_id}' in the request."
        )
    tenant_id = root.get("TenantId") or ""
    if tenant_id.lower() != domain:
        raise PolicyRejected(f"TenantId in the policy xml '{tenant_id}' is not same as the one in login tenant '{domain}'.")
    base_id = base_policy_id(root)
    if base_id is not None and find_key(tenant.policies, base_id) is None:
        raise _validation_failed(
            policy_id, domain,
            f"Policy with 'policyId': {base_id.upper()} cannot be found in the directory '{domain}'. "
            "Please make sure the base policy is uploaded first.",
        )
    for element in root.iter():
        if isinstance(element.tag, str) and _local(element) == "Key" and element.get("StorageReferenceId"):
            reference = element.get("StorageReferenceId") or ""
            if tenant.active_key(reference) is None:
                raise _validation_failed(
                    policy_id, domain,
                    f'Tenant "{domain}" does not have CryptographicKey referenced by storageReferenceId '
                    f'"{reference}" in policy "{policy_id.upper()}" of tenant "{domain}".',
                )
    if validate_chain is not None:
        documents = {**ancestors(tenant, base_id), policy_id: content}
        problems = [str(problem) for problem in validate_chain(documents) if problem.file == policy_id]
        if problems:
            raise _validation_failed(policy_id, domain, *problems)


def ancestors(tenant: SimulatedTenant, base_id: str | None) -> dict[str, bytes]:
    """The stored chain below a policy by id, base first, stopping at a missing link or a loop."""
    chain: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    while base_id is not None and base_id.lower() not in seen:
        seen.add(base_id.lower())
        stored = find_key(tenant.policies, base_id)
        if stored is None:
            break
        content = tenant.policies[stored]
        chain.insert(0, (stored, content))
        try:
            base_id = base_policy_id(parse_policy(content))
        except PolicyRejected:
            break
    return dict(chain)

"""The checks B2C runs when a custom policy is uploaded, with B2C's own wording, so the facade and
the steps meet the same messages they will meet in a real tenant.

Written independently of the project's policy engine (`wizard.policies`) on purpose: were the
simulator to accept uploads with the engine's own validator, a bug in that validator would pass both
the tool and its tests, and only a real tenant would refuse the policies.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree

from wizard.simulator.tenant import SimulatedTenant, find_key

NOT_XML = "The policy being uploaded is not XML or is not correctly formatted: "
UTF8_BOM = b"\xef\xbb\xbf"
REFERENCES = (
    # (element, attribute holding the reference, kind of element referenced)
    ("ValidationTechnicalProfile", "ReferenceId", "TechnicalProfile"),
    ("IncludeTechnicalProfile", "ReferenceId", "TechnicalProfile"),
    ("UseTechnicalProfileForSessionManagement", "ReferenceId", "TechnicalProfile"),
    ("ClaimsExchange", "TechnicalProfileReferenceId", "TechnicalProfile"),
    ("OrchestrationStep", "CpimIssuerTechnicalProfileReferenceId", "TechnicalProfile"),
    ("DefaultUserJourney", "ReferenceId", "UserJourney"),
)
"""The references B2C resolves across a policy and its bases that a wrong edit most often breaks."""


class PolicyRejected(Exception):
    """B2C refused the upload; the message is what Graph returns in error.message."""


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


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


def check_policy_upload(tenant: SimulatedTenant, policy_id: str, content: bytes) -> None:
    """Raise PolicyRejected with B2C's message when B2C would refuse `content` as policy `policy_id`.

    The checks, in B2C's order: well-formed XML without a BOM, the PolicyId and TenantId, the base
    policy stored, every StorageReferenceId naming a key set with an active key, then the technical
    profiles and user journeys referenced being defined in the policy or its stored bases.

    Graph documents no code for these refusals (tests/contract/REPORT.md §4), so they come as code AADB2C like the
    documented not-XML one. The wording is B2C's as operators quote it: the missing base in
    Azure-Samples/active-directory-b2c-custom-policy-starterpack#105; the missing key set in
    MicrosoftDocs/azure-docs#7581 (B2C_1A_FacebookSecret) and #20564 (B2C_1A_TokenSigningKeyContainer), both
    'Validation failed: 1 validation error(s) found in policy "B2C_1A_TRUSTFRAMEWORKBASE" of tenant "…".Tenant "…"
    does not have CryptographicKey referenced by storageReferenceId "…".'
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
        raise PolicyRejected(
            f"TenantId in the policy xml '{tenant_id}' is not same as the one in login tenant '{domain}'."
        )
    base_id = base_policy_id(root)
    if base_id is not None and find_key(tenant.policies, base_id) is None:
        raise _validation_failed(
            policy_id,
            domain,
            f"Policy with 'policyId': {base_id.upper()} cannot be found in the directory '{domain}'. "
            "Please make sure the base policy is uploaded first.",
        )
    for element in _elements(root, "Key"):
        reference = element.get("StorageReferenceId")
        if reference and tenant.active_key(reference) is None:
            raise _validation_failed(
                policy_id,
                domain,
                f'Tenant "{domain}" does not have CryptographicKey referenced by storageReferenceId "{reference}".',
            )
    chain = [root, *_parsed(ancestors(tenant, base_id).values())]
    problems = [
        f'Policy "{policy_id.upper()}" of tenant "{domain}" makes a reference to {kind} with id "{wanted}" '
        "but neither the policy nor any of its base policies contain such an element."
        for kind, wanted in _unresolved(root, chain)
    ]
    if problems:
        raise _validation_failed(policy_id, domain, *problems)


def _elements(root: etree._Element, name: str) -> Iterator[etree._Element]:
    return (element for element in root.iter() if isinstance(element.tag, str) and _local(element) == name)


def _parsed(contents: Iterable[bytes]) -> list[etree._Element]:
    """Stored policies as trees; a stored one that no longer parses (edited by a test) defines nothing."""
    roots = []
    for content in contents:
        try:
            roots.append(parse_policy(content))
        except PolicyRejected:
            continue
    return roots


def _unresolved(root: etree._Element, chain: list[etree._Element]) -> list[tuple[str, str]]:
    """The (kind, id) references in `root` that no element of `chain` defines, each once, in document order."""
    defined = {
        kind: {element.get("Id") for policy in chain for element in _elements(policy, kind)}
        for kind in {kind for _, _, kind in REFERENCES}
    }
    missing: list[tuple[str, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, attribute, kind in REFERENCES:
            wanted = element.get(attribute)
            if _local(element) == name and wanted and wanted not in defined[kind] and (kind, wanted) not in missing:
                missing.append((kind, wanted))
    return missing


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

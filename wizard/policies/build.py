"""generate(): merges the Asignio pieces into the tenant's TrustFrameworkExtensions and writes the relying party."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from wizard.answers import Answers, Mfa
from wizard.errors import PolicyError
from wizard.policies.chain import Chain, Policy, element_id, parse_documents
from wizard.policies.problems import PolicyProblemsError
from wizard.policies.schema import find_xsd, load_schema
from wizard.policies.splice import SourceMap
from wizard.policies.templates import (
    AUGMENTS,
    EXTENSIONS_TEMPLATE,
    RELYING_PARTY_TEMPLATE,
    UNLESS_DEFINED,
    Conditions,
    load_template,
    render,
)
from wizard.policies.tree_edit import (
    BUILDING_BLOCKS_ORDER,
    ROOT_ORDER,
    TECHNICAL_PROFILE_ORDER,
    append_child,
    ensure_child,
    replace_child,
)
from wizard.policies.validate import (
    chain_problems,
    check_chain,
    cycle_problem,
    duplicate_problems,
    id_problems,
    references,
)
from wizard.policies.xmlsafe import NS, q, serialize

KIND_OF_TAG = {
    "ClaimType": "claim type",
    "ClaimsTransformation": "claims transformation",
    "ContentDefinition": "content definition",
    "TechnicalProfile": "technical profile",
    "UserJourney": "user journey",
}
LOCAL_ACCOUNT_PROFILES = ("SelfAsserted-LocalAccountSignin-Email", "LocalAccountSignUpWithLogonEmail")
SOCIAL_PACKS = "SocialAccounts, SocialAndLocalAccounts or SocialAndLocalAccountsWithMfa"


@dataclass(frozen=True)
class PolicyFile:
    """One policy ready to upload: its id and its bytes (UTF-8, no BOM)."""

    policy_id: str
    content: bytes


@dataclass(frozen=True)
class GeneratedPolicies:
    """What generate() produces, in upload order."""

    extensions: PolicyFile
    relying_party: PolicyFile


def _kind(element: etree._Element) -> str:
    return KIND_OF_TAG[etree.QName(element).localname]


def _output_claims(element: etree._Element) -> set[str]:
    return {
        claim.get("ClaimTypeReferenceId", "").lower() for claim in element.iterfind("b:OutputClaims/b:OutputClaim", NS)
    }


def find_extensions(chain: Chain) -> Policy:
    """The policy to merge into: the one non-relying-party policy no other non-relying-party policy builds on."""
    candidates = [policy for policy in chain.policies if not policy.is_relying_party]
    if not candidates:
        raise PolicyError(
            "the base folder holds only relying-party policies",
            "add TrustFrameworkBase.xml, TrustFrameworkLocalization.xml and TrustFrameworkExtensions.xml",
        )
    bases = {(policy.base_id or "").lower() for policy in candidates}
    leaves = [policy for policy in candidates if policy.policy_id.lower() not in bases]
    derived = [policy for policy in leaves if policy.base_id is not None]
    leaves = derived or leaves
    if len(leaves) != 1:
        names = ", ".join(f"{policy.name} ({policy.policy_id})" for policy in leaves)
        raise PolicyError(
            f"cannot tell which policy is the extensions policy: {names} each end a chain",
            "keep only one chain (Base, Localization, Extensions) in the base folder",
        )
    extensions = leaves[0]
    if extensions.base_id is None or extensions.policy_id.lower().endswith("localization"):
        raise PolicyError(
            f"the chain ends at {extensions.name} ({extensions.policy_id}); there is no TrustFrameworkExtensions policy",
            "add the tenant's TrustFrameworkExtensions.xml (or the starter pack's) to the base folder",
        )
    return extensions


def load_chain(documents: Mapping[str, bytes]) -> tuple[Chain, Policy]:
    """Parse the tenant's chain and find its extensions policy; refuse an unreadable or broken chain."""
    policies, problems = parse_documents(documents)
    if problems:
        raise PolicyProblemsError("the base chain cannot be read", "fix or replace the files named", problems)
    problems = [problem for policy in policies for problem in id_problems(policy)]
    if problems:
        raise PolicyProblemsError("the base chain has ids B2C does not allow", "fix the ids named", problems)
    chain = Chain(policies)
    cycles = [problem for policy in policies if (problem := cycle_problem(chain, policy)) is not None]
    if cycles:
        raise PolicyProblemsError("the base chain leads in a circle", "fix the BasePolicy named", cycles)
    extensions = find_extensions(chain)
    problems = list(duplicate_problems(chain))
    for policy in chain.lineage(extensions):
        problems.extend(chain_problems(chain, policy))
    if problems:
        raise PolicyProblemsError("the base chain is incomplete or inconsistent", "fix the files named", problems)
    return chain, extensions


class ExtensionsMerger:
    """Renders the extensions template against the chain and merges it into the extensions policy."""

    def __init__(self, chain: Chain, extensions: Policy, answers: Answers) -> None:
        self.chain = chain
        self.extensions = extensions
        self.above = chain.base_of(extensions)
        self.missing: dict[str, set[str]] = {}
        self.augmented: set[str] = set()
        local = all(chain.find(extensions, "technical profile", name) is not None for name in LOCAL_ACCOUNT_PROFILES)
        self.conditions = Conditions(mfa=answers.setup.mfa is Mfa.PHONE, local_accounts=local)
        self.fragment = render(load_template(EXTENSIONS_TEMPLATE), answers, self.conditions, self._keep)
        _renumber_journeys(self.fragment)

    def _defined_above(self, element: etree._Element) -> etree._Element | None:
        if self.above is None:
            return None
        return self.chain.find(self.above, _kind(element), element_id(element))

    def _keep(self, element: etree._Element) -> bool:
        """Skip what the base already provides; note augmented profiles the base lacks."""
        if element.get(UNLESS_DEFINED) == "true":
            return self._defined_above(element) is None
        if element.get(AUGMENTS) == "true":
            self.augmented.add(element_id(element).lower())
            wanted = _output_claims(element)
            present: set[str] = set()
            for definition in self.chain.definitions_along(self.extensions, "technical profile", element_id(element)):
                present |= _output_claims(definition)
            if not present and self.chain.find(self.extensions, "technical profile", element_id(element)) is None:
                self.missing.setdefault("technical profile", set()).add(element_id(element))
                return False
            return not wanted <= present
        return True

    def check_hostable(self) -> None:
        """Refuse, naming what is missing, when the chain lacks what the Asignio pieces refer to."""
        fragment_ids = {
            kind: {element_id(found).lower() for found in self.fragment.iter(q(tag))}
            for tag, kind in KIND_OF_TAG.items()
        }
        for _, _, kind, value in references(self.fragment):
            if value.lower() not in fragment_ids.get(kind, set()) | self.chain.visible_ids(self.extensions, kind):
                self.missing.setdefault(kind, set()).add(value)
        if self.missing:
            parts = [f"the {kind}s {', '.join(sorted(ids))}" for kind, ids in sorted(self.missing.items())]
            raise PolicyError(
                f"the base chain ({self.extensions.name} and its base policies) cannot host the Asignio journey: "
                f"it does not define {'; '.join(parts)}. These are the social sign-in pieces that the "
                f"{SOCIAL_PACKS} starter packs define (the LocalAccounts pack has none of them)",
                f"upload the SocialAndLocalAccounts starter pack's TrustFrameworkBase.xml (or {SOCIAL_PACKS}) "
                "to the tenant, use it as the base, and run again",
            )

    def merge(self) -> None:
        root = self.extensions.root
        self._merge_building_blocks(root)
        self._merge_claims_providers(root)
        self._merge_definitions(root, "UserJourneys", self.fragment.find(q("UserJourneys")), ROOT_ORDER)
        self.extensions.reindex()

    def _existing(self, kind: str, wanted: str) -> etree._Element | None:
        return self.extensions.definitions[kind].get(wanted.lower())

    def _merge_definitions(
        self, parent: etree._Element, section: str, template_section: etree._Element | None, order: list[str]
    ) -> None:
        """Replace each definition with the same Id in place, append the others to the section."""
        if template_section is None or len(template_section) == 0:
            return
        for definition in list(template_section.iterchildren(etree.Element)):
            existing = self._existing(_kind(definition), element_id(definition))
            if existing is not None:
                replace_child(existing, definition)
            else:
                append_child(ensure_child(parent, section, order), definition)

    def _merge_building_blocks(self, root: etree._Element) -> None:
        template_blocks = self.fragment.find(q("BuildingBlocks"))
        sections = [section for section in template_blocks if len(section)] if template_blocks is not None else []
        if not sections:
            return
        blocks = ensure_child(root, "BuildingBlocks", ROOT_ORDER)
        for section in sections:
            self._merge_definitions(blocks, etree.QName(section).localname, section, BUILDING_BLOCKS_ORDER)

    def _merge_claims_providers(self, root: etree._Element) -> None:
        for provider in list(self.fragment.iterfind("b:ClaimsProviders/b:ClaimsProvider", NS)):
            profiles = provider.find(q("TechnicalProfiles"))
            for profile in list(profiles):
                existing = self._existing("technical profile", element_id(profile))
                if existing is None:
                    continue
                if element_id(profile).lower() in self.augmented:
                    _add_output_claims(existing, profile)
                    profiles.remove(profile)
                else:
                    replace_child(existing, profile)
            if len(profiles):
                append_child(ensure_child(root, "ClaimsProviders", ROOT_ORDER), provider)


def _add_output_claims(target: etree._Element, fragment: etree._Element) -> None:
    present = _output_claims(target)
    for claim in fragment.iterfind("b:OutputClaims/b:OutputClaim", NS):
        if claim.get("ClaimTypeReferenceId", "").lower() not in present:
            append_child(ensure_child(target, "OutputClaims", TECHNICAL_PROFILE_ORDER), claim)


def _renumber_journeys(fragment: etree._Element) -> None:
    for journey in fragment.iterfind("b:UserJourneys/b:UserJourney", NS):
        for number, step in enumerate(journey.iterfind("b:OrchestrationSteps/b:OrchestrationStep", NS), start=1):
            step.set("Order", str(number))


def _set_tenant(policy: Policy, domain: str) -> None:
    """TenantId and PublicPolicyUri name the tenant's .onmicrosoft.com domain."""
    root = policy.root
    root.set("TenantId", domain)
    uri = root.get("PublicPolicyUri", "")
    if not uri.lower().startswith((f"http://{domain}/", f"https://{domain}/")):
        root.set("PublicPolicyUri", f"http://{domain}/{policy.policy_id}")
    base_tenant = policy.root.find("b:BasePolicy/b:TenantId", NS)
    if base_tenant is not None:
        base_tenant.text = domain


def build_relying_party(answers: Answers, chain: Chain, extensions: Policy) -> etree._ElementTree:
    root = load_template(RELYING_PARTY_TEMPLATE)
    domain = answers.tenant.domain
    policy_id = answers.custom_policy.relying_party
    root.set("TenantId", domain)
    root.set("PolicyId", policy_id)
    root.set("PublicPolicyUri", f"http://{domain}/{policy_id}")
    root.find("b:BasePolicy/b:TenantId", NS).text = domain
    root.find("b:BasePolicy/b:PolicyId", NS).text = extensions.policy_id
    relying_party = root.find(q("RelyingParty"))
    relying_party.find(q("DefaultUserJourney")).set("ReferenceId", answers.custom_policy.journey_id)
    for endpoint in relying_party.iterfind("b:Endpoints/b:Endpoint", NS):
        if chain.find(extensions, "user journey", endpoint.get("UserJourneyReferenceId", "")) is None:
            endpoint.getparent().remove(endpoint)
    endpoints = relying_party.find(q("Endpoints"))
    if len(endpoints) == 0:
        relying_party.remove(endpoints)
    for claim in relying_party.iterfind("b:TechnicalProfile/b:OutputClaims/b:OutputClaim", NS):
        if chain.find(extensions, "claim type", claim.get("ClaimTypeReferenceId", "")) is None:
            claim.getparent().remove(claim)
    etree.indent(root, space="  ")
    return etree.ElementTree(root)


def generate(answers: Answers, chain: Mapping[str, bytes], *, xsd: Path | None = None) -> GeneratedPolicies:
    """Merge the Asignio pieces into the chain's extensions policy and write the relying party; validated.

    `chain` holds the tenant's Base, Localization (optional) and Extensions, keyed by anything; relying parties
    in it are ignored. Raises PolicyError saying what is missing when the base cannot host the journey.
    The result is validated with the XSD at `xsd`, or the one find_xsd() finds.
    """
    policy_chain, extensions = load_chain(chain)
    lineage = policy_chain.lineage(extensions)
    domain = answers.tenant.domain
    if extensions.tenant_id.lower() != domain:
        raise PolicyError(
            f"the base chain is for tenant '{extensions.tenant_id}' ({extensions.name}), "
            f"but the answers name '{domain}'",
            f"use the chain downloaded from {domain} (in a starter pack, replace 'yourtenant' with "
            f"'{answers.tenant.name}' in every file), or correct [tenant] name",
        )
    relying_party_id = answers.custom_policy.relying_party
    if any(policy.policy_id.lower() == relying_party_id.lower() for policy in lineage):
        raise PolicyError(
            f"the relying-party id {relying_party_id} is already the id of a policy in the base chain",
            "choose another [custom_policy] relying_party",
        )

    source_map = SourceMap(chain[extensions.name], extensions.root)
    merger = ExtensionsMerger(policy_chain, extensions, answers)
    merger.check_hostable()
    merger.merge()
    _set_tenant(extensions, domain)
    extensions_bytes = source_map.render(extensions.tree)
    relying_party_bytes = serialize(build_relying_party(answers, policy_chain, extensions))

    result = {policy.name: chain[policy.name] for policy in reversed(lineage[1:])}
    result[extensions.name] = extensions_bytes
    result[relying_party_id] = relying_party_bytes
    schema_path = xsd if xsd is not None else find_xsd()
    problems = check_chain(result, load_schema(schema_path) if schema_path is not None else None)
    if problems:
        raise PolicyProblemsError(
            "the generated policies do not validate",
            "fix the base chain where the problems point, then run again",
            problems,
        )
    return GeneratedPolicies(
        extensions=PolicyFile(extensions.policy_id, extensions_bytes),
        relying_party=PolicyFile(relying_party_id, relying_party_bytes),
    )

"""A set of parsed policies and the inheritance chain worked out from PolicyId and BasePolicy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from wizard.policies.problems import Problem
from wizard.policies.xmlsafe import NS, UnsafeXmlError, parse_policy, q

# Where each kind of definition lives in a policy, and the names used in messages.
DEFINITION_PATHS: dict[str, str] = {
    "claim type": "b:BuildingBlocks/b:ClaimsSchema/b:ClaimType",
    "predicate": "b:BuildingBlocks/b:Predicates/b:Predicate",
    "predicate validation": "b:BuildingBlocks/b:PredicateValidations/b:PredicateValidation",
    "input validation": "b:BuildingBlocks/b:InputValidations/b:InputValidation",
    "claims transformation": "b:BuildingBlocks/b:ClaimsTransformations/b:ClaimsTransformation",
    "client definition": "b:BuildingBlocks/b:ClientDefinitions/b:ClientDefinition",
    "content definition": "b:BuildingBlocks/b:ContentDefinitions/b:ContentDefinition",
    "localized resources": "b:BuildingBlocks/b:Localization/b:LocalizedResources",
    "display control": "b:BuildingBlocks/b:DisplayControls/b:DisplayControl",
    "technical profile": "b:ClaimsProviders/b:ClaimsProvider/b:TechnicalProfiles/b:TechnicalProfile",
    "user journey": "b:UserJourneys/b:UserJourney",
    "sub journey": "b:SubJourneys/b:SubJourney",
}


def element_id(element: etree._Element) -> str:
    return str(element.get("Id", ""))


@dataclass
class Policy:
    """One parsed policy file and the definitions it holds, indexed by kind and lower-case Id."""

    name: str
    tree: etree._ElementTree
    definitions: dict[str, dict[str, etree._Element]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the index after the tree was changed (the generator merges into it)."""
        root = self.root
        self.definitions = {
            kind: {element_id(found).lower(): found for found in root.iterfind(path, NS)}
            for kind, path in DEFINITION_PATHS.items()
        }

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()

    @property
    def policy_id(self) -> str:
        return str(self.root.get("PolicyId", ""))

    @property
    def tenant_id(self) -> str:
        return str(self.root.get("TenantId", ""))

    @property
    def base_element(self) -> etree._Element | None:
        return self.root.find(q("BasePolicy"))

    @property
    def base_id(self) -> str | None:
        base = self.base_element
        if base is None:
            return None
        return (base.findtext(q("PolicyId")) or "").strip()

    @property
    def is_relying_party(self) -> bool:
        return self.root.find(q("RelyingParty")) is not None


class Chain:
    """Every policy of a set by lower-case PolicyId, with each one's ancestors in inheritance order."""

    def __init__(self, policies: list[Policy]) -> None:
        self.policies = policies
        self.by_id: dict[str, Policy] = {}
        for policy in policies:
            self.by_id.setdefault(policy.policy_id.lower(), policy)

    def base_of(self, policy: Policy) -> Policy | None:
        base_id = policy.base_id
        return self.by_id.get(base_id.lower()) if base_id else None

    def lineage(self, policy: Policy) -> list[Policy]:
        """The policy and its ancestors, nearest first; stops at a missing base or a cycle."""
        seen: list[Policy] = []
        current: Policy | None = policy
        while current is not None and current not in seen:
            seen.append(current)
            current = self.base_of(current)
        return seen

    def cycle_through(self, policy: Policy) -> list[Policy] | None:
        """The bases from `policy` back to itself (A, B, A) when its chain leads back to it, else None."""
        lineage = self.lineage(policy)
        return [*lineage, policy] if self.base_of(lineage[-1]) is policy else None

    def find(self, policy: Policy, kind: str, wanted: str) -> etree._Element | None:
        """The nearest definition of `wanted` visible from `policy` (its own file first, then its bases)."""
        key = wanted.lower()
        for ancestor in self.lineage(policy):
            found = ancestor.definitions[kind].get(key)
            if found is not None:
                return found
        return None

    def definitions_along(self, policy: Policy, kind: str, wanted: str) -> Iterator[etree._Element]:
        """Every definition of `wanted` from the root base down to `policy`, in the order B2C merges them."""
        key = wanted.lower()
        for ancestor in reversed(self.lineage(policy)):
            found = ancestor.definitions[kind].get(key)
            if found is not None:
                yield found

    def visible_ids(self, policy: Policy, kind: str) -> set[str]:
        return {key for ancestor in self.lineage(policy) for key in ancestor.definitions[kind]}


def parse_documents(documents: Mapping[str, bytes]) -> tuple[list[Policy], list[Problem]]:
    """Parse each document safely; an unusable one becomes a Problem instead of an exception."""
    policies: list[Policy] = []
    problems: list[Problem] = []
    for name, data in documents.items():
        try:
            policies.append(Policy(name, parse_policy(data, name)))
        except UnsafeXmlError as error:
            problems.append(error.problem)
    return policies, problems

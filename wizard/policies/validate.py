"""Checks a whole chain the way B2C would on upload: references, journeys, tenants, bases, schema."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from pathlib import Path

from lxml import etree

from wizard.answers import is_policy_id
from wizard.errors import shown
from wizard.policies.chain import Chain, Policy, parse_documents
from wizard.policies.problems import Problem
from wizard.policies.schema import find_xsd, load_schema, schema_problems
from wizard.policies.xmlsafe import NS, q

# (XPath selecting the referring attribute or text, kind of definition it names)
REFERENCE_RULES: list[tuple[str, str]] = [
    (".//@ClaimTypeReferenceId", "claim type"),
    (".//b:SubjectNamingInfo/@ClaimType", "claim type"),
    (".//b:Precondition/b:Value[1]/text()", "claim type"),
    (".//@TechnicalProfileReferenceId", "technical profile"),
    (".//@CpimIssuerTechnicalProfileReferenceId", "technical profile"),
    (".//b:ValidationTechnicalProfile/@ReferenceId", "technical profile"),
    (".//b:IncludeTechnicalProfile/@ReferenceId", "technical profile"),
    (".//b:UseTechnicalProfileForSessionManagement/@ReferenceId", "technical profile"),
    (".//b:InputClaimsTransformation/@ReferenceId", "claims transformation"),
    (".//b:OutputClaimsTransformation/@ReferenceId", "claims transformation"),
    (".//@ContentDefinitionReferenceId", "content definition"),
    (".//b:Metadata/b:Item[@Key='ContentDefinitionReferenceId']/text()", "content definition"),
    (".//b:UserJourney/b:ClientDefinition/@ReferenceId", "client definition"),
    (".//b:DefaultUserJourney/@ReferenceId", "user journey"),
    (".//@UserJourneyReferenceId", "user journey"),
    (".//@SubJourneyReferenceId", "sub journey"),
    (".//@LocalizedResourcesReferenceId", "localized resources"),
    (".//@DisplayControlReferenceId", "display control"),
    (".//b:PredicateReference/@Id", "predicate"),
    (".//b:PredicateValidationReference/@Id", "predicate validation"),
    (".//@InputValidationReferenceId", "input validation"),
]
COMPILED_RULES = [(etree.XPath(path, namespaces=NS), kind) for path, kind in REFERENCE_RULES]
SEND_CLAIMS = "SendClaims"


def references(scope: etree._Element) -> Iterator[tuple[etree._Element, str, str, str]]:
    """Every (referring element, what refers, kind, id) under `scope`, including `scope` itself."""
    for rule, kind in COMPILED_RULES:
        for result in rule(scope):
            owner = result.getparent()
            label = (
                f"{etree.QName(owner).localname} {result.attrname}"
                if result.is_attribute
                else f"{etree.QName(owner).localname}"
            )
            value = str(result).strip()
            if value:
                yield owner, label, kind, value


def unresolved(chain: Chain, policy: Policy, scope: etree._Element) -> Iterator[tuple[etree._Element, str, str, str]]:
    """The references under `scope` that name nothing visible from `policy`."""
    visible: dict[str, set[str]] = {}
    for owner, label, kind, value in references(scope):
        if kind not in visible:
            visible[kind] = chain.visible_ids(policy, kind)
        if value.lower() not in visible[kind]:
            yield owner, label, kind, value


def _suggestion(chain: Chain, policy: Policy, kind: str, value: str) -> str:
    known = {key: key for key in chain.visible_ids(policy, kind)}
    close = difflib.get_close_matches(value.lower(), list(known), n=1, cutoff=0.8)
    if close:
        original = chain.find(policy, kind, close[0])
        return f"did you mean '{original.get('Id') if original is not None else close[0]}'? Otherwise define it"
    return "define it"


def reference_problems(chain: Chain, policy: Policy) -> Iterator[Problem]:
    for owner, label, kind, value in unresolved(chain, policy, policy.root):
        ancestry = " or its base policies" if policy.base_id else ""
        yield Problem(
            policy.name,
            owner.sourceline,
            f"{label} '{value}' names a {kind} that is not defined in this policy{ancestry}",
            f"{_suggestion(chain, policy, kind, value)} in this policy or a base policy, or correct the id",
        )


def merged_steps(chain: Chain, policy: Policy, journey_id: str) -> dict[str, etree._Element]:
    """The journey's orchestration steps as B2C sees them from `policy`: later policies replace steps by Order."""
    steps: dict[str, etree._Element] = {}
    for journey in chain.definitions_along(policy, "user journey", journey_id):
        for step in journey.iterfind("b:OrchestrationSteps/b:OrchestrationStep", NS):
            steps[step.get("Order", "").strip()] = step
    return steps


def journey_problems(chain: Chain, policy: Policy) -> Iterator[Problem]:
    for journey in policy.definitions["user journey"].values():
        journey_id = journey.get("Id", "")
        steps = merged_steps(chain, policy, journey_id)
        yield from _numbering_problems(policy, journey, journey_id, steps)
        yield from _exchange_problems(policy, journey_id, list(steps.values()))


def _numbering_problems(
    policy: Policy, journey: etree._Element, journey_id: str, steps: dict[str, etree._Element]
) -> Iterator[Problem]:
    numbers: list[int] = []
    for order, step in steps.items():
        if not order.isdigit():
            yield Problem(
                policy.name,
                step.sourceline,
                f"journey '{journey_id}': step Order '{order}' is not a number",
                "number the steps 1, 2, 3, …",
            )
        else:
            numbers.append(int(order))
    numbers.sort()
    if numbers != list(range(1, len(numbers) + 1)):
        yield Problem(
            policy.name,
            journey.sourceline,
            f"journey '{journey_id}' has steps numbered {', '.join(map(str, numbers)) or 'none'}; B2C needs 1..N with no gaps",
            f"renumber the orchestration steps 1 to {len(numbers)} in order",
        )
    if numbers:
        last = steps[str(numbers[-1])]
        if last.get("Type") != SEND_CLAIMS:
            yield Problem(
                policy.name,
                last.sourceline,
                f"journey '{journey_id}' ends with a {last.get('Type')} step, not SendClaims",
                'make the last orchestration step Type="SendClaims" with CpimIssuerTechnicalProfileReferenceId="JwtIssuer"',
            )


def _exchange_problems(policy: Policy, journey_id: str, steps: list[etree._Element]) -> Iterator[Problem]:
    exchange_ids: dict[str, etree._Element] = {}
    for step in steps:
        for exchange in step.iterfind("b:ClaimsExchanges/b:ClaimsExchange", NS):
            key = exchange.get("Id", "").lower()
            if key in exchange_ids:
                yield Problem(
                    policy.name,
                    exchange.sourceline,
                    f"journey '{journey_id}': ClaimsExchange Id '{exchange.get('Id')}' is used twice",
                    "give each claims exchange in a journey its own Id",
                )
            exchange_ids[key] = exchange
    for step in steps:
        local_ids = {
            exchange.get("Id", "").lower() for exchange in step.iterfind("b:ClaimsExchanges/b:ClaimsExchange", NS)
        }
        for selection in step.iterfind("b:ClaimsProviderSelections/b:ClaimsProviderSelection", NS):
            target = selection.get("TargetClaimsExchangeId")
            if target and target.lower() not in exchange_ids:
                yield Problem(
                    policy.name,
                    selection.sourceline,
                    f"journey '{journey_id}': TargetClaimsExchangeId '{target}' matches no ClaimsExchange in the journey",
                    "add a ClaimsExchange with that Id to a later step, or correct the id",
                )
            validation = selection.get("ValidationClaimsExchangeId")
            if validation and validation.lower() not in local_ids:
                yield Problem(
                    policy.name,
                    selection.sourceline,
                    f"journey '{journey_id}': ValidationClaimsExchangeId '{validation}' matches no ClaimsExchange in the same step",
                    "add that ClaimsExchange to this step's ClaimsExchanges, or correct the id",
                )


def id_problems(policy: Policy) -> Iterator[Problem]:
    """PolicyId and the BasePolicy's PolicyId follow B2C's rule. They name files (the generated policies, backups),
    so this holds whether or not the XSD is found."""
    root = policy.root
    rule = "B2C_1A_ followed by letters, digits, '_' and '-'"
    if not policy.policy_id:
        yield Problem(policy.name, root.sourceline, "TrustFrameworkPolicy has no PolicyId", 'add PolicyId="B2C_1A_…"')
    elif not is_policy_id(policy.policy_id):
        yield Problem(
            policy.name,
            root.sourceline,
            f"PolicyId {shown(policy.policy_id)} is not a B2C policy id ({rule})",
            'give the policy its B2C id, like PolicyId="B2C_1A_TrustFrameworkExtensions"',
        )
    base_id = policy.base_id
    base_element = policy.base_element
    if base_id is not None and base_element is not None and not is_policy_id(base_id):
        yield Problem(
            policy.name,
            base_element.sourceline,
            f"BasePolicy PolicyId {shown(base_id)} is not a B2C policy id ({rule})",
            "name the base policy by its PolicyId, like B2C_1A_TrustFrameworkBase",
        )


def cycle_problem(chain: Chain, policy: Policy) -> Problem | None:
    """A policy whose bases lead back to it, said as the cycle they make."""
    cycle = chain.cycle_through(policy)
    if cycle is None:
        return None
    base_element = policy.base_element
    return Problem(
        policy.name,
        base_element.sourceline if base_element is not None else policy.root.sourceline,
        "cycle: " + " → ".join(member.policy_id for member in cycle),
        "break the cycle: TrustFrameworkBase has no BasePolicy, and every other policy names the one it builds on",
    )


def chain_problems(chain: Chain, policy: Policy) -> Iterator[Problem]:
    """A B2C id, base present, no cycle, tenant ids agreeing with the base's."""
    yield from id_problems(policy)
    root = policy.root
    if not policy.tenant_id:
        yield Problem(
            policy.name,
            root.sourceline,
            "TrustFrameworkPolicy has no TenantId",
            'add TenantId="yourtenant.onmicrosoft.com" with your tenant\'s name',
        )
    base_element = policy.base_element
    if base_element is None:
        return
    base_id = policy.base_id
    base_tenant = (base_element.findtext(q("TenantId")) or "").strip()
    if base_tenant and policy.tenant_id and base_tenant.lower() != policy.tenant_id.lower():
        yield Problem(
            policy.name,
            base_element.sourceline,
            f"BasePolicy TenantId '{base_tenant}' differs from this policy's TenantId '{policy.tenant_id}'",
            "use the same tenant (yourtenant.onmicrosoft.com) everywhere in the chain",
        )
    base = chain.base_of(policy)
    if base is None:
        yield Problem(
            policy.name,
            base_element.sourceline,
            f"its base policy '{base_id}' is not in this set",
            f"add the file whose PolicyId is {base_id} (B2C needs the whole chain, uploaded base first)",
        )
        return
    cycle = cycle_problem(chain, policy)
    if cycle is not None:
        yield cycle
        return
    if base.tenant_id and policy.tenant_id and base.tenant_id.lower() != policy.tenant_id.lower():
        yield Problem(
            policy.name,
            root.sourceline,
            f"TenantId '{policy.tenant_id}' differs from '{base.tenant_id}' in its base policy {base.name}",
            "every policy in a chain must name the same tenant: fix TenantId and PublicPolicyUri",
        )


def duplicate_problems(chain: Chain) -> Iterator[Problem]:
    seen: dict[str, Policy] = {}
    for policy in chain.policies:
        key = policy.policy_id.lower()
        if key and key in seen:
            yield Problem(
                policy.name,
                policy.root.sourceline,
                f"PolicyId '{policy.policy_id}' is also the PolicyId of {seen[key].name}",
                "keep one file per policy id",
            )
        seen.setdefault(key, policy)


def check_chain(documents: Mapping[str, bytes], schema: etree.XMLSchema | None) -> list[Problem]:
    """Every problem in the set; the XSD check runs only when a compiled schema is given."""
    policies, problems = parse_documents(documents)
    chain = Chain(policies)
    problems.extend(duplicate_problems(chain))
    for policy in policies:
        problems.extend(chain_problems(chain, policy))
        problems.extend(reference_problems(chain, policy))
        problems.extend(journey_problems(chain, policy))
        if schema is not None:
            problems.extend(schema_problems(schema, policy.tree, policy.name))
    order = {name: index for index, name in enumerate(documents)}
    return sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.line or 0))


def validate_chain(documents: Mapping[str, bytes], xsd: Path | None = None) -> list[Problem]:
    """Check every policy of the set, and against the official schema when `xsd` or find_xsd() gives one."""
    path = xsd if xsd is not None else find_xsd()
    return check_chain(documents, load_schema(path) if path is not None else None)

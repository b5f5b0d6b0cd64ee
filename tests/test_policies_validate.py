"""The chain validator: it passes Microsoft's starter packs and catches each kind of mistake B2C would reject."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.policies import DOMAIN, pack_chain
from wizard.policies import Problem, demo_chain, validate_chain
from wizard.policies.schema import deanchor, load_schema
from wizard.policies.validate import check_chain

ALL_PACKS = ["LocalAccounts", "SocialAccounts", "SocialAndLocalAccounts", "SocialAndLocalAccountsWithMfa"]
NS = 'xmlns="http://schemas.microsoft.com/online/cpim/schemas/2013/06"'


def policy(policy_id: str, body: str = "", base: str | None = None, tenant: str = DOMAIN) -> bytes:
    base_xml = f"<BasePolicy><TenantId>{tenant}</TenantId><PolicyId>{base}</PolicyId></BasePolicy>" if base else ""
    return (
        f'<TrustFrameworkPolicy {NS} PolicySchemaVersion="0.3.0.0" TenantId="{tenant}" PolicyId="{policy_id}" '
        f'PublicPolicyUri="http://{tenant}/{policy_id}">\n{base_xml}\n{body}\n</TrustFrameworkPolicy>'
    ).encode()


CLAIMS = """<BuildingBlocks><ClaimsSchema>
  <ClaimType Id="objectId"><DataType>string</DataType></ClaimType>
</ClaimsSchema></BuildingBlocks>"""
PROVIDERS = """<ClaimsProviders><ClaimsProvider><DisplayName>x</DisplayName><TechnicalProfiles>
  <TechnicalProfile Id="JwtIssuer"><Protocol Name="OpenIdConnect" /></TechnicalProfile>
  <TechnicalProfile Id="Reader"><Protocol Name="None" />
    <OutputClaims><OutputClaim ClaimTypeReferenceId="objectId" /></OutputClaims></TechnicalProfile>
</TechnicalProfiles></ClaimsProvider></ClaimsProviders>"""


def journey(steps: str) -> str:
    return f'<UserJourneys><UserJourney Id="J"><OrchestrationSteps>{steps}</OrchestrationSteps></UserJourney></UserJourneys>'


GOOD_STEPS = """
<OrchestrationStep Order="1" Type="ClaimsExchange"><ClaimsExchanges>
  <ClaimsExchange Id="Read" TechnicalProfileReferenceId="Reader" /></ClaimsExchanges></OrchestrationStep>
<OrchestrationStep Order="2" Type="SendClaims" CpimIssuerTechnicalProfileReferenceId="JwtIssuer" />"""


def small_chain(steps: str = GOOD_STEPS, child_body: str = "") -> dict[str, bytes]:
    return {
        "Base.xml": policy("B2C_1A_Base", CLAIMS + PROVIDERS + journey(steps)),
        "Child.xml": policy("B2C_1A_Child", child_body, base="B2C_1A_Base"),
    }


def messages(problems: list[Problem]) -> str:
    return "\n".join(str(problem) for problem in problems)


@pytest.mark.parametrize("pack", ALL_PACKS)
def test_every_starter_pack_validates_cleanly_with_the_xsd(starter_pack: Path, xsd_path: Path, pack: str) -> None:
    documents = {path.name: path.read_bytes() for path in sorted((starter_pack / pack).glob("*.xml"))}
    assert validate_chain(documents, xsd_path) == []


def test_a_small_correct_chain_has_no_problems() -> None:
    assert check_chain(small_chain(), None) == []


def test_a_dangling_reference_is_reported_with_file_line_and_a_suggestion() -> None:
    steps = GOOD_STEPS.replace('TechnicalProfileReferenceId="Reader"', 'TechnicalProfileReferenceId="Raeder"')
    problems = check_chain(small_chain(steps), None)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.file == "Base.xml" and problem.line is not None
    assert "technical profile" in problem.message and "'Raeder'" in problem.message
    assert "did you mean 'Reader'" in problem.fix
    assert str(problem).startswith(f"Base.xml:{problem.line}: ") and " — " in str(problem)


def test_references_resolve_case_insensitively_across_the_chain() -> None:
    child = """<RelyingParty><DefaultUserJourney ReferenceId="j" /><TechnicalProfile Id="PolicyProfile">
      <Protocol Name="OpenIdConnect" /><OutputClaims><OutputClaim ClaimTypeReferenceId="OBJECTID" /></OutputClaims>
      </TechnicalProfile></RelyingParty>"""
    steps = GOOD_STEPS.replace('"Reader"', '"reader"').replace('"JwtIssuer" />', '"JWTISSUER" />')
    assert check_chain(small_chain(steps, child), None) == []


def test_an_undefined_claim_in_a_child_policy_is_reported_there() -> None:
    child = """<RelyingParty><DefaultUserJourney ReferenceId="J" /><TechnicalProfile Id="PolicyProfile">
      <Protocol Name="OpenIdConnect" /><OutputClaims><OutputClaim ClaimTypeReferenceId="surName" /></OutputClaims>
      </TechnicalProfile></RelyingParty>"""
    problems = check_chain(small_chain(child_body=child), None)
    assert [(p.file, "claim type" in p.message and "'surName'" in p.message) for p in problems] == [("Child.xml", True)]


def test_a_misnumbered_journey_is_reported() -> None:
    problems = check_chain(small_chain(GOOD_STEPS.replace('Order="2"', 'Order="3"')), None)
    assert "numbered 1, 3" in messages(problems)


def test_a_journey_that_does_not_end_in_send_claims_is_reported() -> None:
    steps = (
        GOOD_STEPS
        + """<OrchestrationStep Order="3" Type="ClaimsExchange"><ClaimsExchanges>
      <ClaimsExchange Id="Again" TechnicalProfileReferenceId="Reader" /></ClaimsExchanges></OrchestrationStep>"""
    )
    assert "not SendClaims" in messages(check_chain(small_chain(steps), None))


def test_a_child_journey_override_is_checked_with_the_steps_it_inherits() -> None:
    child = journey("""<OrchestrationStep Order="1" Type="ClaimsExchange"><ClaimsExchanges>
      <ClaimsExchange Id="Read" TechnicalProfileReferenceId="Reader" /></ClaimsExchanges></OrchestrationStep>""")
    assert check_chain(small_chain(child_body=child), None) == []


def test_selections_must_match_claims_exchanges_in_the_journey() -> None:
    steps = """<OrchestrationStep Order="1" Type="CombinedSignInAndSignUp"><ClaimsProviderSelections>
        <ClaimsProviderSelection TargetClaimsExchangeId="read" />
        <ClaimsProviderSelection TargetClaimsExchangeId="Missing" />
        <ClaimsProviderSelection ValidationClaimsExchangeId="Read" />
      </ClaimsProviderSelections></OrchestrationStep>""" + GOOD_STEPS.replace('Order="2"', 'Order="3"').replace(
        'Order="1"', 'Order="2"'
    )
    text = messages(check_chain(small_chain(steps), None))
    assert "TargetClaimsExchangeId 'Missing'" in text
    assert "ValidationClaimsExchangeId 'Read' matches no ClaimsExchange in the same step" in text
    assert "'read'" not in text


def test_tenant_ids_must_agree_across_the_chain() -> None:
    documents = small_chain()
    documents["Child.xml"] = policy("B2C_1A_Child", base="B2C_1A_Base", tenant="fabrikam.onmicrosoft.com")
    text = messages(check_chain(documents, None))
    assert "TenantId 'fabrikam.onmicrosoft.com' differs from 'contoso.onmicrosoft.com'" in text


def test_a_missing_base_policy_is_reported() -> None:
    documents = {"Child.xml": policy("B2C_1A_Child", base="B2C_1A_Base")}
    assert "base policy 'B2C_1A_Base' is not in this set" in messages(check_chain(documents, None))


def test_duplicate_policy_ids_are_reported() -> None:
    documents = small_chain()
    documents["Copy.xml"] = documents["Child.xml"]
    assert "also the PolicyId of Child.xml" in messages(check_chain(documents, None))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<TrustFrameworkPolicy", "not well-formed XML"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n'
            b"<TrustFrameworkPolicy " + NS.encode() + b' PolicyId="&b;"/>',
            "DOCTYPE",
        ),
        (b"<Policy/>", "root element is <Policy>"),
        (b"<TrustFrameworkPolicy/>", "namespace none"),
    ],
    ids=["malformed", "doctype-with-entities", "wrong-root", "no-namespace"],
)
def test_unusable_documents_become_problems_not_exceptions(content: bytes, expected: str) -> None:
    problems = validate_chain({"Bad.xml": content, **small_chain()}, None)
    assert len(problems) == 1 and problems[0].file == "Bad.xml"
    assert expected in problems[0].message


def test_a_leading_bom_is_accepted() -> None:
    documents = {name: b"\xef\xbb\xbf" + content for name, content in small_chain().items()}
    assert check_chain(documents, None) == []


def test_the_xsd_catches_what_references_cannot(xsd_path: Path) -> None:
    documents = small_chain()
    documents["Child.xml"] = documents["Child.xml"].replace(
        b'PolicySchemaVersion="0.3.0.0"', b'PolicySchemaVersion="3"'
    )
    problems = validate_chain(documents, xsd_path)
    assert problems and all(p.file == "Child.xml" and "schema" in p.message for p in problems)


def test_the_xsd_is_compiled_once_and_its_anchors_are_removed(xsd_path: Path) -> None:
    assert load_schema(xsd_path) is load_schema(xsd_path)
    assert deanchor("^(https://)x$") == "(https://)x"
    assert deanchor(r"price\$") == r"price\$"


def test_the_demo_chain_validates_with_the_xsd(xsd_path: Path) -> None:
    chain = demo_chain("fabrikam.onmicrosoft.com")
    assert list(chain) == [
        "B2C_1A_TrustFrameworkBase",
        "B2C_1A_TrustFrameworkLocalization",
        "B2C_1A_TrustFrameworkExtensions",
    ]
    assert validate_chain(chain, xsd_path) == []
    assert all(b'TenantId="fabrikam.onmicrosoft.com"' in content for content in chain.values())


def test_the_demo_chain_validates_without_the_xsd_too() -> None:
    assert check_chain(demo_chain(DOMAIN), None) == []


def test_packs_with_the_tenant_replaced_validate(starter_pack: Path) -> None:
    assert check_chain(pack_chain(starter_pack, "SocialAccounts"), None) == []


def test_a_cycle_of_bases_is_said_as_the_cycle() -> None:
    documents = {
        "A.xml": policy("B2C_1A_A", base="B2C_1A_B"),
        "B.xml": policy("B2C_1A_B", base="B2C_1A_A"),
        "Self.xml": policy("B2C_1A_Self", base="B2C_1A_Self"),
        "Above.xml": policy("B2C_1A_Above", base="B2C_1A_A"),
    }
    cycles = [problem for problem in check_chain(documents, None) if "cycle" in problem.message]
    assert [(problem.file, problem.line, problem.message) for problem in cycles] == [
        ("A.xml", 2, "cycle: B2C_1A_A → B2C_1A_B → B2C_1A_A"),
        ("B.xml", 2, "cycle: B2C_1A_B → B2C_1A_A → B2C_1A_B"),
        ("Self.xml", 2, "cycle: B2C_1A_Self → B2C_1A_Self"),
    ]


@pytest.mark.parametrize("policy_id", ["../x", "/etc/x", "B2C_1A_", "B2C_1A_a.b", "TrustFrameworkBase", "B2C_1A_x\\y"])
def test_a_policy_id_outside_b2c_s_rule_is_a_problem_without_the_xsd(policy_id: str) -> None:
    documents = {"Odd.xml": policy(policy_id)}
    assert f"PolicyId {policy_id!r} is not a B2C policy id" in messages(check_chain(documents, None))

"""generate(): Asignio pieces merged into each social starter pack, validated, idempotent, refusing what cannot work."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from lxml import etree

from tests.support.headless import CLIENT_ID
from tests.support.policies import DOMAIN, EXTENSIONS, OTHER_CLIENT_ID, SOCIAL_PACKS, make_answers, pack_chain
from wizard.errors import PolicyError
from wizard.policies import GeneratedPolicies, demo_chain, diff, generate, validate_chain
from wizard.policies.problems import PolicyProblemsError

B2C = {"b": "http://schemas.microsoft.com/online/cpim/schemas/2013/06"}


def full_chain(chain: dict[str, bytes], generated: GeneratedPolicies) -> dict[str, bytes]:
    documents = {name: content for name, content in chain.items() if name != EXTENSIONS}
    documents[EXTENSIONS] = generated.extensions.content
    documents[generated.relying_party.policy_id] = generated.relying_party.content
    return documents


def root_of(content: bytes) -> etree._Element:
    return etree.fromstring(content)


def journey_steps(content: bytes, journey: str = "AsignioSUSI") -> list[etree._Element]:
    return root_of(content).findall(
        f"b:UserJourneys/b:UserJourney[@Id='{journey}']/b:OrchestrationSteps/b:OrchestrationStep", B2C
    )


def exchanges(step: etree._Element) -> list[str]:
    return [exchange.get("TechnicalProfileReferenceId") for exchange in step.iterfind(".//b:ClaimsExchange", B2C)]


@pytest.mark.parametrize("mfa", ["off", "phone"])
@pytest.mark.parametrize("pack", SOCIAL_PACKS)
def test_generated_policies_validate_with_the_pack_and_the_xsd(
    starter_pack: Path, xsd_path: Path, pack: str, mfa: str
) -> None:
    chain = pack_chain(starter_pack, pack)
    generated = generate(make_answers(mfa), chain)
    assert validate_chain(full_chain(chain, generated), xsd_path) == []


@pytest.mark.parametrize("pack", SOCIAL_PACKS)
def test_the_journey_follows_the_social_flow_and_ends_in_send_claims(starter_pack: Path, pack: str) -> None:
    generated = generate(make_answers("off"), pack_chain(starter_pack, pack))
    steps = journey_steps(generated.extensions.content)
    assert [step.get("Order") for step in steps] == [str(n) for n in range(1, len(steps) + 1)]
    assert steps[0].get("Type") == "CombinedSignInAndSignUp"
    assert exchanges(steps[1])[0] == "Asignio-OAUTH2"
    flat = [profile for step in steps for profile in exchanges(step)]
    for profile in (
        "AAD-UserReadUsingAlternativeSecurityId-NoError",
        "SelfAsserted-Social",
        "AAD-UserWriteUsingAlternativeSecurityId",
        "AAD-UserReadUsingObjectId",
    ):
        assert profile in flat
    assert (
        steps[-1].get("Type") == "SendClaims" and steps[-1].get("CpimIssuerTechnicalProfileReferenceId") == "JwtIssuer"
    )
    local_sign_in = "SelfAsserted-LocalAccountSignin-Email" in flat
    assert local_sign_in == (pack != "SocialAccounts")


@pytest.mark.parametrize("pack", SOCIAL_PACKS)
def test_phone_mfa_adds_verify_and_write_steps_before_send_claims(starter_pack: Path, pack: str) -> None:
    generated = generate(make_answers("phone"), pack_chain(starter_pack, pack))
    steps = journey_steps(generated.extensions.content)
    verify, write, send = steps[-3:]
    assert exchanges(verify) == ["PhoneFactor-InputOrVerify"]
    assert verify.findtext("b:Preconditions/b:Precondition/b:Value", namespaces=B2C) == "isActiveMFASession"
    assert exchanges(write) == ["AAD-UserWritePhoneNumberUsingObjectId"]
    condition = write.find("b:Preconditions/b:Precondition", B2C)
    assert condition.get("ExecuteActionsIf") == "false"
    assert condition.findtext("b:Value", namespaces=B2C) == "newPhoneNumberEntered"
    assert send.get("Type") == "SendClaims" and send.get("Order") == str(len(steps))


def test_mfa_pieces_are_added_when_the_base_lacks_them(starter_pack: Path) -> None:
    root = root_of(generate(make_answers("phone"), pack_chain(starter_pack, "SocialAccounts")).extensions.content)
    claim_ids = {claim.get("Id") for claim in root.iterfind(".//b:ClaimsSchema/b:ClaimType", B2C)}
    assert claim_ids == {
        "strongAuthenticationPhoneNumber",
        "Verified.strongAuthenticationPhoneNumber",
        "newPhoneNumberEntered",
        "userIdForMFA",
    }
    profiles = {profile.get("Id") for profile in root.iterfind(".//b:TechnicalProfile", B2C)}
    assert {
        "PhoneFactor-InputOrVerify",
        "SM-MFA",
        "AAD-UserWritePhoneNumberUsingObjectId",
        "AAD-UserReadUsingAlternativeSecurityId",
        "AAD-UserReadUsingObjectId",
    } <= profiles
    assert root.find(".//b:ContentDefinition[@Id='api.phonefactor']", B2C) is not None
    assert root.find(".//b:ClaimsTransformation[@Id='CreateUserIdForMFA']", B2C) is not None


def test_mfa_pieces_are_not_redefined_when_the_base_has_them(starter_pack: Path) -> None:
    root = root_of(
        generate(make_answers("phone"), pack_chain(starter_pack, "SocialAndLocalAccountsWithMfa")).extensions.content
    )
    assert root.find(".//b:ClaimsSchema", B2C) is None
    profiles = {profile.get("Id") for profile in root.iterfind(".//b:TechnicalProfile", B2C)}
    assert profiles == {"Facebook-OAUTH", "login-NonInteractive", "Asignio-OAUTH2"}


def test_the_claims_provider_carries_the_answers_and_none_of_the_seed_defects(starter_pack: Path) -> None:
    answers = make_answers(
        "off",
        asignio={"display_name": "Sign in with Asignio"},
        custom_policy={"policy_key": "AsignioKey", "journey_id": "AsignioJourney"},
    )
    content = generate(answers, pack_chain(starter_pack, "SocialAndLocalAccounts")).extensions.content
    profile = root_of(content).find(".//b:TechnicalProfile[@Id='Asignio-OAUTH2']", B2C)
    items = {item.get("Key"): item.text for item in profile.iterfind("b:Metadata/b:Item", B2C)}
    assert items["client_id"] == CLIENT_ID
    assert items["scope"] == "openid profile email"
    assert items["authorization_endpoint"] == "https://authorization.asignio.com/authorize"
    assert items["AccessTokenEndpoint"] == "https://authorization.asignio.com/token"
    assert items["ClaimsEndpoint"] == "https://authorization.asignio.com/userinfo"
    assert "ValidTokenIssuerPrefixes" not in items and not any(key[0].isdigit() for key in items)
    assert (
        profile.find("b:CryptographicKeys/b:Key[@Id='client_secret']", B2C).get("StorageReferenceId")
        == "B2C_1A_AsignioKey"
    )
    assert profile.findtext("b:DisplayName", namespaces=B2C) == "Sign in with Asignio"
    assert profile.find("b:Protocol", B2C).get("Name") == "OAuth2"
    assert b"surName" not in content and b"identityProviderAccessToken" not in content
    assert journey_steps(content, "AsignioJourney")


def test_files_are_utf8_without_bom_with_a_declaration_and_the_tenant(starter_pack: Path) -> None:
    chain = pack_chain(starter_pack, "SocialAccounts")
    generated = generate(make_answers(), chain)
    tenant_declaration = chain[EXTENSIONS].removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0] + b"\n"
    assert generated.extensions.content.startswith(tenant_declaration)
    assert generated.relying_party.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n')
    for policy in (generated.extensions, generated.relying_party):
        root = root_of(policy.content)
        assert root.get("TenantId") == DOMAIN
        assert root.get("PublicPolicyUri") == f"http://{DOMAIN}/{policy.policy_id}"
    relying_party = root_of(generated.relying_party.content)
    assert generated.relying_party.policy_id == "B2C_1A_AsignioSUSI" == relying_party.get("PolicyId")
    assert relying_party.findtext("b:BasePolicy/b:PolicyId", namespaces=B2C) == "B2C_1A_TrustFrameworkExtensions"
    assert relying_party.find("b:RelyingParty/b:DefaultUserJourney", B2C).get("ReferenceId") == "AsignioSUSI"
    claims = [claim.get("ClaimTypeReferenceId") for claim in relying_party.iterfind(".//b:OutputClaim", B2C)]
    assert "surname" in claims and "surName" not in claims


CUSTOMIZED = b"""\xef\xbb\xbf<?xml version="1.0" encoding="utf-8" ?>
<TrustFrameworkPolicy xmlns="http://schemas.microsoft.com/online/cpim/schemas/2013/06" PolicySchemaVersion="0.3.0.0"
  TenantId="contoso.onmicrosoft.com" PolicyId="B2C_1A_TrustFrameworkExtensions"
  PublicPolicyUri="http://contoso.onmicrosoft.com/B2C_1A_TrustFrameworkExtensions">
  <BasePolicy>
    <TenantId>contoso.onmicrosoft.com</TenantId>
    <PolicyId>B2C_1A_TrustFrameworkLocalization</PolicyId>
  </BasePolicy>
  <!-- keep me: a comment the operator wrote -->
  <ClaimsProviders>
    <ClaimsProvider>
      <DisplayName>Contoso partner</DisplayName>
      <TechnicalProfiles>
        <!-- the partner's own identity provider -->
        <TechnicalProfile Id="Partner-OAUTH2">
          <DisplayName>Partner</DisplayName>
          <Protocol Name="OAuth2" />
          <Metadata>
            <Item Key="client_id">partner</Item>
          </Metadata>
          <CryptographicKeys>
            <Key Id="client_secret" StorageReferenceId="B2C_1A_PartnerSecret" />
          </CryptographicKeys>
          <OutputClaims>
            <OutputClaim ClaimTypeReferenceId="issuerUserId" PartnerClaimType="sub" />
          </OutputClaims>
          <UseTechnicalProfileForSessionManagement ReferenceId="SM-SocialLogin" />
        </TechnicalProfile>
      </TechnicalProfiles>
    </ClaimsProvider>
  </ClaimsProviders>
  <UserJourneys>
    <UserJourney Id="PartnerJourney">
      <OrchestrationSteps>
        <OrchestrationStep Order="1" Type="ClaimsExchange">
          <ClaimsExchanges>
            <ClaimsExchange Id="PartnerExchange" TechnicalProfileReferenceId="Partner-OAUTH2" />
          </ClaimsExchanges>
        </OrchestrationStep>
        <OrchestrationStep Order="2" Type="SendClaims" CpimIssuerTechnicalProfileReferenceId="JwtIssuer" />
      </OrchestrationSteps>
      <ClientDefinition ReferenceId="DefaultWeb" />
    </UserJourney>
  </UserJourneys>
</TrustFrameworkPolicy>
"""


def customized_chain(starter_pack: Path) -> dict[str, bytes]:
    chain = pack_chain(starter_pack, "SocialAndLocalAccounts")
    chain[EXTENSIONS] = CUSTOMIZED
    return chain


def test_merging_keeps_other_providers_journeys_and_comments(starter_pack: Path, xsd_path: Path) -> None:
    chain = customized_chain(starter_pack)
    generated = generate(make_answers("phone"), chain)
    content = generated.extensions.content
    root = root_of(content)
    assert b"<!-- keep me: a comment the operator wrote -->" in content
    assert b"<!-- the partner's own identity provider -->" in content
    assert root.find(".//b:TechnicalProfile[@Id='Partner-OAUTH2']", B2C) is not None
    journeys = [journey.get("Id") for journey in root.iterfind("b:UserJourneys/b:UserJourney", B2C)]
    assert journeys == ["PartnerJourney", "AsignioSUSI"]
    assert not content.startswith(b"\xef\xbb\xbf")
    assert validate_chain(full_chain(chain, generated), xsd_path) == []


@pytest.mark.parametrize("mfa", ["off", "phone"])
@pytest.mark.parametrize("pack", [*SOCIAL_PACKS, "customized"])
def test_a_second_run_gives_identical_bytes(starter_pack: Path, pack: str, mfa: str) -> None:
    chain = customized_chain(starter_pack) if pack == "customized" else pack_chain(starter_pack, pack)
    first = generate(make_answers(mfa), chain)
    second = generate(make_answers(mfa), {**chain, EXTENSIONS: first.extensions.content})
    assert second == first
    assert diff(first.extensions.content, second.extensions.content, EXTENSIONS) == ""


def only_added_lines(before: bytes, after: bytes) -> list[str]:
    """Every line of `before` is in `after`, byte for byte and in order; returns the lines `after` adds."""
    old_lines = before.splitlines(keepends=True)
    new_lines = after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    changed = [(tag, old_lines[i1:i2]) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag in ("replace", "delete")]
    assert changed == []
    return [
        line.decode() for tag, _, _, j1, j2 in matcher.get_opcodes() if tag == "insert" for line in new_lines[j1:j2]
    ]


@pytest.mark.parametrize("mfa", ["off", "phone"])
@pytest.mark.parametrize("pack", [*SOCIAL_PACKS, "customized"])
def test_a_merge_leaves_every_tenant_line_as_it_was(starter_pack: Path, pack: str, mfa: str) -> None:
    chain = customized_chain(starter_pack) if pack == "customized" else pack_chain(starter_pack, pack)
    tenant = chain[EXTENSIONS].removeprefix(b"\xef\xbb\xbf")
    added = only_added_lines(tenant, generate(make_answers(mfa), chain).extensions.content)
    text = "".join(added)
    assert 'Id="Asignio-OAUTH2"' in text and 'Id="AsignioSUSI"' in text
    assert "xmlns" not in text


def test_a_public_policy_uri_for_another_host_changes_only_that_attribute(starter_pack: Path) -> None:
    chain = customized_chain(starter_pack)
    old_uri = b'PublicPolicyUri="http://contoso.onmicrosoft.com/B2C_1A_TrustFrameworkExtensions"'
    chain[EXTENSIONS] = chain[EXTENSIONS].replace(old_uri, b'PublicPolicyUri="http://example.com/x"')
    content = generate(make_answers(), chain).extensions.content
    tenant_lines = chain[EXTENSIONS].removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    assert content.splitlines(keepends=True)[:5] == [*tenant_lines[:3], b"  " + old_uri + b">\n", tenant_lines[4]]


def test_a_changed_client_id_replaces_and_never_duplicates(starter_pack: Path) -> None:
    chain = customized_chain(starter_pack)
    first = generate(make_answers("phone"), chain)
    second = generate(
        make_answers("phone", asignio={"client_id": OTHER_CLIENT_ID}), {**chain, EXTENSIONS: first.extensions.content}
    )
    root = root_of(second.extensions.content)
    assert len(root.findall(".//b:TechnicalProfile[@Id='Asignio-OAUTH2']", B2C)) == 1
    assert len(root.findall(".//b:UserJourney[@Id='AsignioSUSI']", B2C)) == 1
    assert len(root.findall(".//b:TechnicalProfile[@Id='PhoneFactor-InputOrVerify']", B2C)) == 1
    assert OTHER_CLIENT_ID.encode() in second.extensions.content and CLIENT_ID.encode() not in second.extensions.content
    changes = diff(first.extensions.content, second.extensions.content, EXTENSIONS)
    assert f'-            <Item Key="client_id">{CLIENT_ID}</Item>' in changes
    assert f'+            <Item Key="client_id">{OTHER_CLIENT_ID}</Item>' in changes


def test_an_existing_element_is_matched_by_id_case_insensitively(starter_pack: Path) -> None:
    chain = pack_chain(starter_pack, "SocialAccounts")
    first = generate(make_answers(), chain).extensions.content
    renamed = first.replace(b'Id="Asignio-OAUTH2"', b'Id="asignio-oauth2"').replace(
        b'Id="AsignioSUSI"', b'Id="asigniosusi"'
    )
    second = generate(make_answers(), {**chain, EXTENSIONS: renamed}).extensions.content
    assert second == first


def test_the_local_accounts_pack_is_refused_naming_what_is_missing(starter_pack: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        generate(make_answers(), pack_chain(starter_pack, "LocalAccounts"))
    text = str(caught.value)
    for missing in (
        "SM-SocialLogin",
        "SelfAsserted-Social",
        "AAD-UserWriteUsingAlternativeSecurityId",
        "CreateAlternativeSecurityId",
        "SocialAndLocalAccounts",
    ):
        assert missing in text


def test_a_base_for_another_tenant_is_refused(starter_pack: Path) -> None:
    with pytest.raises(PolicyError, match=re.escape("is for tenant 'fabrikam.onmicrosoft.com'")):
        generate(make_answers(), pack_chain(starter_pack, "SocialAccounts", tenant="fabrikam"))


def test_a_chain_whose_tenants_disagree_is_refused(starter_pack: Path) -> None:
    chain = pack_chain(starter_pack, "SocialAccounts")
    chain["TrustFrameworkBase.xml"] = chain["TrustFrameworkBase.xml"].replace(b"contoso", b"fabrikam")
    with pytest.raises(PolicyProblemsError) as caught:
        generate(make_answers(), chain)
    assert any("differs" in problem.message for problem in caught.value.problems)


def test_a_chain_without_its_base_is_refused(starter_pack: Path) -> None:
    chain = pack_chain(starter_pack, "SocialAccounts")
    del chain["TrustFrameworkBase.xml"]
    with pytest.raises(PolicyProblemsError) as caught:
        generate(make_answers(), chain)
    assert "'B2C_1A_TrustFrameworkBase' is not in this set" in str(caught.value)


def test_a_chain_without_extensions_is_refused(starter_pack: Path) -> None:
    chain = pack_chain(starter_pack, "SocialAccounts")
    del chain[EXTENSIONS]
    with pytest.raises(PolicyError, match="no TrustFrameworkExtensions policy"):
        generate(make_answers(), chain)


def test_relying_parties_in_the_base_folder_are_ignored(starter_pack: Path) -> None:
    chain = {
        path.name: path.read_bytes().replace(b"yourtenant", b"contoso")
        for path in (starter_pack / "SocialAccounts").glob("*.xml")
    }
    assert generate(make_answers(), chain) == generate(make_answers(), pack_chain(starter_pack, "SocialAccounts"))


def test_unsafe_documents_are_refused() -> None:
    chain = demo_chain(DOMAIN)
    chain["B2C_1A_TrustFrameworkExtensions"] = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(PolicyProblemsError, match="DOCTYPE"):
        generate(make_answers(), chain)


@pytest.mark.parametrize("mfa", ["off", "phone"])
def test_generate_works_on_the_demo_chain(mfa: str) -> None:
    chain = demo_chain(DOMAIN)
    generated = generate(make_answers(mfa), chain)
    documents = {
        **chain,
        "B2C_1A_TrustFrameworkExtensions": generated.extensions.content,
        generated.relying_party.policy_id: generated.relying_party.content,
    }
    assert validate_chain(documents) == []
    steps = journey_steps(generated.extensions.content)
    assert len(steps) == (9 if mfa == "phone" else 7)


def test_diff_shows_a_new_file_whole() -> None:
    text = diff(None, b"<a/>\n", "X.xml")
    assert text.startswith("--- /dev/null\n+++ X.xml (generated)\n") and "+<a/>" in text


def test_missing_sections_are_created_in_schema_order() -> None:
    content = generate(make_answers("phone"), demo_chain(DOMAIN)).extensions.content
    sections = [etree.QName(child).localname for child in root_of(content) if isinstance(child.tag, str)]
    assert sections == ["BasePolicy", "BuildingBlocks", "ClaimsProviders", "UserJourneys"]
    blocks = [etree.QName(child).localname for child in root_of(content).find("b:BuildingBlocks", B2C)]
    assert blocks == ["ClaimsSchema", "ClaimsTransformations", "ContentDefinitions"]


def test_without_mfa_no_phone_pieces_are_added(starter_pack: Path) -> None:
    content = generate(make_answers("off"), pack_chain(starter_pack, "SocialAccounts")).extensions.content
    assert b"PhoneFactor" not in content and b"strongAuthenticationPhoneNumber" not in content


def test_an_existing_override_of_a_directory_profile_gains_the_phone_claim_and_keeps_its_own(
    starter_pack: Path,
) -> None:
    chain = pack_chain(starter_pack, "SocialAccounts")
    override = b"""<ClaimsProvider>
      <DisplayName>Azure Active Directory</DisplayName>
      <TechnicalProfiles>
        <TechnicalProfile Id="AAD-UserReadUsingObjectId">
          <OutputClaims>
            <OutputClaim ClaimTypeReferenceId="email" />
          </OutputClaims>
        </TechnicalProfile>
      </TechnicalProfiles>
    </ClaimsProvider>
  </ClaimsProviders>"""
    chain[EXTENSIONS] = chain[EXTENSIONS].replace(b"</ClaimsProviders>", override, 1)
    first = generate(make_answers("phone"), chain)
    root = root_of(first.extensions.content)
    profiles = root.findall(".//b:TechnicalProfile[@Id='AAD-UserReadUsingObjectId']", B2C)
    assert len(profiles) == 1
    claims = [claim.get("ClaimTypeReferenceId") for claim in profiles[0].iterfind("b:OutputClaims/b:OutputClaim", B2C)]
    assert claims == ["email", "strongAuthenticationPhoneNumber"]
    assert generate(make_answers("phone"), {**chain, EXTENSIONS: first.extensions.content}) == first


def test_a_tenant_file_with_a_prefixed_namespace_is_written_whole_by_lxml(starter_pack: Path) -> None:
    chain = customized_chain(starter_pack)
    prefixed = re.sub(rb"<(/?)(?=[A-Z])", rb"<\1p:", chain[EXTENSIONS]).replace(b"xmlns=", b"xmlns:p=")
    chain[EXTENSIONS] = prefixed
    content = generate(make_answers(), chain).extensions.content
    assert root_of(content).find(".//b:TechnicalProfile[@Id='Asignio-OAUTH2']", B2C) is not None
    assert root_of(content).find(".//b:TechnicalProfile[@Id='Partner-OAUTH2']", B2C) is not None
    assert b'" />' not in content

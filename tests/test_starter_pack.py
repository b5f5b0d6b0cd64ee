"""The pinned starter pack: read from a folder or zip, downloaded over loopback, hash-checked, rendered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.policies import repository_zip
from wizard.errors import BadInputError, ServiceError
from wizard.policies.xmlsafe import NS, parse_policy
from wizard.starter_pack import (
    PACK_NAMES,
    cache_folder,
    load_starter_pack,
)

IEF_APP = "11111111-2222-3333-4444-555555555555"
PROXY_APP = "66666666-7777-8888-9999-000000000000"


@pytest.mark.parametrize("pack_name", PACK_NAMES)
def test_render_replaces_every_placeholder_and_orders_bases_first(starter_pack: Path, pack_name: str) -> None:
    pack = load_starter_pack(pack_name, starter_pack)
    policies = pack.render("Contoso.onmicrosoft.com", IEF_APP, PROXY_APP, include_samples=True)
    uploaded: set[str] = set()
    for policy in policies:
        assert b"yourtenant" not in policy.xml
        assert b"contoso.onmicrosoft.com" in policy.xml
        if policy.base_policy_id is not None:
            assert policy.base_policy_id.lower() in uploaded
        uploaded.add(policy.policy_id.lower())
    assert policies[0].policy_id == "B2C_1A_TrustFrameworkBase"
    samples = [policy.is_sample for policy in policies]
    assert samples == sorted(samples), "the base chain comes before every sample relying party"
    assert any(samples)


def test_login_non_interactive_gets_both_app_ids(starter_pack: Path) -> None:
    pack = load_starter_pack("SocialAndLocalAccounts", starter_pack)
    policies = pack.render("contoso", IEF_APP, PROXY_APP, include_samples=False)
    extensions = next(p for p in policies if p.policy_id == "B2C_1A_TrustFrameworkExtensions")
    root = parse_policy(extensions.xml, "extensions").getroot()
    profile = root.xpath("//b:TechnicalProfile[@Id='login-NonInteractive']", namespaces=NS)[0]
    items = {item.get("Key"): item.text for item in profile.iterfind("b:Metadata/b:Item", NS)}
    assert items["client_id"] == PROXY_APP
    assert items["IdTokenAudience"] == IEF_APP
    claims = {c.get("ClaimTypeReferenceId"): c.get("DefaultValue") for c in profile.iterfind(".//b:InputClaim", NS)}
    assert claims["client_id"] == PROXY_APP
    assert claims["resource_id"] == IEF_APP


def test_samples_only_when_asked(starter_pack: Path) -> None:
    pack = load_starter_pack("SocialAndLocalAccountsWithMfa", starter_pack)
    without = pack.render("contoso", IEF_APP, PROXY_APP, include_samples=False)
    assert [p.policy_id for p in without] == [
        "B2C_1A_TrustFrameworkBase",
        "B2C_1A_TrustFrameworkLocalization",
        "B2C_1A_TrustFrameworkExtensions",
    ]
    assert not any(p.is_sample for p in without)
    with_samples = pack.render("contoso", IEF_APP, PROXY_APP, include_samples=True)
    assert {p.policy_id for p in with_samples if p.is_sample} == {
        "B2C_1A_signup_signin",
        "B2C_1A_ProfileEdit",
        "B2C_1A_PasswordReset",
    }


def test_key_sets_referenced_include_the_facebook_secret(starter_pack: Path) -> None:
    pack = load_starter_pack("SocialAccounts", starter_pack)
    assert pack.key_sets_referenced() == {
        "B2C_1A_TokenSigningKeyContainer",
        "B2C_1A_TokenEncryptionKeyContainer",
        "B2C_1A_FacebookSecret",
    }


def test_a_changed_file_is_refused_naming_it(starter_pack: Path, tmp_path: Path) -> None:
    copy = tmp_path / "packs"
    shutil.copytree(starter_pack, copy)
    target = copy / "SocialAndLocalAccounts" / "TrustFrameworkExtensions.xml"
    target.write_bytes(target.read_bytes().replace(b"</TrustFrameworkPolicy>", b"<!-- x --></TrustFrameworkPolicy>"))
    with pytest.raises(BadInputError, match=r"SocialAndLocalAccounts/TrustFrameworkExtensions\.xml.*SHA-256"):
        load_starter_pack("SocialAndLocalAccounts", copy)


def test_a_missing_file_is_refused_naming_it(starter_pack: Path, tmp_path: Path) -> None:
    copy = tmp_path / "packs"
    shutil.copytree(starter_pack, copy)
    (copy / "SocialAccounts" / "TrustFrameworkLocalization.xml").unlink()
    with pytest.raises(BadInputError, match=r"SocialAccounts/TrustFrameworkLocalization\.xml is missing"):
        load_starter_pack("SocialAccounts", copy)


def test_the_pack_folder_itself_is_accepted(starter_pack: Path) -> None:
    pack = load_starter_pack("SocialAccounts", starter_pack / "SocialAccounts")
    assert pack.render("contoso", IEF_APP, PROXY_APP, include_samples=False)[0].policy_id == (
        "B2C_1A_TrustFrameworkBase"
    )


def test_the_repository_zip_is_accepted(starter_pack: Path, tmp_path: Path) -> None:
    archive = tmp_path / "starterpack.zip"
    archive.write_bytes(repository_zip(starter_pack))
    pack = load_starter_pack("SocialAndLocalAccounts", archive)
    assert len(pack.render("contoso", IEF_APP, PROXY_APP, include_samples=True)) == 6


def test_download_is_verified_cached_and_not_repeated(archive_server: list[str]) -> None:
    first = load_starter_pack("SocialAndLocalAccounts", None)
    assert archive_server == ["/archive.zip"]
    assert (cache_folder() / "SocialAndLocalAccounts" / "TrustFrameworkBase.xml").is_file()
    second = load_starter_pack("SocialAndLocalAccounts", None)
    assert archive_server == ["/archive.zip"], "the cache answers the second load"
    assert first.render("contoso", IEF_APP, PROXY_APP, include_samples=True) == second.render(
        "contoso", IEF_APP, PROXY_APP, include_samples=True
    )


def test_a_tampered_cache_is_downloaded_again(archive_server: list[str]) -> None:
    load_starter_pack("SocialAccounts", None)
    cached = cache_folder() / "SocialAccounts" / "TrustFrameworkBase.xml"
    cached.write_bytes(b"<tampered/>")
    load_starter_pack("SocialAccounts", None)
    assert len(archive_server) == 2
    assert cached.read_bytes() != b"<tampered/>"


def test_offline_without_cache_says_how_to_fix_it() -> None:
    with pytest.raises(ServiceError, match="starter_pack_source"):
        load_starter_pack("SocialAccounts", None)
    assert not cache_folder().exists()


def test_a_missing_source_and_an_unknown_pack_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        load_starter_pack("SocialAccounts", tmp_path / "nowhere")
    with pytest.raises(BadInputError, match="LocalAccounts"):
        load_starter_pack("LocalAccounts", None)


def test_a_bad_tenant_or_app_id_is_refused(starter_pack: Path) -> None:
    pack = load_starter_pack("SocialAccounts", starter_pack)
    with pytest.raises(BadInputError, match="tenant name"):
        pack.render("con toso", IEF_APP, PROXY_APP, include_samples=False)
    with pytest.raises(BadInputError, match="GUID"):
        pack.render("contoso", "not-a-guid", PROXY_APP, include_samples=False)

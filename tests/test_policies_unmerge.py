"""policies.unmerge: the Asignio pieces taken back out of each social starter pack's extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.policies import EXTENSIONS, SOCIAL_PACKS, make_answers, pack_chain
from wizard.policies import generate, same_content, validate_chain
from wizard.policies.unmerge import without_asignio
from wizard.policies.xmlsafe import BOM

FACEBOOK_APP = b'<Item Key="client_id">facebook_clientid</Item>'
EDITED_FACEBOOK_APP = b'<Item Key="client_id">1234567890</Item>'
ASIGNIO_IDS = (b'Id="Asignio-OAUTH2"', b'Id="AsignioSUSI"', b"AsignioExchange")


def set_up(starter_pack: Path, pack: str, mfa: str) -> tuple[dict[str, bytes], bytes]:
    """The pack as a tenant holds it, and its extensions once the setup merged Asignio in."""
    chain = pack_chain(starter_pack, pack)
    return chain, generate(make_answers(mfa), chain).extensions.content


@pytest.mark.parametrize("mfa", ["off", "phone"])
@pytest.mark.parametrize("pack", SOCIAL_PACKS)
def test_an_unchanged_copy_gets_the_backup_back_byte_for_byte(starter_pack: Path, pack: str, mfa: str) -> None:
    chain, merged = set_up(starter_pack, pack, mfa)
    unmerged = without_asignio(make_answers(mfa), {**chain, EXTENSIONS: merged}, chain[EXTENSIONS])
    assert unmerged.content == chain[EXTENSIONS].removeprefix(BOM)
    assert "restored from the backup" in unmerged.how


@pytest.mark.parametrize("mfa", ["off", "phone"])
@pytest.mark.parametrize("pack", SOCIAL_PACKS)
def test_an_edited_copy_loses_only_the_asignio_pieces(starter_pack: Path, xsd_path: Path, pack: str, mfa: str) -> None:
    chain, merged = set_up(starter_pack, pack, mfa)
    assert FACEBOOK_APP in merged
    edited = merged.replace(FACEBOOK_APP, EDITED_FACEBOOK_APP)
    unmerged = without_asignio(make_answers(mfa), {**chain, EXTENSIONS: edited}, chain[EXTENSIONS])
    assert "taken out one by one" in unmerged.how
    assert same_content(unmerged.content, chain[EXTENSIONS].replace(FACEBOOK_APP, EDITED_FACEBOOK_APP))
    assert validate_chain({**chain, EXTENSIONS: unmerged.content}, xsd_path) == []


@pytest.mark.parametrize("pack", SOCIAL_PACKS)
def test_without_a_backup_the_asignio_definitions_still_go(starter_pack: Path, xsd_path: Path, pack: str) -> None:
    chain, merged = set_up(starter_pack, pack, "phone")
    unmerged = without_asignio(make_answers("phone"), {**chain, EXTENSIONS: merged}, None)
    assert "no backup" in unmerged.how
    for asignio_id in ASIGNIO_IDS:
        assert asignio_id not in unmerged.content
    assert validate_chain({**chain, EXTENSIONS: unmerged.content}, xsd_path) == []


def test_unmerging_what_holds_no_asignio_changes_nothing(starter_pack: Path) -> None:
    chain = pack_chain(starter_pack, "SocialAndLocalAccountsWithMfa")
    original = chain[EXTENSIONS]
    unmerged = without_asignio(make_answers("phone"), chain, original)
    assert same_content(unmerged.content, original)


def test_a_definition_the_setup_replaced_gets_its_earlier_version_back(starter_pack: Path, xsd_path: Path) -> None:
    """The tenant had its own phone-number claim type in the extensions; the merge replaced it with the Asignio
    one. After an edit elsewhere, the remove puts the tenant's own version back rather than deleting it."""
    chain = pack_chain(starter_pack, "SocialAndLocalAccounts")
    own_claim = (
        b'<ClaimsSchema><ClaimType Id="strongAuthenticationPhoneNumber"><DisplayName>Our phone</DisplayName>'
        b"<DataType>string</DataType></ClaimType></ClaimsSchema>"
    )
    original = chain[EXTENSIONS].replace(b"<BuildingBlocks>", b"<BuildingBlocks>" + own_claim, 1)
    chain = {**chain, EXTENSIONS: original}
    merged = generate(make_answers("phone"), chain).extensions.content
    assert b"Our phone" not in merged
    edited = merged.replace(FACEBOOK_APP, EDITED_FACEBOOK_APP)
    unmerged = without_asignio(make_answers("phone"), {**chain, EXTENSIONS: edited}, original)
    assert b"Our phone" in unmerged.content
    assert same_content(unmerged.content, original.replace(FACEBOOK_APP, EDITED_FACEBOOK_APP))
    assert validate_chain({**chain, EXTENSIONS: unmerged.content}, xsd_path) == []


@pytest.mark.parametrize("pack", SOCIAL_PACKS)
def test_pieces_of_an_earlier_phone_mfa_run_go_too(starter_pack: Path, xsd_path: Path, pack: str) -> None:
    """A setup with mfa = "phone", then one with "off" (the merge adds, it never takes away), then a remove with
    the "off" answers: the MFA pieces the first run left go as well."""
    chain = pack_chain(starter_pack, pack)
    with_phone = generate(make_answers("phone"), chain).extensions.content
    then_off = generate(make_answers("off"), {**chain, EXTENSIONS: with_phone}).extensions.content
    unmerged = without_asignio(make_answers("off"), {**chain, EXTENSIONS: then_off}, chain[EXTENSIONS])
    assert same_content(unmerged.content, chain[EXTENSIONS])
    assert validate_chain({**chain, EXTENSIONS: unmerged.content}, xsd_path) == []


def test_a_copy_made_with_the_other_mfa_answer_is_still_restored_byte_for_byte(starter_pack: Path) -> None:
    chain, merged = set_up(starter_pack, "SocialAndLocalAccountsWithMfa", "phone")
    unmerged = without_asignio(make_answers("off"), {**chain, EXTENSIONS: merged}, chain[EXTENSIONS])
    assert unmerged.content == chain[EXTENSIONS].removeprefix(BOM)

"""The tool deletes and changes only what it can prove it made (issue 18): the ownership ledger, the marks it leaves
in the tenant, and `remove` / `remove --all` on hostile tenants; the real Graph layer against the simulator over
loopback."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.crashes import CRASH_LAG_SECONDS, crash_after_write
from tests.support.headless import GUIDED_STEPS, answers_text, point_at, run, write_answers
from tests.support.starter_base import EMPTY_TENANT_WRITES, pack_answers
from tests.support.tenants import seeded_tenant
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.graph import GRAPH_APP_ID
from wizard.ownership import OWNER_TAG, ObjectKind, Origin
from wizard.policies import read_mark, unmarked, validate_chain
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.state import StateStore
from wizard.state_files import state_dir

EXTENSIONS = "B2C_1A_TrustFrameworkExtensions"
LOCALIZATION = "B2C_1A_TrustFrameworkLocalization"
RELYING_PARTY = "B2C_1A_AsignioSUSI"
ADMINS_RELYING_PARTY = "B2C_1A_AdminSignIn"


def remove(answers: Path, *extra: str) -> int:
    return main(["remove", str(answers), "--yes", *extra])


def everything_in(tenant: SimulatedTenant) -> dict[str, Any]:
    """Every object of the tenant, as stored (policies byte for byte), for before/after comparisons."""
    return copy.deepcopy({**tenant.to_json(), "policies": dict(tenant.policies), "key_set_created": None})


def without_marks(tenant: SimulatedTenant) -> None:
    """The tenant as if no asignio-setup had marked anything: no tag, no asignio-setup comment."""
    for entity in (*tenant.applications.values(), *tenant.service_principals.values()):
        entity["tags"] = []
    for policy_id, content in tenant.policies.items():
        tenant.policies[policy_id] = unmarked(content)


def as_if_made_by_hand(tenant: SimulatedTenant) -> None:
    """The objects a setup made, as an admin who made the same by hand under the same names would have them: no
    tag, no asignio-setup comment, and no state on this machine."""
    without_marks(tenant)
    StateStore("contoso").discard()


def test_hand_made_objects_under_the_default_names_survive_every_remove_with_no_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tenant holding, made by hand under the answers' default names, the policy key, the relying party, the
    Asignio pieces in the extensions, the jwt.ms app with its service principal and grant, the user flow and its
    provider; no state on this machine. `remove` and `remove --all`, on either path, change nothing (every policy
    byte for byte), list what they keep and why, name --state-dir, and end with exit 5."""
    tenant = seeded_tenant()
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        custom_policy, user_flow = write_answers(tmp_path, "custom-policy"), write_answers(tmp_path, "user-flow")
        assert run(custom_policy) == 0
        assert run(user_flow, *GUIDED_STEPS) == 0
        as_if_made_by_hand(tenant)
        before = everything_in(tenant)
        capsys.readouterr()
        server.reset_log()
        said = {}
        for answers, extra in (
            (custom_policy, ()),
            (custom_policy, ("--all",)),
            (user_flow, ()),
            (user_flow, ("--all",)),
        ):
            assert remove(answers, *extra) == ExitCode.TENANT, (answers.name, extra)
            captured = capsys.readouterr()
            said[answers.stem, extra] = captured.out
            assert "--state-dir DIR" in captured.out and "--state-dir DIR" in captured.err
            assert server.writes == 0, (answers.name, extra)
            assert everything_in(tenant) == before, (answers.name, extra)
    for kept in (
        f"  ! the relying-party policy {RELYING_PARTY}: not made by asignio-setup: kept",
        f"  ! {EXTENSIONS} (the Asignio pieces in it): not made by asignio-setup: kept",
        "  ! the key set B2C_1A_AsignioSecret: not made by asignio-setup: kept",
        "  ! the app registration Asignio test (jwt.ms) (",
    ):
        assert kept in said["custom-policy", ()]
    for kept in (
        "  ! the user flow B2C_1_AsignioSignupSignin: not made by asignio-setup: kept",
        "  ! the provider Asignio (",
    ):
        assert kept in said["user-flow", ()]
    assert StateStore("contoso").load() is None


def test_hand_made_prerequisites_of_an_empty_tenant_survive_remove_all_with_no_state(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The starter-pack chain, its key sets, the IEF apps with their service principals and grants, made by hand
    under the tutorial's names (no tag, no comment, no state): `remove --all` writes nothing and keeps each."""
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        as_if_made_by_hand(tenant)
        before = everything_in(tenant)
        server.reset_log()
        capsys.readouterr()
        assert remove(answers, "--all") == ExitCode.TENANT
        output = capsys.readouterr().out
        assert server.writes == 0
    assert everything_in(tenant) == before
    assert "  ! the policy B2C_1A_TrustFrameworkBase: not made by asignio-setup: kept" in output
    assert "  ! the key set B2C_1A_TokenSigningKeyContainer: not made by asignio-setup: kept" in output
    assert "  ! the app registration IdentityExperienceFramework (" in output


def test_answers_naming_the_signing_key_and_the_localization_policy_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Answers whose policy key is the tenant's token-signing key container and whose relying party is its
    localization base: `remove` and `remove --all` keep both (nothing records the tool made them), and the setup
    still refuses such a relying party before its first write (the policy engine's rule)."""
    answers = tmp_path / "hostile.toml"
    answers.write_text(
        answers_text("custom-policy")
        + f'[custom_policy]\npolicy_key = "B2C_1A_TokenSigningKeyContainer"\nrelying_party = "{LOCALIZATION}"\n',
        encoding="utf-8",
    )
    tenant = seeded_tenant()
    before = everything_in(tenant)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        for extra in ((), ("--all",)):
            assert remove(answers, *extra) == ExitCode.TENANT
            output = capsys.readouterr().out
            assert f"  ! the relying-party policy {LOCALIZATION}: not made by asignio-setup: kept" in output
            assert "  ! the key set B2C_1A_TokenSigningKeyContainer: not made by asignio-setup: kept" in output
        assert run(answers) == ExitCode.TENANT
        assert f"relying-party id {LOCALIZATION} is already the id of a policy in the base chain" in (
            capsys.readouterr().err
        )
        assert server.writes == 0
    assert everything_in(tenant) == before


def admins_relying_party(starter_pack: Path) -> bytes:
    """The starter pack's sign-up-or-sign-in relying party, renamed and uploaded by an admin on the extensions."""
    sample = (starter_pack / "SocialAndLocalAccountsWithMfa" / "SignUpOrSignin.xml").read_bytes()
    return (
        sample.removeprefix(b"\xef\xbb\xbf")
        .replace(b"yourtenant", b"contoso")
        .replace(b"B2C_1A_signup_signin", ADMINS_RELYING_PARTY.encode())
    )


def test_remove_all_keeps_an_edited_base_and_the_chain_under_an_admins_relying_party_and_backs_up_what_it_deletes(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After an empty tenant's setup the admin edits the localization policy and uploads a relying party of their
    own on the extensions. `remove --all` keeps both, and the chain under the admin's policy (the extensions go back
    to the pack's, the Asignio pieces out), with the key sets and IEF apps that chain names; it says why and ends
    with exit 5; every policy it deleted or replaced is in the backups folder as it was."""
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        edited = tenant.policies[LOCALIZATION].replace(b"your social account", b"your Contoso account")
        tenant.policies[LOCALIZATION] = edited
        tenant.policies[ADMINS_RELYING_PARTY] = admins_relying_party(starter_pack)
        before = dict(tenant.policies)
        server.reset_log()
        capsys.readouterr()

        assert remove(answers, "--all") == ExitCode.TENANT
        output = capsys.readouterr().out
        touched = [
            (record.method, record.path.rsplit("/trustFramework/policies/", 1)[-1].removesuffix("/$value"))
            for record in server.log
            if record.is_write and "/trustFramework/policies/" in record.path
        ]
    assert touched == [("DELETE", RELYING_PARTY), ("PUT", EXTENSIONS)]
    assert f"  ! the policy {LOCALIZATION}: changed since asignio-setup uploaded it: kept" in output
    assert f"  ! the policy {EXTENSIONS}: kept: {ADMINS_RELYING_PARTY}, which stays, builds on it" in output
    assert tenant.policies[LOCALIZATION] == edited
    assert tenant.policies[ADMINS_RELYING_PARTY] == before[ADMINS_RELYING_PARTY]
    assert b"Asignio" not in unmarked(tenant.policies[EXTENSIONS])
    assert set(tenant.policies) == {"B2C_1A_TrustFrameworkBase", LOCALIZATION, EXTENSIONS, ADMINS_RELYING_PARTY}
    assert {"B2C_1A_TokenSigningKeyContainer", "B2C_1A_TokenEncryptionKeyContainer"} <= set(tenant.key_sets)
    assert "B2C_1A_AsignioSecret" not in tenant.key_sets
    assert {app["displayName"] for app in tenant.applications.values()} == {
        "IdentityExperienceFramework",
        "ProxyIdentityExperienceFramework",
    }
    backups = [path.read_bytes() for path in (state_dir() / "backups" / "contoso").iterdir()]
    for method, policy_id in touched:
        assert before[policy_id] in backups, f"{policy_id} ({method}) was not backed up as it was"


def test_the_apps_and_service_principals_it_makes_carry_its_tag_and_every_policy_its_comment_and_the_ledger_ids(
    starter_pack: Path, xsd_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an empty tenant's setup every application and service principal the tool made carries the tag
    (Microsoft Graph's own does not), every policy carries the comment, which holds and says the tool made it, the
    chain still validates against the official XSD, and the ledger records every object by the id Graph gave it:
    each key set with the kid of its key, each policy with the SHA-256 of what the tenant holds."""
    tenant = SimulatedTenant.empty("contoso")
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(pack_answers(tmp_path, starter_pack)) == 0
    assert all(app["tags"] == [OWNER_TAG] for app in tenant.applications.values())
    for principal in tenant.service_principals.values():
        assert (OWNER_TAG in principal.get("tags", [])) is (principal["appId"] != GRAPH_APP_ID)
    for policy_id, content in tenant.policies.items():
        mark = read_mark(content)
        assert mark is not None and mark.made and mark.holds, policy_id
    assert validate_chain(tenant.policies, xsd_path) == []

    state = StateStore("contoso").load()
    assert state is not None and all(entry.origin is Origin.MADE for entry in state.ledger)
    recorded = {(entry.kind, entry.id) for entry in state.ledger}
    assert recorded == {
        *((ObjectKind.APPLICATION, object_id) for object_id in tenant.applications),
        *((ObjectKind.SERVICE_PRINCIPAL, object_id) for object_id in tenant.service_principals),
        *((ObjectKind.CONSENT_GRANT, grant_id) for grant_id in tenant.permission_grants),
        *((ObjectKind.KEY_SET, key_set) for key_set in tenant.key_sets),
        *((ObjectKind.POLICY, policy_id) for policy_id in tenant.policies),
    }
    for entry in state.ledger:
        if entry.kind is ObjectKind.KEY_SET:
            assert entry.kids == [key["kid"] for key in tenant.key_sets[entry.id]]
        if entry.kind is ObjectKind.POLICY:
            assert entry.sha256 == hashlib.sha256(tenant.policies[entry.id]).hexdigest()


def test_on_a_prepared_tenant_the_extensions_say_they_were_changed_and_the_ledger_found_the_base(
    xsd_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a tenant with its own chain the extensions' comment says the tool changed them (it did not make them),
    the relying party's that it made it; both validate against the official XSD; the chain is recorded as found."""
    tenant = seeded_tenant()
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(write_answers(tmp_path, "custom-policy")) == 0
    extensions, relying_party = read_mark(tenant.policies[EXTENSIONS]), read_mark(tenant.policies[RELYING_PARTY])
    assert extensions is not None and extensions.holds and not extensions.made
    assert relying_party is not None and relying_party.holds and relying_party.made
    assert validate_chain(tenant.policies, xsd_path) == []
    state = StateStore("contoso").load()
    assert state is not None
    origins = {entry.id: entry.origin for entry in state.ledger if entry.kind is ObjectKind.POLICY}
    assert origins == {
        "B2C_1A_TrustFrameworkBase": Origin.FOUND,
        LOCALIZATION: Origin.FOUND,
        EXTENSIONS: Origin.FOUND,
        RELYING_PARTY: Origin.MADE,
    }


FORMAT_1_MADE_BY = (
    "token-signing-key",
    "token-encryption-key",
    "facebook-secret-key",
    "ief-app",
    "proxy-ief-app",
    "ief-consent-grants",
    "starter-pack-base",
)
"""The steps a state of format 1 recorded anything as made for (`StepRecord.made`): the prerequisites only."""


def as_format_1(state_file: Path) -> None:
    """The state as asignio-setup before the ledger wrote it: each prerequisite step's `made` (name → id), no hash,
    no kid, nothing found, and nothing of the policy key, relying party or test app."""
    data = json.loads(state_file.read_text())
    made: dict[str, dict[str, str]] = {}
    for entry in data.pop("ledger"):
        if entry["step"] not in FORMAT_1_MADE_BY:
            continue
        step = made.setdefault(entry["step"], {})
        if entry["kind"] == ObjectKind.KEY_SET:
            step["key_set"] = entry["id"]
        elif entry["kind"] == ObjectKind.POLICY:
            step["policies"] = ",".join(filter(None, [step.get("policies", ""), entry["id"]]))
        elif entry["kind"] == ObjectKind.APPLICATION:
            step.update(application=entry["id"], app_id=entry["app_id"])
        elif entry["kind"] == ObjectKind.SERVICE_PRINCIPAL:
            step["service_principal"] = entry["id"]
        elif entry["kind"] == ObjectKind.CONSENT_GRANT:
            step[f"grant {entry['id']}"] = entry["id"]
    for step_id, record in data["steps"].items():
        record["made"] = made.get(step_id, {})
    data["version"] = 1
    state_file.write_text(json.dumps(data))


def test_a_format_1_state_lets_remove_all_take_its_prerequisites_only_with_force_for_the_unhashed_policies(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A setup recorded by the state's format 1 (made per step, no hash, no mark in the tenant), its relying party
    since deleted by hand: `remove --all` keeps the base chain it made, saying it has no hash of what it uploaded;
    with `--force` the chain goes, then the key sets and IEF apps format 1 recorded; the policy key and the test app,
    which format 1 never recorded, stay (exit 5)."""
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        without_marks(tenant)
        del tenant.policies[RELYING_PARTY]
        as_format_1(StateStore("contoso").path)
        before = everything_in(tenant)
        capsys.readouterr()

        assert remove(answers, "--all") == ExitCode.TENANT
        assert (
            "  ! the policy B2C_1A_TrustFrameworkBase: asignio-setup made it, but its state (an earlier format) holds "
            "no hash of what it uploaded: kept"
        ) in capsys.readouterr().out
        assert everything_in(tenant) == before

        assert remove(answers, "--all", "--force") == ExitCode.TENANT
    assert tenant.policies == {}
    assert set(tenant.key_sets) == {"B2C_1A_AsignioSecret"}
    assert {app["displayName"] for app in tenant.applications.values()} == {"Asignio test (jwt.ms)"}


def tenant_objects(tenant: SimulatedTenant) -> str:
    """Every object of the tenant but Microsoft Graph's service principal (see the test below)."""
    data = tenant.to_json()
    data["service_principals"] = {
        object_id: principal
        for object_id, principal in data["service_principals"].items()
        if principal["appId"] != GRAPH_APP_ID
    }
    del data["organization_id"], data["key_set_created"]
    return json.dumps(data, sort_keys=True)


@pytest.mark.parametrize("crash_after", range(1, EMPTY_TENANT_WRITES + 1))
def test_remove_all_after_a_killed_and_resumed_setup_leaves_the_empty_tenant_object_for_object(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_after: int
) -> None:
    """An empty tenant's setup that dies right after its k-th write (before the tool could record what it made),
    resumed, then `remove --all --yes`: the tenant is again the empty tenant, object for object, and the remove kept
    nothing. The one exception is Microsoft Graph's service principal, which the setup had to create and never
    deletes: every consent to Graph in the tenant rests on it. The tenant pages every list and hides each new object a
    while."""
    answers = pack_answers(tmp_path, starter_pack)
    empty = tenant_objects(SimulatedTenant.empty("contoso"))
    tenant = SimulatedTenant.empty("contoso")
    with SimulatorServer(tenant, page_size=1, replication_lag=CRASH_LAG_SECONDS) as server:
        point_at(server, monkeypatch)
        with crash_after_write(server, crash_after):
            run(answers)
        assert run(answers) == 0
        assert remove(answers, "--all") == ExitCode.OK
        assert tenant_objects(tenant) == empty


def test_a_base_put_back_from_the_backups_after_remove_all_is_kept_by_the_next_remove_all(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After an empty tenant's setup and `remove --all`, the admin puts the base and localization back from the
    backups folder as README says (their asignio-setup comments still hold). This machine's state knows the tenant
    and its ledger no longer names them, so the next `remove --all` keeps them, byte for byte, saying why."""
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        assert remove(answers, "--all") == ExitCode.OK
        for name in ("B2C_1A_TrustFrameworkBase", LOCALIZATION):
            backup = sorted((state_dir() / "backups" / "contoso").glob(f"{name}.*.xml"))[-1]
            tenant.policies[name] = backup.read_bytes()
            mark = read_mark(tenant.policies[name])
            assert mark is not None and mark.made and mark.holds
        put_back = dict(tenant.policies)
        capsys.readouterr()
        server.reset_log()
        assert remove(answers, "--all") == ExitCode.OK
        output = capsys.readouterr().out
        assert server.writes == 0
    assert tenant.policies == put_back
    assert (
        "  ! the policy B2C_1A_TrustFrameworkBase: not made by asignio-setup: kept (the state on this machine does "
        "not record that asignio-setup made it)"
    ) in output


def test_an_app_carrying_a_copied_tag_is_kept_while_this_machines_ledger_does_not_name_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second app under the test app's name, with the asignio-setup tag copied from the tool's manifest: the state
    on this machine records the tool's app by id and not this one, so the remove keeps it (and says why) while the
    tool's own goes; the tag proves only on a machine with no state."""
    tenant = seeded_tenant()
    answers = write_answers(tmp_path, "custom-policy")
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        [ours] = tenant.applications
        copied = {**copy.deepcopy(tenant.applications[ours]), "uniqueName": None}
        copied["id"], copied["appId"] = "11111111-2222-3333-4444-555555555555", "66666666-2222-3333-4444-555555555555"
        tenant.applications[copied["id"]] = copied
        capsys.readouterr()
        assert remove(answers) == ExitCode.TENANT
        output = capsys.readouterr().out
    assert set(tenant.applications) == {copied["id"]}
    assert tenant.applications[copied["id"]] == copied
    assert (
        f"  ! the app registration Asignio test (jwt.ms) ({copied['appId']}): not made by asignio-setup: kept (the "
        "state on this machine does not record that asignio-setup made it)"
    ) in output


def admins_own_relying_party(tool_relying_party: bytes, version: str) -> bytes:
    """An administrator's own relying party under the answers' id: on the base, with a journey of its own, no
    asignio-setup comment."""
    journey = (
        '<UserJourneys><UserJourney Id="AdminJourney"><OrchestrationSteps><OrchestrationStep Order="1" '
        'Type="SendClaims" CpimIssuerTechnicalProfileReferenceId="JwtIssuer"/></OrchestrationSteps></UserJourney>'
        f"</UserJourneys><!-- {version} --><RelyingParty>"
    )
    return (
        unmarked(tool_relying_party)
        .replace(f"<PolicyId>{EXTENSIONS}</PolicyId>".encode(), b"<PolicyId>B2C_1A_TrustFrameworkBase</PolicyId>")
        .replace(b'ReferenceId="AsignioSUSI"', b'ReferenceId="AdminJourney"')
        .replace(b"<RelyingParty>", journey.encode(), 1)
    )


def backups_of(policy_id: str) -> list[bytes]:
    return [path.read_bytes() for path in (state_dir() / "backups" / "contoso").glob(f"{policy_id}.*.xml")]


@pytest.mark.parametrize("policy_id", [EXTENSIONS, RELYING_PARTY])
def test_a_policy_changed_while_the_setup_runs_stops_it_before_it_writes_the_policy_and_a_rerun_builds_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], policy_id: str
) -> None:
    """The setup reads the chain and the relying party at its base check and uploads minutes later. An admin edits
    the extensions (or uploads a relying party under the answers' id) in between: the setup writes nothing to the
    policy, stops with exit 5 saying to run again, and the run again builds on the new one, backing it up first
    (and records an admin's relying party as found, so a remove gives it back)."""
    from wizard.graph.transport import Transport

    tenant = seeded_tenant()
    answers = write_answers(tmp_path, "custom-policy")
    with SimulatorServer(seeded_tenant()) as probe:
        point_at(probe, monkeypatch)
        assert run(answers) == 0
        tool_relying_party = probe.tenant.policies[RELYING_PARTY]
    StateStore("contoso").discard()
    edits = {
        EXTENSIONS: with_foreign_claim_type(tenant.policies[EXTENSIONS]),
        RELYING_PARTY: admins_own_relying_party(tool_relying_party, "theirs"),
    }
    edited: list[bytes] = []
    send = Transport.send

    async def an_admin_saves_at_the_first_write(
        transport: Any, operation: Any, method: str, path: str, **options: Any
    ) -> Any:
        if method != "GET" and not edited:
            edited.append(edits[policy_id])
            tenant.policies[policy_id] = edits[policy_id]
        return await send(transport, operation, method, path, **options)

    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        monkeypatch.setattr(Transport, "send", an_admin_saves_at_the_first_write)
        capsys.readouterr()
        assert run(answers) == ExitCode.TENANT
        error = capsys.readouterr().err
        assert f"{policy_id} changed in the tenant while the setup ran" in error and "run again" in error
        assert tenant.policies[policy_id] == edits[policy_id]
        assert not [record for record in server.log if record.is_write and record.path.endswith(f"/{policy_id}/$value")]
        assert run(answers) == 0
        assert edits[policy_id] in backups_of(policy_id)
        if policy_id == RELYING_PARTY:
            assert remove(answers) == ExitCode.OK
            assert tenant.policies[RELYING_PARTY] == edits[RELYING_PARTY]


def with_foreign_claim_type(extensions: bytes) -> bytes:
    """The extensions with a claim type of an administrator's own, added in a section of its own."""
    claim = (
        b'<BuildingBlocks><ClaimsSchema><ClaimType Id="contosoLoyaltyNumber"><DisplayName>Loyalty</DisplayName>'
        b"<DataType>string</DataType></ClaimType></ClaimsSchema></BuildingBlocks>"
    )
    return extensions.replace(b"</TrustFrameworkPolicy>", claim + b"</TrustFrameworkPolicy>")


def test_remove_gives_back_the_admins_latest_relying_party_not_an_older_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin's relying party under the answers' id (v1) is replaced by a setup and given back by a remove that
    kept something else (so the setup stays recorded); the admin edits theirs (v2); a setup replaces it again; the
    next remove gives back v2, the version just before the tool's first upload into it, not v1."""
    tenant = seeded_tenant()
    answers = write_answers(tmp_path, "custom-policy")
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        tool_relying_party = tenant.policies[RELYING_PARTY]
        assert remove(answers) == ExitCode.OK
        tenant.policies[RELYING_PARTY] = admins_own_relying_party(tool_relying_party, "v1")
        assert run(answers) == 0
        someone_elses = {"id": "11111111-2222-3333-4444-555555555555", "appId": "66666666-2222-3333-4444-555555555555"}
        tenant.applications[someone_elses["id"]] = {**someone_elses, "displayName": "Asignio test (jwt.ms)"}
        assert remove(answers) == ExitCode.TENANT
        assert tenant.policies[RELYING_PARTY] == admins_own_relying_party(tool_relying_party, "v1")
        del tenant.applications[someone_elses["id"]]
        tenant.policies[RELYING_PARTY] = admins_own_relying_party(tool_relying_party, "v2")
        assert run(answers) == 0
        assert remove(answers) == ExitCode.OK
    assert tenant.policies[RELYING_PARTY] == admins_own_relying_party(tool_relying_party, "v2")


def test_a_relying_party_an_admin_put_in_place_of_the_tools_is_given_back_after_a_setup_replaced_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tool made the relying party; an admin replaced it with one of their own (no asignio-setup comment); a
    setup run again replaced theirs (after a backup). The ledger then says the tool replaced a found policy, so the
    remove puts the admin's back instead of deleting the policy."""
    tenant = seeded_tenant()
    answers = write_answers(tmp_path, "custom-policy")
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        theirs = tenant.policies[RELYING_PARTY] = admins_own_relying_party(tenant.policies[RELYING_PARTY], "own")
        assert run(answers) == 0
        mark = read_mark(tenant.policies[RELYING_PARTY])
        assert mark is not None and not mark.made and mark.holds
        state = StateStore("contoso").load()
        assert state is not None
        [entry] = [entry for entry in state.ledger if entry.id == RELYING_PARTY]
        assert entry.origin is Origin.FOUND
        assert remove(answers) == ExitCode.OK
    assert tenant.policies[RELYING_PARTY] == theirs


def test_force_never_changes_an_extensions_policy_with_no_record_and_no_comment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Asignio's pieces merged by hand into the extensions (no asignio-setup comment, no state on this machine), and
    no relying party building on them: `remove --force` writes nothing to them, since --force overrides only
    "changed since asignio-setup uploaded it", never "not made by asignio-setup"."""
    tenant = seeded_tenant()
    answers = write_answers(tmp_path, "custom-policy")
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        as_if_made_by_hand(tenant)
        del tenant.policies[RELYING_PARTY]
        before = everything_in(tenant)
        capsys.readouterr()
        server.reset_log()
        assert remove(answers, "--force") == ExitCode.TENANT
        output = capsys.readouterr().out
        assert server.writes == 0
    assert everything_in(tenant) == before
    assert f"  ! {EXTENSIONS} (the Asignio pieces in it): not made by asignio-setup: kept" in output


def an_admins_own_app(display_name: str) -> dict[str, Any]:
    """An app an administrator registered in the portal (no uniqueName, no tag), its own reply URL, no ID tokens."""
    return {
        "id": "11111111-2222-3333-4444-555555555555",
        "appId": "66666666-2222-3333-4444-555555555555",
        "displayName": display_name,
        "uniqueName": None,
        "tags": [],
        "signInAudience": "AzureADMyOrg",
        "web": {
            "redirectUris": ["https://contoso.example/signin"],
            "implicitGrantSettings": {"enableIdTokenIssuance": False, "enableAccessTokenIssuance": False},
        },
    }


@pytest.mark.parametrize("state", ["none", "recorded"])
def test_the_setup_refuses_an_app_it_did_not_make_under_the_test_apps_name_and_writes_nothing_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], state: str
) -> None:
    """An administrator's app under the answers' test-app name (no uniqueName of the tool's, no tag; with or without
    a state recording an earlier setup): the setup stops with exit 5 naming its appId, and gives it no reply URL,
    no ID tokens, no service principal and no consent; a remove keeps it."""
    tenant = seeded_tenant()
    answers = write_answers(tmp_path, "custom-policy")
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        if state == "recorded":
            assert run(answers) == 0
            assert remove(answers) == ExitCode.OK
        mine = an_admins_own_app("Asignio test (jwt.ms)")
        tenant.applications[mine["id"]] = copy.deepcopy(mine)
        before = everything_in(tenant)
        capsys.readouterr()
        assert run(answers) == ExitCode.TENANT
        error = capsys.readouterr().err
        assert "is taken by something else" in error and mine["appId"] in error
        assert tenant.applications[mine["id"]] == mine
        assert not [sp for sp in tenant.service_principals.values() if sp["appId"] == mine["appId"]]
        assert everything_in(tenant)["permission_grants"] == before["permission_grants"]
        assert remove(answers) == ExitCode.TENANT
    assert tenant.applications[mine["id"]] == mine


@pytest.mark.parametrize("remade", ["other settings", "without the Asignio provider"])
def test_a_user_flow_deleted_and_made_again_by_hand_under_its_name_is_kept_unless_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], remade: str
) -> None:
    """The tool's user flow was deleted in the portal and an administrator made one of the same name (a B2C flow's
    id is its name), with language customization on, or like the tool's but without the Asignio provider offered:
    the ledger's id names it, but its settings or providers are not those the tool made it with, so `remove` keeps
    it, says why and ends with exit 5; `--force` deletes it."""
    tenant = seeded_tenant()
    answers = write_answers(tmp_path, "user-flow")
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers, *GUIDED_STEPS) == 0
        flow_id, flow = tenant.user_flows.popitem()
        if remade == "other settings":
            tenant.user_flows[flow_id] = {**flow, "isLanguageCustomizationEnabled": True}
        else:
            tenant.user_flows[flow_id] = {**flow, "_providers": []}
        hand_made = copy.deepcopy(tenant.user_flows[flow_id])
        capsys.readouterr()
        assert remove(answers) == ExitCode.TENANT
        output = capsys.readouterr().out
        assert tenant.user_flows == {flow_id: hand_made}
        assert f"  ! the user flow {flow_id}: " in output
        assert "made again by hand under its name" in output and "--force deletes it" in output
        why = "isLanguageCustomizationEnabled false → true" if remade == "other settings" else "does not offer"
        assert why in output
        assert remove(answers, "--force") == ExitCode.OK
    assert tenant.user_flows == {}


ANSWERS_CHANGED_SINCE_THE_SETUP = [
    ("custom-policy", "the test app renamed in the portal"),
    ("custom-policy", '[test_app]\ndisplay_name = "Contoso jwt.ms check"'),
    ("custom-policy", '[custom_policy]\nrelying_party = "B2C_1A_AsignioOther"'),
    ("custom-policy", '[custom_policy]\npolicy_key = "B2C_1A_AsignioOther"'),
    ("custom-policy", '[custom_policy]\njourney_id = "AsignioOther"'),
    ("custom-policy", '[asignio]\nclient_id = "99998888-aaaa-2222-bbbb-3333cccc4444"'),
    ("user-flow", '[user_flow]\nname = "B2C_1_AsignioOther"'),
    ("user-flow", '[asignio]\ndisplay_name = "Asignio Other"'),
    ("user-flow", '[asignio]\nclient_id = "99998888-aaaa-2222-bbbb-3333cccc4444"'),
]


def with_answer(text: str, change: str) -> str:
    """The answers file with one value set in its section (the section added when the file has none)."""
    section, line = change.split("\n")
    key = line.split(" = ")[0]
    tables = re.split(r"(?m)^(?=\[)", text)
    for index, table in enumerate(tables):
        if table.startswith(section + "\n"):
            kept = [held for held in table.splitlines() if not held.startswith(f"{key} = ")]
            tables[index] = "\n".join([*kept, line]) + "\n"
            return "".join(tables)
    return text + change + "\n"


@pytest.mark.parametrize(("pivot", "change"), ANSWERS_CHANGED_SINCE_THE_SETUP)
def test_remove_all_takes_what_the_ledger_records_by_id_whatever_the_answers_or_the_portal_call_it_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pivot: str, change: str
) -> None:
    """After a setup, the test app is renamed in the portal, or the answers name another test app, relying party,
    policy key, journey, client id, user flow or provider: `remove --all` still takes out everything the ledger
    says the tool made, by id (the Asignio pieces of the extensions as they were merged), and the tenant is as it
    was before the setup, with exit 0."""
    tenant = seeded_tenant()
    before = everything_in(tenant)
    answers = write_answers(tmp_path, pivot)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers, *(GUIDED_STEPS if pivot == "user-flow" else ())) == 0
        if change == "the test app renamed in the portal":
            [app] = tenant.applications.values()
            app["displayName"] = "Contoso jwt.ms check"
        else:
            answers.write_text(with_answer(answers_text(pivot), change), encoding="utf-8")
        capsys.readouterr()
        code = remove(answers, "--all")
        output = capsys.readouterr().out
    assert code == ExitCode.OK, output
    assert everything_in(tenant) == before


def test_a_journey_an_earlier_answers_file_named_comes_out_of_the_extensions_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A setup merged the journey AsignioSUSI; the answers then named another journey and a setup merged that one
    beside it (the first stays in the tenant); `remove` takes both out, as the ledger records them."""
    from wizard.policies import same_content

    tenant = seeded_tenant()
    original = tenant.policies[EXTENSIONS]
    answers = write_answers(tmp_path, "custom-policy")
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        answers.write_text(with_answer(answers_text("custom-policy"), '[custom_policy]\njourney_id = "AsignioOther"'))
        assert run(answers) == 0
        assert b'UserJourney Id="AsignioSUSI"' in tenant.policies[EXTENSIONS]
        assert b'UserJourney Id="AsignioOther"' in tenant.policies[EXTENSIONS]
        assert remove(answers) == ExitCode.OK
    assert same_content(unmarked(tenant.policies[EXTENSIONS]), original)

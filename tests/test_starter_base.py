"""An empty B2C tenant set up end to end: the key sets, the pinned starter pack's base and the Asignio policies,
through the real Graph layer against the simulator with paging and replication lag on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.crashes import CRASH_LAG_SECONDS, KILL_TEST_LAG_SECONDS, crash_after_write, killed_after_write
from tests.support.faults import faults_of
from tests.support.headless import CLIENT_ID, answers_text, point_at, run, run_now_query
from tests.support.starter_base import (
    BASE_CHAIN,
    EMPTY_TENANT_WRITES,
    LAG_SECONDS,
    STARTER_KEY_SETS,
    counts,
    pack_answers,
    with_starter_keys,
)
from tests.support.tenants import grant_as_an_administrator_would
from tests.support.virtual_clock import VirtualClock
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.graph import GRAPH_APP_ID
from wizard.policies import validate_chain
from wizard.simulator import SimulatedTenant, SimulatorServer

RELYING_PARTY = "B2C_1A_AsignioSUSI"
KILL_POINT = 8
"""The write the kill -9 test kills after: midway, among the IEF apps and their grants (the crash tests die after
every write, in this process)."""


EMPTY_TENANT_RESULT = {
    "key sets": 4,
    "keys": 4,
    "policies": 4,
    "applications": 3,
    "service principals": 3,
    "grants": 4,
    "graph service principals": 1,
}


def successful_writes(server: SimulatorServer) -> int:
    """Writes Graph carried out; with replication lag on, a write refused as "not there yet" is tried again."""
    return sum(1 for record in server.log if record.is_write and 0 < record.status < 400)


@pytest.fixture
def answers_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "answers"
    folder.mkdir()
    return folder


def test_an_empty_tenant_reaches_the_run_now_url_with_each_object_once_and_a_rerun_writes_nothing(
    starter_pack: Path,
    xsd_path: Path,
    answers_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(answers_folder, starter_pack)
    with SimulatorServer(tenant, page_size=1, replication_lag=LAG_SECONDS) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        output = capsys.readouterr().out
        assert run_now_query(output)["p"] == RELYING_PARTY
        assert counts(tenant) == EMPTY_TENANT_RESULT
        assert successful_writes(server) == EMPTY_TENANT_WRITES
        assert [(kind, use) for kind, use in _kinds(tenant)] == [
            ("RSA", "sig"),
            ("RSA", "enc"),
            ("OCT", "sig"),
            ("OCT", "sig"),
        ]
        uploads = [record.path.split("/")[3] for record in server.log if record.method == "PUT"]
        # the pack's extensions first, then the Asignio pieces merged into them
        assert uploads == [*BASE_CHAIN, "B2C_1A_TrustFrameworkExtensions", RELYING_PARTY]
        assert "uploaded B2C_1A_TrustFrameworkBase, B2C_1A_TrustFrameworkLocalization" in output
        server.reset_log()
        assert run(answers) == 0
        assert server.writes == 0
    assert validate_chain(tenant.policies, xsd_path) == []
    for content in tenant.policies.values():
        assert b"yourtenant" not in content and b"IdentityExperienceFrameworkAppId" not in content
    extensions = tenant.policies["B2C_1A_TrustFrameworkExtensions"]
    for app in tenant.applications.values():
        if app["displayName"] in ("IdentityExperienceFramework", "ProxyIdentityExperienceFramework"):
            assert app["appId"].encode() in extensions
    assert CLIENT_ID.encode() in extensions
    assert not tenant.policies["B2C_1A_TrustFrameworkBase"].startswith(b"\xef\xbb\xbf")


def _kinds(tenant: SimulatedTenant) -> list[tuple[str, str]]:
    order = [*STARTER_KEY_SETS, "B2C_1A_AsignioSecret"]
    return [(str(key["kty"]).upper(), str(key["use"])) for name in order for key in tenant.key_sets.get(name, [])]


def test_a_tampered_pack_file_is_refused_before_any_write(
    starter_pack: Path,
    answers_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = tmp_path / "pack"
    shutil.copytree(starter_pack, copy)
    extensions = copy / "SocialAndLocalAccountsWithMfa" / "TrustFrameworkExtensions.xml"
    extensions.write_bytes(extensions.read_bytes().replace(b"<!--", b"<!-- changed", 1))
    with SimulatorServer(SimulatedTenant.empty("contoso"), page_size=1) as server:
        point_at(server, monkeypatch)
        assert run(pack_answers(answers_folder, copy)) != 0
        assert server.writes == 0
    error = capsys.readouterr().err
    assert "SocialAndLocalAccountsWithMfa/TrustFrameworkExtensions.xml" in error


def test_a_tenant_with_only_the_keys_gets_only_the_rest(
    starter_pack: Path, answers_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = with_starter_keys(SimulatedTenant.empty("contoso"))
    with SimulatorServer(tenant, page_size=1, replication_lag=LAG_SECONDS) as server:
        point_at(server, monkeypatch)
        assert run(pack_answers(answers_folder, starter_pack)) == 0
        assert successful_writes(server) == EMPTY_TENANT_WRITES - 2 * len(STARTER_KEY_SETS)
        assert not any(
            "TokenSigning" in record.path or "FacebookSecret" in record.path for record in server.log if record.is_write
        )
    assert counts(tenant) == EMPTY_TENANT_RESULT


def test_a_base_the_tenant_has_that_differs_from_the_pack_is_kept_and_built_on(
    starter_pack: Path, answers_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = with_starter_keys(SimulatedTenant.empty("contoso"))
    base = (starter_pack / "SocialAndLocalAccountsWithMfa" / "TrustFrameworkBase.xml").read_bytes()
    own_base = (
        base.removeprefix(b"\xef\xbb\xbf")
        .replace(b"yourtenant", b"contoso")
        .replace(b"<DisplayName>Email Address</DisplayName>", b"<DisplayName>Work email</DisplayName>", 1)
    )
    assert own_base != base
    tenant.policies["B2C_1A_TrustFrameworkBase"] = own_base
    with SimulatorServer(tenant, page_size=1) as server:
        point_at(server, monkeypatch)
        assert run(pack_answers(answers_folder, starter_pack)) == 0
        uploads = [record.path.split("/")[3] for record in server.log if record.method == "PUT"]
    assert "B2C_1A_TrustFrameworkBase" not in uploads
    assert uploads[:2] == ["B2C_1A_TrustFrameworkLocalization", "B2C_1A_TrustFrameworkExtensions"]
    assert tenant.policies["B2C_1A_TrustFrameworkBase"] == own_base
    assert (
        "kept as the tenant has them, though they differ from the pack: B2C_1A_TrustFrameworkBase"
        in capsys.readouterr().out
    )


def test_samples_only_when_asked_and_a_refused_one_does_not_fail_the_setup(
    starter_pack: Path, answers_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = SimulatedTenant.empty("contoso")
    with SimulatorServer(tenant, page_size=1) as server:
        point_at(server, monkeypatch)
        faults_of(server).refuse_policy("B2C_1A_ProfileEdit")
        assert run(pack_answers(answers_folder, starter_pack, samples=True)) == 0
    output = capsys.readouterr().out
    assert {"B2C_1A_signup_signin", "B2C_1A_PasswordReset"} <= set(tenant.policies)
    assert "B2C_1A_ProfileEdit" not in tenant.policies
    assert "B2C refused the sample B2C_1A_ProfileEdit" in output
    assert "which the Asignio setup does not need" in output


def assert_one_of_each(tenant: SimulatedTenant) -> None:
    """One key per key set, each policy once, no placeholder anywhere, as a clean run leaves an empty tenant."""
    assert counts(tenant) == EMPTY_TENANT_RESULT
    assert all(len(keys) == 1 for keys in tenant.key_sets.values())
    for content in tenant.policies.values():
        assert b"yourtenant" not in content and b"IdentityExperienceFrameworkAppId" not in content


@pytest.mark.parametrize("crash_after", range(1, EMPTY_TENANT_WRITES + 1))
def test_crashed_after_any_write_of_an_empty_tenants_run_the_rerun_ends_with_one_of_each(
    starter_pack: Path, answers_folder: Path, monkeypatch: pytest.MonkeyPatch, crash_after: int
) -> None:
    """The run dies right after a write Graph answered (before the tool could record it), on an empty tenant that
    pages every list and hides new objects for a while; run again at once, it ends with one of each, and a run after
    it writes nothing."""
    answers = pack_answers(answers_folder, starter_pack)
    tenant = SimulatedTenant.empty("contoso")
    with SimulatorServer(tenant, page_size=1, replication_lag=CRASH_LAG_SECONDS) as server:
        point_at(server, monkeypatch)
        with crash_after_write(server, crash_after):
            run(answers)
        assert run(answers) == 0
        assert_one_of_each(tenant)
        server.reset_log()
        assert run(answers) == 0
        assert server.writes == 0


@pytest.mark.slow
def test_killed_with_kill_9_during_an_empty_tenants_run_the_rerun_ends_with_one_of_each(
    starter_pack: Path, answers_folder: Path, monkeypatch: pytest.MonkeyPatch, kill_clock: VirtualClock
) -> None:
    """A real process killed with kill -9 midway through an empty tenant's setup (its state and lock files as a
    crash leaves them), then run again at once: one of each, and a run after it writes nothing."""
    answers = pack_answers(answers_folder, starter_pack)
    tenant = SimulatedTenant.empty("contoso")
    with SimulatorServer(tenant, page_size=1, replication_lag=KILL_TEST_LAG_SECONDS) as server:
        point_at(server, monkeypatch)
        with killed_after_write(server, KILL_POINT, ["--non-interactive", str(answers)]):
            assert run(answers) == 0
            assert_one_of_each(tenant)
            server.reset_log()
            assert run(answers) == 0
            assert server.writes == 0


def test_the_empty_demo_installs_the_demos_own_base_and_reaches_run_now(
    xsd_path: Path,
    answers_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No network in the demo: the base comes from policy_templates/demo_base, not a starter-pack download (which
    conftest points at a closed port), and the demo base names no Facebook secret, so none is made."""
    monkeypatch.setenv("ASIGNIO_CLIENT_SECRET", "Asignio-Secret-q7Zr9xVw2")
    demo_state = tmp_path / "demo-tenant.json"
    answers = answers_folder / "custom-policy.toml"
    answers.write_text(answers_text("custom-policy"), encoding="utf-8")
    command = ["--demo-empty", "--demo-state", str(demo_state), "--non-interactive", str(answers)]
    assert main(command) == 0
    output = capsys.readouterr().out
    assert (
        "uploaded B2C_1A_TrustFrameworkBase, B2C_1A_TrustFrameworkLocalization, B2C_1A_TrustFrameworkExtensions "
        "from asignio-setup's own demo base" in output
    )
    assert "Run now: " in output
    tenant = SimulatedTenant.load(demo_state)
    assert sorted(tenant.key_sets) == [
        "B2C_1A_AsignioSecret",
        "B2C_1A_TokenEncryptionKeyContainer",
        "B2C_1A_TokenSigningKeyContainer",
    ]
    assert validate_chain(tenant.policies, xsd_path) == []
    assert main(command) == 0
    assert "Nothing needed changing." in capsys.readouterr().out


def test_the_plan_of_an_empty_tenant_lists_the_prerequisites_and_writes_nothing(
    starter_pack: Path, answers_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with SimulatorServer(SimulatedTenant.empty("contoso"), page_size=1) as server:
        point_at(server, monkeypatch)
        assert main(["plan", str(pack_answers(answers_folder, starter_pack))]) == 8
        assert server.writes == 0
    output = capsys.readouterr().out
    for step in ("token-signing-key", "token-encryption-key", "facebook-secret-key", "ief-app", "starter-pack-base"):
        assert f"  + {step}: " in output
    assert "+++ B2C_1A_TrustFrameworkExtensions (generated)" in output


def test_while_an_administrator_has_not_consented_no_base_is_uploaded_and_consent_then_lets_the_run_finish(
    starter_pack: Path, answers_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(answers_folder, starter_pack)
    with SimulatorServer(tenant, replication_lag=LAG_SECONDS, consent_allowed=False) as server:
        point_at(server, monkeypatch)
        assert run(answers) == ExitCode.PENDING, "the test app's own grant waits for an administrator too"
        output = capsys.readouterr().out
        assert "adminconsent?client_id=" in output and "Run now" not in output
        assert "ief-admin-consent: waiting for you" in output and "test-app-consent: waiting for you" in output
        assert not [record for record in server.log if record.method == "PUT"], "no policy before the consent"
        assert tenant.policies == {}
        ief, proxy = (
            next(app for app in tenant.applications.values() if app["displayName"] == name)
            for name in ("IdentityExperienceFramework", "ProxyIdentityExperienceFramework")
        )
        grant_as_an_administrator_would(tenant, proxy["appId"], GRAPH_APP_ID, "openid offline_access")
        grant_as_an_administrator_would(tenant, proxy["appId"], ief["appId"], "user_impersonation")
        grant_as_an_administrator_would(tenant, ief["appId"], GRAPH_APP_ID, "openid offline_access")
        test_app = next(app for app in tenant.applications.values() if app["displayName"] == "Asignio test (jwt.ms)")
        grant_as_an_administrator_would(tenant, test_app["appId"], GRAPH_APP_ID, "openid offline_access")
        assert run(answers) == 0
        assert run_now_query(capsys.readouterr().out)["p"] == RELYING_PARTY
        assert set(BASE_CHAIN) <= set(tenant.policies)

"""`asignio-setup remove --all`: the prerequisites the setup created go too, and only those; through the real Graph
layer against the simulator, after a real setup run."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.support.crashes import crash_after_write
from tests.support.headless import point_at, run, write_answers
from tests.support.starter_base import LAG_SECONDS, STARTER_KEY_SETS, counts, pack_answers, with_starter_keys
from tests.support.tenants import seeded_tenant
from wizard.cli import main
from wizard.errors import ExitCode
from wizard.graph import GRAPH_APP_ID
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.state import StateStore

NOTHING_BUT_GRAPH = {
    "key sets": 0,
    "keys": 0,
    "policies": 0,
    "applications": 0,
    "service principals": 0,
    "grants": 0,
    "graph service principals": 1,
}
"""An empty tenant after a setup and `remove --all`: Microsoft Graph's service principal (which the setup had to
create) is never the tool's to delete."""


def remove_all(answers: Path, *extra: str) -> int:
    return main(["remove", str(answers), "--yes", "--all", *extra])


def test_remove_all_after_an_empty_tenants_setup_leaves_it_empty_and_a_second_writes_nothing(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(tenant, page_size=1, replication_lag=LAG_SECONDS) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        graph_principal = next(sp for sp in tenant.service_principals.values() if sp["appId"] == GRAPH_APP_ID)
        capsys.readouterr()

        assert remove_all(answers) == ExitCode.OK
        output = capsys.readouterr().out
        assert "  - remove-starter-base: Delete the starter-pack policies the setup uploaded" in output
        assert counts(tenant) == NOTHING_BUT_GRAPH
        assert tenant.key_sets == {}
        assert graph_principal in tenant.service_principals.values()
        deleted_policies = [
            record.path.rsplit("/", 1)[-1]
            for record in server.log
            if record.method == "DELETE" and "/trustFramework/policies/" in record.path
        ]
        assert deleted_policies == [
            "B2C_1A_AsignioSUSI",
            "B2C_1A_TrustFrameworkExtensions",
            "B2C_1A_TrustFrameworkLocalization",
            "B2C_1A_TrustFrameworkBase",
        ]

        server.reset_log()
        assert remove_all(answers) == ExitCode.OK
        assert server.writes == 0
        assert "Nothing to remove" in capsys.readouterr().out


def test_on_a_prepared_tenant_remove_all_takes_only_the_asignio_pieces_and_says_the_rest_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = seeded_tenant()
    before = copy.deepcopy(
        (tenant.policies, tenant.key_sets, tenant.applications, tenant.service_principals, tenant.permission_grants)
    )
    answers = write_answers(tmp_path, "custom-policy")
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        capsys.readouterr()
        assert remove_all(answers) == ExitCode.OK
        output = capsys.readouterr().out
    assert "  = remove-starter-base: the starter-pack policies were there before the setup: kept" in output
    assert "  = remove-starter-keys: the starter-pack key sets were there before the setup: kept" in output
    assert (
        tenant.policies,
        tenant.key_sets,
        tenant.applications,
        tenant.service_principals,
        tenant.permission_grants,
    ) == before


def test_remove_all_keeps_the_starter_keys_a_tenant_had_and_takes_the_base_and_apps_the_setup_made(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = with_starter_keys(SimulatedTenant.empty("contoso"))
    keys_before = copy.deepcopy(tenant.key_sets)
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(tenant, page_size=1, replication_lag=LAG_SECONDS) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        assert remove_all(answers) == ExitCode.OK
    assert tenant.key_sets == keys_before
    assert set(tenant.key_sets) == set(STARTER_KEY_SETS)
    assert counts(tenant) | {"key sets": 0, "keys": 0} == NOTHING_BUT_GRAPH


def test_remove_all_without_a_recorded_setup_takes_only_what_carries_the_tools_marks(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The state is lost after an empty tenant's setup: the policies whose asignio-setup comment still holds and
    the apps and service principals tagged asignio-setup go (with the grants given to those service principals);
    the key sets carry no mark, so they stay, named, with exit 5 and the option that points at a kept state."""
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        StateStore("contoso").discard()
        key_sets = copy.deepcopy(tenant.key_sets)
        capsys.readouterr()
        assert remove_all(answers) == ExitCode.TENANT
        captured = capsys.readouterr()
    for name in key_sets:
        assert f"  ! the key set {name}: not made by asignio-setup: kept" in captured.out
    assert "point at it with --state-dir DIR" in captured.out
    assert tenant.key_sets == key_sets
    assert counts(tenant) == {**NOTHING_BUT_GRAPH, "key sets": 4, "keys": 4}


def test_a_plain_remove_keeps_the_prerequisites_and_a_later_remove_all_still_takes_them(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        assert main(["remove", str(answers), "--yes"]) == ExitCode.OK
        assert set(tenant.key_sets) == set(STARTER_KEY_SETS)
        assert counts(tenant)["applications"] == 2
        assert len(tenant.policies) == 3
        assert remove_all(answers) == ExitCode.OK
    assert counts(tenant) == NOTHING_BUT_GRAPH


REMOVE_ALL_WRITES = 19
"""Writes of `remove --all` after an empty tenant's setup: 6 for the Asignio pieces, 3 policies, then the 3 key sets
and the IEF grants (3), service principals (2) and apps (2) side by side."""


def test_a_clean_remove_all_makes_the_writes_the_crash_test_crashes_after(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(SimulatedTenant.empty("contoso"), page_size=1) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        server.reset_log()
        assert remove_all(answers) == ExitCode.OK
        assert server.writes == REMOVE_ALL_WRITES


@pytest.mark.parametrize("crash_after", range(1, REMOVE_ALL_WRITES + 1))
def test_crashed_after_any_write_of_a_remove_all_the_next_one_finishes(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_after: int
) -> None:
    """A real empty-tenant setup, then a `remove --yes --all` that dies right after its n-th write Graph answered
    (before the tool could record it); then `remove --all` again: the tenant is empty but for Graph's service
    principal, and one more writes nothing. The tenant pages every list. (tests/test_remove.py kills a remove with
    kill -9 in a real process.)"""
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(SimulatedTenant.empty("contoso"), page_size=1) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        with crash_after_write(server, crash_after):
            remove_all(answers)
        assert remove_all(answers) == ExitCode.OK
        assert counts(server.tenant) == NOTHING_BUT_GRAPH
        server.reset_log()
        assert remove_all(answers) == ExitCode.OK
        assert server.writes == 0


def test_starter_key_sets_b2c_keeps_as_bak_are_reported_and_left(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(tmp_path, starter_pack)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        tenant.keep_deleted_key_sets = True
        capsys.readouterr()
        assert remove_all(answers) == ExitCode.OK
        output = capsys.readouterr().out
        assert "B2C keeps backup copies, B2C_1A_TokenSigningKeyContainer.bak" in output
        assert {f"{name}.bak" for name in STARTER_KEY_SETS} <= set(tenant.key_sets)
        server.reset_log()
        assert remove_all(answers) == ExitCode.OK
        assert server.writes == 0


def test_remove_all_takes_the_sample_relying_parties_it_uploaded_before_their_bases(
    starter_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = SimulatedTenant.empty("contoso")
    answers = pack_answers(tmp_path, starter_pack, samples=True)
    with SimulatorServer(tenant) as server:
        point_at(server, monkeypatch)
        assert run(answers) == 0
        samples = [name for name in tenant.policies if "TrustFramework" not in name and name != "B2C_1A_AsignioSUSI"]
        assert samples
        server.reset_log()
        assert remove_all(answers) == ExitCode.OK
        deleted = [
            record.path.rsplit("/", 1)[-1]
            for record in server.log
            if record.method == "DELETE" and "/trustFramework/policies/" in record.path
        ]
    assert tenant.policies == {}
    assert set(samples) <= set(deleted)
    assert max(deleted.index(name) for name in samples) < deleted.index("B2C_1A_TrustFrameworkExtensions")
    assert deleted[-1] == "B2C_1A_TrustFrameworkBase"

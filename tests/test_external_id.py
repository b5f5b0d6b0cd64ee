"""The External ID path's platform check: the tenant's type and `[setup] pivot` must agree before anything is read
further or written."""

from __future__ import annotations

import pytest

from wizard.answers import Pivot, parse_answers
from wizard.auth import StaticTokenCredential
from wizard.errors import BadInputError, ExitCode, SetupError
from wizard.graph import GraphClient
from wizard.simulator import SimulatedTenant, SimulatorServer
from wizard.steps.plan import build_plan
from wizard.steps.preflight import verify_tenant

TENANT = {"name": "contoso"}
ASIGNIO = {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"}


async def verify(tenant_type: str, pivot: Pivot | None) -> str:
    answers = parse_answers({"tenant": TENANT, "asignio": ASIGNIO, "setup": {"pivot": "user-flow"}})
    with SimulatorServer(SimulatedTenant.seeded("contoso", tenant_type=tenant_type)) as server:
        graph = GraphClient(
            StaticTokenCredential(server.access_token),
            graph_url=server.graph_root + "/beta",
            scopes=["https://graph.microsoft.com/.default"],
        )
        try:
            organization = await verify_tenant(graph, answers.tenant, (), pivot)
        finally:
            await graph.close()
        assert server.writes == 0
    return organization.tenant_type or ""


async def test_an_external_tenant_passes_for_the_external_id_path_and_for_a_sign_in_without_a_path() -> None:
    assert await verify("CIAM", Pivot.EXTERNAL_ID) == "CIAM"
    assert await verify("CIAM", None) == "CIAM"


@pytest.mark.parametrize(
    ("tenant_type", "pivot", "message"),
    [
        ("AAD B2C", Pivot.EXTERNAL_ID, "is an Azure AD B2C tenant, but [setup] pivot is external-id"),
        ("CIAM", Pivot.USER_FLOW, "is an Entra External ID tenant, but [setup] pivot is user-flow"),
        ("AAD", Pivot.EXTERNAL_ID, "is neither an Azure AD B2C nor an Entra External ID tenant"),
    ],
)
async def test_a_tenant_of_the_other_platform_is_one_sentence_and_exit_5(
    tenant_type: str, pivot: Pivot, message: str
) -> None:
    with pytest.raises(SetupError) as caught:
        await verify(tenant_type, pivot)
    assert caught.value.exit_code == ExitCode.TENANT
    assert message in caught.value.what


def test_the_external_id_path_takes_mfa_off_only_for_now() -> None:
    with pytest.raises(BadInputError, match=r"mfa = 'phone' is not offered on the external-id path"):
        parse_answers({"tenant": TENANT, "asignio": ASIGNIO, "setup": {"pivot": "external-id", "mfa": "phone"}})


@pytest.mark.parametrize("mfa", ["email", "sms"])
def test_the_external_id_plan_ends_with_the_mfa_steps_after_the_test_app_when_mfa_is_on(mfa: str) -> None:
    answers = parse_answers({"tenant": TENANT, "asignio": ASIGNIO, "setup": {"pivot": "external-id", "mfa": mfa}})
    ids = [step.id for step in build_plan(answers).steps]
    assert ids[-2:] == ["mfa-method", "mfa-policy"]
    assert ids.index("test-app") < ids.index("mfa-method")


def test_the_external_id_plan_reads_the_discovery_document_and_the_tenant_before_any_write() -> None:
    answers = parse_answers({"tenant": TENANT, "asignio": ASIGNIO, "setup": {"pivot": "external-id"}})
    steps = build_plan(answers).steps
    reads = [step.id for step in steps if not step.writes]
    assert reads[:2] == ["discovery", "preflight"]
    for step in steps:
        if step.writes:
            assert step.after, step.id

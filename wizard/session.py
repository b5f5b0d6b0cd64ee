"""One operator's setup of one tenant: what both the TUI and the headless CLI drive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.answers import Answers, Pivot
from wizard.clouds import graph_beta_url, graph_scope
from wizard.errors import SetupError
from wizard.events import RunFinished
from wizard.runner import Emit, Runner
from wizard.secrets import resolve_asignio_secret, stored_app_secret
from wizard.state import StateStore
from wizard.steps.base import BASE_POLICY, EXTENSIONS_POLICY, LOCALIZATION_POLICY, PERMISSIONS_FOR_EVERY_PATH
from wizard.steps.custom_policy import BaseChain
from wizard.steps.preflight import Preflight

if TYPE_CHECKING:
    from wizard.auth import DeviceCodePrompt
    from wizard.graph import GraphClient
    from wizard.simulator import SimulatorServer


@dataclass(frozen=True)
class TenantIdentity:
    """Who is signed in to which tenant, once known."""

    account: str | None
    tenant_domain: str
    tenant_type: str
    display_name: str


@dataclass(frozen=True)
class BaseReport:
    """The custom-policy base the tenant has, and whether the Asignio journey fits on it."""

    present: tuple[str, ...]
    can_host: bool
    summary: str


@dataclass(frozen=True)
class PlannedStep:
    """A step as the review screen lists it."""

    id: str
    title: str
    detail: str
    done: bool


@dataclass(frozen=True)
class Review:
    """The plan against the tenant as it is now, and the extensions policy's diff; nothing written."""

    steps: tuple[PlannedStep, ...]
    extensions_diff: str | None


def _secret_provider(answers: Answers, secret: str | None) -> Callable[[], str]:
    """The secret the wizard was given, else the environment or the keyring, asked only when a step needs it."""
    return (lambda: secret) if secret else (lambda: resolve_asignio_secret(answers))


class Session:
    """The answers, a signed-in Graph client, the saved state and the runner, together."""

    def __init__(
        self,
        answers: Answers,
        graph: GraphClient,
        store: StateStore,
        secret: Callable[[], str],
        *,
        rotate_secret: bool = False,
    ) -> None:
        self.answers = answers
        self.graph = graph
        self.runner = Runner(answers, graph, store, secret, rotate_secret=rotate_secret)

    @classmethod
    def open(
        cls,
        answers: Answers,
        *,
        demo: SimulatorServer | None = None,
        device_code_prompt: DeviceCodePrompt | None = None,
        secret: str | None = None,
        rotate_secret: bool = False,
    ) -> Session:
        """Builds the Graph client for the answers' sign-in method (or the simulated tenant); signs in lazily."""
        from wizard.graph import GraphClient

        if demo is not None:
            graph = GraphClient(
                demo.credential, graph_url=demo.graph_root + "/beta", scopes=[graph_scope(answers.tenant.cloud)]
            )
        else:
            from wizard.auth import credential_for

            credential, scopes = credential_for(
                answers,
                prompt=device_code_prompt,
                secret_lookup=lambda client_id: stored_app_secret(answers.tenant.name, client_id),
            )
            graph = GraphClient(credential, graph_url=graph_beta_url(answers.tenant.cloud), scopes=scopes)
        return cls(
            answers,
            graph,
            StateStore(answers.tenant.name),
            _secret_provider(answers, secret),
            rotate_secret=rotate_secret,
        )

    def with_answers(self, answers: Answers, *, secret: str | None = None, rotate_secret: bool = False) -> Session:
        """The same signed-in tenant with other answers (the wizard signs in before it knows them all)."""
        if answers.tenant != self.answers.tenant or answers.auth != self.answers.auth:
            raise SetupError("The tenant or the sign-in changed", "sign in again")
        return Session(
            answers,
            self.graph,
            StateStore(answers.tenant.name),
            _secret_provider(answers, secret),
            rotate_secret=rotate_secret,
        )

    async def identify(self) -> TenantIdentity:
        """Signs in and checks the tenant type and the permissions every path needs, before anything is written;
        the chosen path's own permissions are checked again by its first step."""
        await Preflight.verify(self.runner.context, PERMISSIONS_FOR_EVERY_PATH)
        organization = self.runner.context.facts.organization
        if organization is None:
            raise SetupError("The tenant check ended without reading the tenant", "run again")
        return TenantIdentity(
            account=self.graph.signed_in_as(),
            tenant_domain=organization.initial_domain,
            tenant_type=organization.tenant_type or "",
            display_name=organization.display_name,
        )

    async def inspect_base(self) -> BaseReport:
        """For the custom-policy path: which starter-pack policies the tenant has, and whether they fit."""
        try:
            finding = await BaseChain().check(self.runner.context)
        except SetupError as error:
            summary = f"{error.what} — {error.fix}" if error.fix else error.what
            return BaseReport(self._standard_policies(), False, summary)
        return BaseReport(self._standard_policies(), True, finding.summary)

    def _standard_policies(self) -> tuple[str, ...]:
        """The starter-pack policies among those the base check saw in the tenant."""
        standard = {name.lower(): name for name in (BASE_POLICY, LOCALIZATION_POLICY, EXTENSIONS_POLICY)}
        seen = self.runner.context.facts.policy_ids
        return tuple(standard[policy_id.lower()] for policy_id in seen if policy_id.lower() in standard)

    async def review(self) -> Review:
        """Each step of the plan, marked when the tenant already has its work; writes nothing."""
        inspections = await self.runner.inspect()
        steps = tuple(
            PlannedStep(
                id=inspection.step.id,
                title=inspection.step.title,
                detail=inspection.step.describe(self.answers)
                if inspection.error is None
                else f"{inspection.error.what} — {inspection.error.fix}",
                done=bool(inspection.finding and inspection.finding.done),
            )
            for inspection in inspections
        )
        return Review(steps, self._extensions_diff())

    def _extensions_diff(self) -> str | None:
        facts = self.runner.context.facts
        if self.answers.setup.pivot is not Pivot.CUSTOM_POLICY or facts.generated is None:
            return None
        from wizard.policies import diff

        extensions = facts.generated.extensions
        return diff(facts.chain.get(extensions.policy_id), extensions.content, extensions.policy_id)

    async def run(self, emit: Emit) -> RunFinished:
        """Does every step still to do; raises the first step's SetupError after the others ended."""
        return await self.runner.run(emit)

    def confirm_guided(self, step_id: str) -> None:
        """The operator did a portal step (such as MFA on a user flow)."""
        self.runner.confirm_guided(step_id)

    async def close(self) -> None:
        await self.graph.close()

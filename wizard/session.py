"""One operator's setup of one tenant: what both the TUI and the headless CLI drive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.answers import Answers, AuthAnswers, Pivot, TenantAnswers
from wizard.auth import DeviceCodePrompt, credential_for
from wizard.clouds import ENDPOINTS, graph_beta_url, graph_scope
from wizard.errors import SetupError
from wizard.events import ProbeChecked, ProbeRetrying, RunFinished
from wizard.graph import GraphClient
from wizard.outgoing import outgoing, remember_secret
from wizard.runner import Emit, Runner
from wizard.secrets import checked_secret, resolve_asignio_secret, stored_app_secret
from wizard.state import StateStore
from wizard.steps import build_plan
from wizard.steps.base import PERMISSIONS_FOR_EVERY_PATH, Kept
from wizard.steps.chain import DEMO_BASE_NAME, ChainListing, demo_base, read_base_chain
from wizard.steps.preflight import verify_tenant
from wizard.verify import (
    DEFAULT_TIMEOUT_SECONDS,
    REQUEST_DEADLINE_SECONDS,
    Verification,
    recorded_test_app,
    verify_sign_in,
)

if TYPE_CHECKING:
    from wizard.demo import Demo
    from wizard.simulator import SimulatorServer


@dataclass(frozen=True)
class TenantIdentity:
    """Who is signed in to which tenant, once known."""

    account: str | None
    tenant_domain: str
    tenant_type: str
    display_name: str
    tenant_id: str | None = None
    """The tenant's id (organization.id), which External ID's federation redirect URI names."""


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
    problem: SetupError | None = None
    """Why the step could not look at the tenant (its detail then says so); a plan ends with it."""
    checked: bool = True
    """False when the step could not look at the tenant (its `problem`), or was not looked at because a step it
    builds on could not: neither done nor to do is known then."""
    writes: bool = True
    """False for a step that only reads or asks the operator: when done, nothing of it is "in the tenant"."""


@dataclass(frozen=True)
class Review:
    """The plan against the tenant as it is now, and the extensions policy's diff; nothing written."""

    steps: tuple[PlannedStep, ...]
    extensions_diff: str | None


@dataclass(frozen=True)
class RemovalReview:
    """What a remove would delete and what is already gone, against the tenant as it is now; nothing written."""

    steps: tuple[PlannedStep, ...]
    """The steps that delete something, `done` when the tenant no longer holds their part."""
    extensions_note: str | None
    """How the extensions policy would lose the Asignio pieces (the backup restored, or taken out one by one); None
    when it holds none."""
    kept: tuple[Kept, ...] = ()
    """What the answers name that the remove leaves in the tenant, each with why (not made by asignio-setup, or
    changed since it was)."""
    recorded: bool = True
    """A setup of this tenant is recorded on this machine (else only the tenant's marks prove anything)."""

    @property
    def pending(self) -> bool:
        """Something of the setup is still in the tenant."""
        return any(not step.done for step in self.steps)


def _secret_provider(answers: Answers, secret: str | None) -> Callable[[], str]:
    """The secret the wizard was given (kept out of every output from now on), else the environment or the keyring,
    asked only when a step needs it; one that cannot be a Client Secret is refused, saying why, before anything is
    sent."""
    if not secret:
        return lambda: resolve_asignio_secret(answers)
    remember_secret(secret)
    return lambda: checked_secret(
        secret, "the wizard", "enter the Client Secret from the Asignio Partner Administration site"
    )


def sign_in(
    tenant: TenantAnswers,
    auth: AuthAnswers,
    *,
    demo: SimulatorServer | None = None,
    device_code_prompt: DeviceCodePrompt | None = None,
    state_folder: Path | None = None,
) -> SignedInTenant:
    """A Graph client for the tenant with the answers' sign-in method (or the simulated tenant); the sign-in
    itself happens on the first request, so nothing about the setup needs to be known yet. `state_folder`: where
    the progress is kept (None: the state folder; a demo keeps its own, see `demo_state_dir`)."""
    if demo is not None:
        graph = GraphClient(demo.credential, graph_url=demo.graph_root + "/beta", scopes=[graph_scope(tenant.cloud)])
    else:
        credential, scopes = credential_for(
            tenant,
            auth,
            prompt=device_code_prompt,
            secret_lookup=lambda client_id: stored_app_secret(tenant.name, client_id),
        )
        graph = GraphClient(
            credential,
            graph_url=graph_beta_url(tenant.cloud),
            scopes=scopes,
            sign_in_host=ENDPOINTS[tenant.cloud].authority_host,
        )
    return SignedInTenant(tenant, auth, graph, demo=demo is not None, state_folder=state_folder)


async def check_sign_in(
    answers: Answers,
    emit: Callable[[ProbeChecked | ProbeRetrying], None],
    *,
    timeout: float | None = None,
    request_deadline: float | None = None,
    demo: Demo | None = None,
    state_folder: Path | None = None,
) -> Verification:
    """The sign-in probes (`verify`) of the setup the state in `state_folder` (None: the state folder) records for the
    answers' tenant: read-only, no secret, each result emitted as it ends; a demo's go to its simulator. `timeout`
    (None: two minutes) is the wait for a policy that does not serve yet, `request_deadline` (None: 15 s) each probe
    request's for its whole answer."""
    return await verify_sign_in(
        answers,
        recorded_test_app(answers, StateStore(answers.tenant.name, state_folder)),
        emit,
        timeout=DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout,
        request_deadline=REQUEST_DEADLINE_SECONDS if request_deadline is None else request_deadline,
        login_root=demo.login_root if demo is not None else None,
        asignio_root=demo.asignio_root if demo is not None else None,
    )


class SignedInTenant:
    """One tenant, signed in: who and what it is, and a session for the setup or the remove the answers ask for."""

    def __init__(
        self,
        tenant: TenantAnswers,
        auth: AuthAnswers,
        graph: GraphClient,
        *,
        demo: bool = False,
        state_folder: Path | None = None,
    ) -> None:
        self.tenant = tenant
        self.auth = auth
        self.graph = graph
        self.demo = demo
        """The simulated tenant: a tenant lacking the base chain gets the demo's own base (the demo has no network)."""
        self.state_folder = state_folder
        """Where the progress is kept (None: the state folder)."""

    async def identify(self) -> TenantIdentity:
        """Signs in and checks the tenant type and the permissions every path needs, before anything is written;
        the chosen path's own permissions are checked again by its first step."""
        organization = await verify_tenant(self.graph, self.tenant, PERMISSIONS_FOR_EVERY_PATH)
        account = self.graph.signed_in_as()
        return TenantIdentity(
            account=None if account is None else outgoing(account),
            tenant_domain=outgoing(organization.initial_domain),
            tenant_type=outgoing(organization.tenant_type or ""),
            display_name=outgoing(organization.display_name),
            tenant_id=outgoing(organization.id) if organization.id else None,
        )

    def session_for(self, answers: Answers, *, secret: str | None = None, rotate_secret: bool = False) -> Session:
        """The setup the answers ask for, on this sign-in; answers for another tenant or sign-in are refused."""
        self._refuse_other_sign_in(answers)
        runner = Runner(
            build_plan(answers),
            self.graph,
            StateStore(answers.tenant.name, self.state_folder),
            _secret_provider(answers, secret),
            rotate_secret=rotate_secret,
            load_base=demo_base if self.demo else None,
        )
        return Session(runner, demo=self.demo)

    def removal(self, answers: Answers, *, everything: bool = False, force: bool = False) -> RemovalSession:
        """Taking the answers' setup out of this tenant (the remove command's plan and state; `everything` for
        `remove --all`, `force` for `--force`). No removal step sends the Asignio secret, so none is asked for."""
        from wizard.steps.removal import build_removal_plan, note_removed  # loaded for a remove alone

        self._refuse_other_sign_in(answers)
        plan = build_removal_plan(answers, everything=everything, force=force)
        runner = Runner(
            plan,
            self.graph,
            StateStore(answers.tenant.name, self.state_folder),
            _secret_provider(answers, None),
            on_success=note_removed(plan),
        )
        return RemovalSession(runner)

    def _refuse_other_sign_in(self, answers: Answers) -> None:
        if answers.tenant != self.tenant or answers.auth != self.auth:
            raise SetupError("The tenant or the sign-in changed", "sign in again")

    async def close(self) -> None:
        await self.graph.close()


class Session:
    """A planned setup of a signed-in tenant: the review, the run, and the operator's confirmations."""

    def __init__(self, runner: Runner, *, demo: bool = False) -> None:
        self.runner = runner
        self.answers = runner.answers
        self.graph = runner.graph
        self.demo = demo
        """On the simulated tenant, whose missing base chain the demo's own base stands in for (`demo_base`)."""

    async def inspect_base(self) -> BaseReport:
        """For the custom-policy path: which starter-pack policies the tenant has, and whether they fit."""
        listing = ChainListing(tuple(await self.graph.policy_ids()))
        if not listing.builds_on:
            source = DEMO_BASE_NAME if self.demo else f"the pinned {self.answers.starter_pack_name()} starter pack"
            return BaseReport(
                listing.held,
                True,
                f"the tenant lacks {', '.join(listing.lacking)}: the setup uploads them first, from {source}, with the "
                "policy keys and IEF apps they need",
            )
        try:
            base = await read_base_chain(self.graph, self.answers, listing)
        except SetupError as error:
            return BaseReport(listing.held, False, str(error))
        return BaseReport(
            listing.held, True, f"found {', '.join(base.chain)}; the Asignio policies validate against them"
        )

    async def review(self, emit: Emit | None = None) -> Review:
        """Each step of the plan, marked when the tenant already has its work; writes nothing. A step that could
        not look while a step it waits for has work to do is listed as pending (its look depends on that work);
        one whose steps before it are all done is not checked and carries its problem, and so are the steps that
        build on a step not checked, which are not looked at. With `emit`, it waits for what a run made moments ago,
        saying so (see `Runner.inspect`)."""
        inspections = await self.runner.inspect(emit)
        done: set[str] = set()
        planned = []
        for inspection in inspections:
            step = inspection.step
            if inspection.blocked_by is not None:
                detail = f"not checked: it builds on {inspection.blocked_by}, which could not look"
                planned.append(PlannedStep(step.id, step.title, detail, done=False, checked=False))
                continue
            if inspection.finding is not None and inspection.finding.done:
                done.add(step.id)
            problem = inspection.error if all(before in done for before in step.after) else None
            planned.append(
                PlannedStep(
                    id=step.id,
                    title=step.title,
                    detail=str(problem) if problem is not None else step.describe(self.answers),
                    done=step.id in done,
                    problem=problem,
                    checked=problem is None,
                    writes=step.writes,
                )
            )
        steps = tuple(planned)
        return Review(steps, self._extensions_diff())

    def _extensions_diff(self) -> str | None:
        """The extensions' change, from what the starter pack's step hands on or, when a review could not get that
        far (a prerequisite it waits for could not be looked at), from what the base check built on the tenant's
        own chain."""
        facts = self.runner.facts
        if self.answers.setup.pivot is not Pivot.CUSTOM_POLICY:
            return None
        if facts.asignio_policies is not None:
            chain, built = facts.asignio_policies.chain, facts.asignio_policies.generated
        elif facts.tenant_policies is not None:
            chain, built = facts.chain, facts.tenant_policies
        else:
            return None
        from wizard.policies import diff  # the policy engine (lxml) loads only on the custom-policy path

        extensions = built.extensions
        return diff(chain.get(extensions.policy_id), extensions.content, extensions.policy_id)

    async def run(self, emit: Emit) -> RunFinished:
        """Does every step still to do; how it ended, failures and exit code included (`Runner.run`)."""
        return await self.runner.run(emit)

    def confirm_guided(self, step_id: str) -> None:
        """The operator did a portal step (such as MFA on a user flow)."""
        self.runner.confirm_guided(step_id)


class RemovalSession:
    """A remove of a signed-in tenant's setup: what it would delete, then the deletes."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.answers = runner.answers

    async def review(self) -> RemovalReview:
        """Each deleting step, marked when its part is already gone; raises the first step's error when one cannot
        look at the tenant (as the remove command stops before asking)."""
        from wizard.steps.removal import ExtensionsRemoval  # loaded for a remove alone

        inspections = await self.runner.inspect()
        steps = []
        kept: list[Kept] = []
        extensions_note = None
        for inspection in inspections:
            if inspection.error is not None:
                raise inspection.error
            finding = inspection.finding
            assert finding is not None
            if isinstance(finding.found, ExtensionsRemoval):
                extensions_note = finding.found.unmerged.how
            kept.extend(finding.kept)
            if inspection.step.writes:
                detail = finding.summary if finding.done else inspection.step.describe(self.answers)
                steps.append(PlannedStep(inspection.step.id, inspection.step.title, detail, finding.done))
        return RemovalReview(tuple(steps), extensions_note, tuple(kept), self.runner.state_saved)

    async def run(self, emit: Emit) -> RunFinished:
        """Deletes what is still there; the state then records the setup as removed (unless a step failed: see the
        outcome's `failures`)."""
        return await self.runner.run(emit)

    def record_clean(self, review: RemovalReview) -> None:
        """The review found nothing left to delete: a remove killed after its last write left the state saying the
        setup is there, so the state is brought in line with the tenant (no Graph write; nothing saved when the
        state already says so, or there is none)."""
        self.runner.note_finished_without_run(review.kept)

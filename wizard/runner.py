"""Runs a plan against the tenant: independent steps at once, state saved after every step, events out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from wizard import clock
from wizard.errors import BadInputError, ExitCode, SetupError, unexpected
from wizard.events import (
    FINISHED,
    Event,
    RunFinished,
    RunNotice,
    StepDone,
    StepFailed,
    StepProgress,
    StepSkipped,
    StepStarted,
    StepStatus,
    StepWaiting,
)
from wizard.graph import progress_sink
from wizard.ownership import Ledger
from wizard.state import Intent, RunState, StateStore, StepRecord
from wizard.steps import Finding, GuidedStep, Plan, StepContext
from wizard.steps.base import AnyStep, Kept, RunFacts
from wizard.steps.jwt_ms_app import TestApplication

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.graph import GraphClient
    from wizard.steps.chain import BaseSource

Emit = Callable[[Event], None]
T = TypeVar("T")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inspection:
    """A step as the review screen shows it: what it makes, and whether the tenant already has it."""

    step: AnyStep
    finding: Finding[object] | None
    error: SetupError | None
    blocked_by: str | None = None
    """The step whose look failed, so this one, which builds on what that one finds, was not looked at."""


def _inspected(inspection: Inspection) -> str:
    """One step's look, as the log has it."""
    if inspection.finding is not None:
        return f"{'in the tenant' if inspection.finding.done else 'to do'} ({inspection.finding.summary})"
    if inspection.error is not None:
        return f"not checked ({inspection.error})"
    return f"not checked ({inspection.blocked_by} could not look)"


class Runner:
    """One tenant's setup: the plan for the answers, the saved state, and the Graph client."""

    def __init__(
        self,
        plan: Plan,
        graph: GraphClient,
        store: StateStore,
        secret: Callable[[], str],
        *,
        rotate_secret: bool = False,
        on_success: Callable[[RunState, tuple[Kept, ...]], None] | None = None,
        load_base: Callable[[Answers], BaseSource] | None = None,
    ) -> None:
        self.answers = answers = plan.answers
        self.graph = graph
        self.store = store
        self.plan = plan
        self._steps_by_id = {step.id: step for step in plan.steps}
        self.state: RunState
        self._earlier_records: dict[str, StepRecord] = {}
        """The steps' records as the run found them (the run overwrites them as it goes)."""
        self._intended: set[str] = set()
        """Steps that noted an intent in this run."""
        self._recorded = False
        """A state file recorded the tenant when the run began: then only the ledger proves what the tool made."""
        self._resume_from_state_file()
        self._vouched: set[str] = set()
        """Portal steps the operator confirmed for this runner's runs (a Retry keeps them, as a pipeline repeats its
        --confirm flags); a step such a run (re)creates does not void them."""
        self._secret = secret
        self._secret_value: str | None = None
        self._failures: list[StepFailed] = []
        self._on_success = on_success
        """Notes in the state, before its last save, what a run that ended without failure means (a remove), given
        what its steps left in the tenant although the answers name it."""
        self.kept: list[Kept] = []
        """What the last run's steps found and left (a removal's `Finding.kept`)."""
        self.context = StepContext(
            answers=answers,
            graph=graph,
            secret=self._resolved_secret,
            back_up=lambda policy_id, content: self.store.back_up_policy(self.state, policy_id, content).path,
            confirmed=self._confirmed,
            intend=self._intend,
            intent_known=self._intent_known,
            claim_age=self._claim_age,
            rotate_secret=rotate_secret,
            original_policy=lambda policy_id: self.store.original_policy(self.state, policy_id),
            ownership=Ledger(lambda: self.state.ledger, lambda: self.store.save(self.state), lambda: self._recorded),
        )
        if load_base is not None:
            self.context.load_base = load_base

    @property
    def facts(self) -> RunFacts:
        """What the steps found out about the tenant in the last look (`inspect`) or run."""
        return self.context.facts

    @property
    def state_saved(self) -> bool:
        """A state of this tenant is saved on this machine (a run of this plan or another recorded it)."""
        return self.store.path.exists()

    def note_finished_without_run(self, kept: Sequence[Kept]) -> None:
        """The look found every step's work done, so no run will end to note what that means (`on_success`: a remove
        killed after its last write left the state saying the setup is there): noted now, as that run would have,
        without a Graph write. Nothing is saved when no state is, or when it holds this plan's steps alone (noted
        already)."""
        if self._on_success is None or self.store.load() is None:
            return
        if all(step_id in self._steps_by_id for step_id in self.state.steps):
            return
        with self.store.exclusive():
            self._on_success(self.state, tuple(kept))
            self.store.save(self.state)

    def _resume_from_state_file(self) -> None:
        """Start a run as a fresh process would: from the saved state, with what an earlier run of this runner (the
        progress screen's Retry) made counted as an earlier run's work, so the claims wait for it (or, after a
        remove, expect it gone) instead of making it twice or waiting for what was deleted."""
        self.state = self._load_state()
        self._earlier_records = dict(self.state.steps)
        self._intended = set()

    def _load_state(self) -> RunState:
        state = self.store.load()
        # Confirmations alone (what --confirm saves just before a first run) record nothing the tool did in the tenant.
        self._recorded = state is not None and bool(state.steps or state.ledger or state.intents or state.removed_at)
        if state is None:
            return RunState(tenant=self.answers.tenant.name, answers=self.answers)
        state.answers = self.answers
        state.finished = False
        return state

    def _resolved_secret(self) -> str:
        if self._secret_value is None:
            self._secret_value = self._secret()
        return self._secret_value

    def _fingerprint(self, step: AnyStep) -> str:
        return self.answers.fingerprint(*step.answer_sections)

    def _confirmed(self, step_id: str) -> bool:
        step = self._steps_by_id[step_id]
        return self.state.confirmed.get(step_id) == self._fingerprint(step)

    def confirm_guided(self, step_id: str) -> None:
        """The operator did (or, on a repeat install, vouches for) a portal step; remember it for these answers.
        A confirmation given before the step is due holds through this run even when an earlier step creates what
        the portal step is about: a pipeline that knows its portal steps finishes in one run."""
        step = self._steps_by_id.get(step_id)
        if not isinstance(step, GuidedStep):
            guided = (
                ", ".join(step.id for step in self.plan.steps if isinstance(step, GuidedStep)) or "none on this path"
            )
            raise BadInputError(f"{step_id} is not a portal step of this setup", f"confirm one of: {guided}")
        self.state.confirmed[step_id] = self._fingerprint(step)
        self._vouched.add(step_id)
        self.store.save(self.state)

    def _intend(self, step_id: str, known: Sequence[str]) -> None:
        self.state.intents[step_id] = Intent(at=clock.now(), known=list(known))
        self._intended.add(step_id)
        self.store.save(self.state)

    def _intent_known(self, step_id: str) -> tuple[str, ...] | None:
        recorded = self.state.intents.get(step_id)
        return None if recorded is None else tuple(recorded.known)

    def _claim_age(self, step_id: str) -> float | None:
        """How recently an earlier run made, found or was about to make the step's work (for the same answers),
        while Graph may not show it yet; the record read is the one from before this run touched the step. A step of
        another plan (the setup's, asked about by a remove) counts by its record alone. Within two lag budgets: the
        write an intent announced may come up to a budget later (a patient write gives up then), then hide for one."""
        moments = [self.state.intents[step_id].at] if step_id in self.state.intents else []
        earlier = self._earlier_records.get(step_id)
        step = self._steps_by_id.get(step_id)
        if (
            earlier is not None
            and earlier.status in FINISHED
            and (step is None or earlier.fingerprint == self._fingerprint(step))
        ):
            moments.append(earlier.updated_at)
        if not moments:
            return None
        age = _seconds_since(max(moments))
        return age if age < 2 * self.graph.lag_budget else None

    def _record(
        self,
        step: AnyStep,
        status: StepStatus,
        summary: str,
        ids: dict[str, str],
        *,
        save: bool = True,
    ) -> None:
        """Note where the step stands; saved (fsync'd, ~10 ms) unless it is only "running", which a crash may lose:
        the next run looks at the tenant anyway."""
        if status in FINISHED:
            self.state.intents.pop(step.id, None)
        self.state.steps[step.id] = StepRecord(
            status=status, fingerprint=self._fingerprint(step), summary=summary, ids=ids
        )
        log.info("%s: %s%s", step.id, status.value, f" ({summary})" if summary else "")
        if save:
            self.store.save(self.state)

    async def inspect(self, emit: Emit | None = None) -> list[Inspection]:
        """Every step's check, in plan order, writing nothing; a step that cannot tell yet says why. A step after
        one that could not look is not looked at: its check would read facts that step never found. With `emit`
        (`plan`), a step waits for what the state says a run made moments ago and Graph does not show yet, as a re-run
        would, each wait said as its progress; without (the wizard's review), each step takes one look."""
        results = []
        unchecked: dict[str, str] = {}
        """Step id → the step whose look failed, so that it was not looked at (itself when it is that step)."""
        self.context.patient = False
        self.context.waits_for_claims = emit is not None
        self.context.facts.leaving.clear()  # a removal's review judges the tenant afresh
        try:
            for step in self.plan.steps:
                said = progress_sink.set(None if emit is None else _progress_of(step.id, emit))
                try:
                    inspection = await self._inspect(step, unchecked)
                finally:
                    progress_sink.reset(said)
                if inspection.finding is None:
                    unchecked[step.id] = inspection.blocked_by or step.id
                log.info("%s: %s", step.id, _inspected(inspection))
                results.append(inspection)
        finally:
            self.context.patient = True
            self.context.waits_for_claims = True
        return results

    async def _inspect(self, step: AnyStep, unchecked: dict[str, str]) -> Inspection:
        blocked_by = next((unchecked[before] for before in step.after if before in unchecked), None)
        if blocked_by is not None:
            return Inspection(step, None, None, blocked_by)
        try:
            return Inspection(step, self._judged(await step.check(self.context)), None)
        except SetupError as error:
            return Inspection(step, None, error)

    def _judged(self, finding: Finding[T]) -> Finding[T]:
        """A check's finding, what it says a removal leaves of the policies recorded for the steps after it
        (`RunFacts.leaving`: the runner is its one writer)."""
        self.context.facts.leaving.update(finding.leaving)
        return finding

    async def run(self, emit: Emit) -> RunFinished:
        """Runs every step whose work is not in the tenant and returns how the run ended: a step's failure is emitted
        as it happens, the others go on, and the outcome carries the failures and the exit code (only what stops the
        whole run, such as the tenant's lock or a missing secret, is raised). One run at a time per tenant: two at
        once could both find something missing and both create it."""
        self.store.on_notice = lambda message: emit(RunNotice(message))
        with self.store.exclusive():
            self._resume_from_state_file()
            return await self._run(emit)

    async def _run(self, emit: Emit) -> RunFinished:
        self._failures = []
        self.kept = []
        self.context.facts.leaving.clear()  # a removal's run judges the tenant afresh
        if any(step.needs_secret for step in self.plan.steps):
            self._resolved_secret()
        total = len(self.plan.steps)
        tasks: dict[str, asyncio.Task[bool]] = {}
        for index, step in enumerate(self.plan.steps, start=1):
            dependencies = [tasks[name] for name in step.after]
            tasks[step.id] = asyncio.ensure_future(self._run_after(step, index, total, dependencies, emit))
        outcomes = await asyncio.gather(*tasks.values())
        waiting = tuple(step.id for step in self.plan.steps if self.state.steps[step.id].status is StepStatus.WAITING)
        changed = tuple(
            self.state.steps[step.id].summary
            for step in self.plan.steps
            if step.writes and self.state.steps[step.id].status is StepStatus.DONE
        )
        if self._failures:
            failures = tuple(self._failures)
            return RunFinished(None, changed, waiting, failures=failures, exit_code=failures[0].error.exit_code)
        test_app = self.state.steps[TestApplication.id] if TestApplication.id in self._steps_by_id else None
        app_id = test_app.ids.get("app_id") if test_app is not None else None
        url = self.plan.run_now_url(app_id) if app_id and all(outcomes) else None
        self.state.run_now_url = url
        self.state.finished = not waiting and all(outcomes)
        if self._on_success is not None and self.state.finished:
            self._on_success(self.state, tuple(self.kept))
        self.store.save(self.state)
        organization = self.context.facts.organization
        redirect_uris = self.plan.partner_redirect_uris(organization.id if organization is not None else None)
        return RunFinished(url, changed, waiting, redirect_uris, exit_code=ExitCode.PENDING if waiting else ExitCode.OK)

    async def _run_after(
        self, step: AnyStep, index: int, total: int, dependencies: list[asyncio.Task[bool]], emit: Emit
    ) -> bool:
        """Runs `step` once every step it waits for succeeded. A portal step still waiting for the operator blocks it
        too: what the step builds on is not in the tenant yet."""
        outcomes = await asyncio.gather(*dependencies)
        blocked = [
            name
            for name, succeeded in zip(step.after, outcomes, strict=False)
            if not succeeded or self.state.steps[name].status is StepStatus.WAITING
        ]
        if blocked:
            summary = f"not run: it needs {', '.join(blocked)} first"
            self._record_if_possible(step, StepStatus.PENDING, summary, emit)
            emit(StepProgress(step.id, summary))
            return False
        return await self._run_step(step, index, total, emit)

    def _forget_confirmations_after(self, step: AnyStep) -> None:
        """A step that (re)created something voids the operator's confirmations of portal steps built on it, of
        those its work undoes (`GuidedStep.voided_by`)."""
        dependents = {step.id}
        for later in self.plan.steps:
            if dependents.intersection(later.after):
                dependents.add(later.id)
                if (
                    isinstance(later, GuidedStep)
                    and later.id not in self._vouched
                    and (later.voided_by is None or step.id in later.voided_by)
                ):
                    self.state.confirmed.pop(later.id, None)

    async def _run_step(self, step: AnyStep, index: int, total: int, emit: Emit) -> bool:
        progress_sink.set(lambda message: emit(StepProgress(step.id, message)))
        emit(StepStarted(step.id, step.title, index, total))
        previous = self.state.steps.get(step.id)
        self._record(step, StepStatus.RUNNING, "", previous.ids if previous else {}, save=False)
        try:
            finding = self._judged(await step.check(self.context))
            self.context.ownership.seen(step.id, finding.seen, intended=step.id in self.state.intents)
            self.kept.extend(finding.kept)
            if isinstance(step, GuidedStep) and not finding.done:
                self._record(step, StepStatus.WAITING, finding.summary, {})
                emit(StepWaiting(step.id, step.instructions(self.answers), step.link(self.answers)))
                return True
            if finding.done:
                status = StepStatus.SKIPPED if step.writes else StepStatus.DONE
                self._record(step, status, finding.summary, finding.ids)
                skipped = StepSkipped(step.id, finding.summary, bool(finding.kept))
                emit(skipped if step.writes else StepDone(step.id, finding.summary))
                return True
            emit(StepProgress(step.id, finding.summary))
            result = await step.apply(self.context, finding, lambda message: emit(StepProgress(step.id, message)))
            self._forget_confirmations_after(step)
            self._record(step, StepStatus.DONE, result.summary, result.ids)
        except Exception as error:  # noqa: BLE001 - a bug in one step must not strand the others mid-write
            failure = error if isinstance(error, SetupError) else unexpected(error, step.id)
            if step.id in self._intended and failure.refused_by_graph:
                self.state.intents.pop(step.id, None)  # Graph said no: nothing was made, nothing to look for
            failed = StepFailed(step.id, failure)
            self._failures.append(failed)
            self._record_if_possible(step, StepStatus.FAILED, failure.what, emit)
            emit(failed)
            return False
        emit(StepDone(step.id, result.summary))
        return True

    def _record_if_possible(self, step: AnyStep, status: StepStatus, summary: str, emit: Emit) -> None:
        """Record how a step ended that did not succeed; when even that cannot be saved (a full disk, a read-only
        folder), say so once and go on: the other steps end as they would, and the tenant keeps the truth."""
        try:
            self._record(step, status, summary, {})
        except SetupError as unsaved:
            if all(str(unsaved) != str(failure.error) for failure in self._failures):
                failed = StepFailed(step.id, unsaved)
                self._failures.append(failed)
                emit(failed)


def _progress_of(step_id: str, emit: Emit) -> Callable[[str], None]:
    return lambda message: emit(StepProgress(step_id, message))


def _seconds_since(moment: datetime) -> float:
    return max(0.0, (clock.now() - moment).total_seconds())

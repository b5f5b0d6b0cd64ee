"""`asignio-setup remove ANSWERS.toml`: takes out of the tenant what the setup put in, and only that.

The removal is a plan of steps like the setup's, run by the same runner (state after every step, the same events,
one run per tenant at a time): each step looks first and deletes only what is still there, so a remove killed
halfway finishes when run again and a remove on a clean tenant writes nothing. Prerequisites (the starter-pack
base, the IEF apps and their keys) stay, unless `--all` asks for those the setup created (the state records what
each setup step made, as opposed to found), which then go after the Asignio pieces: children before bases.
Order matters: the relying party builds on the extensions and the extensions name the policy key, so the relying
party goes first, then the Asignio pieces of the extensions, then the key set; the test app's grant and service
principal are deleted before the app, each by its own call, so nothing rests on a cascade.
"""

from __future__ import annotations

import asyncio
import sys
from abc import abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeVar

from wizard import clock
from wizard.answers import Answers, Mfa, Pivot
from wizard.errors import BadInputError, ExitCode, PolicyError, SetupError, TenantNotReadyError
from wizard.events import Event, RunFinished
from wizard.graph.models import same_text
from wizard.steps.base import (
    EXTENSIONS_POLICY,
    OIDC_PROVIDER_KIND,
    Finding,
    Progress,
    Step,
    StepContext,
    look_patiently,
)
from wizard.steps.plan import Plan
from wizard.steps.preflight import Preflight
from wizard.steps.test_app import test_app_unique_name

if TYPE_CHECKING:
    from wizard.graph import Application, PermissionGrant, ServicePrincipal
    from wizard.graph import IdentityProvider as TenantIdentityProvider
    from wizard.policies.unmerge import Unmerged
    from wizard.state import RunState

T = TypeVar("T")
KEY_SET_BACKUP_SUFFIX = ".bak"
"""B2C sometimes keeps a deleted key set as `<id>.bak` (the Graph docs are silent on it): looked for after a delete
with the documented GET of a key set by id, and reported, never deleted behind the operator's back."""


async def look_for_the_setups_work(
    ctx: StepContext, step_id: str, made_by: str, what: str, look: Callable[[], Awaitable[T]], seen: Callable[[T], bool]
) -> T:
    """A remove right after the setup may not see yet what the setup made moments ago (replication): while the
    setup step `made_by` finished recently, look again until it shows, so nothing it made is left behind. Not when
    an interrupted remove was deleting it or deleted it moments ago (its intent or its record is recent): then gone
    is what to expect."""
    if ctx.claim_age(step_id) is not None:
        return await look()
    return await look_patiently(ctx, made_by, what, look, seen)


class DeleteByName(Step):
    """Deletes the one object of the answers' name that the setup step `made_by` makes; finding it gone is done."""

    kind: ClassVar[str]
    """What it is, for the messages ("the key set")."""
    id_key: ClassVar[str]
    """The key its id goes under in the step's ids."""
    made_by: ClassVar[str]

    @abstractmethod
    def name(self, answers: Answers) -> str:
        """Its name in the answers."""

    @abstractmethod
    async def find(self, ctx: StepContext, name: str) -> str | None:
        """Its id as the tenant spells it, or None when it is not there."""

    @abstractmethod
    async def delete(self, ctx: StepContext, found_id: str) -> bool:
        """True when deleted, False when Graph says it was already gone."""

    async def left_behind(self, ctx: StepContext, found_id: str) -> str:
        """Anything B2C keeps after the delete, as words to add to the summary."""
        return ""

    def describe(self, answers: Answers) -> str:
        return f"Delete {self.kind} {self.name(answers)}"

    async def check(self, ctx: StepContext) -> Finding:
        name = self.name(ctx.answers)
        found = await look_for_the_setups_work(
            ctx, self.id, self.made_by, f"{self.kind} {name}", lambda: self.find(ctx, name), bool
        )
        if found is None:
            return Finding(True, f"{name} is not in the tenant")
        return Finding(False, f"{found} is in the tenant", {self.id_key: found}, found)

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        found_id: str = finding.found
        progress(f"deleting {found_id}")
        ctx.intend(self.id, ())
        deleted = await self.delete(ctx, found_id)
        summary = f"{found_id} {'deleted' if deleted else 'was already gone'}{await self.left_behind(ctx, found_id)}"
        return Finding(True, summary, {self.id_key: found_id})


class RemoveRelyingParty(DeleteByName):
    id = "remove-relying-party"
    title = "Delete the Asignio relying-party policy"
    after = ("preflight",)
    answer_sections = ("custom_policy",)
    kind = "the relying-party policy"
    id_key = "policy"
    made_by = "relying-party"

    def name(self, answers: Answers) -> str:
        return answers.custom_policy.relying_party

    async def find(self, ctx: StepContext, name: str) -> str | None:
        return next((found for found in await ctx.graph.policy_ids() if found.lower() == name.lower()), None)

    async def delete(self, ctx: StepContext, found_id: str) -> bool:
        return await ctx.graph.delete_policy(found_id)


@dataclass(frozen=True)
class ExtensionsRemoval:
    policy_id: str
    chain: dict[str, bytes]
    unmerged: Unmerged


class RemoveFromExtensions(Step):
    """The Asignio claims provider, journey and MFA pieces out of TrustFrameworkExtensions (see policies.unmerge)."""

    id = "remove-from-extensions"
    title = "Take the Asignio pieces out of the extensions policy"
    after = ("remove-relying-party",)
    answer_sections = ("tenant", "asignio", "setup", "custom_policy")

    def describe(self, answers: Answers) -> str:
        mfa = " and the phone-MFA pieces" if answers.setup.mfa is Mfa.PHONE else ""
        return (
            f"Take the Asignio claims provider, journey {answers.custom_policy.journey_id}{mfa} out of "
            f"{EXTENSIONS_POLICY}, restoring the backup when nothing else changed"
        )

    async def check(self, ctx: StepContext) -> Finding:
        from wizard.policies import same_content
        from wizard.policies.unmerge import without_asignio
        from wizard.steps.custom_policy import download_chain

        policy_ids = await ctx.graph.policy_ids()
        policy_id = next((found for found in policy_ids if found.lower() == EXTENSIONS_POLICY.lower()), None)
        if policy_id is None:
            return Finding(True, f"the tenant has no {EXTENSIONS_POLICY}")
        chain, _ = await download_chain(ctx.graph, policy_ids)
        try:
            unmerged = without_asignio(ctx.answers, chain, ctx.original_policy(policy_id))
        except PolicyError as error:
            raise TenantNotReadyError(
                f"{policy_id} cannot be read as a policy chain: {error.what}", error.fix
            ) from None
        if same_content(chain[policy_id], unmerged.content):
            return Finding(True, f"{policy_id} holds no Asignio pieces", {"policy": policy_id})
        return Finding(
            False,
            f"{policy_id} holds the Asignio pieces",
            {"policy": policy_id},
            ExtensionsRemoval(policy_id, chain, unmerged),
        )

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        removal: ExtensionsRemoval = finding.found
        _refuse_invalid(removal)
        ctx.back_up(removal.policy_id, removal.chain[removal.policy_id])
        progress(f"backed up the tenant's {removal.policy_id}")
        progress(f"uploading {removal.policy_id} without Asignio ({len(removal.unmerged.content):,} bytes)")
        await ctx.graph.upload_policy(removal.policy_id, removal.unmerged.content)
        return Finding(True, f"{removal.policy_id}: {removal.unmerged.how}", {"policy": removal.policy_id})


def _refuse_invalid(removal: ExtensionsRemoval) -> None:
    """The extensions without Asignio must still validate with their base (the relying party is gone by now): a
    later edit that uses an Asignio piece would otherwise be uploaded broken."""
    from wizard.policies.schema import find_xsd, load_schema
    from wizard.policies.validate import check_chain

    chain = {**removal.chain, removal.policy_id: removal.unmerged.content}
    schema_path = find_xsd()
    problems = check_chain(chain, load_schema(schema_path) if schema_path is not None else None)
    if problems:
        raise TenantNotReadyError(
            f"{removal.policy_id} without the Asignio pieces would not validate ({problems[0]}): something added "
            "to it since the setup uses them",
            f"take that out of {removal.policy_id} (or upload the backup under the state folder's backups/), then "
            "run remove again",
        )


class RemovePolicyKey(DeleteByName):
    id = "remove-policy-key"
    title = "Delete the Asignio policy key"
    after = ("remove-from-extensions",)
    answer_sections = ("custom_policy",)
    kind = "the policy key"
    id_key = "key_set"
    made_by = "policy-key"

    def name(self, answers: Answers) -> str:
        return answers.custom_policy.policy_key

    async def find(self, ctx: StepContext, name: str) -> str | None:
        key_set = await ctx.graph.key_set(name)
        return key_set.id if key_set is not None else None

    async def delete(self, ctx: StepContext, found_id: str) -> bool:
        return await ctx.graph.delete_key_set(found_id)

    async def left_behind(self, ctx: StepContext, found_id: str) -> str:
        kept = await ctx.graph.key_set(found_id + KEY_SET_BACKUP_SUFFIX)
        if kept is None:
            return ""
        return (
            f"; B2C keeps a backup copy, {kept.id}, which this tool leaves alone (delete it under Policy keys "
            "in the portal if it should go too)"
        )


@dataclass(frozen=True)
class TestAppRemoval:
    app: Application
    client: ServicePrincipal | None
    grant: PermissionGrant | None


class RemoveTestApp(Step):
    """The jwt.ms app, its service principal and its admin consent, each deleted explicitly."""

    id = "remove-test-app"
    title = "Delete the jwt.ms test application"
    after = ("preflight",)
    answer_sections = ("test_app",)

    def describe(self, answers: Answers) -> str:
        return f"Delete the app registration '{answers.test_app.display_name}', its service principal and consent"

    async def _look(self, ctx: StepContext) -> list[TestAppRemoval]:
        from wizard.graph import GRAPH_APP_ID

        name = ctx.answers.test_app.display_name
        ours = test_app_unique_name(name)
        apps = [
            app
            for app in await ctx.graph.applications_named(name)
            if app.unique_name is None or app.unique_name == ours
        ]
        if not apps:
            return []
        graph = await ctx.graph.service_principal(GRAPH_APP_ID)
        parts = []
        for app in sorted(apps, key=lambda candidate: candidate.object_id):
            client = await ctx.graph.service_principal(app.app_id)
            grant = await ctx.graph.permission_grant(client.object_id, graph.object_id) if client and graph else None
            parts.append(TestAppRemoval(app, client, grant))
        return parts

    async def check(self, ctx: StepContext) -> Finding:
        name = ctx.answers.test_app.display_name
        parts = await look_for_the_setups_work(
            ctx,
            self.id,
            "test-app",
            f"the app {name} and its consent",
            lambda: self._look(ctx),
            lambda found: bool(found) and all(part.client and part.grant for part in found),
        )
        if not parts:
            return Finding(True, f"no app registration named {name}")
        ids = {"application": parts[0].app.object_id, "app_id": parts[0].app.app_id}
        listed = ", ".join(part.app.app_id for part in parts)
        return Finding(False, f"{name} ({listed}) is in the tenant", ids, parts)

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        parts: list[TestAppRemoval] = finding.found
        ctx.intend(self.id, ())
        for part in parts:
            if part.grant is not None:
                progress(f"deleting the admin consent of {part.app.display_name}")
                await ctx.graph.delete_permission_grant(part.grant.id)
            if part.client is not None:
                progress(f"deleting the service principal of {part.app.display_name}")
                await ctx.graph.delete_service_principal(part.client.object_id)
            progress(f"deleting the app registration {part.app.display_name} ({part.app.app_id})")
            await ctx.graph.delete_application(part.app.object_id)
        removed = ", ".join(f"{part.app.display_name} ({part.app.app_id})" for part in parts)
        return Finding(True, f"{removed} deleted with its service principal and consent", finding.ids)


class RemoveUserFlow(DeleteByName):
    id = "remove-user-flow"
    title = "Delete the Asignio user flow"
    after = ("preflight",)
    answer_sections = ("user_flow",)
    kind = "the user flow"
    id_key = "user_flow"
    made_by = "user-flow"

    def name(self, answers: Answers) -> str:
        return answers.user_flow.name

    async def find(self, ctx: StepContext, name: str) -> str | None:
        flow = await ctx.graph.user_flow(name)
        return flow.id if flow is not None else None

    async def delete(self, ctx: StepContext, found_id: str) -> bool:
        return await ctx.graph.delete_user_flow(found_id)


class RemoveIdentityProvider(Step):
    """The Asignio OpenID Connect provider: one of that name, of that kind and with the answers' client id only;
    a provider that is someone else's is left alone."""

    id = "remove-identity-provider"
    title = "Delete the Asignio identity provider"
    after = ("remove-user-flow",)
    answer_sections = ("asignio",)

    def describe(self, answers: Answers) -> str:
        return f"Delete the OpenID Connect provider '{answers.asignio.display_name}'"

    def _ours(self, ctx: StepContext, provider: TenantIdentityProvider) -> bool:
        return (
            provider.display_name.lower() == ctx.answers.asignio.display_name.lower()
            and same_text(provider.kind, OIDC_PROVIDER_KIND)
            and (provider.client_id or "").lower() == ctx.answers.asignio.client_id.lower()
        )

    async def check(self, ctx: StepContext) -> Finding:
        name = ctx.answers.asignio.display_name
        shown = await look_for_the_setups_work(
            ctx,
            self.id,
            "identity-provider",
            f"the provider {name}",
            lambda: ctx.graph.identity_providers_named(name),
            bool,
        )
        ours = [provider for provider in shown if self._ours(ctx, provider)]
        if not ours and shown:
            return Finding(
                True, f"the provider {name} is not the answers' (another kind or client id): it is left alone"
            )
        if not ours:
            return Finding(True, f"no provider named {name}")
        return Finding(False, f"{name} is in the tenant", {"provider": ours[0].id}, ours)

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        providers: list[TenantIdentityProvider] = finding.found
        ctx.intend(self.id, ())
        for provider in providers:
            progress(f"deleting the provider {provider.display_name} ({provider.id})")
            await ctx.graph.delete_identity_provider(provider.id)
        return Finding(True, f"{providers[0].display_name} deleted", finding.ids)


@dataclass(frozen=True)
class MadePiece:
    """One object the setup created that is still in the tenant, and how it goes."""

    name: str
    delete: Callable[[], Awaitable[bool]]
    object_id: str
    """Its id in the tenant."""


class RemoveWhatTheSetupMade(Step):
    """For `remove --all`: the prerequisites the setup steps `made_by` created (their records' `made`), and only
    those; what the tenant had before the setup stays and the plan says so."""

    made_by: ClassVar[tuple[str, ...]]
    """The setup steps whose creations this step takes out."""
    kind: ClassVar[str]
    """What they are, for the messages ("the starter-pack policies")."""

    @abstractmethod
    async def still_there(self, ctx: StepContext, made: dict[str, dict[str, str]]) -> list[MadePiece]:
        """What of `made` (setup step id → what it made) the tenant still holds, in the order to delete it."""

    @staticmethod
    def count(made: dict[str, dict[str, str]]) -> int:
        """How many pieces `made` names, so a look right after the setup waits until they all show."""
        return sum(1 for made_by_step in made.values() for name in made_by_step if name != "app_id")

    async def check(self, ctx: StepContext) -> Finding:
        records = {step_id: ctx.made_earlier(step_id) for step_id in self.made_by}
        if all(record is None for record in records.values()):
            return Finding(True, f"no setup is recorded for this tenant: {self.kind} stay")
        made = {step_id: record for step_id, record in records.items() if record}
        if not made:
            return Finding(True, f"{self.kind} were there before the setup: kept")
        expected = self.count(made)
        pieces = await look_for_the_setups_work(
            ctx,
            self.id,
            next(iter(made)),
            self.kind,
            lambda: self.still_there(ctx, made),
            lambda found: len(found) >= expected,
        )
        if not pieces:
            return Finding(True, f"{self.kind} the setup made are gone")
        return Finding(False, f"{', '.join(piece.name for piece in pieces)} to delete", found=pieces)

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        pieces: list[MadePiece] = finding.found
        ctx.intend(self.id, ())
        for piece in pieces:
            progress(f"deleting {piece.name}")
            await piece.delete()
        return Finding(True, f"deleted {', '.join(piece.name for piece in pieces)}")


class RemoveStarterPolicies(RemoveWhatTheSetupMade):
    id = "remove-starter-base"
    title = "Delete the starter-pack policies the setup uploaded"
    after = ("remove-from-extensions",)
    made_by = ("starter-pack-base",)
    kind = "the starter-pack policies"

    def describe(self, answers: Answers) -> str:
        return "Delete the starter-pack policies the setup uploaded, children before their bases"

    async def still_there(self, ctx: StepContext, made: dict[str, dict[str, str]]) -> list[MadePiece]:
        uploaded = [name for name in made.get("starter-pack-base", {}).get("policies", "").split(",") if name]
        present = {policy_id.lower(): policy_id for policy_id in await ctx.graph.policy_ids()}
        # Uploaded bases first, so the reverse deletes each child (a sample, the extensions) before its base.
        return [
            _piece(f"the policy {present[name.lower()]}", ctx.graph.delete_policy, present[name.lower()])
            for name in reversed(uploaded)
            if name.lower() in present
        ]


class RemoveStarterKeys(RemoveWhatTheSetupMade):
    id = "remove-starter-keys"
    title = "Delete the starter-pack key sets the setup created"
    after = ("remove-starter-base",)
    made_by = ("token-signing-key", "token-encryption-key", "facebook-secret-key")
    kind = "the starter-pack key sets"

    def describe(self, answers: Answers) -> str:
        return "Delete the starter-pack key sets the setup created (the base that named them is gone)"

    async def still_there(self, ctx: StepContext, made: dict[str, dict[str, str]]) -> list[MadePiece]:
        pieces = []
        for step_id in self.made_by:
            name = made.get(step_id, {}).get("key_set")
            found = await ctx.graph.key_set(name) if name else None
            if found is not None:
                pieces.append(_piece(f"the key set {found.id}", ctx.graph.delete_key_set, found.id))
        return pieces

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        done = await super().apply(ctx, finding, progress)
        kept = [
            backup.id
            for piece in finding.found
            if (backup := await ctx.graph.key_set(piece.object_id + KEY_SET_BACKUP_SUFFIX)) is not None
        ]
        if not kept:
            return done
        return Finding(
            True,
            f"{done.summary}; B2C keeps backup copies, {', '.join(kept)}, which this tool leaves alone (delete them "
            "under Policy keys in the portal if they should go too)",
        )


class RemoveIefApps(RemoveWhatTheSetupMade):
    """The IEF consent grants, then each IEF app's service principal and registration; Microsoft Graph's service
    principal is never the setup's to take (the graph-service-principal step records nothing as made)."""

    id = "remove-ief-apps"
    title = "Delete the IEF apps and consent the setup created"
    after = ("remove-starter-base",)
    made_by = ("ief-consent-grants", "proxy-ief-app", "ief-app")
    kind = "the IEF apps, service principals and consent grants"

    def describe(self, answers: Answers) -> str:
        return "Delete the IEF consent grants, service principals and app registrations the setup created"

    async def still_there(self, ctx: StepContext, made: dict[str, dict[str, str]]) -> list[MadePiece]:
        from wizard.steps.ief_apps import GRANT_KEY_PREFIX, IEF_APP_NAME, PROXY_APP_NAME

        graph = ctx.graph
        pieces = []
        for key, grant_id in made.get("ief-consent-grants", {}).items():
            client, resource = key.removeprefix(GRANT_KEY_PREFIX).split()
            grant = await graph.permission_grant(client, resource)
            if grant is not None and grant.id == grant_id:
                pieces.append(_piece(f"the consent grant {grant_id}", graph.delete_permission_grant, grant_id))
        for step_id, name in (("proxy-ief-app", PROXY_APP_NAME), ("ief-app", IEF_APP_NAME)):
            ours = made.get(step_id, {})
            if "service_principal" in ours:
                principal = await graph.service_principal(ours["app_id"])
                if principal is not None and principal.object_id == ours["service_principal"]:
                    pieces.append(
                        _piece(f"the service principal of {name}", graph.delete_service_principal, principal.object_id)
                    )
            if "application" in ours and any(
                app.object_id == ours["application"] for app in await graph.applications_named(name)
            ):
                pieces.append(_piece(f"the app registration {name}", graph.delete_application, ours["application"]))
        return pieces


def _piece(name: str, delete: Callable[[str], Awaitable[bool]], object_id: str) -> MadePiece:
    return MadePiece(name, lambda: delete(object_id), object_id)


REMOVABLE_PIVOTS = (Pivot.CUSTOM_POLICY, Pivot.USER_FLOW)
"""The paths whose setup the remove can take out (the welcome screen offers Remove only for these)."""


def build_removal_plan(answers: Answers, *, everything: bool = False) -> Plan:
    """The removal's steps for the answers' path, in a safe order (see the module's docstring); `everything`
    (`remove --all`) adds the prerequisites the setup created (the user-flow path has none)."""
    if answers.setup.pivot is Pivot.CUSTOM_POLICY:
        prerequisites = (RemoveStarterPolicies(), RemoveStarterKeys(), RemoveIefApps()) if everything else ()
        steps: tuple[Step, ...] = (
            Preflight(),
            RemoveRelyingParty(),
            RemoveFromExtensions(),
            RemovePolicyKey(),
            RemoveTestApp(),
            *prerequisites,
        )
    elif answers.setup.pivot is Pivot.USER_FLOW:
        steps = (Preflight(), RemoveUserFlow(), RemoveIdentityProvider(), RemoveTestApp())
    else:
        raise BadInputError(
            f"remove takes out the custom-policy and user-flow setups; the {answers.setup.pivot.value} path has "
            "nothing it can remove yet",
            "remove what you made in the Entra admin center, or give the answers file of a B2C setup",
        )
    return Plan(answers, steps)


def note_removed(plan: Plan) -> Callable[[RunState], None]:
    """What the state keeps once a remove finished: when, and no setup progress (its objects are gone, so a later
    setup starts afresh: no recent claims to wait for, no portal confirmations for a flow that no longer exists),
    except what the setup made that this remove leaves in the tenant (the prerequisites, without --all)."""
    kept = {step.id for step in plan.steps}
    taken_out = {made_by for step in plan.steps if isinstance(step, RemoveWhatTheSetupMade) for made_by in step.made_by}

    def note(state: RunState) -> None:
        for step_id, record in state.steps.items():
            if record.made and step_id not in kept:
                state.made_before_removal[step_id] = {**state.made_before_removal.get(step_id, {}), **record.made}
        for step_id in taken_out:
            state.made_before_removal.pop(step_id, None)
        state.removed_at = clock.now()
        state.steps = {step_id: record for step_id, record in state.steps.items() if step_id in kept}
        state.intents.clear()
        state.confirmed.clear()
        state.run_now_url = None
        state.finished = True

    return note


# The command


def _ask(yes: bool) -> bool:
    """True when the operator agreed (or gave --yes); off a terminal without --yes there is no one to ask."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise BadInputError(
            "remove asks before it deletes anything, but its input is not a terminal",
            "add --yes to remove without asking (pipelines), or run it in a terminal",
        )
    print("Remove these? [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


async def _remove(answers_path: Path, yes: bool, json_lines: bool, everything: bool) -> int:
    from wizard.answers import load_answers
    from wizard.auth import print_device_code
    from wizard.headless import EventPrinter
    from wizard.json_lines import write_line, write_summary
    from wizard.session import sign_in

    answers = load_answers(answers_path)
    build_removal_plan(answers)  # an answers file remove cannot take out is refused before the sign-in
    human = sys.stderr if json_lines else sys.stdout
    signed_in = sign_in(answers.tenant, answers.auth, demo=None, device_code_prompt=print_device_code)
    printer = EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines)

    def emit(event: Event) -> None:
        if not isinstance(event, RunFinished):
            printer(event)

    try:
        removal = signed_in.removal(answers, everything=everything)
        review = await removal.review()
        for step in review.steps:
            print(f"  {'=' if step.done else '-'} {step.id}: {step.detail}", file=human, flush=True)
            if json_lines:
                write_line(
                    sys.stdout, {"event": "step_planned", "step": step.id, "title": step.title, "done": step.done}
                )
        if review.extensions_note:
            print(f"The extensions policy: {review.extensions_note}.", file=human, flush=True)
        if not review.pending:
            removal.record_clean()
            print("Nothing to remove: the tenant holds none of what the setup puts in.", file=human, flush=True)
            if json_lines:
                write_summary(sys.stdout, ExitCode.OK, removed=[])
            return int(ExitCode.OK)
        if not _ask(yes):
            print("Nothing was removed.", file=human, flush=True)
            if json_lines:
                write_summary(sys.stdout, ExitCode.OK, removed=[])
            return int(ExitCode.OK)
        finished = await removal.run(emit)
    except SetupError as error:
        if any(error is failure.error for failure in printer.failures):
            if json_lines:
                write_summary(sys.stdout, error.exit_code, removed=[])
            return int(error.exit_code)
        raise
    finally:
        await signed_in.close()
    print(f"Removed: {'; '.join(finished.created)}", file=human, flush=True)
    if json_lines:
        write_summary(sys.stdout, ExitCode.OK, removed=list(finished.created))
    return int(ExitCode.OK)


def run_remove(answers_path: Path, *, yes: bool = False, json_lines: bool = False, everything: bool = False) -> int:
    """Signs in, shows what the setup left in the tenant, asks (unless `yes`), removes it (with `everything`, also
    the prerequisites the setup created); 0 when done or nothing was there to remove (README: exit codes)."""
    return asyncio.run(_remove(answers_path, yes, json_lines, everything))

"""The External ID path's MFA: the second factor turned on, and a Conditional Access policy asking for it at the
test app.

External tenants offer email one-time passcodes and SMS as the second factor; SMS is a paid add-on
(learn.microsoft.com, "Multifactor authentication in external tenants"). MFA itself is asked for by Conditional Access
(the same page: a policy for the app, all users, granting access only after MFA). Both steps run once the test app
exists, and the policy names the app the test-app step found or made (never another app of its name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.answers import Answers, Mfa
from wizard.errors import ServiceError, TenantNotReadyError
from wizard.graph.authentication_methods import ALL_USERS, SecondFactor
from wizard.graph.conditional_access import REPORT_ONLY, policy_state
from wizard.graph.errors import RESUME
from wizard.graph.models import same_text
from wizard.ownership import ObjectKind, Origin, Sighting
from wizard.steps.base import AnyStep, Finding, Progress, Step, StepContext, look_patiently, state_elsewhere

if TYPE_CHECKING:
    from wizard.graph import AuthenticationMethodConfiguration, ConditionalAccessPolicy

EXTERNAL_ID_MFA_DOCS = (
    "https://learn.microsoft.com/entra/external-id/customers/concept-multifactor-authentication-customers"
)
SMS_ADD_ON_NOTICE = (
    "SMS as a second factor in External ID is a paid add-on, billed through the Azure subscription linked to the "
    f"tenant: see {EXTERNAL_ID_MFA_DOCS}"
)
"""The MFA page says SMS is "available as an add-on"; External ID's pricing page says a tenant is linked to an Azure
subscription for billing and premium add-ons."""
METHOD_NAMES = {Mfa.EMAIL: "email one-time passcodes", Mfa.SMS: "SMS codes"}


def external_id_mfa_steps(answers: Answers) -> tuple[AnyStep, ...]:
    """The MFA steps the answers ask for on the External ID path, after the test app; none when MFA is off."""
    if answers.setup.mfa not in METHOD_NAMES:
        return ()
    return (SecondFactorMethod(), MfaPolicy())


def mfa_policy_name(answers: Answers) -> str:
    """The Conditional Access policy's display name, by which a re-run finds it (Graph picks its id)."""
    return f"Asignio: require MFA for {answers.test_app.display_name}"


def _second_factor(answers: Answers) -> SecondFactor:
    return SecondFactor.SMS if answers.setup.mfa is Mfa.SMS else SecondFactor.EMAIL


def _method_ready(configuration: AuthenticationMethodConfiguration, method: SecondFactor) -> bool:
    email_ok = method is not SecondFactor.EMAIL or same_text(
        configuration.allow_external_id_to_use_email_otp, "enabled"
    )
    return configuration.enabled and configuration.targets(ALL_USERS) and email_ok


class SecondFactorMethod(Step["AuthenticationMethodConfiguration"]):
    """The answers' second factor on for every user in the tenant's authentication methods policy. That policy is
    the tenant's one configuration of the method, no object anyone made, and the answers ask for it on: the step
    only turns it on and adds all users to its targets, and keeps every target and setting already there."""

    id = "mfa-method"
    title = "Turn on the second factor"
    after = ("test-app",)
    answer_sections = ("setup",)

    def describe(self, answers: Answers) -> str:
        line = f"Turn on {METHOD_NAMES[answers.setup.mfa]} for all users as the second factor"
        return f"{line} ({SMS_ADD_ON_NOTICE})" if answers.setup.mfa is Mfa.SMS else line

    def _notice(self, ctx: StepContext) -> str:
        return f" ({SMS_ADD_ON_NOTICE})" if ctx.answers.setup.mfa is Mfa.SMS else ""

    async def check(self, ctx: StepContext) -> Finding[AuthenticationMethodConfiguration]:
        method = _second_factor(ctx.answers)
        configuration = await ctx.graph.authentication_method(method)
        name = METHOD_NAMES[ctx.answers.setup.mfa]
        if _method_ready(configuration, method):
            return Finding(True, f"{name} are on for all users{self._notice(ctx)}", found=configuration)
        return Finding(False, f"{name} are not on for all users yet{self._notice(ctx)}", found=configuration)

    async def apply(
        self, ctx: StepContext, finding: Finding[AuthenticationMethodConfiguration], progress: Progress
    ) -> Finding[AuthenticationMethodConfiguration]:
        method = _second_factor(ctx.answers)
        configuration = finding.work()
        name = METHOD_NAMES[ctx.answers.setup.mfa]
        if ctx.answers.setup.mfa is Mfa.SMS:
            progress(SMS_ADD_ON_NOTICE)
        progress(f"turning on {name} for all users")
        await ctx.graph.enable_authentication_method(method, add_all_users=not configuration.targets(ALL_USERS))
        return Finding(True, f"{name} turned on for all users{self._notice(ctx)}")


class MfaPolicy(Step["tuple[str, ConditionalAccessPolicy | None]"]):
    """A Conditional Access policy: every user signing in to the test app passes MFA (report-only first when the
    answers say so), found by its display name before it is created. Only the policy the tool made (the ledger's
    id, or the intent an interrupted create noted: a policy has no field for a mark) is brought to what the answers
    ask; another of that name is used while it asks what the answers ask, and otherwise stops the run (it may guard
    other apps and users, and is someone's to change)."""

    id = "mfa-policy"
    title = "Require MFA for the test application"
    after = ("test-app", "mfa-method")
    """After the method: enforcing MFA before the second factor is on would leave users no way to pass it."""
    answer_sections = ("setup", "external_id", "test_app")

    def describe(self, answers: Answers) -> str:
        mode = "report-only" if answers.external_id.mfa_report_only else "enforced"
        return (
            f"Conditional Access policy '{mfa_policy_name(answers)}': MFA for {answers.test_app.display_name} ({mode})"
        )

    def _proven(self, ctx: StepContext, policy: ConditionalAccessPolicy) -> bool:
        entry = ctx.ownership.entry(ObjectKind.CONDITIONAL_ACCESS_POLICY, policy.id)
        if entry is not None:
            return entry.origin is Origin.MADE
        return ctx.intent_known(self.id) is not None

    async def check(self, ctx: StepContext) -> Finding[tuple[str, ConditionalAccessPolicy | None]]:
        name = mfa_policy_name(ctx.answers)
        app_id = ctx.facts.test_app_id  # the app the test-app step found or made, not any app of its name
        if app_id is None:
            return Finding(False, f"the test app {ctx.answers.test_app.display_name} is not there yet")
        policies = await look_patiently(
            ctx, self.id, f"the policy {name}", lambda: ctx.graph.conditional_access_policies_named(name), bool
        )
        if not policies:
            return Finding(False, f"no Conditional Access policy named {name} yet", {"app_id": app_id}, (app_id, None))
        policy = min(policies, key=lambda candidate: (not self._proven(ctx, candidate), candidate.id))
        ids = {"policy": policy.id, "app_id": app_id}
        seen = (Sighting(ObjectKind.CONDITIONAL_ACCESS_POLICY, policy.id),)
        if self._as_asked(ctx, policy, app_id):
            return Finding(
                True, f"{name} requires MFA for {app_id} ({_mode(policy.state)})", ids, (app_id, policy), seen
            )
        if not self._proven(ctx, policy):
            raise TenantNotReadyError(
                f"The Conditional Access policy {name} ({policy.id}) is {_mode(policy.state)} and does not ask what "
                "the answers ask (MFA for the test app, "
                f"{_mode(policy_state(report_only=ctx.answers.external_id.mfa_report_only))}), and asignio-setup "
                "cannot prove it made it (nothing on this machine records that asignio-setup made it): it changes "
                "only what it made",
                "change that policy in the Microsoft Entra admin center (Protection → Conditional Access) to ask "
                f"what the answers ask, or delete it if it is no longer used so the setup makes its own; then run "
                f"again{state_elsewhere(ctx)}",
            )
        return Finding(
            False, f"{name} is {_mode(policy.state)} and differs from the answers", ids, (app_id, policy), seen
        )

    @staticmethod
    def _as_asked(ctx: StepContext, policy: ConditionalAccessPolicy, app_id: str) -> bool:
        wanted = policy_state(report_only=ctx.answers.external_id.mfa_report_only)
        return same_text(policy.state, wanted) and app_id in policy.included_applications and policy.requires_mfa

    async def apply(
        self, ctx: StepContext, finding: Finding[tuple[str, ConditionalAccessPolicy | None]], progress: Progress
    ) -> Finding[tuple[str, ConditionalAccessPolicy | None]]:
        name = mfa_policy_name(ctx.answers)
        if finding.found is None:
            raise ServiceError(
                f"The test app {ctx.answers.test_app.display_name} does not show in the tenant yet",
                f"wait a minute (the tenant may still be replicating), then {RESUME}",
            )
        app_id, policy = finding.found
        report_only = ctx.answers.external_id.mfa_report_only
        mode = _mode(policy_state(report_only=report_only))
        if policy is None:
            progress(f"creating the Conditional Access policy {name} ({mode}), noted first so a repeat looks first")
            ctx.intend(self.id, ())
            policy_id = await ctx.graph.create_mfa_policy(name, app_id, report_only=report_only)
            ctx.ownership.made(self.id, ObjectKind.CONDITIONAL_ACCESS_POLICY, policy_id)
            return Finding(True, f"{name} created ({mode})", {"policy": policy_id, "app_id": app_id})
        wanted_state = policy_state(report_only=report_only)
        progress(f"setting {name} to require MFA for {app_id} ({mode})")
        await ctx.graph.update_mfa_policy(
            policy.id,
            state=None if same_text(policy.state, wanted_state) else wanted_state,
            app_id=None if app_id in policy.included_applications else app_id,
            grant_mfa=not policy.requires_mfa,
        )
        return Finding(True, f"{name} updated ({mode})", {"policy": policy.id, "app_id": app_id})


def _mode(state: str) -> str:
    return "report-only" if same_text(state, REPORT_ONLY) else state

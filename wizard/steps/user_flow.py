"""The user-flow path: the Asignio OpenID Connect provider, the user flow offering it, and the portal steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.answers import Answers
from wizard.errors import SetupError, TenantNotReadyError
from wizard.graph.models import same_text
from wizard.ownership import LedgerEntry, ObjectKind, Origin, Sighting
from wizard.steps.base import (
    OIDC_PROVIDER_KIND,
    SIGN_UP_OR_SIGN_IN,
    Finding,
    GuidedStep,
    Progress,
    Step,
    StepContext,
    look_patiently,
    state_elsewhere,
)
from wizard.steps.providers import (
    ProviderStep,
    ours_first,
    provider_change,
    provider_proven,
    provider_sightings,
    providers_named,
    refuse_to_change,
)

if TYPE_CHECKING:
    from wizard.graph import IdentityProvider as TenantIdentityProvider
    from wizard.graph import (
        OidcProviderSpec,
    )
    from wizard.graph import UserFlow as TenantUserFlow


def provider_spec(answers: Answers) -> OidcProviderSpec:
    """The OpenID Connect provider exactly as the seed's portal steps configure it."""
    from wizard.graph import OidcProviderSpec

    return OidcProviderSpec(
        display_name=answers.asignio.display_name,
        client_id=answers.asignio.client_id,
        metadata_url=answers.asignio.metadata_url,
        scope="openid email profile",
        response_type="code",
        response_mode="query",
        domain_hint=answers.asignio.domain_hint,
        claims_mapping={
            "userId": "sub",
            "displayName": "name",
            "givenName": "given_name",
            "surname": "family_name",
            "email": "email",
        },
    )


def _differences(provider: TenantIdentityProvider, spec: OidcProviderSpec) -> list[str]:
    """The provider's settings that are not what the answers ask, as Graph names them (none: it matches)."""
    return [
        name
        for name, same in (
            ("clientId", (provider.client_id or "").lower() == spec.client_id),
            ("metadataUrl", provider.metadata_url == spec.metadata_url),
            ("scope", provider.scope == spec.scope),
            ("responseType", same_text(provider.response_type, spec.response_type)),
            ("responseMode", same_text(provider.response_mode, spec.response_mode)),
            ("domainHint", provider.domain_hint == spec.domain_hint),
            ("claimsMapping", provider.claims_mapping == spec.claims_mapping),
        )
        if not same
    ]


class IdentityProvider(ProviderStep):
    id = "identity-provider"
    title = "Add Asignio as an OpenID Connect identity provider"
    after = ("preflight",)
    answer_sections = ("asignio",)
    needs_secret = True

    def describe(self, answers: Answers) -> str:
        return f"OpenID Connect provider '{answers.asignio.display_name}' (client id {answers.asignio.client_id})"

    async def check(self, ctx: StepContext) -> Finding[TenantIdentityProvider]:
        spec = provider_spec(ctx.answers)
        named = ours_first(ctx, self.id, await providers_named(ctx, self.id, spec.display_name))
        if not named:
            return Finding(False, f"no identity provider named {spec.display_name} yet")
        provider = named[0]
        if not same_text(provider.kind, OIDC_PROVIDER_KIND):
            raise TenantNotReadyError(
                f"An identity provider named {spec.display_name} exists but is a {provider.kind}, not OpenID Connect",
                "set [asignio] display_name to a name no other provider uses, then run again",
            )
        self.found(ctx, provider)
        ids, seen = {"provider": provider.id}, provider_sightings([provider])
        differences = _differences(provider, spec)
        if not differences and not ctx.rotate_secret:
            return Finding(True, f"{spec.display_name} is configured", ids, provider, seen)
        if not provider_proven(ctx, self.id, provider):
            refuse_to_change(ctx, provider, provider_change(differences))
        if ctx.rotate_secret:
            return Finding(False, f"a new Client Secret was given for {spec.display_name}", ids, provider, seen)
        return Finding(False, f"{spec.display_name} exists with other settings", ids, provider, seen)

    def wanted(self, ctx: StepContext) -> OidcProviderSpec:
        return provider_spec(ctx.answers)


class UserFlow(Step[None]):
    id = "user-flow"
    outputs = ("user_flow_id",)
    title = "Create the sign-up and sign-in user flow"
    after = ("preflight",)
    answer_sections = ("user_flow",)

    def describe(self, answers: Answers) -> str:
        return f"User flow {answers.user_flow.name} (sign up and sign in, recommended version)"

    async def check(self, ctx: StepContext) -> Finding[None]:
        name = ctx.answers.user_flow.name
        flow = await look_patiently(
            ctx, self.id, f"the user flow {name}", lambda: ctx.graph.user_flow(name), lambda found: found is not None
        )
        if flow is None:
            return Finding(False, f"{name} does not exist yet")
        if not same_text(flow.user_flow_type, SIGN_UP_OR_SIGN_IN):
            raise TenantNotReadyError(
                f"{name} exists but is a {flow.user_flow_type} flow, not sign up and sign in",
                "set [user_flow] name to a name no other flow uses (or delete that flow in the portal), then run again",
            )
        ctx.facts.user_flow_id = flow.id
        return Finding(
            True, f"{flow.id} exists", {"user_flow": flow.id}, seen=(Sighting(ObjectKind.USER_FLOW, flow.id),)
        )

    async def apply(self, ctx: StepContext, finding: Finding[None], progress: Progress) -> Finding[None]:
        progress(f"creating {ctx.answers.user_flow.name}")
        ctx.intend(self.id, ())  # a flow carries no mark: the intent tells a repeat that this run made it
        flow = await ctx.graph.create_user_flow(ctx.answers.user_flow.name)
        ctx.ownership.made(self.id, ObjectKind.USER_FLOW, flow.id, settings=flow.settings())
        ctx.facts.user_flow_id = flow.id
        return Finding(True, f"{flow.id} created", {"user_flow": flow.id})


async def unlike_the_flow_made(ctx: StepContext, entry: LedgerEntry, flow: TenantUserFlow) -> str | None:
    """How the tenant's flow differs from the one the ledger says the tool made: its documented properties
    (b2cidentityuserflow.md), or a provider the tool offered in it that it no longer offers while the tenant still
    has that provider. None when nothing tells them apart (Graph keeps no mark or creation time on a flow)."""
    now = flow.settings()
    changed = [
        f"{name} {made} → {now[name]}"
        for name, made in (entry.settings or {}).items()
        if name in now and now[name].lower() != made.lower()
    ]
    if changed:
        return f"its settings are not those asignio-setup made it with ({', '.join(changed)})"
    if entry.offers:
        existing = {provider.id for provider in await ctx.graph.identity_providers()}
        offered = set(await ctx.graph.user_flow_provider_ids(flow.id))
        dropped = [provider for provider in entry.offers if provider in existing and provider not in offered]
        if dropped:
            return f"it does not offer the provider {', '.join(dropped)} asignio-setup offered in it"
    return None


async def flow_unproven(ctx: StepContext, flow_id: str) -> str | None:
    """Why the tool cannot prove the user flow is the one it made (None: it can). A B2C flow carries no mark and its
    id is its name, so the proof is the ledger recording it as made while the flow is still like the one the tool
    made (`unlike_the_flow_made`, the rule a remove goes by), or, with no record of it, the intent an interrupted
    create noted. With no state on this machine nothing proves it."""
    entry = ctx.ownership.entry(ObjectKind.USER_FLOW, flow_id)
    if entry is None and ctx.intent_known(UserFlow.id) is not None:
        return None
    if entry is None or entry.origin is not Origin.MADE:
        return "nothing on this machine records that asignio-setup made it"
    flow = await ctx.graph.user_flow(flow_id)
    unlike = None if flow is None else await unlike_the_flow_made(ctx, entry, flow)
    if unlike is None:
        return None
    return f"{unlike}: changed since asignio-setup made it, or deleted and made again by hand under its name"


class AttachProvider(Step[None]):
    """Offers the provider in the user flow. Adding it to the flow the tool made is what the setup is for (the
    flow's other settings, and what the operator did in the portal, stay as they are); a flow of the answers' name
    the tool cannot prove it made is someone's sign-in, and offering another provider in it would change what its
    users see: the run stops there instead (the provider itself stays, made or used as it is)."""

    id = "attach-provider"
    title = "Offer Asignio in the user flow"
    after = ("identity-provider", "user-flow")
    answer_sections = ("asignio", "user_flow")

    def _ids(self, ctx: StepContext) -> tuple[str, str]:
        if ctx.facts.provider is None or ctx.facts.user_flow_id is None:
            raise SetupError("The provider and the user flow must exist first", "run the earlier steps")
        return ctx.facts.user_flow_id, ctx.facts.provider.id

    async def check(self, ctx: StepContext) -> Finding[None]:
        if ctx.facts.provider is None or ctx.facts.user_flow_id is None:
            return Finding(False, "the provider and the user flow are not both there yet")
        flow_id, provider_id = self._ids(ctx)
        offered = await look_patiently(
            ctx,
            self.id,
            f"{ctx.answers.asignio.display_name} in {flow_id}",
            lambda: ctx.graph.user_flow_provider_ids(flow_id),
            lambda ids: provider_id in ids,
        )
        name = ctx.answers.asignio.display_name
        if provider_id in offered:
            return Finding(True, f"{flow_id} offers {name}")
        unproven = await flow_unproven(ctx, flow_id)
        if unproven is not None:
            raise TenantNotReadyError(
                f"The user flow {flow_id} ([user_flow] name) does not offer {name}, and asignio-setup cannot prove it "
                f"made that flow ({unproven}): offering a provider in it would change someone's sign-in, and it "
                "changes only what it made",
                f"set [user_flow] name to a name no other user flow uses; or, to offer Asignio in that flow, add "
                f"{name} to it in the Azure portal (User flows → {flow_id} → Identity providers); then run "
                f"again{state_elsewhere(ctx)}",
            )
        return Finding(False, f"{flow_id} does not offer {name} yet")

    async def apply(self, ctx: StepContext, finding: Finding[None], progress: Progress) -> Finding[None]:
        flow_id, provider_id = self._ids(ctx)
        await ctx.graph.attach_provider(flow_id, provider_id)
        ctx.ownership.offered(flow_id, provider_id)
        return Finding(True, f"{flow_id} offers {ctx.answers.asignio.display_name}")


class LocalAccountsOff(GuidedStep):
    id = "local-accounts-off"
    title = "Turn off local accounts in the user flow (Azure portal)"
    after = ("attach-provider",)
    answer_sections = ("user_flow",)
    voided_by = ("user-flow",)
    """The setting lives in the flow: a new flow lacks it, while a provider brought back to its settings (or offered
    in the flow again) leaves it as the operator set it."""

    def instructions(self, answers: Answers) -> tuple[str, ...]:
        return (
            "Open the link and, in the Azure AD B2C blade, select User flows.",
            f"Select {answers.user_flow.name}, then Identity providers.",
            "Under Local accounts, select None (this turns off email and password sign-in).",
            f"Check that {answers.asignio.display_name} is selected under Custom identity providers, then Save.",
        )


class UserFlowPhoneMfa(GuidedStep):
    id = "user-flow-mfa"
    title = "Turn on phone MFA in the user flow (Azure portal)"
    after = ("user-flow",)
    answer_sections = ("user_flow", "setup")

    def instructions(self, answers: Answers) -> tuple[str, ...]:
        return (
            "Open the link and, in the Azure AD B2C blade, select User flows.",
            f"Select {answers.user_flow.name}, then Properties.",
            "Under Multifactor authentication, set Type of method to 'SMS or phone call' "
            "and MFA enforcement to 'Always on'.",
            "Select Save.",
        )

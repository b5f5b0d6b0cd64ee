"""The Entra External ID path: the steps for an external tenant (tenantType CIAM).

Asignio's discovery document is read first, before anything is written: External ID federates only with a
provider whose document has what it needs (wizard.discovery). Then the custom OpenID Connect provider, the
sign-up/sign-in user flow offering it, the jwt.ms test app, and the link between the app and the flow (External ID
picks the flow by the app: an app is in one flow at most).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.discovery import federation_blockers, fetch_discovery, untrusted_fields
from wizard.errors import ExitCode, ServiceError, SetupError, TenantNotReadyError
from wizard.graph.models import same_text
from wizard.ownership import ObjectKind, Origin, Sighting
from wizard.steps.base import AnyStep, Finding, Progress, Step, StepContext, look_patiently, state_elsewhere
from wizard.steps.external_id_mfa import external_id_mfa_steps
from wizard.steps.jwt_ms_app import TestAppConsent, TestApplication
from wizard.steps.preflight import Preflight
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
    from wizard.answers import Answers, TenantAnswers
    from wizard.graph import AuthenticationEventsFlow, OidcFederationSpec
    from wizard.graph import IdentityProvider as TenantIdentityProvider

OIDC_FEDERATION_KIND = "oidcIdentityProvider"
SIGN_UP_FLOW_KIND = "externalUsersSelfServiceSignUpEventsFlow"
FEDERATION_SCOPE = "openid profile email"
CLAIM_MAPPING = {
    "sub": "sub",
    "name": "name",
    "given_name": "given_name",
    "family_name": "family_name",
    "email": "email",
}
"""The inbound claim mapping of beta identitycontainer-post-identityproviders.md Example 4, to the fields Asignio
sends; External ID needs email mapped (how-to-custom-oidc-federation-customers)."""
EMAIL_PASSWORD = "EmailPassword-OAUTH"
EMAIL_SIGN_IN_PROVIDERS = (EMAIL_PASSWORD, "EmailOtpSignup-OAUTH")
"""The built-in email providers a flow may offer (onauthenticationmethodloadstartexternalusersselfservicesignup-post-
identityproviders.md names both); email sign-in kept means one of them offered, dropped means neither."""
SECRET_AUTHENTICATION = ("client_secret_post", "client_secret_jwt")
"""The client authentication methods External ID uses with a client secret (oidcClientSecretAuthentication)."""
DISCOVERY_STEP = "discovery"
LINK_STEP = "test-app-flow-link"


def external_id_steps(answers: Answers) -> tuple[AnyStep, ...]:
    """The ordered steps for an external tenant: the reads first, every write after both, and the MFA steps the
    answers ask for (wizard.steps.external_id_mfa) once the test app exists."""
    reads = ("preflight", DISCOVERY_STEP)
    return (
        DiscoveryCheck(),
        Preflight(),
        FederatedProvider(after=reads),
        SignUpFlow(),
        TestApplication(after=reads),
        TestAppConsent(),
        LinkTestApp(),
        *external_id_mfa_steps(answers),
    )


def partner_redirect_uris(answers: Answers, tenant_id: str) -> tuple[str, ...]:
    """The redirect URIs Asignio must allow for the tenant (how-to-custom-oidc-federation-customers, recorded in
    ../shared/notes/external-id.md): one by the tenant id, one by the initial domain."""
    return federation_redirect_uris(answers.tenant, tenant_id)


def federation_redirect_uris(tenant: TenantAnswers, tenant_id: str) -> tuple[str, ...]:
    """`partner_redirect_uris` from the tenant alone: the wizard shows them before the rest is answered."""
    host = f"https://{tenant.name}.ciamlogin.com"
    return (f"{host}/{tenant_id}/federation/oauth2", f"{host}/{tenant.domain}/federation/oauth2")


class DiscoveryCheck(Step[None]):
    """Reads Asignio's discovery document and refuses, before any write, one External ID cannot federate with."""

    id = DISCOVERY_STEP
    outputs = ("discovery_issuer",)
    title = "Check Asignio's discovery document"
    answer_sections = ("asignio",)
    writes = False

    def describe(self, answers: Answers) -> str:
        return f"Read {answers.asignio.metadata_url} and check External ID can federate with it"

    async def check(self, ctx: StepContext) -> Finding[None]:
        url = ctx.answers.asignio.metadata_url
        document = await fetch_discovery(url)
        blockers = untrusted_fields(document, url) + federation_blockers(document)
        methods = document.get("token_endpoint_auth_methods_supported")
        offered = methods if isinstance(methods, list) else []
        if not blockers and not any(method in offered for method in SECRET_AUTHENTICATION):
            blockers.append(
                "its token_endpoint_auth_methods_supported offers only private_key_jwt, which needs a key pair this "
                "tool does not set up (ask Asignio to enable client_secret_post)"
            )
        if blockers:
            raise SetupError(
                f"External ID cannot federate with Asignio's discovery document {url}: {'; '.join(blockers)}",
                "nothing was written; once Asignio's document has what is missing, run again",
                exit_code=ExitCode.TENANT,
            )
        ctx.facts.discovery_issuer = str(document["issuer"])
        return Finding(True, f"{url} allows federation (issuer {document['issuer']})")


def federation_spec(answers: Answers, issuer: str) -> OidcFederationSpec:
    from wizard.graph import OidcFederationSpec

    return OidcFederationSpec(
        display_name=answers.asignio.display_name,
        client_id=answers.asignio.client_id,
        issuer=issuer,
        well_known_endpoint=answers.asignio.metadata_url,
        scope=FEDERATION_SCOPE,
        claim_mapping=dict(CLAIM_MAPPING),
    )


def _federation_differences(provider: TenantIdentityProvider, spec: OidcFederationSpec) -> list[str]:
    """The provider's settings that are not what the answers ask, as Graph names them (none: it matches)."""
    mapping = provider.inbound_claim_mapping or {}
    return [
        name
        for name, same in (
            ("clientId", (provider.client_id or "").lower() == spec.client_id),
            ("issuer", provider.issuer == spec.issuer),
            ("wellKnownEndpoint", provider.well_known_endpoint == spec.well_known_endpoint),
            ("scope", provider.scope == spec.scope),
            ("responseType", same_text(provider.response_type, spec.response_type)),
            (
                "inboundClaimMapping",
                all(mapping.get(claim) == value for claim, value in spec.claim_mapping.items()),
            ),
        )
        if not same
    ]


class FederatedProvider(ProviderStep):
    """Asignio as External ID's custom OpenID Connect provider (beta oidcIdentityProvider)."""

    id = "oidc-provider"
    title = "Add Asignio as a custom OpenID Connect provider"
    answer_sections = ("asignio",)
    needs_secret = True

    def describe(self, answers: Answers) -> str:
        return (
            f"OpenID Connect provider '{answers.asignio.display_name}' (client id {answers.asignio.client_id}, "
            "client_secret_post, code, openid profile email)"
        )

    def wanted(self, ctx: StepContext) -> OidcFederationSpec:
        if ctx.facts.discovery_issuer is None:
            raise SetupError("Asignio's discovery document must be read first", "run the discovery step")
        return federation_spec(ctx.answers, ctx.facts.discovery_issuer)

    async def check(self, ctx: StepContext) -> Finding[TenantIdentityProvider]:
        name = ctx.answers.asignio.display_name
        named = ours_first(ctx, self.id, await providers_named(ctx, self.id, name))
        if not named:
            return Finding(False, f"no identity provider named {name} yet")
        provider = named[0]
        if not same_text(provider.kind, OIDC_FEDERATION_KIND):
            raise TenantNotReadyError(
                f"An identity provider named {name} exists but is a {provider.kind}, not a custom OpenID Connect one",
                "set [asignio] display_name to a name no other provider uses, then run again",
            )
        if not provider.id:
            raise ServiceError(
                f"Graph lists the identity provider {name} without its id, so the user flow cannot be told to offer it",
                "run again in a few minutes; if Graph still leaves the id out, report it with this run's log",
            )
        self.found(ctx, provider)
        ids, seen = {"provider": provider.id}, provider_sightings([provider])
        differences = _federation_differences(provider, self.wanted(ctx))
        if not differences and not ctx.rotate_secret:
            return Finding(True, f"{name} is configured", ids, provider, seen)
        if not provider_proven(ctx, self.id, provider):
            refuse_to_change(ctx, provider, provider_change(differences))
        if ctx.rotate_secret:
            return Finding(False, f"a new Client Secret was given for {name}", ids, provider, seen)
        return Finding(False, f"{name} exists with other settings", ids, provider, seen)


async def _flows_named(ctx: StepContext, display_name: str) -> list[AuthenticationEventsFlow]:
    return [flow for flow in await ctx.graph.sign_up_flows() if flow.display_name.lower() == display_name.lower()]


def sign_up_flow_proven(ctx: StepContext, flow_id: str) -> bool:
    """Whether the tool can prove it made the External ID user flow: the ledger records it as made (Graph gives a
    flow a new id of its own, so a flow made again by hand under the name has another), or, with no record of it, an
    interrupted run of the flow's step noted its intent to create one. A flow has no field for a mark."""
    entry = ctx.ownership.entry(ObjectKind.USER_FLOW, flow_id)
    if entry is not None:
        return entry.origin is Origin.MADE
    return ctx.intent_known(SignUpFlow.id) is not None


class SignUpFlow(Step["tuple[AuthenticationEventsFlow, list[str]]"]):
    """The sign-up/sign-in user flow offering Asignio, and email sign-in as the answers say. The flow the tool made
    is brought to what the answers ask; a flow of the answers' name it cannot prove it made is used only when it
    offers that already (changing which sign-in methods it offers would change someone's sign-in)."""

    id = "sign-up-flow"
    outputs = ("sign_up_flow_id",)
    title = "Create the sign-up and sign-in user flow"
    after = ("oidc-provider",)
    answer_sections = ("asignio", "external_id")

    def describe(self, answers: Answers) -> str:
        email = "and email sign-in" if answers.external_id.email_sign_in else "alone (no email sign-in)"
        return f"User flow '{answers.external_id.flow_name}' offering {answers.asignio.display_name} {email}"

    @staticmethod
    def _changes(ctx: StepContext, offered: list[str]) -> tuple[list[str], list[str]]:
        """The providers to add and to remove for the flow to offer what the answers ask."""
        assert ctx.facts.provider is not None
        add = [] if ctx.facts.provider.id in offered else [ctx.facts.provider.id]
        email_offered = [provider for provider in offered if provider in EMAIL_SIGN_IN_PROVIDERS]
        if ctx.answers.external_id.email_sign_in:
            return (add if email_offered else [*add, EMAIL_PASSWORD]), []
        return add, email_offered

    async def check(self, ctx: StepContext) -> Finding[tuple[AuthenticationEventsFlow, list[str]]]:
        name = ctx.answers.external_id.flow_name
        named = await look_patiently(ctx, self.id, f"the user flow {name}", lambda: _flows_named(ctx, name), bool)
        if not named:
            return Finding(False, f"no user flow named {name} yet")
        flow = named[0]
        if not same_text(flow.kind, SIGN_UP_FLOW_KIND):
            raise TenantNotReadyError(
                f"A user flow named {name} exists but is a {flow.kind}, not a sign-up and sign-in flow",
                "set [external_id] flow_name to a name no other flow uses, then run again",
            )
        ctx.facts.sign_up_flow_id = flow.id
        ids, seen = {"flow": flow.id}, (Sighting(ObjectKind.USER_FLOW, flow.id),)
        if ctx.facts.provider is None:
            return Finding(False, f"{name} exists; the provider it must offer is not there yet", ids, seen=seen)
        offered = await ctx.graph.flow_provider_ids(flow.id)
        add, remove = self._changes(ctx, offered)
        if not add and not remove:
            return Finding(True, f"{name} offers what the answers ask", ids, seen=seen)
        if not sign_up_flow_proven(ctx, flow.id):
            asked = ctx.answers.asignio.display_name + (
                " and email sign-in" if ctx.answers.external_id.email_sign_in else " alone (no email sign-in)"
            )
            raise TenantNotReadyError(
                f"The user flow {name} ({flow.id}) offers other sign-in methods than the answers ask, and "
                "asignio-setup cannot prove it made it (nothing on this machine records that asignio-setup made it): "
                "it changes only what it made",
                "set [external_id] flow_name to a name no other user flow uses; or, to use that flow, have it offer "
                f"{asked} in the Microsoft Entra admin center (External Identities → User flows → {name} → Identity "
                f"providers); then run again{state_elsewhere(ctx)}",
            )
        return Finding(False, f"{name} exists but offers other sign-in methods", ids, (flow, offered), seen)

    async def apply(
        self, ctx: StepContext, finding: Finding[tuple[AuthenticationEventsFlow, list[str]]], progress: Progress
    ) -> Finding[tuple[AuthenticationEventsFlow, list[str]]]:
        name = ctx.answers.external_id.flow_name
        if ctx.facts.provider is None:
            raise SetupError("The provider must exist first", "run the earlier steps")
        if finding.found is None:
            providers = [ctx.facts.provider.id]
            if ctx.answers.external_id.email_sign_in:
                providers.append(EMAIL_PASSWORD)
            progress(f"creating the user flow {name}")
            ctx.intend(self.id, ())
            flow = await ctx.graph.create_sign_up_flow(name, providers)
            ctx.ownership.made(self.id, ObjectKind.USER_FLOW, flow.id)
            ctx.facts.sign_up_flow_id = flow.id
            return Finding(True, f"{name} created", {"flow": flow.id})
        flow, offered = finding.found
        add, remove = self._changes(ctx, offered)
        for provider_id in add:
            progress(f"offering {provider_id} in {name}")
            await ctx.graph.add_flow_provider(flow.id, provider_id)
        for provider_id in remove:
            progress(f"no longer offering {provider_id} in {name}")
            await ctx.graph.remove_flow_provider(flow.id, provider_id)
        return Finding(True, f"{name} offers what the answers ask", {"flow": flow.id})


class LinkTestApp(Step[None]):
    """The test app signs in through the flow: External ID picks the flow by the app (includeApplications). Linking
    the tool's app into the flow the tool made is the setup's work; into a flow it cannot prove it made, it would
    change someone's flow, so the run stops there instead."""

    id = LINK_STEP
    title = "Link the test app to the user flow"
    after = ("sign-up-flow", "test-app")
    answer_sections = ("external_id", "test_app")

    def describe(self, answers: Answers) -> str:
        return f"'{answers.test_app.display_name}' signs in through '{answers.external_id.flow_name}'"

    async def check(self, ctx: StepContext) -> Finding[None]:
        flow_id, app_id = ctx.facts.sign_up_flow_id, ctx.facts.test_app_id
        if flow_id is None or app_id is None:
            return Finding(False, "the user flow and the test app are not both there yet")
        linked = await look_patiently(
            ctx,
            self.id,
            f"the test app in {flow_id}",
            lambda: ctx.graph.flow_app_ids(flow_id),
            lambda ids: app_id.lower() in ids,
        )
        if app_id.lower() in linked:
            return Finding(True, f"{ctx.answers.test_app.display_name} signs in through {flow_id}")
        for flow in await ctx.graph.sign_up_flows():
            if flow.id != flow_id and app_id.lower() in await ctx.graph.flow_app_ids(flow.id):
                raise TenantNotReadyError(
                    f"The test app {ctx.answers.test_app.display_name} ({app_id}) is already linked to the user flow "
                    f"{flow.display_name} ({flow.id}), and an app can be in one user flow only",
                    f"remove it from {flow.display_name} in the Entra admin center (External Identities, User flows, "
                    "Applications), or set [test_app] display_name to another app, then run again",
                )
        if not sign_up_flow_proven(ctx, flow_id):
            name = ctx.answers.external_id.flow_name
            raise TenantNotReadyError(
                f"The test app {ctx.answers.test_app.display_name} ({app_id}) is not linked to the user flow {name} "
                f"({flow_id}), and asignio-setup cannot prove it made that flow (nothing on this machine records that "
                "asignio-setup made it): linking the app would change it, and it changes only what it made",
                "set [external_id] flow_name to a name no other user flow uses; or add the app to that flow in the "
                f"Microsoft Entra admin center (External Identities → User flows → {name} → Applications); then run "
                f"again{state_elsewhere(ctx)}",
            )
        return Finding(False, f"{ctx.answers.test_app.display_name} is not linked to {flow_id} yet")

    async def apply(self, ctx: StepContext, finding: Finding[None], progress: Progress) -> Finding[None]:
        flow_id, app_id = ctx.facts.sign_up_flow_id, ctx.facts.test_app_id
        if flow_id is None or app_id is None:
            raise SetupError("The user flow and the test app must exist first", "run the earlier steps")
        progress(f"linking {app_id} to {flow_id}")
        await ctx.graph.link_flow_app(flow_id, app_id)
        return Finding(True, f"{ctx.answers.test_app.display_name} signs in through {flow_id}")

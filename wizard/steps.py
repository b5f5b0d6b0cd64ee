"""The setup's steps. Each looks at the tenant first (`check`) and changes it only when needed (`apply`).

A step never trusts its own earlier run: after a crash between a request and the state write, the next
`check` finds what the tenant holds and carries on from there, so nothing is created twice.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import urlencode

from wizard.answers import Answers, Mfa, Pivot
from wizard.clouds import ENDPOINTS
from wizard.errors import PermissionMissingError, PolicyError, SetupError, TenantNotReadyError
from wizard.graph.models import same_text
from wizard.permissions import (
    APPLICATIONS,
    GRANTS,
    KEY_SETS,
    ORGANIZATION,
    POLICIES,
    PROVIDERS,
    USER_FLOWS,
    accepted_for,
)

if TYPE_CHECKING:
    from wizard.graph import (
        Application,
        GraphClient,
        Key,
        KeySet,
        OidcProviderSpec,
        Organization,
        PermissionGrant,
        ServicePrincipal,
    )
    from wizard.graph import IdentityProvider as TenantIdentityProvider
    from wizard.policies import GeneratedPolicies

B2C_TENANT_TYPE = "AAD B2C"
"""Graph's organization.tenantType for a B2C tenant; compared without spaces or case, to be lenient."""
BASE_POLICY = "B2C_1A_TrustFrameworkBase"
LOCALIZATION_POLICY = "B2C_1A_TrustFrameworkLocalization"
EXTENSIONS_POLICY = "B2C_1A_TrustFrameworkExtensions"
OIDC_PROVIDER_KIND = "openIdConnectIdentityProvider"
SIGN_UP_OR_SIGN_IN = "signUpOrSignIn"
UPLOADED_SECRET_KTY = "oct"
"""An uploaded secret's key type; Graph documents it as "OCT", so it is compared without case."""
SIGNATURE_USE = "sig"
POLICY_KEY_LIFETIME_DAYS = 730
POLICY_KEY_RENEWAL_DAYS = 30
TEST_APP_SCOPES = "openid offline_access"
STARTER_PACK_URL = "https://github.com/Azure-Samples/active-directory-b2c-custom-policy-starterpack"
CUSTOM_POLICY_TUTORIAL = (
    "https://learn.microsoft.com/azure/active-directory-b2c/tutorial-create-user-flows?pivots=b2c-custom-policy"
)

PERMISSIONS_FOR_PIVOT: dict[Pivot, tuple[str, ...]] = {
    Pivot.CUSTOM_POLICY: tuple(operation.permission for operation in (POLICIES, KEY_SETS, APPLICATIONS, GRANTS)),
    Pivot.USER_FLOW: tuple(operation.permission for operation in (PROVIDERS, USER_FLOWS, APPLICATIONS, GRANTS)),
}
PERMISSIONS_FOR_EVERY_PATH = tuple(
    permission
    for permission in PERMISSIONS_FOR_PIVOT[Pivot.CUSTOM_POLICY]
    if permission in PERMISSIONS_FOR_PIVOT[Pivot.USER_FLOW]
)


@dataclass(frozen=True)
class Finding:
    """What `check` saw: whether the step's work is already in the tenant, and the ids it found."""

    done: bool
    summary: str
    ids: dict[str, str] = field(default_factory=dict)
    found: Any = None


@dataclass
class RunFacts:
    """What steps learn from the tenant and hand to the steps after them, within one run."""

    organization: Organization | None = None
    policy_ids: tuple[str, ...] = ()
    """Every policy id the tenant listed, as the base check saw them."""
    chain: dict[str, bytes] = field(default_factory=dict)
    current_relying_party: bytes | None = None
    generated: GeneratedPolicies | None = None
    provider: TenantIdentityProvider | None = None
    user_flow_id: str | None = None


@dataclass
class StepContext:
    """Everything a step may use; steps never reach for globals."""

    answers: Answers
    graph: GraphClient
    secret: Callable[[], str]
    back_up: Callable[[str, bytes], object]
    confirmed: Callable[[str], bool]
    intend: Callable[[str, Sequence[str]], None]
    """Record in the state, before a create Graph cannot repeat safely, that the step is about to make it."""
    intent_known: Callable[[str], tuple[str, ...] | None]
    """What the tenant held when an earlier, unfinished run noted that intent (None: it noted none)."""
    claim_age: Callable[[str], float | None]
    """Seconds since an earlier run made, found or was about to make the step's work, while that is recent enough
    for Graph not to show it yet (replication); None otherwise."""
    rotate_secret: bool = False
    """The operator gave a new Asignio Client Secret: the steps that hold it send it again."""
    patient: bool = True
    """Steps wait for what an earlier run recently made to show (see `look_patiently`); the review, which writes
    nothing, takes the first look as it is rather than keep the operator waiting on a silent screen."""
    facts: RunFacts = field(default_factory=RunFacts)


Progress = Callable[[str], None]
T = TypeVar("T")


class Step(ABC):
    """One idempotent piece of the setup."""

    id: ClassVar[str]
    title: ClassVar[str]
    after: tuple[str, ...] = ()
    """Steps that must have finished first."""
    answer_sections: ClassVar[tuple[str, ...]] = ()
    """Answer sections the step depends on; the state records their fingerprint."""
    writes: ClassVar[bool] = True
    """False for steps that only read."""
    needs_secret: ClassVar[bool] = False
    """True when the step sends the Asignio Client Secret: the run then resolves it before writing anything."""

    def __init__(self, after: tuple[str, ...] | None = None) -> None:
        if after is not None:
            self.after = after

    @abstractmethod
    async def check(self, ctx: StepContext) -> Finding:
        """Ask the tenant whether the step's work is there; change nothing."""

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        """Make the tenant hold what the answers ask for; returns what is there now."""
        return finding

    def describe(self, answers: Answers) -> str:
        """One line for the review screen: what the step will make."""
        return self.title


class GuidedStep(Step):
    """A portal change no Graph API makes: the operator does it and confirms it."""

    writes = False

    @abstractmethod
    def instructions(self, answers: Answers) -> tuple[str, ...]:
        """The exact clicks, in order."""

    def link(self, answers: Answers) -> str:
        """A deep link to the tenant's user flows in the Azure portal."""
        endpoints = ENDPOINTS[answers.tenant.cloud]
        return (
            f"{endpoints.portal}/#@{answers.tenant.domain}/blade/Microsoft_AAD_B2CAdmin/"
            "TenantManagementMenuBlade/userJourneys"
        )

    async def check(self, ctx: StepContext) -> Finding:
        if ctx.confirmed(self.id):
            return Finding(True, "confirmed by the operator")
        return Finding(False, "waiting for the operator to do this in the Azure portal")


# Preflight ---------------------------------------------------------------------------------------------------


class Preflight(Step):
    """Sign-in works, the tenant is the one in the answers, it is a B2C tenant, the token can do the job."""

    id = "preflight"
    title = "Check the tenant and the permissions"
    answer_sections = ("tenant", "setup", "auth")
    writes = False

    async def check(self, ctx: StepContext) -> Finding:
        return await self.verify(ctx, PERMISSIONS_FOR_PIVOT[ctx.answers.setup.pivot])

    @staticmethod
    async def verify(ctx: StepContext, required: tuple[str, ...]) -> Finding:
        """Raises when the tenant is not the answers' B2C tenant or the token lacks one of `required`."""
        answers = ctx.answers
        organization = await ctx.graph.organization()
        ctx.facts.organization = organization
        if organization.tenant_type is None:
            raise PermissionMissingError(
                f"Graph does not show the tenant's type to this sign-in: reading it needs {ORGANIZATION.permission} "
                "(with only User.Read, Graph answers the organization with its type left empty)",
                f"grant {ORGANIZATION.permission} (with admin consent) to the app you sign in with, then run again",
            )
        if not is_b2c(organization.tenant_type):
            raise TenantNotReadyError(
                f"{organization.initial_domain} is not an Azure AD B2C tenant (its type is "
                f"{organization.tenant_type or 'unknown'})",
                "sign in to your B2C tenant instead; create one with the 'Create an Azure AD B2C tenant' tutorial",
            )
        if organization.initial_domain.lower() != answers.tenant.domain:
            raise SetupError(
                f"Signed in to {organization.initial_domain}, but the answers name {answers.tenant.domain}",
                "sign in to the tenant the answers name, or change [tenant] name",
            )
        missing = missing_permissions(ctx.graph.granted_permissions(), required)
        if missing:
            raise PermissionMissingError(
                f"The sign-in lacks the Graph permission{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                "grant them (admin consent) to the app you sign in with, or sign in as an admin who can consent, "
                "then run again",
            )
        who = ctx.graph.signed_in_as()
        signed_in = f", signed in as {who}" if who else ""
        return Finding(
            True, f"{organization.initial_domain} is an Azure AD B2C tenant{signed_in}", {"tenant_id": organization.id}
        )


def is_b2c(tenant_type: str | None) -> bool:
    return same_text(tenant_type, B2C_TENANT_TYPE)


def missing_permissions(granted: set[str] | None, required: tuple[str, ...]) -> list[str]:
    """The permissions in `required` the token carries neither itself nor one its docs accept instead (none known
    when the token is not a JWT)."""
    if granted is None:
        return []
    granted_lower = {permission.lower() for permission in granted}
    return [
        permission
        for permission in required
        if not any(candidate.lower() in granted_lower for candidate in accepted_for(permission))
    ]


# Custom-policy path ---------------------------------------------------------------------------------------------


class PolicyKey(Step):
    """The policy key B2C keeps the Asignio Client Secret in (the seed's 'Create Asignio policy key')."""

    id = "policy-key"
    title = "Store the Asignio Client Secret as a policy key"
    after = ("preflight",)
    answer_sections = ("custom_policy",)
    needs_secret = True

    def describe(self, answers: Answers) -> str:
        return f"Policy key {answers.custom_policy.policy_key} (signature, holds the Client Secret)"

    async def check(self, ctx: StepContext) -> Finding:
        name = ctx.answers.custom_policy.policy_key
        known = ctx.intent_known(self.id)

        def complete(key_set: KeySet | None) -> bool:
            if known is not None:
                return _holds_key_not_in(key_set, known)
            return key_set is not None and bool(key_set.keys)

        key_set = await look_patiently(
            ctx, self.id, f"the key set {name} and its key", lambda: ctx.graph.key_set(name), complete
        )
        if known is not None and complete(key_set):
            assert key_set is not None
            return Finding(True, f"{name} holds the key the interrupted run uploaded", {"key_set": key_set.id}, key_set)
        if key_set is None:
            return Finding(False, f"{name} does not exist yet")
        ids = {"key_set": key_set.id}
        if not key_set.keys:
            return Finding(False, f"{name} exists but holds no key yet", ids, key_set)
        foreign = [key for key in key_set.keys if not key.is_kind(UPLOADED_SECRET_KTY, SIGNATURE_USE)]
        if foreign:
            raise TenantNotReadyError(
                f"{name} holds a {foreign[0].kty} {foreign[0].use} key, not an uploaded client secret for signing",
                "set [custom_policy] policy_key to the name of a key set that holds nothing else, then run again",
            )
        if known is not None:
            return Finding(False, f"the interrupted run's upload never reached {name}: it is sent again", ids, key_set)
        if ctx.rotate_secret:
            return Finding(False, f"a new Client Secret was given: it becomes {name}'s newest key", ids, key_set)
        renew_after = time.time() + POLICY_KEY_RENEWAL_DAYS * 86400
        expiries = [key.exp for key in key_set.keys if key.exp is not None]
        if len(expiries) == len(key_set.keys) and max(expiries) < renew_after:
            return Finding(False, f"{name}'s key expires on {_date(max(expiries))}: a new one is due", ids, key_set)
        return Finding(True, f"{name} holds a key", ids, key_set)

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        name = ctx.answers.custom_policy.policy_key
        key_set = finding.found
        if key_set is None:
            progress(f"creating the key set {name}")
            key_set = await ctx.graph.create_key_set(name)
        progress(f"uploading the Client Secret into {key_set.id}")
        now = int(time.time())
        expires = now + POLICY_KEY_LIFETIME_DAYS * 86400
        ctx.intend(self.id, [_key_identity(key) for key in key_set.keys])
        await ctx.graph.upload_secret(key_set.id, ctx.secret(), use=SIGNATURE_USE, nbf=now, exp=expires)
        return Finding(
            True,
            f"{key_set.id} holds the Client Secret (signature key, expires {_date(expires)})",
            {"key_set": key_set.id},
        )


def _key_identity(key: Key) -> str:
    """A key as the tenant shows it: its kid, or its validity where Graph gives no kid."""
    return key.kid or f"{key.nbf}-{key.exp}"


def _holds_key_not_in(key_set: KeySet | None, known: tuple[str, ...]) -> bool:
    """True when the key set has a key the tenant did not hold when the interrupted run noted its upload."""
    return key_set is not None and any(_key_identity(key) not in known for key in key_set.keys)


def _date(epoch_seconds: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch_seconds))


async def look_patiently(
    ctx: StepContext, step_id: str, what: str, look: Callable[[], Awaitable[T]], complete: Callable[[T], bool]
) -> T:
    """The step's look at the tenant. When an earlier run recently made (or was about to make) the work and Graph
    does not show it yet, look again until it does or the replication budget has passed: a re-run right after a
    run, or after a crash, never makes a second one of what is only not visible yet."""
    found = await look()
    age = ctx.claim_age(step_id)
    if not ctx.patient or age is None or complete(found):
        return found

    async def again() -> tuple[T] | None:
        value = await look()
        return (value,) if complete(value) else None

    shown = await ctx.graph.eventually(f"{what} (made moments ago)", again, budget=max(0.0, ctx.graph.lag_budget - age))
    return shown[0] if shown is not None else found


class BaseChain(Step):
    """Downloads the tenant's starter-pack chain and builds the Asignio policies from it (nothing written)."""

    id = "base-chain"
    title = "Read the tenant's base policies and build the Asignio policies"
    after = ("preflight",)
    answer_sections = ("tenant", "asignio", "setup", "custom_policy")
    writes = False

    async def check(self, ctx: StepContext) -> Finding:
        graph, answers = ctx.graph, ctx.answers
        ctx.facts.policy_ids = tuple(await graph.policy_ids())
        present = {policy_id.lower(): policy_id for policy_id in ctx.facts.policy_ids}
        missing = [name for name in (BASE_POLICY, EXTENSIONS_POLICY) if name.lower() not in present]
        if missing:
            raise TenantNotReadyError(
                f"The tenant has no {' and no '.join(missing)} policy: the custom-policy path builds on "
                "Microsoft's starter pack",
                f"upload TrustFrameworkBase.xml, TrustFrameworkLocalization.xml and TrustFrameworkExtensions.xml "
                f"from the SocialAndLocalAccounts (or ...WithMfa) folder of {STARTER_PACK_URL}, in that order "
                f"({CUSTOM_POLICY_TUTORIAL}), then run again",
            )
        wanted = [
            present[name.lower()]
            for name in (BASE_POLICY, LOCALIZATION_POLICY, EXTENSIONS_POLICY)
            if name.lower() in present
        ]
        relying_party = present.get(answers.custom_policy.relying_party.lower())
        contents = await asyncio.gather(
            *(graph.policy_xml(policy_id) for policy_id in wanted),
            graph.policy_xml(relying_party) if relying_party else _no_policy(),
        )
        chain = {policy_id: content for policy_id, content in zip(wanted, contents, strict=False) if content}
        while unfetched := _bases_not_in(chain):
            absent = [base for base in unfetched if base.lower() not in present]
            if absent:
                raise TenantNotReadyError(
                    f"The tenant's policies build on {', '.join(absent)}, which the tenant does not have",
                    f"upload {', '.join(absent)} from the same starter pack ({STARTER_PACK_URL}); B2C needs the "
                    "order Base → Localization → Extensions. Then run again",
                )
            more = await asyncio.gather(*(graph.policy_xml(present[base.lower()]) for base in unfetched))
            chain.update(
                {present[base.lower()]: content or b"" for base, content in zip(unfetched, more, strict=False)}
            )
        ctx.facts.chain = chain
        ctx.facts.current_relying_party = contents[-1]
        ctx.facts.generated = generate_policies(answers, chain)
        return Finding(True, f"found {', '.join(chain)}; the Asignio policies validate against them")


def _bases_not_in(chain: Mapping[str, bytes]) -> list[str]:
    """The BasePolicy ids the downloaded policies name but the download does not hold (unparseable ones are
    left for the policy engine to explain)."""
    from wizard.policies.chain import parse_documents

    held = {policy_id.lower() for policy_id in chain}
    policies, _ = parse_documents(chain)
    return sorted({policy.base_id for policy in policies if policy.base_id and policy.base_id.lower() not in held})


async def _no_policy() -> None:
    return None


def generate_policies(answers: Answers, chain: Mapping[str, bytes]) -> GeneratedPolicies:
    """The policy engine's output; a base that cannot host the journey is a tenant problem, not an input one."""
    from wizard.policies import generate

    try:
        return generate(answers, chain)
    except PolicyError as error:
        raise TenantNotReadyError(error.what, error.fix) from None


class UploadPolicy(Step):
    """Uploads one generated policy when the tenant's copy differs; backs up what it replaces."""

    after: tuple[str, ...] = ("base-chain",)
    answer_sections = ("tenant", "asignio", "setup", "custom_policy")

    @abstractmethod
    def target(self, ctx: StepContext) -> tuple[str, bytes, bytes | None]:
        """(policy id, the generated content, the tenant's current content or None)."""

    async def check(self, ctx: StepContext) -> Finding:
        from wizard.policies import same_content

        policy_id, wanted, current = self.target(ctx)
        if same_content(current, wanted):
            return Finding(True, f"{policy_id} is up to date", {"policy": policy_id})
        state = "differs from what the answers make" if current else "is not in the tenant yet"
        return Finding(False, f"{policy_id} {state}", {"policy": policy_id})

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        policy_id, wanted, current = self.target(ctx)
        if current is not None:
            ctx.back_up(policy_id, current)
            progress(f"backed up the tenant's {policy_id}")
        progress(f"uploading {policy_id} ({len(wanted):,} bytes)")
        created = await ctx.graph.upload_policy(policy_id, wanted)
        return Finding(True, f"{policy_id} {'created' if created else 'replaced'}", {"policy": policy_id})


class ExtensionsPolicy(UploadPolicy):
    id = "extensions-policy"
    title = "Upload the extensions policy with the Asignio provider and journey"
    after = ("base-chain", "policy-key")

    def describe(self, answers: Answers) -> str:
        mfa = " and phone MFA" if answers.setup.mfa is Mfa.PHONE else ""
        return f"Merge the Asignio claims provider, journey {answers.custom_policy.journey_id}{mfa} into the extensions"

    def target(self, ctx: StepContext) -> tuple[str, bytes, bytes | None]:
        generated = _generated(ctx)
        return (
            generated.extensions.policy_id,
            generated.extensions.content,
            ctx.facts.chain.get(generated.extensions.policy_id),
        )


class RelyingPartyPolicy(UploadPolicy):
    id = "relying-party"
    title = "Upload the relying-party policy"
    after = ("extensions-policy",)

    def describe(self, answers: Answers) -> str:
        return (
            f"Relying-party policy {answers.custom_policy.relying_party} → journey {answers.custom_policy.journey_id}"
        )

    def target(self, ctx: StepContext) -> tuple[str, bytes, bytes | None]:
        generated = _generated(ctx)
        return generated.relying_party.policy_id, generated.relying_party.content, ctx.facts.current_relying_party


def _generated(ctx: StepContext) -> GeneratedPolicies:
    if ctx.facts.generated is None:
        raise SetupError("The Asignio policies were not built", "run the base-chain step first")
    return ctx.facts.generated


# User-flow path -------------------------------------------------------------------------------------------------


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


def _matches(provider: TenantIdentityProvider, spec: OidcProviderSpec) -> bool:
    return (
        (provider.client_id or "").lower() == spec.client_id
        and provider.metadata_url == spec.metadata_url
        and provider.scope == spec.scope
        and same_text(provider.response_type, spec.response_type)
        and same_text(provider.response_mode, spec.response_mode)
        and provider.domain_hint == spec.domain_hint
        and provider.claims_mapping == spec.claims_mapping
    )


class IdentityProvider(Step):
    id = "identity-provider"
    title = "Add Asignio as an OpenID Connect identity provider"
    after = ("preflight",)
    answer_sections = ("asignio",)
    needs_secret = True

    def describe(self, answers: Answers) -> str:
        return f"OpenID Connect provider '{answers.asignio.display_name}' (client id {answers.asignio.client_id})"

    async def check(self, ctx: StepContext) -> Finding:
        spec = provider_spec(ctx.answers)
        named = await look_patiently(
            ctx, self.id, f"the provider {spec.display_name}", lambda: _providers_named(ctx, spec.display_name), bool
        )
        if not named:
            return Finding(False, f"no identity provider named {spec.display_name} yet")
        provider = named[0]
        if not same_text(provider.kind, OIDC_PROVIDER_KIND):
            raise TenantNotReadyError(
                f"An identity provider named {spec.display_name} exists but is a {provider.kind}, not OpenID Connect",
                "set [asignio] display_name to a name no other provider uses, then run again",
            )
        ctx.facts.provider = provider
        if _matches(provider, spec) and not ctx.rotate_secret:
            return Finding(True, f"{spec.display_name} is configured", {"provider": provider.id}, provider)
        if ctx.rotate_secret:
            return Finding(
                False, f"a new Client Secret was given for {spec.display_name}", {"provider": provider.id}, provider
            )
        return Finding(False, f"{spec.display_name} exists with other settings", {"provider": provider.id}, provider)

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        spec = provider_spec(ctx.answers)
        if finding.found is None:
            progress(f"creating the provider {spec.display_name}")
            ctx.intend(self.id, ())
            provider = await ctx.graph.create_oidc_provider(spec, ctx.secret())
            ctx.facts.provider = provider
            return Finding(True, f"{spec.display_name} created", {"provider": provider.id})
        progress(f"updating the provider {spec.display_name}")
        await ctx.graph.update_oidc_provider(finding.found.id, spec, ctx.secret())
        return Finding(True, f"{spec.display_name} updated", {"provider": finding.found.id})


async def _providers_named(ctx: StepContext, display_name: str) -> list[TenantIdentityProvider]:
    return [
        provider
        for provider in await ctx.graph.identity_providers()
        if provider.display_name.lower() == display_name.lower()
    ]


class UserFlow(Step):
    id = "user-flow"
    title = "Create the sign-up and sign-in user flow"
    after = ("preflight",)
    answer_sections = ("user_flow",)

    def describe(self, answers: Answers) -> str:
        return f"User flow {answers.user_flow.name} (sign up and sign in, recommended version)"

    async def check(self, ctx: StepContext) -> Finding:
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
        return Finding(True, f"{flow.id} exists", {"user_flow": flow.id})

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        progress(f"creating {ctx.answers.user_flow.name}")
        flow = await ctx.graph.create_user_flow(ctx.answers.user_flow.name)
        ctx.facts.user_flow_id = flow.id
        return Finding(True, f"{flow.id} created", {"user_flow": flow.id})


class AttachProvider(Step):
    id = "attach-provider"
    title = "Offer Asignio in the user flow"
    after = ("identity-provider", "user-flow")
    answer_sections = ("asignio", "user_flow")

    def _ids(self, ctx: StepContext) -> tuple[str, str]:
        if ctx.facts.provider is None or ctx.facts.user_flow_id is None:
            raise SetupError("The provider and the user flow must exist first", "run the earlier steps")
        return ctx.facts.user_flow_id, ctx.facts.provider.id

    async def check(self, ctx: StepContext) -> Finding:
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
        if provider_id in offered:
            return Finding(True, f"{flow_id} offers {ctx.answers.asignio.display_name}")
        return Finding(False, f"{flow_id} does not offer {ctx.answers.asignio.display_name} yet")

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        flow_id, provider_id = self._ids(ctx)
        await ctx.graph.attach_provider(flow_id, provider_id)
        return Finding(True, f"{flow_id} offers {ctx.answers.asignio.display_name}")


class LocalAccountsOff(GuidedStep):
    id = "local-accounts-off"
    title = "Turn off local accounts in the user flow (Azure portal)"
    after = ("attach-provider",)
    answer_sections = ("user_flow",)

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


# Both paths -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestAppParts:
    app: Application | None
    app_ok: bool
    client: ServicePrincipal | None
    graph: ServicePrincipal
    grant: PermissionGrant | None


def test_app_unique_name(display_name: str) -> str:
    """The client-chosen key the test app is upserted by (application-upsert.md): the same answers always name
    the same app, so a repeat after a crash updates it instead of making a second one."""
    import hashlib

    digest = hashlib.sha256(display_name.strip().lower().encode("utf-8")).hexdigest()[:12]
    return f"asignio-setup-test-app-{digest}"


class TestApplication(Step):
    """The jwt.ms app registration, its service principal and admin consent for openid + offline_access."""

    id = "test-app"
    title = "Register the jwt.ms test application"
    after = ("preflight",)
    answer_sections = ("test_app",)

    def describe(self, answers: Answers) -> str:
        return f"App registration '{answers.test_app.display_name}' → {answers.test_app.redirect_uri}, admin consent"

    async def _parts(self, ctx: StepContext) -> TestAppParts:
        return await look_patiently(
            ctx,
            self.id,
            f"the app {ctx.answers.test_app.display_name} and its consent",
            lambda: self._look(ctx),
            self._complete,
        )

    async def _look(self, ctx: StepContext) -> TestAppParts:
        from wizard.graph import GRAPH_APP_ID

        wanted = ctx.answers.test_app
        apps, graph = await asyncio.gather(
            ctx.graph.applications_named(wanted.display_name), ctx.graph.service_principal(GRAPH_APP_ID)
        )
        if graph is None:
            raise TenantNotReadyError(
                "The tenant has no service principal for Microsoft Graph",
                "this is unusual for a B2C tenant: check the tenant in the Azure portal",
            )
        if not apps:
            return TestAppParts(None, False, None, graph, None)
        app = min(apps, key=lambda candidate: candidate.object_id)
        app_ok = wanted.redirect_uri in app.redirect_uris and app.id_token_issuance
        client = await ctx.graph.service_principal(app.app_id)
        grant = await ctx.graph.permission_grant(client.object_id, graph.object_id) if client else None
        return TestAppParts(app, app_ok, client, graph, grant)

    def _complete(self, parts: TestAppParts) -> bool:
        return parts.app is not None and parts.app_ok and parts.client is not None and self._grant_ok(parts.grant)

    @staticmethod
    def _grant_ok(grant: PermissionGrant | None) -> bool:
        return grant is not None and set(TEST_APP_SCOPES.split()) <= grant.scopes

    async def check(self, ctx: StepContext) -> Finding:
        parts = await self._parts(ctx)
        name = ctx.answers.test_app.display_name
        if parts.app is None:
            return Finding(False, f"no app registration named {name} yet", found=parts)
        ids = {"application": parts.app.object_id, "app_id": parts.app.app_id}
        done = self._complete(parts)
        summary = f"{name} ({parts.app.app_id}) " + ("is ready" if done else "is incomplete")
        return Finding(done, summary, ids, parts)

    async def apply(self, ctx: StepContext, finding: Finding, progress: Progress) -> Finding:
        wanted = ctx.answers.test_app
        parts: TestAppParts = finding.found
        app = parts.app
        if app is None:
            progress(f"registering {wanted.display_name}")
            unique_name = test_app_unique_name(wanted.display_name)
            app = await ctx.graph.upsert_test_application(unique_name, wanted.display_name, wanted.redirect_uri)
            if app is None:
                progress("the tenant does not take upserts: creating it, noted first so a repeat looks before creating")
                ctx.intend(self.id, ())
                app = await ctx.graph.create_test_application(wanted.display_name, wanted.redirect_uri)
        elif not parts.app_ok:
            progress(f"setting the reply URL {wanted.redirect_uri} and ID tokens on {wanted.display_name}")
            await ctx.graph.update_test_application(app.object_id, wanted.redirect_uri)
        client = parts.client
        if client is None:
            progress("creating its service principal")
            client = await ctx.graph.create_service_principal(app.app_id, wanted.display_name)
        if parts.grant is None:
            progress(f"granting admin consent for {TEST_APP_SCOPES}")
            await ctx.graph.create_permission_grant(client.object_id, parts.graph.object_id, TEST_APP_SCOPES)
        elif not self._grant_ok(parts.grant):
            scopes = " ".join(sorted(parts.grant.scopes | set(TEST_APP_SCOPES.split())))
            await ctx.graph.update_permission_grant(parts.grant.id, scopes)
        return Finding(
            True, f"{wanted.display_name} ({app.app_id}) is ready", {"application": app.object_id, "app_id": app.app_id}
        )


def run_now_url(answers: Answers, app_id: str) -> str:
    """The 'Run now' URL the portal would open: sign in through the Asignio policy, land on jwt.ms."""
    policy = answers.user_flow.name if answers.setup.pivot is Pivot.USER_FLOW else answers.custom_policy.relying_party
    host = f"{answers.tenant.name}.{ENDPOINTS[answers.tenant.cloud].b2clogin_suffix}"
    query = urlencode(
        {
            "p": policy,
            "client_id": app_id,
            "nonce": "defaultNonce",
            "redirect_uri": answers.test_app.redirect_uri,
            "scope": "openid",
            "response_type": "id_token",
            "prompt": "login",
        }
    )
    return f"https://{host}/{answers.tenant.domain}/oauth2/v2.0/authorize?{query}"


def build_plan(answers: Answers) -> list[Step]:
    """The ordered steps for the chosen path; every step's `after` names earlier steps only.

    On the custom-policy path the writing steps wait for the base check, so a tenant without a usable
    starter-pack base is refused before anything is written.
    """
    if answers.setup.pivot is Pivot.CUSTOM_POLICY:
        after_reads = ("preflight", "base-chain")
        return [
            Preflight(),
            BaseChain(),
            PolicyKey(after=after_reads),
            ExtensionsPolicy(),
            RelyingPartyPolicy(),
            TestApplication(after=after_reads),
        ]
    steps: list[Step] = [Preflight(), IdentityProvider(), UserFlow(), AttachProvider(), LocalAccountsOff()]
    if answers.setup.mfa is Mfa.PHONE:
        steps.append(UserFlowPhoneMfa())
    steps.append(TestApplication())
    return steps

"""What an empty B2C tenant lacks before the starter pack's local sign-in works: the two IEF app registrations,
their service principals and admin consent, as Microsoft's tutorial "Create user flows and custom policies in
Azure AD B2C" (custom-policy pivot) has the operator click them together.

- Microsoft Graph's service principal, which consent grants point at; a young tenant may lack it.
- **IdentityExperienceFramework**: a web app for this organization, its redirect on the tenant's b2clogin host,
  the App ID URI `https://<tenant>.onmicrosoft.com/<appId>`, the `user_impersonation` scope, Graph's openid and
  offline_access; and its service principal.
- **ProxyIdentityExperienceFramework**: a public client (`myapp://auth`), asking for that scope and Graph's two;
  and its service principal. The base policy's `login-NonInteractive` does a password grant against it.
- Three tenant-wide grants: Proxy → Graph and IEF → Graph `openid offline_access`, Proxy → IEF
  `user_impersonation`. An account that may not grant them gets a guided step with the admin-consent links.

Apps are found by display name before anything is created. Two apps of one name are resolved by the ids the
tenant's TrustFrameworkExtensions already names, or the run stops listing them. A tenant whose base chain is
already uploaded built all this itself: its own apps are the ones its extensions name, and nothing is read.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from abc import abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from wizard.clouds import ENDPOINTS, b2clogin_host
from wizard.errors import TenantNotReadyError
from wizard.ownership import OWNER_TAG, ObjectKind, Origin, Sighting
from wizard.steps.base import (
    AnyStep,
    Finding,
    GuidedStep,
    Progress,
    Step,
    StepContext,
    look_patiently,
)
from wizard.steps.chain import CUSTOM_POLICY_TUTORIAL, EXTENSIONS_POLICY, ChainListing, chain_policy

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.graph import Application, PermissionGrant, ServicePrincipal

IEF_APP_NAME = "IdentityExperienceFramework"
PROXY_APP_NAME = "ProxyIdentityExperienceFramework"
IEF_UNIQUE_NAME = "asignio-setup-identity-experience-framework"
PROXY_UNIQUE_NAME = "asignio-setup-proxy-identity-experience-framework"
"""The client-chosen keys the two apps are upserted by (application-upsert.md): a repeat after a crash updates the
app the interrupted run made instead of making a second one."""
SIGN_IN_SCOPES = "openid offline_access"
LOGIN_NON_INTERACTIVE = "login-NonInteractive"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
CONSENT_ROLES = "Global Administrator or Privileged Role Administrator"
"""Who may grant tenant-wide admin consent to any permission (Microsoft's "Grant tenant-wide admin consent")."""


def own_chain_listed(ctx: StepContext) -> bool:
    """True when the tenant lists its whole base chain: it has its own working prerequisites, so the steps here
    read nothing more (the app steps take the app ids its extensions names)."""
    return ChainListing(ctx.facts.policy_ids).whole


def named_app_ids(extensions: bytes | None) -> tuple[str | None, str | None]:
    """The (IdentityExperienceFramework, ProxyIdentityExperienceFramework) appIds an extensions policy's
    login-NonInteractive names: the starter pack puts the Proxy's in the metadata item `client_id` and the IEF's in
    `IdTokenAudience`, and repeats them as the DefaultValue of the input claims `client_id` and `resource_id`.
    A placeholder the operator never replaced, or an unreadable policy, names nothing."""
    from wizard.policies import NS, UnsafeXmlError, parse_policy

    if not extensions:
        return None, None
    try:
        root = parse_policy(extensions, EXTENSIONS_POLICY).getroot()
    except UnsafeXmlError:
        return None, None
    profiles = [
        profile
        for profile in root.iterfind(".//b:TechnicalProfile", NS)
        if str(profile.get("Id", "")).lower() == LOGIN_NON_INTERACTIVE.lower()
    ]

    def item(key: str) -> str | None:
        values = [
            (element.text or "").strip()
            for profile in profiles
            for element in profile.iterfind("b:Metadata/b:Item", NS)
            if element.get("Key") == key
        ]
        return next((value for value in values if GUID.match(value)), None)

    def claim_default(claim: str) -> str | None:
        values = [
            str(element.get("DefaultValue", "")).strip()
            for profile in profiles
            for element in profile.iterfind("b:InputClaims/b:InputClaim", NS)
            if element.get("ClaimTypeReferenceId") == claim
        ]
        return next((value for value in values if GUID.match(value)), None)

    return item("IdTokenAudience") or claim_default("resource_id"), item("client_id") or claim_default("client_id")


def ief_scope_id(answers: Answers) -> str:
    """The id of the `user_impersonation` scope this tool gives a tenant's IEF app: chosen by the client, and the
    same on every run, so a repeated upsert never tries to replace an enabled scope with another."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://{answers.tenant.domain}/{IEF_APP_NAME}/user_impersonation"))


def ief_redirect_uri(answers: Answers) -> str:
    return f"https://{b2clogin_host(answers.tenant.name, answers.tenant.cloud)}/{answers.tenant.domain}"


def ief_identifier_uri(answers: Answers, app_id: str) -> str:
    """The App ID URI the tutorial's tools give the IEF app: the initial domain and the app's own id."""
    return f"https://{answers.tenant.domain}/{app_id}"


def admin_consent_url(answers: Answers, client_app_id: str) -> str:
    """Microsoft's tenant-wide admin-consent URL for an app (Grant tenant-wide admin consent → "Construct the URL":
    `https://login.microsoftonline.com/{tenant-id}/adminconsent?client_id={client-id}`, the tenant by id or by
    any verified domain), in the tenant's cloud."""
    host = ENDPOINTS[answers.tenant.cloud].authority_host
    return f"https://{host}/{answers.tenant.domain}/adminconsent?{urlencode({'client_id': client_app_id})}"


async def find_app(ctx: StepContext, display_name: str, expected_app_id: str | None = None) -> Application | None:
    """The one app registration named `display_name`, if any. Of several, the one the tenant's extensions already
    names is the one its policies use; with none named, the run stops rather than guess. `expected_app_id`: an app
    an earlier step made moments ago, which a list may not show yet: it is waited for."""

    async def named() -> list[Application]:
        apps = await ctx.graph.applications_named(display_name)
        return [app for app in apps if app.display_name == display_name]

    apps = await named()
    if expected_app_id and ctx.patient and not _holds(apps, expected_app_id):

        async def shown() -> list[Application] | None:
            again = await named()
            return again if _holds(again, expected_app_id) else None

        apps = await ctx.graph.eventually(f"the app {display_name} ({expected_app_id})", shown) or apps
    if len(apps) <= 1:
        return apps[0] if apps else None
    named_ids = {app_id.lower() for app_id in await _app_ids_named_by_extensions(ctx) if app_id}
    chosen = [app for app in apps if app.app_id.lower() in named_ids]
    if len(chosen) == 1:
        return chosen[0]
    listed = ", ".join(f"{app.app_id} (object {app.object_id})" for app in sorted(apps, key=lambda app: app.app_id))
    raise TenantNotReadyError(
        f"The tenant has {len(apps)} app registrations named {display_name} ({listed}) and its "
        f"TrustFrameworkExtensions names none of them, so the tool cannot tell which one the policies use",
        f"delete the {display_name} registrations you do not use (Azure portal → App registrations), or upload an "
        "extensions policy whose login-NonInteractive names the one to keep, then run again",
    )


def app_proven(ctx: StepContext, step_id: str, app: Application, unique_name: str) -> bool:
    """Whether the tool can prove it made the app registration: the ledger says so; with no record, it carries the
    tool's own uniqueName (immutable, and given only by the tool's upsert), or the tool's tag while no state records
    the tenant or an interrupted create of the step was noted. Only such an app is the tool's to change."""
    entry = ctx.ownership.entry(ObjectKind.APPLICATION, app.object_id)
    if entry is not None:
        return entry.origin is Origin.MADE
    if app.unique_name == unique_name:
        return True
    return OWNER_TAG in app.tags and (ctx.ownership.marks_prove or ctx.intent_known(step_id) is not None)


def app_sightings(
    ctx: StepContext, step_id: str, app: Application, principal: ServicePrincipal | None, unique_name: str
) -> tuple[Sighting, ...]:
    """An app registration and its service principal for the ledger: the app made when it carries the tool's
    uniqueName (or its tag, while marks prove); the service principal when it carries the tag and its app is the
    tool's (or while marks prove)."""
    ours = app_proven(ctx, step_id, app, unique_name)
    seen = [
        Sighting(
            ObjectKind.APPLICATION,
            app.object_id,
            app.app_id,
            marked=OWNER_TAG in app.tags,
            proven=app.unique_name == unique_name,
        )
    ]
    if principal is not None:
        tagged = OWNER_TAG in principal.tags
        seen.append(
            Sighting(
                ObjectKind.SERVICE_PRINCIPAL, principal.object_id, principal.app_id, tagged, proven=tagged and ours
            )
        )
    return tuple(seen)


async def make_service_principal(ctx: StepContext, step_id: str, app_id: str, display_name: str) -> ServicePrincipal:
    """The app's service principal, tagged as the tool's and recorded as made the moment Graph answers."""
    principal = await ctx.graph.create_service_principal(app_id, display_name)
    ctx.ownership.made(step_id, ObjectKind.SERVICE_PRINCIPAL, principal.object_id, app_id=principal.app_id)
    return principal


def _holds(apps: list[Application], app_id: str) -> bool:
    return any(app.app_id.lower() == app_id.lower() for app in apps)


async def _service_principal(ctx: StepContext, app_id: str) -> ServicePrincipal | None:
    """The app's service principal; one an earlier step just made may take a while to show in a list."""
    found = await ctx.graph.service_principal(app_id)
    if found is None and ctx.patient:
        found = await ctx.graph.eventually(
            f"the service principal of {app_id}", lambda: ctx.graph.service_principal(app_id)
        )
    return found


async def _app_ids_named_by_extensions(ctx: StepContext) -> tuple[str | None, ...]:
    """The app ids the extensions names: from the chain the base check read, else from the tenant (one read, made
    only when two apps share a name)."""
    extensions = chain_policy(ctx.facts.chain, EXTENSIONS_POLICY)
    if extensions is None:
        extensions = await ctx.graph.policy_xml(EXTENSIONS_POLICY)
    return (*named_app_ids(extensions), ctx.facts.ief_app_id, ctx.facts.proxy_ief_app_id)


def _access_entries(app: Application) -> list[dict[str, Any]]:
    """The app's requiredResourceAccess as Graph takes it back in a PATCH."""
    return [
        {
            "resourceAppId": required.resource_app_id,
            "resourceAccess": [{"id": access.id, "type": access.type} for access in required.resource_access or ()],
        }
        for required in app.required_resource_access or ()
    ]


def _with_scopes(entries: list[dict[str, Any]], resource_app_id: str, scope_ids: set[str]) -> list[dict[str, Any]]:
    """`entries` with the delegated `scope_ids` of `resource_app_id` added, everything else kept (PATCH replaces
    the whole collection)."""
    entry = next((e for e in entries if e["resourceAppId"].lower() == resource_app_id.lower()), None)
    if entry is None:
        entry = {"resourceAppId": resource_app_id, "resourceAccess": []}
        entries.append(entry)
    held = {access["id"].lower() for access in entry["resourceAccess"]}
    entry["resourceAccess"].extend(
        {"id": scope_id, "type": "Scope"} for scope_id in sorted(scope_ids) if scope_id.lower() not in held
    )
    return entries


def _graph_sign_in_ids() -> set[str]:
    from wizard.graph import OFFLINE_ACCESS_SCOPE_ID, OPENID_SCOPE_ID

    return {OPENID_SCOPE_ID, OFFLINE_ACCESS_SCOPE_ID}


@dataclass(frozen=True)
class AppParts:
    """One IEF app as the tenant holds it: the registration, what it still lacks, and its service principal."""

    app: Application | None
    lacking: tuple[str, ...]
    principal: ServicePrincipal | None

    @property
    def complete(self) -> bool:
        return self.app is not None and not self.lacking and self.principal is not None


class IefAppStep(Step[AppParts]):
    """An IEF app registration and its service principal: found by name, made or completed, never duplicated."""

    display_name: ClassVar[str]
    unique_name: ClassVar[str]
    permissions: ClassVar[str]
    """The delegated permissions the app asks for, as the portal lists them."""
    named_at: ClassVar[int]
    """Where `named_app_ids` puts this app's id (IEF first, Proxy second)."""
    answer_sections = ("tenant",)

    async def check(self, ctx: StepContext) -> Finding[AppParts]:
        if own_chain_listed(ctx):
            named = named_app_ids(chain_policy(ctx.facts.chain, EXTENSIONS_POLICY))[self.named_at]
            app_id = self._remembered(ctx) or named
            if app_id is not None:
                self._remember(ctx, app_id)
            return Finding(True, "the tenant's own base chain is uploaded: its IEF apps are in place")
        parts = await look_patiently(
            ctx,
            self.id,
            f"the app {self.display_name} and its service principal",
            lambda: self._look(ctx),
            self._shown_enough(ctx),
        )
        if parts.app is None:
            return Finding(False, f"no app registration named {self.display_name} yet", found=parts)
        if parts.lacking and not app_proven(ctx, self.id, parts.app, self.unique_name):
            # Using an administrator's own app is fine; changing it is not the tool's to do.
            raise TenantNotReadyError(
                f"The app registration {self.display_name} ({parts.app.app_id}), which asignio-setup did not make, "
                f"lacks what the starter pack needs: {'; '.join(parts.lacking)}. The tool changes only what it made",
                f"add that to it in the Azure portal (App registrations → {self.display_name}), as Microsoft's "
                f"tutorial sets it up ({CUSTOM_POLICY_TUTORIAL}), or delete it if nothing uses it so the setup "
                "registers its own; then run again",
            )
        self._remember(ctx, parts.app.app_id)
        ids = {"application": parts.app.object_id, "app_id": parts.app.app_id}
        if parts.principal is not None:
            ids["service_principal"] = parts.principal.object_id
        seen = app_sightings(ctx, self.id, parts.app, parts.principal, self.unique_name)
        if parts.complete:
            return Finding(True, f"{self.display_name} ({parts.app.app_id}) is ready", ids, parts, seen)
        missing = [*parts.lacking, *(("its service principal",) if parts.principal is None else ())]
        return Finding(False, f"{self.display_name} ({parts.app.app_id}) lacks {', '.join(missing)}", ids, parts, seen)

    def _shown_enough(self, ctx: StepContext) -> Callable[[AppParts], bool]:
        """What a look waits for when an earlier run recently worked on the app: after a create it noted but did
        not finish, the app itself (what must never be made twice; the rest is completed by idempotent writes);
        after a finished run, everything it made, so a repeat writes nothing."""
        if ctx.intent_known(self.id) is not None:
            return lambda parts: parts.app is not None
        return lambda parts: parts.complete

    async def _look(self, ctx: StepContext) -> AppParts:
        app = await find_app(ctx, self.display_name, self._expected(ctx))
        if app is None:
            return AppParts(None, (), None)
        changes, principal = await asyncio.gather(self._changes(ctx, app), ctx.graph.service_principal(app.app_id))
        return AppParts(app, self._lacking(changes), principal)

    def _lacking(self, changes: dict[str, Any]) -> tuple[str, ...]:
        """What the PATCH `changes` would add, as the portal names it."""
        from wizard.graph import PROXY_REDIRECT_URI

        said: list[str] = []
        if "api" in changes:
            said.append("the admin-consent scope user_impersonation (Expose an API)")
        if "identifierUris" in changes:
            said.append(f"the Application ID URI {changes['identifierUris'][-1]}")
        if "isFallbackPublicClient" in changes:
            said.append("Allow public client flows set to Yes (Authentication)")
        if "publicClient" in changes:
            said.append(f"the Mobile and desktop redirect URI {PROXY_REDIRECT_URI}")
        if "requiredResourceAccess" in changes:
            said.append(f"the delegated API permissions {self.permissions}")
        if "web" in changes:
            said.append(f"the web redirect URI {changes['web']['redirectUris'][-1]}")
        return tuple(said)

    async def apply(self, ctx: StepContext, finding: Finding[AppParts], progress: Progress) -> Finding[AppParts]:
        parts = finding.work()
        app = parts.app
        if app is None:
            progress(f"registering {self.display_name}")
            body = await self._body(ctx)
            app = await ctx.graph.upsert_application(self.unique_name, body)
            if app is None:
                progress("the tenant does not take upserts: creating it, noted first so a repeat looks before creating")
                ctx.intend(self.id, ())
                app = await ctx.graph.create_application(body)
            ctx.ownership.made(self.id, ObjectKind.APPLICATION, app.object_id, app_id=app.app_id)
        self._remember(ctx, app.app_id)
        changes = await self._changes(ctx, app)
        if changes:
            progress(f"setting {', '.join(sorted(changes))} on {self.display_name}")
            await ctx.graph.update_application(app.object_id, changes)
        principal = parts.principal if parts.app is not None else None
        if principal is None:
            progress(f"creating the service principal of {self.display_name}")
            principal = await make_service_principal(ctx, self.id, app.app_id, self.display_name)
        ids = {"application": app.object_id, "app_id": app.app_id, "service_principal": principal.object_id}
        return Finding(True, f"{self.display_name} ({app.app_id}) is ready", ids)

    @abstractmethod
    def _remember(self, ctx: StepContext, app_id: str) -> None:
        """Hand the app id to the steps that render the starter pack (the step's one output)."""

    @abstractmethod
    def _remembered(self, ctx: StepContext) -> str | None:
        """The app id the step handed on earlier, if any."""

    @abstractmethod
    def _expected(self, ctx: StepContext) -> str | None:
        """The app's id when an earlier step of this run learned it (then a list is given time to show it)."""

    @abstractmethod
    async def _body(self, ctx: StepContext) -> dict[str, Any]:
        """The app as a create or upsert sends it."""

    @abstractmethod
    async def _changes(self, ctx: StepContext, app: Application) -> dict[str, Any]:
        """The properties to PATCH so the registration is what the starter pack needs, everything else kept."""


class IdentityExperienceFrameworkApp(IefAppStep):
    """The app the base policy's local sign-in asks tokens for: web redirect, App ID URI, `user_impersonation`."""

    id = "ief-app"
    title = "Register the IdentityExperienceFramework app"
    after = ("graph-service-principal",)
    display_name = IEF_APP_NAME
    unique_name = IEF_UNIQUE_NAME
    permissions = "Microsoft Graph openid and offline_access"
    named_at = 0
    outputs = ("ief_app_id",)

    def describe(self, answers: Answers) -> str:
        return (
            f"App registration {IEF_APP_NAME} (web, {ief_redirect_uri(answers)}, scope user_impersonation, "
            "Graph openid + offline_access) and its service principal"
        )

    def _remember(self, ctx: StepContext, app_id: str) -> None:
        ctx.facts.ief_app_id = app_id

    def _remembered(self, ctx: StepContext) -> str | None:
        return ctx.facts.ief_app_id

    def _expected(self, ctx: StepContext) -> str | None:
        return None  # the first of the apps: no earlier step makes it

    async def _body(self, ctx: StepContext) -> dict[str, Any]:
        from wizard.graph import ief_application_body

        return ief_application_body(IEF_APP_NAME, ief_redirect_uri(ctx.answers), ief_scope_id(ctx.answers))

    async def _changes(self, ctx: StepContext, app: Application) -> dict[str, Any]:
        from wizard.graph import GRAPH_APP_ID, IEF_SCOPE, ief_application_body

        changes: dict[str, Any] = {}
        redirect = ief_redirect_uri(ctx.answers)
        if redirect not in app.redirect_uris:
            changes["web"] = {"redirectUris": [*app.redirect_uris, redirect]}
        identifier = ief_identifier_uri(ctx.answers, app.app_id)
        if identifier not in app.identifier_uris:
            changes["identifierUris"] = [*app.identifier_uris, identifier]
        if app.scope_named(IEF_SCOPE) is None:
            wanted = ief_application_body(IEF_APP_NAME, redirect, ief_scope_id(ctx.answers))
            kept = [scope.model_dump(by_alias=True, exclude_none=True) for scope in app.permission_scopes]
            changes["api"] = {"oauth2PermissionScopes": [*kept, *wanted["api"]["oauth2PermissionScopes"]]}
        if not app.requires(GRAPH_APP_ID, _graph_sign_in_ids()):
            changes["requiredResourceAccess"] = _with_scopes(_access_entries(app), GRAPH_APP_ID, _graph_sign_in_ids())
        return changes


class ProxyIdentityExperienceFrameworkApp(IefAppStep):
    """The public client login-NonInteractive signs local accounts in through (password grant)."""

    id = "proxy-ief-app"
    title = "Register the ProxyIdentityExperienceFramework app"
    after = ("ief-app",)
    display_name = PROXY_APP_NAME
    unique_name = PROXY_UNIQUE_NAME
    permissions = f"{IEF_APP_NAME} user_impersonation, Microsoft Graph openid and offline_access"
    named_at = 1
    outputs = ("proxy_ief_app_id",)

    def describe(self, answers: Answers) -> str:
        return (
            f"App registration {PROXY_APP_NAME} (public client, myapp://auth, asks {IEF_APP_NAME} for "
            "user_impersonation and Graph for openid + offline_access) and its service principal"
        )

    def _remember(self, ctx: StepContext, app_id: str) -> None:
        ctx.facts.proxy_ief_app_id = app_id

    def _remembered(self, ctx: StepContext) -> str | None:
        return ctx.facts.proxy_ief_app_id

    def _expected(self, ctx: StepContext) -> str | None:
        return None  # the Proxy app is made by this step only

    async def _ief(self, ctx: StepContext) -> tuple[str, str]:
        """The IEF app's appId and the id of its user_impersonation scope, which the Proxy asks for."""
        from wizard.graph import IEF_SCOPE

        ief = await find_app(ctx, IEF_APP_NAME, ctx.facts.ief_app_id)
        scope = ief.scope_named(IEF_SCOPE) if ief is not None else None
        if ief is None or scope is None:
            raise TenantNotReadyError(
                f"The tenant's {IEF_APP_NAME} app does not expose the scope {IEF_SCOPE} (yet)",
                f"run again: the {IdentityExperienceFrameworkApp.id} step adds it first",
            )
        return ief.app_id, scope.id

    async def _body(self, ctx: StepContext) -> dict[str, Any]:
        from wizard.graph import proxy_ief_application_body

        return proxy_ief_application_body(PROXY_APP_NAME, *await self._ief(ctx))

    async def _changes(self, ctx: StepContext, app: Application) -> dict[str, Any]:
        from wizard.graph import GRAPH_APP_ID, PROXY_REDIRECT_URI

        ief_app_id, scope_id = await self._ief(ctx)
        changes: dict[str, Any] = {}
        if app.is_fallback_public_client is not True:
            changes["isFallbackPublicClient"] = True
        if PROXY_REDIRECT_URI not in app.public_client_redirect_uris:
            changes["publicClient"] = {"redirectUris": [*app.public_client_redirect_uris, PROXY_REDIRECT_URI]}
        if not app.requires(ief_app_id, {scope_id}) or not app.requires(GRAPH_APP_ID, _graph_sign_in_ids()):
            entries = _with_scopes(_access_entries(app), ief_app_id, {scope_id})
            changes["requiredResourceAccess"] = _with_scopes(entries, GRAPH_APP_ID, _graph_sign_in_ids())
        return changes


@dataclass(frozen=True)
class Consent:
    """One of the three tenant-wide grants the starter pack's local sign-in needs."""

    client: ServicePrincipal
    client_name: str
    resource: ServicePrincipal
    scope: str
    grant: PermissionGrant | None

    @property
    def held(self) -> bool:
        return self.grant is not None and set(self.scope.split()) <= self.grant.scopes


async def consents(ctx: StepContext) -> list[Consent] | None:
    """The three grants as the tenant holds them; None while an app or service principal they need is missing."""
    from wizard.graph import GRAPH_APP_ID, IEF_SCOPE

    ief, proxy = await asyncio.gather(
        find_app(ctx, IEF_APP_NAME, ctx.facts.ief_app_id), find_app(ctx, PROXY_APP_NAME, ctx.facts.proxy_ief_app_id)
    )
    if ief is None or proxy is None:
        return None
    graph, ief_principal, proxy_principal = await asyncio.gather(
        _service_principal(ctx, GRAPH_APP_ID),
        _service_principal(ctx, ief.app_id),
        _service_principal(ctx, proxy.app_id),
    )
    if graph is None or ief_principal is None or proxy_principal is None:
        return None
    wanted = (
        (proxy_principal, PROXY_APP_NAME, graph, SIGN_IN_SCOPES),
        (proxy_principal, PROXY_APP_NAME, ief_principal, IEF_SCOPE),
        (ief_principal, IEF_APP_NAME, graph, SIGN_IN_SCOPES),
    )
    grants = await asyncio.gather(
        *(ctx.graph.permission_grant(client.object_id, resource.object_id) for client, _, resource, _ in wanted)
    )
    return [
        Consent(client, name, resource, scope, grant)
        for (client, name, resource, scope), grant in zip(wanted, grants, strict=True)
    ]


def _all_held(found: list[Consent] | None) -> bool:
    return found is not None and all(consent.held for consent in found)


async def _held_or_none(ctx: StepContext) -> list[Consent] | None:
    """The grants once the tenant shows all three (a new grant may take a while to show in a list)."""
    found = await consents(ctx)
    return found if _all_held(found) else None


def grant_sightings(grants: Iterable[PermissionGrant | None]) -> tuple[Sighting, ...]:
    """Consent grants for the ledger: no mark exists for them, so only an intent makes one the tool's."""
    return tuple(Sighting(ObjectKind.CONSENT_GRANT, grant.id) for grant in grants if grant is not None)


class GraphServicePrincipal(Step[None]):
    """Microsoft Graph's service principal: every consent grant to Graph names it; a young tenant may lack it."""

    id = "graph-service-principal"
    title = "Make sure Microsoft Graph's service principal is present"
    after = ("base-chain",)

    def describe(self, answers: Answers) -> str:
        return "Microsoft Graph's service principal (created from its appId when the tenant lacks it)"

    async def check(self, ctx: StepContext) -> Finding[None]:
        from wizard.graph import GRAPH_APP_ID

        if own_chain_listed(ctx):
            return Finding(True, "the tenant's own base chain is uploaded: its prerequisites are in place")
        principal = await look_patiently(
            ctx,
            self.id,
            "Microsoft Graph's service principal",
            lambda: ctx.graph.service_principal(GRAPH_APP_ID),
            lambda found: found is not None,
        )
        if principal is None:
            return Finding(False, "the tenant has no service principal for Microsoft Graph yet")
        return Finding(
            True,
            "Microsoft Graph's service principal is present",
            {"service_principal": principal.object_id},
            seen=(Sighting(ObjectKind.SERVICE_PRINCIPAL, principal.object_id, principal.app_id),),
        )

    async def apply(self, ctx: StepContext, finding: Finding[None], progress: Progress) -> Finding[None]:
        from wizard.graph import GRAPH_APP_ID

        progress("creating Microsoft Graph's service principal")
        ctx.intend(self.id, ())  # Graph's own has no tag: the intent is what tells a repeat this run made it
        principal = await ctx.graph.create_microsoft_service_principal(GRAPH_APP_ID)
        ctx.ownership.made(self.id, ObjectKind.SERVICE_PRINCIPAL, principal.object_id, app_id=principal.app_id)
        return Finding(
            True, "Microsoft Graph's service principal is present", {"service_principal": principal.object_id}
        )


class IefConsentGrants(Step[list[Consent]]):
    """The three admin-consent grants, made by the signed-in account where Graph lets it. They are given to the IEF
    apps whoever registered them, and a grant already there gains the scope it lacks (none is taken away): that is
    the portal's Grant admin consent for the delegated permissions the app itself asks for (the IEF app steps stop
    at an app of someone else's that does not), which the base chain the setup uploads needs to sign anyone in."""

    id = "ief-consent-grants"
    title = "Grant admin consent to the IEF apps"
    after = ("proxy-ief-app",)

    def describe(self, answers: Answers) -> str:
        return (
            f"Admin consent: {PROXY_APP_NAME} → Graph {SIGN_IN_SCOPES} and → {IEF_APP_NAME} user_impersonation; "
            f"{IEF_APP_NAME} → Graph {SIGN_IN_SCOPES}"
        )

    async def check(self, ctx: StepContext) -> Finding[list[Consent]]:
        if own_chain_listed(ctx):
            return Finding(True, "the tenant's own base chain is uploaded: its consent is in place")
        found = await look_patiently(ctx, self.id, "the IEF apps' consent grants", lambda: consents(ctx), _all_held)
        if found is None:
            return Finding(False, "the IEF apps and their service principals come first")
        seen = grant_sightings(consent.grant for consent in found)
        if _all_held(found):
            return Finding(True, "admin consent is granted to both IEF apps", found=found, seen=seen)
        return Finding(
            False,
            f"{sum(not consent.held for consent in found)} of the 3 consent grants missing",
            found=found,
            seen=seen,
        )

    async def apply(
        self, ctx: StepContext, finding: Finding[list[Consent]], progress: Progress
    ) -> Finding[list[Consent]]:
        found = finding.found if finding.found is not None else await consents(ctx)
        if found is None:
            raise TenantNotReadyError(
                "The IEF apps or their service principals are not there to be granted consent",
                "run again: the steps before this one make them",
            )
        refused = []
        if any(consent.grant is None for consent in found):
            ctx.intend(self.id, ())  # grants carry no mark: the intent tells a repeat that this run made them
        for consent in found:
            if consent.held:
                continue
            named = f"{consent.client_name} → {consent.scope}"
            if consent.grant is None:
                progress(f"granting admin consent: {named}")
                granted = await ctx.graph.grant_if_allowed(
                    consent.client.object_id, consent.resource.object_id, consent.scope
                )
                if granted is None:
                    refused.append(named)
                else:
                    ctx.ownership.made(self.id, ObjectKind.CONSENT_GRANT, granted.id)
            else:
                progress(f"adding {consent.scope} to the consent of {consent.client_name}")
                scopes = " ".join(sorted(consent.grant.scopes | set(consent.scope.split())))
                await ctx.graph.update_permission_grant(consent.grant.id, scopes)
        if not refused:
            await ctx.graph.eventually("the new consent grants", lambda: _held_or_none(ctx))
        if refused:
            return Finding(
                False,
                f"the signed-in account may not grant admin consent (Graph answered 403 for {'; '.join(refused)}): "
                f"the step {IefAdminConsent.id} gives the links an administrator opens",
            )
        return Finding(True, "admin consent is granted to both IEF apps")


class IefAdminConsent(GuidedStep):
    """Where the signed-in account may not grant consent: an administrator opens Microsoft's admin-consent links.
    Done once the tenant holds the three grants, whoever made them; a confirmation alone is not enough."""

    id = "ief-admin-consent"
    title = "An administrator grants consent to the IEF apps"
    after = ("ief-consent-grants",)
    answer_sections = ("tenant",)

    def __init__(self, after: tuple[str, ...] | None = None) -> None:
        super().__init__(after)
        self._clients: dict[str, str] = {}
        """Name → appId of the apps whose consent is missing, as the last check saw them."""

    def describe(self, answers: Answers) -> str:
        return "Admin consent by an administrator, where the signed-in account may not grant it (checked in the tenant)"

    async def check(self, ctx: StepContext) -> Finding[None]:
        if own_chain_listed(ctx):
            return Finding(True, "the tenant's own base chain is uploaded: its consent is in place")
        found = await consents(ctx)
        if found is not None and not _all_held(found) and ctx.confirmed(self.id) and ctx.patient:
            shown = await ctx.graph.eventually("the consent the administrator granted", lambda: _held_or_none(ctx))
            found = shown or found
        if _all_held(found):
            return Finding(True, "the tenant holds admin consent for both IEF apps")
        if found is None:
            return Finding(False, "waiting for the IEF apps, then for an administrator's consent")
        self._clients = {consent.client_name: consent.client.app_id for consent in found if not consent.held}
        if ctx.confirmed(self.id):
            return Finding(False, "confirmed, but the tenant shows no admin consent yet: open the links again")
        return Finding(False, "waiting for an administrator to grant admin consent")

    def consent_urls(self, answers: Answers) -> tuple[str, ...]:
        """The admin-consent URL of each app still lacking consent: the Proxy's first (it needs both resources)."""
        order = sorted(self._clients, key=lambda name: name != PROXY_APP_NAME)
        return tuple(admin_consent_url(answers, self._clients[name]) for name in order)

    def instructions(self, answers: Answers) -> tuple[str, ...]:
        urls = self.consent_urls(answers)
        return (
            f"Sign in to {answers.tenant.domain} as a {CONSENT_ROLES} in a browser.",
            *(f"Open {url} and accept the permissions it lists for the whole organization." for url in urls),
            "Then run again (or confirm this step): the tool checks that the tenant holds the consent.",
        )

    def link(self, answers: Answers) -> str:
        urls = self.consent_urls(answers)
        return urls[0] if urls else super().link(answers)


def ief_app_steps() -> tuple[AnyStep, ...]:
    """The IEF prerequisites in order, the first after the base check; each `after` names earlier ones only."""
    return (
        GraphServicePrincipal(),
        IdentityExperienceFrameworkApp(),
        ProxyIdentityExperienceFrameworkApp(),
        IefConsentGrants(),
        IefAdminConsent(),
    )

"""Both paths: the jwt.ms test application, its service principal and admin consent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.answers import Answers
from wizard.errors import TenantNotReadyError
from wizard.ownership import ObjectKind
from wizard.steps.base import TEST_APP_SCOPES, Finding, GuidedStep, Progress, Step, StepContext, look_patiently
from wizard.steps.ief_apps import (
    CONSENT_ROLES,
    admin_consent_url,
    app_proven,
    app_sightings,
    grant_sightings,
    make_service_principal,
)

if TYPE_CHECKING:
    from wizard.graph import (
        Application,
        PermissionGrant,
        ServicePrincipal,
    )


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


class TestApplication(Step[TestAppParts]):
    """The jwt.ms app registration, its service principal and admin consent for openid + offline_access."""

    id = "test-app"
    outputs = ("test_app_id", "test_app_consent_refused")
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
            # after a create noted but not finished, the app showing is enough: the rest is completed idempotently
            (lambda parts: parts.app is not None) if ctx.intent_known(self.id) is not None else self._complete,
        )

    async def _look(self, ctx: StepContext) -> TestAppParts:
        from wizard.graph import GRAPH_APP_ID

        wanted = ctx.answers.test_app
        apps, graph = await asyncio.gather(
            ctx.graph.applications_named(wanted.display_name), ctx.graph.service_principal(GRAPH_APP_ID)
        )
        if graph is None and ctx.patient:  # made moments ago by the step for it, a list may not show it yet
            graph = await ctx.graph.eventually(
                "Microsoft Graph's service principal", lambda: ctx.graph.service_principal(GRAPH_APP_ID)
            )
        if graph is None:
            raise TenantNotReadyError(
                "The tenant has no service principal for Microsoft Graph",
                "this is unusual for a B2C tenant: check the tenant in the Azure portal",
            )
        ours = [app for app in apps if app_proven(ctx, self.id, app, test_app_unique_name(wanted.display_name))]
        if apps and not ours:
            # Only an app the tool can prove it made is the tool's to patch, give a service principal and consent.
            listed = ", ".join(f"appId {app.app_id}" for app in sorted(apps, key=lambda app: app.app_id))
            raise TenantNotReadyError(
                f"The app registration name {wanted.display_name} ([test_app] display_name) is taken by something "
                f"else: an app asignio-setup cannot prove it made ({listed})",
                "set [test_app] display_name to a name no other app registration uses (or rename that app in the "
                "Azure portal if it is no longer used), then run again",
            )
        if not ours:
            return TestAppParts(None, False, None, graph, None)
        app = min(ours, key=lambda candidate: candidate.object_id)
        app_ok = wanted.redirect_uri in app.redirect_uris and app.id_token_issuance
        client = await ctx.graph.service_principal(app.app_id)
        grant = await ctx.graph.permission_grant(client.object_id, graph.object_id) if client else None
        return TestAppParts(app, app_ok, client, graph, grant)

    def _complete(self, parts: TestAppParts) -> bool:
        return parts.app is not None and parts.app_ok and parts.client is not None and self._grant_ok(parts.grant)

    @staticmethod
    def _grant_ok(grant: PermissionGrant | None) -> bool:
        return grant is not None and set(TEST_APP_SCOPES.split()) <= grant.scopes

    async def check(self, ctx: StepContext) -> Finding[TestAppParts]:
        parts = await self._parts(ctx)
        name = ctx.answers.test_app.display_name
        if parts.app is None:
            return Finding(False, f"no app registration named {name} yet", found=parts)
        ids = {"application": parts.app.object_id, "app_id": parts.app.app_id}
        ctx.facts.test_app_id = parts.app.app_id
        done = self._complete(parts)
        summary = f"{name} ({parts.app.app_id}) " + ("is ready" if done else "is incomplete")
        return Finding(
            done,
            summary,
            ids,
            parts,
            (
                *app_sightings(ctx, self.id, parts.app, parts.client, test_app_unique_name(name)),
                *grant_sightings([parts.grant]),
            ),
        )

    async def apply(
        self, ctx: StepContext, finding: Finding[TestAppParts], progress: Progress
    ) -> Finding[TestAppParts]:
        wanted = ctx.answers.test_app
        parts = finding.work()
        app = parts.app
        if app is None:
            progress(f"registering {wanted.display_name}")
            unique_name = test_app_unique_name(wanted.display_name)
            app = await ctx.graph.upsert_test_application(unique_name, wanted.display_name, wanted.redirect_uri)
            if app is None:
                progress("the tenant does not take upserts: creating it, noted first so a repeat looks before creating")
                ctx.intend(self.id, ())
                app = await ctx.graph.create_test_application(wanted.display_name, wanted.redirect_uri)
            ctx.ownership.made(self.id, ObjectKind.APPLICATION, app.object_id, app_id=app.app_id)
        elif not parts.app_ok:
            progress(f"setting the reply URL {wanted.redirect_uri} and ID tokens on {wanted.display_name}")
            await ctx.graph.update_test_application(app.object_id, wanted.redirect_uri)
        client = parts.client
        if client is None:
            progress("creating its service principal")
            client = await make_service_principal(ctx, self.id, app.app_id, wanted.display_name)
        ids = {"application": app.object_id, "app_id": app.app_id}
        ctx.facts.test_app_id = app.app_id
        if parts.grant is None:
            progress(f"granting admin consent for {TEST_APP_SCOPES}")
            ctx.intend(self.id, ())  # a grant carries no mark: the intent tells a repeat that this run made it
            granted = await ctx.graph.grant_if_allowed(client.object_id, parts.graph.object_id, TEST_APP_SCOPES)
            if granted is None:
                ctx.facts.test_app_consent_refused = True
                return Finding(
                    False,
                    f"{wanted.display_name} ({app.app_id}) is registered; the signed-in account may not grant its "
                    f"admin consent (Graph answered 403): the step {TestAppConsent.id} gives the link an "
                    "administrator opens",
                    ids,
                )
            ctx.ownership.made(self.id, ObjectKind.CONSENT_GRANT, granted.id)
        elif not self._grant_ok(parts.grant):
            # A grant someone gave the tool's own app (consent in the portal) only gains the scopes the test needs.
            scopes = " ".join(sorted(parts.grant.scopes | set(TEST_APP_SCOPES.split())))
            await ctx.graph.update_permission_grant(parts.grant.id, scopes)
        return Finding(True, f"{wanted.display_name} ({app.app_id}) is ready", ids)


async def test_app_consent(ctx: StepContext, app_id: str) -> PermissionGrant | None:
    """The test app's tenant-wide consent to Graph's openid and offline_access, when the tenant holds it."""
    from wizard.graph import GRAPH_APP_ID

    client, graph = await asyncio.gather(ctx.graph.service_principal(app_id), ctx.graph.service_principal(GRAPH_APP_ID))
    if client is None or graph is None:
        return None
    grant = await ctx.graph.permission_grant(client.object_id, graph.object_id)
    return grant if TestApplication._grant_ok(grant) else None


class TestAppConsent(GuidedStep):
    """Where the signed-in account may not grant the test app's consent, an administrator opens Microsoft's
    admin-consent link (as for the IEF apps). Needed only once Graph refused the run that grant; then done once the
    tenant holds it, whoever made it: a confirmation alone is not enough."""

    id = "test-app-consent"
    title = "If needed: an administrator grants consent to the test app"
    after = (TestApplication.id,)
    answer_sections = ("test_app",)

    def __init__(self, after: tuple[str, ...] | None = None) -> None:
        super().__init__(after)
        self._app_id: str | None = None
        """The test app's appId as the last check saw it: the admin-consent link names it."""

    def describe(self, answers: Answers) -> str:
        return "Admin consent by an administrator, where the signed-in account may not grant it (checked in the tenant)"

    async def check(self, ctx: StepContext) -> Finding[None]:
        app_id = ctx.facts.test_app_id
        if not ctx.facts.test_app_consent_refused or app_id is None:
            return Finding(True, "not needed: no administrator has to grant the test app's consent")
        self._app_id = app_id
        held = await test_app_consent(ctx, app_id)
        if held is None and ctx.confirmed(self.id) and ctx.patient:
            held = await ctx.graph.eventually(
                "the consent the administrator granted", lambda: test_app_consent(ctx, app_id)
            )
        if held is not None:
            # an administrator's grant, not the tool's: the ledger records it as found (it goes with the test app's
            # service principal, which the tool made)
            return Finding(True, "the tenant holds admin consent for the test app", seen=grant_sightings([held]))
        if ctx.confirmed(self.id):
            return Finding(False, "confirmed, but the tenant shows no admin consent for the test app yet")
        return Finding(False, "waiting for an administrator to grant the test app's consent")

    def instructions(self, answers: Answers) -> tuple[str, ...]:
        return (
            f"Sign in to {answers.tenant.domain} as a {CONSENT_ROLES} in a browser.",
            f"Open {self.link(answers)} and accept the permissions it lists ({TEST_APP_SCOPES}) for the whole "
            "organization.",
            "Then run again (or confirm this step): the tool checks that the tenant holds the consent.",
        )

    def link(self, answers: Answers) -> str:
        return admin_consent_url(answers, self._app_id) if self._app_id else super().link(answers)

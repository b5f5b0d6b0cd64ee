"""App registrations, service principals and delegated permission grants (v1.0 and beta alike).

Docs: application-list.md, application-post-applications.md, application-update.md, application-upsert.md,
application-delete.md, serviceprincipal-delete.md, oauth2permissiongrant-delete.md,
serviceprincipal-list.md, serviceprincipal-post-serviceprincipals.md, serviceprincipal-upsert.md,
oauth2permissiongrant-list.md, oauth2permissiongrant-post.md, oauth2permissiongrant-update.md.

Creating an application is not idempotent, and a list right after a create may not show the new one yet. So the
test app is made with Microsoft's upsert (`PATCH /applications(uniqueName='…')` + `Prefer: create-if-missing`),
which is keyed by a name the client chooses; a tenant that refuses the upsert gets look-then-create instead, with
the intent recorded by the step before the create.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from wizard import clock
from wizard.graph.errors import GraphFailure, translate
from wizard.graph.models import Application, PermissionGrant, ServicePrincipal
from wizard.graph.transport import GraphResource, path_segment
from wizard.ownership import OWNER_TAG
from wizard.permissions import APPLICATIONS, GRANTS

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
OPENID_SCOPE_ID = "37f7f235-527c-4136-accd-4a02d197296e"
OFFLINE_ACCESS_SCOPE_ID = "7427e0e9-2fba-42fe-b0c0-848c9e6a8182"
ALL_PRINCIPALS = "AllPrincipals"
IEF_SCOPE = "user_impersonation"
"""The scope the IdentityExperienceFramework app exposes and the Proxy app asks for (the custom-policy tutorial)."""
PROXY_REDIRECT_URI = "myapp://auth"
CREATE_IF_MISSING = {"Prefer": "create-if-missing"}
NO_BACKING_APPLICATION = "does not reference a valid application object"
"""Entra's answer (400) to a service principal for an application it does not show yet."""
GRANT_VALIDITY_DAYS = 3650
UPSERT_UNSUPPORTED = ("alternate key", "not supported", "unsupported")
"""How a tenant that does not take alternate-key upserts may word its 400; B2C's support is documented neither way."""
OWNER_TAGS = [OWNER_TAG]
"""`tags` of every application and service principal the tool creates (application.md, serviceprincipal.md: "custom
strings that can be used to categorize and identify"), sent in the create or upsert itself, so no extra request."""


def odata_literal(value: str) -> str:
    """An OData string literal, for $filter and alternate keys."""
    return "'" + value.replace("'", "''") + "'"


def _key_path(collection: str, key: str, value: str) -> str:
    return f"{collection}({key}={quote(odata_literal(value), safe=chr(39))})"


def test_application_body(display_name: str, redirect_uri: str) -> dict[str, Any]:
    """A web app that may receive ID tokens at `redirect_uri` and asks Graph for openid + offline_access."""
    return {
        "displayName": display_name,
        "signInAudience": "AzureADandPersonalMicrosoftAccount",
        "tags": OWNER_TAGS,
        "api": {"requestedAccessTokenVersion": 2},
        "web": _web([redirect_uri]),
        "requiredResourceAccess": [
            {
                "resourceAppId": GRAPH_APP_ID,
                "resourceAccess": [
                    {"id": OPENID_SCOPE_ID, "type": "Scope"},
                    {"id": OFFLINE_ACCESS_SCOPE_ID, "type": "Scope"},
                ],
            }
        ],
    }


def _graph_sign_in_access() -> dict[str, Any]:
    """Graph's delegated openid and offline_access (requiredresourceaccess.md, resourceaccess.md)."""
    return {
        "resourceAppId": GRAPH_APP_ID,
        "resourceAccess": [
            {"id": OPENID_SCOPE_ID, "type": "Scope"},
            {"id": OFFLINE_ACCESS_SCOPE_ID, "type": "Scope"},
        ],
    }


def ief_application_body(display_name: str, redirect_uri: str, scope_id: str) -> dict[str, Any]:
    """The IdentityExperienceFramework app as Microsoft's custom-policy tutorial registers it: this organization
    only, a web redirect to the tenant's b2clogin host, the admin-consented `user_impersonation` scope (a
    permissionScope, permissionscope.md, its GUID chosen by the client) and Graph's openid + offline_access. Its
    App ID URI names its own appId, so it is set once the app exists (`update_application`)."""
    return {
        "displayName": display_name,
        "signInAudience": "AzureADMyOrg",
        "tags": OWNER_TAGS,
        "web": {"redirectUris": [redirect_uri]},
        "api": {
            "oauth2PermissionScopes": [
                {
                    "id": scope_id,
                    "value": IEF_SCOPE,
                    "type": "Admin",
                    "isEnabled": True,
                    "adminConsentDisplayName": f"Access {display_name}",
                    "adminConsentDescription": f"Allow the application to access {display_name} on behalf of the "
                    "signed-in user.",
                }
            ]
        },
        "requiredResourceAccess": [_graph_sign_in_access()],
    }


def proxy_ief_application_body(display_name: str, ief_app_id: str, ief_scope_id: str) -> dict[str, Any]:
    """The ProxyIdentityExperienceFramework app: a public client (the base policy's login-NonInteractive does a
    password grant against it) with the `myapp://auth` redirect, asking the IEF app for `user_impersonation` and
    Graph for openid + offline_access."""
    return {
        "displayName": display_name,
        "signInAudience": "AzureADMyOrg",
        "tags": OWNER_TAGS,
        "isFallbackPublicClient": True,
        "publicClient": {"redirectUris": [PROXY_REDIRECT_URI]},
        "requiredResourceAccess": [
            {"resourceAppId": ief_app_id, "resourceAccess": [{"id": ief_scope_id, "type": "Scope"}]},
            _graph_sign_in_access(),
        ],
    }


def _web(redirect_uris: list[str]) -> dict[str, Any]:
    return {
        "redirectUris": redirect_uris,
        "implicitGrantSettings": {"enableIdTokenIssuance": True, "enableAccessTokenIssuance": False},
    }


def _upsert_refused(failure: GraphFailure) -> bool:
    """The tenant does not take the upsert, so a plain create is the way: it does not know the method (405, 501),
    it ignored `Prefer: create-if-missing` (then the docs say a missing object is 404), or it says the alternate
    key is not supported. Any other 400 is a real refusal of what was sent, and a create would meet it too."""
    if failure.status in (404, 405, 501):
        return True
    return failure.status == 400 and failure.has_message(*UPSERT_UNSUPPORTED)


class ApplicationCalls(GraphResource):
    # Applications

    async def applications_named(self, display_name: str) -> list[Application]:
        found = await self._graph.list_all(
            APPLICATIONS, "applications", {"$filter": f"displayName eq {odata_literal(display_name)}"}
        )
        return self._parse_all(Application, found, APPLICATIONS, "GET /applications")

    async def application(self, object_id: str) -> Application | None:
        """The application by object id (GET /applications/{id}, application-get.md); None when it is gone."""
        found = await self._graph.get_optional(APPLICATIONS, f"applications/{path_segment(object_id)}")
        return None if found is None else self._parse(Application, found, APPLICATIONS, "GET /applications/{id}")

    async def upsert_test_application(
        self, unique_name: str, display_name: str, redirect_uri: str
    ) -> Application | None:
        """Create the test app, or update the one made before under the same unique name: a repeat after a crash
        never makes a second one. None when the tenant does not take upserts (the caller creates instead)."""
        return await self.upsert_application(unique_name, test_application_body(display_name, redirect_uri))

    async def upsert_application(self, unique_name: str, body: dict[str, Any]) -> Application | None:
        """Create the application `body` describes, or update the one made before under the same unique name
        (application-upsert.md). None when the tenant does not take upserts (the caller creates instead)."""
        display_name = str(body["displayName"])
        path = _key_path("applications", "uniqueName", unique_name)
        try:
            response = await self._graph.send(
                APPLICATIONS,
                "PATCH",
                path,
                json=body,
                headers=CREATE_IF_MISSING,
                idempotent=True,
            )
        except GraphFailure as failure:
            if _upsert_refused(failure):
                return None
            raise translate(failure, APPLICATIONS) from None
        if response.status_code == 201 and response.content:
            return self._parse(
                Application, self._graph.parse_json(APPLICATIONS, response), APPLICATIONS, f"PATCH /{path}"
            )

        async def updated() -> Application | None:
            """204: an app with that unique name existed and now has `display_name`. GET by uniqueName is not
            documented (application-get.md), so it is found by name among the listed apps."""
            named = await self.applications_named(display_name)
            return next((app for app in named if app.unique_name == unique_name), named[0] if named else None)

        return await self._shown(f"the application {display_name}", "updated", updated)

    async def create_test_application(self, display_name: str, redirect_uri: str) -> Application:
        """POST /applications: not idempotent; only for tenants that refuse the upsert, after the step looked."""
        return await self.create_application(test_application_body(display_name, redirect_uri))

    async def create_application(self, body: dict[str, Any]) -> Application:
        """POST /applications (application-post-applications.md): not idempotent; only for tenants that refuse the
        upsert, after the step looked and noted its intent."""
        response = await self._graph.call(APPLICATIONS, "POST", "applications", json=body, idempotent=False)
        return self._parse(
            Application, self._graph.parse_json(APPLICATIONS, response), APPLICATIONS, "POST /applications"
        )

    async def update_application(self, object_id: str, changes: dict[str, Any]) -> None:
        """PATCH /applications/{id} with the properties to change (application-update.md, 204). Right after the
        application's creation Graph may not show it yet (404): that is waited out."""
        path = f"applications/{path_segment(object_id)}"

        async def patch() -> None:
            await self._graph.send(APPLICATIONS, "PATCH", path, json=changes, idempotent=True)

        await self._graph.patiently(APPLICATIONS, f"the application {object_id}", patch)

    async def update_test_application(self, object_id: str, redirect_uri: str) -> None:
        """Add the redirect URI (keeping the others) and turn on ID token issuance."""
        path = f"applications/{path_segment(object_id)}"

        async def read() -> dict[str, Any]:
            return await self._graph.get_json(APPLICATIONS, path)

        current = self._parse(
            Application,
            await self._graph.patiently(APPLICATIONS, f"the application {object_id}", read),
            APPLICATIONS,
            "GET /applications/{id}",
        )
        uris = list(current.redirect_uris)
        if redirect_uri not in uris:
            uris.append(redirect_uri)
        await self.update_application(object_id, {"web": _web(uris)})

    async def delete_application(self, object_id: str) -> bool:
        """Delete the application by object id (204, application-delete.md); False when it is already gone."""
        path = f"applications/{path_segment(object_id)}"
        return await self._graph.delete_optional(APPLICATIONS, path)

    # Service principals

    async def service_principal(self, app_id: str) -> ServicePrincipal | None:
        found = await self._graph.list_all(
            APPLICATIONS, "servicePrincipals", {"$filter": f"appId eq {odata_literal(app_id)}"}
        )
        principals = self._parse_all(ServicePrincipal, found, APPLICATIONS, "GET /servicePrincipals")
        return next((principal for principal in principals if principal.app_id.lower() == app_id.lower()), None)

    async def create_service_principal(self, app_id: str, display_name: str) -> ServicePrincipal:
        """The app's service principal, which consent grants attach to, tagged as the tool's: upserted by appId
        where the tenant takes it, else created; one that exists is returned as it is. A brand-new app's principal
        is waited for."""
        lagging = _no_backing_application

        async def upsert() -> ServicePrincipal | None:
            path = _key_path("servicePrincipals", "appId", app_id)
            try:
                response = await self._graph.send(
                    APPLICATIONS,
                    "PATCH",
                    path,
                    json={"displayName": display_name, "tags": OWNER_TAGS},
                    headers=CREATE_IF_MISSING,
                    idempotent=True,
                )
            except GraphFailure as failure:
                if _upsert_refused(failure) and not _names_no_backing_application(failure):
                    return None
                raise
            if response.status_code == 201 and response.content:
                return self._parse(
                    ServicePrincipal,
                    self._graph.parse_json(APPLICATIONS, response),
                    APPLICATIONS,
                    "PATCH /servicePrincipals(appId)",
                )
            return await self._existing_service_principal(app_id)

        principal = await self._graph.patiently(
            APPLICATIONS, f"the application {app_id}", upsert, _names_no_backing_application
        )
        if principal is not None:
            return principal

        async def create() -> ServicePrincipal:
            try:
                response = await self._graph.send(
                    APPLICATIONS,
                    "POST",
                    "servicePrincipals",
                    json={"appId": app_id, "tags": OWNER_TAGS},
                    idempotent=True,  # 409 then
                )
            except GraphFailure as failure:
                if failure.is_conflict:
                    return await self._existing_service_principal(app_id)
                raise
            return self._parse(
                ServicePrincipal,
                self._graph.parse_json(APPLICATIONS, response),
                APPLICATIONS,
                "POST /servicePrincipals",
            )

        return await self._graph.patiently(APPLICATIONS, f"the application {app_id}", create, lagging)

    async def create_microsoft_service_principal(self, app_id: str) -> ServicePrincipal:
        """The service principal of one of Microsoft's own applications (Microsoft Graph), which a young tenant may
        lack: POST /servicePrincipals with just its appId (serviceprincipal-post-serviceprincipals.md). Its
        application lives in Microsoft's tenant, so there is nothing to upsert by and no replication to wait for;
        a second create answers 409, and then the existing one is returned."""
        try:
            response = await self._graph.send(
                APPLICATIONS, "POST", "servicePrincipals", json={"appId": app_id}, idempotent=True
            )
        except GraphFailure as failure:
            if failure.is_conflict:
                return await self._existing_service_principal(app_id)
            raise translate(failure, APPLICATIONS) from None
        return self._parse(
            ServicePrincipal, self._graph.parse_json(APPLICATIONS, response), APPLICATIONS, "POST /servicePrincipals"
        )

    async def _existing_service_principal(self, app_id: str) -> ServicePrincipal:
        return await self._shown(
            f"the service principal of {app_id}", "says it has", lambda: self.service_principal(app_id)
        )

    async def delete_service_principal(self, object_id: str) -> bool:
        """Delete the service principal (204); its doc promises no cascade from the application, so the remove
        calls this itself. False when it is already gone."""
        path = f"servicePrincipals/{path_segment(object_id)}"
        return await self._graph.delete_optional(APPLICATIONS, path)

    # Delegated permission grants

    async def delete_permission_grant(self, grant_id: str) -> bool:
        """Delete the delegated permission grant (204); False when it is already gone."""
        path = f"oauth2PermissionGrants/{path_segment(grant_id)}"
        return await self._graph.delete_optional(GRANTS, path)

    async def permission_grants_of(self, client_object_id: str) -> list[PermissionGrant]:
        """Every delegated permission grant given to the client (filtered by clientId on the server, the documented
        filter of oauth2permissiongrant-list.md)."""
        found = await self._graph.list_all(
            GRANTS, "oauth2PermissionGrants", {"$filter": f"clientId eq {odata_literal(client_object_id)}"}
        )
        return self._parse_all(PermissionGrant, found, GRANTS, "GET /oauth2PermissionGrants")

    async def permission_grant(self, client_object_id: str, resource_object_id: str) -> PermissionGrant | None:
        """The tenant-wide (AllPrincipals) consent of the client to the resource, if any (filtered by resource and
        consent type here)."""
        return next(
            (
                grant
                for grant in await self.permission_grants_of(client_object_id)
                if grant.resource_id == resource_object_id and grant.consent_type.lower() == ALL_PRINCIPALS.lower()
            ),
            None,
        )

    async def create_permission_grant(
        self, client_object_id: str, resource_object_id: str, scope: str
    ) -> PermissionGrant:
        """Admin consent for every user; a grant that exists is returned as it is. A grant naming a brand-new
        service principal may be refused with 404 for a while: that is waited out."""
        grant = await self._grant(client_object_id, resource_object_id, scope, refusal_is_none=False)
        assert grant is not None
        return grant

    async def grant_if_allowed(
        self, client_object_id: str, resource_object_id: str, scope: str
    ) -> PermissionGrant | None:
        """`create_permission_grant`, but None when Graph answers 403 (Authorization_RequestDenied): the signed-in
        account may not grant tenant-wide consent (oauth2permissiongrant-post.md names the roles that may), so an
        administrator has to, and the caller says how."""
        return await self._grant(client_object_id, resource_object_id, scope, refusal_is_none=True)

    async def _grant(
        self, client_object_id: str, resource_object_id: str, scope: str, *, refusal_is_none: bool
    ) -> PermissionGrant | None:
        body = {
            "clientId": client_object_id,
            "consentType": ALL_PRINCIPALS,
            "resourceId": resource_object_id,
            "scope": scope,
            **_grant_validity(),
        }

        async def create() -> PermissionGrant | None:
            try:
                # A second create answers 409, "it exists".
                response = await self._graph.send(GRANTS, "POST", "oauth2PermissionGrants", json=body, idempotent=True)
            except GraphFailure as failure:
                if failure.is_conflict:
                    return await self._existing_grant(client_object_id, resource_object_id)
                if refusal_is_none and failure.status == 403:
                    return None
                raise
            return self._parse(
                PermissionGrant, self._graph.parse_json(GRANTS, response), GRANTS, "POST /oauth2PermissionGrants"
            )

        return await self._graph.patiently(GRANTS, f"the service principal {client_object_id}", create)

    async def _existing_grant(self, client_object_id: str, resource_object_id: str) -> PermissionGrant:
        return await self._shown(
            "the consent grant", "says it has", lambda: self.permission_grant(client_object_id, resource_object_id)
        )

    async def update_permission_grant(self, grant_id: str, scope: str) -> None:
        path = f"oauth2PermissionGrants/{path_segment(grant_id)}"

        async def patch() -> None:
            await self._graph.send(GRANTS, "PATCH", path, json={"scope": scope}, idempotent=True)

        await self._graph.patiently(GRANTS, f"the consent grant {grant_id}", patch)


def _grant_validity() -> dict[str, str]:
    """Beta's grant "ignores" startTime and expiryTime "but a value is required" (oauth2permissiongrant-post.md)."""
    from datetime import timedelta

    now = clock.now().replace(microsecond=0)
    return {
        "startTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expiryTime": (now + timedelta(days=GRANT_VALIDITY_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _names_no_backing_application(failure: GraphFailure) -> bool:
    return failure.status == 400 and failure.has_message(NO_BACKING_APPLICATION)


def _no_backing_application(failure: GraphFailure) -> bool:
    """A service principal asked for an application Graph does not show yet (400 NoBackingApplicationObject), or
    the application's own 404."""
    return failure.is_absent or _names_no_backing_application(failure)

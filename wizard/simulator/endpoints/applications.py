"""App registrations, service principals and delegated permission grants (v1.0 and beta alike).

Docs: application-list.md, application-post-applications.md, application-get.md, application-update.md,
application-upsert.md, application-delete.md, serviceprincipal-list.md, serviceprincipal-post-serviceprincipals.md,
serviceprincipal-get.md, serviceprincipal-upsert.md, serviceprincipal-delete.md, oauth2permissiongrant-list.md,
oauth2permissiongrant-post.md, oauth2permissiongrant-get.md, oauth2permissiongrant-update.md,
oauth2permissiongrant-delete.md.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from wizard import clock
from wizard.simulator import representations
from wizard.simulator.endpoints.core import (
    SEGMENT,
    GraphError,
    GraphRequest,
    GraphResponse,
    ResourceGroup,
    Route,
    json_response,
    merge,
    not_found,
    public,
    routes,
    unquote_literal,
)
from wizard.simulator.tenant import (
    APPLICATION_SCOPES,
    CREATED,
    GRAPH_APP_ID,
    PUBLISHED_SCOPES,
    microsoft_graph_service_principal,
)

APPLICATIONS = "Application.ReadWrite.All"
GRANTS = "DelegatedPermissionGrant.ReadWrite.All"
QUOTED = r"'((?:[^']|'')*)'"
"""An OData string literal in a key segment, `'` doubled inside: `applications(uniqueName='O''Brien')`."""
CREATE_IF_MISSING = "create-if-missing"


class ApplicationEndpoints(ResourceGroup):
    """The tenant's app registrations, their service principals and the consent grants between them."""

    def routes(self) -> list[Route]:
        application, principal = f"/applications/{SEGMENT}", f"/servicePrincipals/{SEGMENT}"
        grant = f"/oauth2PermissionGrants/{SEGMENT}"
        return routes(
            [
                ("GET", "/applications", self.list_applications, APPLICATIONS),
                ("POST", "/applications", self.create_application, APPLICATIONS),
                ("GET", rf"/applications\(uniqueName={QUOTED}\)", self.get_application_by_unique_name, APPLICATIONS),
                ("PATCH", rf"/applications\(uniqueName={QUOTED}\)", self.upsert_application, APPLICATIONS),
                ("GET", rf"/applications\(appId={QUOTED}\)", self.get_application_by_app_id, APPLICATIONS),
                ("GET", application, self.get_application, APPLICATIONS),
                ("PATCH", application, self.update_application, APPLICATIONS),
                ("DELETE", application, self.delete_application, APPLICATIONS),
                ("GET", "/servicePrincipals", self.list_service_principals, APPLICATIONS),
                ("POST", "/servicePrincipals", self.create_service_principal, APPLICATIONS),
                ("GET", rf"/servicePrincipals\(appId={QUOTED}\)", self.get_service_principal_by_app_id, APPLICATIONS),
                ("PATCH", rf"/servicePrincipals\(appId={QUOTED}\)", self.upsert_service_principal, APPLICATIONS),
                ("GET", principal, self.get_service_principal, APPLICATIONS),
                ("DELETE", principal, self.delete_service_principal, APPLICATIONS),
                ("GET", "/oauth2PermissionGrants", self.list_grants, GRANTS),
                ("POST", "/oauth2PermissionGrants", self.create_grant, GRANTS),
                ("GET", grant, self.get_grant, GRANTS),
                ("PATCH", grant, self.update_grant, GRANTS),
                ("DELETE", grant, self.delete_grant, GRANTS),
            ]
        )

    # Applications

    def _refuse_alternate_key_write(self) -> None:
        """A tenant that does not take upserts (`upsert_supported` False), so the client's fallback is exercised."""
        if not self.knobs.upsert_supported:
            raise GraphError(
                400,
                "Request_BadRequest",
                "Write requests (PATCH) addressed by an alternate key are not supported for this resource.",
            )

    def _check_unique_name(self, unique_name: Any, application: dict[str, Any] | None = None) -> None:
        if unique_name is None:
            return
        if not isinstance(unique_name, str) or not unique_name.strip():
            raise GraphError(
                400,
                "Request_BadRequest",
                "Invalid value specified for property 'uniqueName' of resource 'Application'.",
            )
        if application is not None and application.get("uniqueName") is not None:
            if application["uniqueName"].lower() != unique_name.lower():
                raise GraphError(400, "Request_BadRequest", "Property 'uniqueName' is immutable once set.")
            return
        holder = self._by(self.tenant.applications, "uniqueName", unique_name)
        if holder is not None and holder is not application:
            raise GraphError(
                400,
                "Request_MultipleObjectsWithSameKeyValue",
                "Another object with the same value for property uniqueName already exists.",
            )

    def _new_application(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("displayName"):
            raise GraphError(400, "Request_BadRequest", "Property 'displayName' is required.")
        self._check_unique_name(body.get("uniqueName"))
        application = self._stamped(
            {
                "uniqueName": None,
                "tags": [],  # application.md: "Not nullable"
                **body,
                "id": self._new_id(),
                "appId": self._new_id(),
                "createdDateTime": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
        self.tenant.applications[application["id"]] = application
        return application

    def _patch_application(self, application: dict[str, Any], body: dict[str, Any]) -> GraphResponse:
        for name in ("id", "appId", CREATED):
            body.pop(name, None)
        self._check_unique_name(body.get("uniqueName"), application)
        merge(application, body)
        return GraphResponse(204)

    def _shown_application(self, application: dict[str, Any]) -> dict[str, Any]:
        """An application as Graph answers it: every property its examples show, the context of an entity."""
        shown = representations.application_view(public(application), self.tenant.domain)
        return {"@odata.context": representations.APPLICATION_ENTITY, **shown}

    def list_applications(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        applications = self._visible(self.tenant.applications.values())
        shown = [representations.application_view(public(app), self.tenant.domain) for app in applications]
        return self._page(request, shown, representations.APPLICATIONS)

    def create_application(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(201, self._shown_application(self._new_application(request.json())))

    def get_application(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        application = self._object(self.tenant.applications, "application", match.group(1))
        return json_response(200, self._shown_application(application))

    def get_application_by_unique_name(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        unique_name = unquote_literal(match.group(1))
        application = self._visible_by(self.tenant.applications, "application", "uniqueName", unique_name)
        return json_response(200, self._shown_application(application))

    def get_application_by_app_id(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        app_id = unquote_literal(match.group(1))
        application = self._visible_by(self.tenant.applications, "application", "appId", app_id)
        return json_response(200, self._shown_application(application))

    def upsert_application(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """application-upsert.md: with `Prefer: create-if-missing`, 201 and the new application when no
        application has the uniqueName, else 204 (updated); without the header an absent one is 404.

        The key is honoured even while the application replicates: that is what makes it idempotent."""
        self._refuse_alternate_key_write()
        unique_name = unquote_literal(match.group(1))
        if not unique_name.strip():
            raise GraphError(
                400,
                "Request_BadRequest",
                "Invalid value specified for property 'uniqueName' of resource 'Application'.",
            )
        body = request.json()
        if body.get("uniqueName") is not None and str(body["uniqueName"]).lower() != unique_name.lower():
            raise GraphError(
                400, "Request_BadRequest", "The uniqueName in the body does not match the one in the request URI."
            )
        existing = self._by(self.tenant.applications, "uniqueName", unique_name)
        creating = request.prefers(CREATE_IF_MISSING)
        if existing is not None and (creating or self._settled(existing)):
            return self._patch_application(existing, body)
        if not creating:
            raise not_found("application", f"uniqueName='{unique_name}'")
        return json_response(201, self._shown_application(self._new_application({**body, "uniqueName": unique_name})))

    def update_application(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        application = self._object(self.tenant.applications, "application", match.group(1))
        return self._patch_application(application, request.json())

    def delete_application(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        self._object(self.tenant.applications, "application", match.group(1))
        del self.tenant.applications[match.group(1)]
        return GraphResponse(204)

    # Service principals

    def _service_principal_view(self, principal: dict[str, Any]) -> dict[str, Any]:
        tenant = self.tenant
        return representations.service_principal_view(public(principal), tenant.organization_id, tenant.display_name)

    def _shown_service_principal(self, principal: dict[str, Any]) -> dict[str, Any]:
        """A service principal as Graph answers it: every property its examples show, the context of an entity."""
        return {"@odata.context": representations.SERVICE_PRINCIPAL_ENTITY, **self._service_principal_view(principal)}

    def list_service_principals(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        principals = self._visible(self.tenant.service_principals.values())
        shown = [self._service_principal_view(principal) for principal in principals]
        return self._page(request, shown, representations.SERVICE_PRINCIPALS)

    def _backing_application(self, app_id: str) -> dict[str, Any]:
        """The application a new service principal needs: absent or still replicating, Entra's
        NoBackingApplicationObject answer (400). Microsoft Graph's lives in Microsoft's own tenant."""
        if app_id.lower() == GRAPH_APP_ID:
            graph = microsoft_graph_service_principal()
            scopes = graph[PUBLISHED_SCOPES]
            return {
                "appId": GRAPH_APP_ID,
                "displayName": graph["displayName"],
                "api": {APPLICATION_SCOPES: scopes},
            }
        application = self._by(self.tenant.applications, "appId", app_id)
        if application is None or not self._settled(application):
            raise GraphError(
                400,
                "Request_BadRequest",
                f"The appId '{app_id}' of the service principal does not reference a valid application object.",
            )
        return application

    def _new_service_principal(self, app_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Uniqueness first, over every service principal (replicating ones too), then the backing application."""
        if self._by(self.tenant.service_principals, "appId", app_id) is not None:
            raise GraphError(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                "The service principal cannot be created, updated, or restored because the service principal name "
                f"{app_id} is already in use.",
            )
        application = self._backing_application(app_id)
        extra = {key: value for key, value in body.items() if key not in ("id", "appId", CREATED)}
        principal = self._stamped(
            {
                "accountEnabled": True,
                "appDisplayName": application["displayName"],
                "displayName": application["displayName"],
                "servicePrincipalNames": [application["appId"]],
                # beta serviceprincipal.md: the delegated permissions the application exposes (its api's
                # oauth2PermissionScopes), under beta's name for them
                PUBLISHED_SCOPES: list((application.get("api") or {}).get(APPLICATION_SCOPES) or []),
                "tags": [],  # serviceprincipal.md: "Not nullable"
                **extra,
                "id": self._new_id(),
                "appId": application["appId"],
            }
        )
        self.tenant.service_principals[principal["id"]] = principal
        return principal

    def create_service_principal(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """serviceprincipal-post-serviceprincipals.md: the body must hold appId; its other writable properties
        (`tags`, say) are stored as sent."""
        body = request.json()
        principal = self._new_service_principal(str(body.get("appId") or ""), body)
        return json_response(201, self._shown_service_principal(principal))

    def get_service_principal(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        principal = self._object(self.tenant.service_principals, "servicePrincipal", match.group(1))
        return json_response(200, self._shown_service_principal(principal))

    def delete_service_principal(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """serviceprincipal-delete.md: 204, or the usual 404 for an id the tenant does not have."""
        self._object(self.tenant.service_principals, "servicePrincipal", match.group(1))
        del self.tenant.service_principals[match.group(1)]
        return GraphResponse(204)

    def get_service_principal_by_app_id(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        app_id = unquote_literal(match.group(1))
        principal = self._visible_by(self.tenant.service_principals, "servicePrincipal", "appId", app_id)
        return json_response(200, self._shown_service_principal(principal))

    def upsert_service_principal(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """serviceprincipal-upsert.md: with `Prefer: create-if-missing`, 201 and the new service principal
        when none has the appId (its application must be replicated), else 204; without it absent is 404."""
        self._refuse_alternate_key_write()
        app_id = unquote_literal(match.group(1))
        body = request.json()
        existing = self._by(self.tenant.service_principals, "appId", app_id)
        creating = request.prefers(CREATE_IF_MISSING)
        if existing is not None and (creating or self._settled(existing)):
            merge(existing, {key: value for key, value in body.items() if key not in ("id", "appId", CREATED)})
            return GraphResponse(204)
        if not creating:
            raise not_found("servicePrincipal", f"appId='{app_id}'")
        return json_response(201, self._shown_service_principal(self._new_service_principal(app_id, body)))

    # Delegated permission grants

    def list_grants(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        grants = self._visible(self.tenant.permission_grants.values())
        shown = [representations.listed_grant(public(grant), self.tenant.organization_id) for grant in grants]
        return self._page(request, shown, representations.GRANTS)

    def create_grant(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """oauth2permissiongrant-post.md. `consent_allowed` False: the signed-in account holds the permission but
        no role that may grant tenant-wide consent, which Graph answers with its usual 403."""
        if not self.knobs.consent_allowed:
            raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        body = request.json()
        for name in ("clientId", "resourceId", "consentType", "scope"):
            if not body.get(name):
                raise GraphError(400, "Request_BadRequest", f"Property '{name}' is required.")
        for name in ("clientId", "resourceId"):
            principal = self.tenant.service_principals.get(body[name])
            if principal is None:
                raise GraphError(
                    400,
                    "Request_BadRequest",
                    f"Invalid value specified for property '{name}' of resource 'OAuth2PermissionGrant'.",
                )
            if not self._settled(principal):
                raise not_found("servicePrincipal", body[name])
        if body["consentType"] not in ("AllPrincipals", "Principal"):
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'consentType'.")
        key = (body["clientId"], body["resourceId"], body["consentType"], body.get("principalId"))
        if any(
            (g["clientId"], g["resourceId"], g["consentType"], g.get("principalId")) == key
            for g in self.tenant.permission_grants.values()
        ):
            raise GraphError(409, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
        grant = self._stamped(
            {
                "id": uuid.uuid4().hex,
                "clientId": body["clientId"],
                "resourceId": body["resourceId"],
                "consentType": body["consentType"],
                "principalId": body.get("principalId"),
                "scope": body["scope"],
                # beta: "ignored, but a value is required" (oauth2permissiongrant-post.md); kept and shown, not enforced
                "startTime": body.get("startTime"),
                "expiryTime": body.get("expiryTime"),
            }
        )
        self.tenant.permission_grants[grant["id"]] = grant
        return json_response(201, {"@odata.context": representations.GRANT_ENTITY, **public(grant)})

    def get_grant(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        grant = self._object(self.tenant.permission_grants, "oAuth2PermissionGrant", match.group(1))
        return json_response(200, {"@odata.context": representations.GRANT_ENTITY, **public(grant)})

    def update_grant(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        grant = self._object(self.tenant.permission_grants, "oAuth2PermissionGrant", match.group(1))
        scope = request.json().get("scope")
        if not isinstance(scope, str):
            raise GraphError(400, "Request_BadRequest", "Only the 'scope' of a permission grant can be updated.")
        grant["scope"] = scope
        return GraphResponse(204)

    def delete_grant(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        self._object(self.tenant.permission_grants, "oAuth2PermissionGrant", match.group(1))
        del self.tenant.permission_grants[match.group(1)]
        return GraphResponse(204)

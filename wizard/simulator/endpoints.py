"""The Graph beta endpoints this project uses, over a SimulatedTenant, with Graph's and B2C's rules.

Transport-free: the server parses HTTP into a `GraphRequest` and turns the `GraphResponse` (or a
`GraphError`) back into HTTP, so the rules here can be read without the plumbing.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wizard.simulator.rules import PolicyRejected, check_policy_upload
from wizard.simulator.tenant import SimulatedTenant, find_key, generated_key, new_id

ODATA_PREFIX = "#microsoft.graph."
OIDC_TYPE = ODATA_PREFIX + "openIdConnectIdentityProvider"
TYPES_WITH_SECRET = {OIDC_TYPE, ODATA_PREFIX + "socialIdentityProvider", ODATA_PREFIX + "identityProvider"}
OIDC_REQUIRED = ("displayName", "clientId", "clientSecret", "metadataUrl", "responseType", "scope", "claimsMapping")
RESPONSE_MODES = {"form_post", "query"}
RESPONSE_TYPES = {"code", "id_token", "token"}
KEY_SET_PREFIX = "B2C_1A_"
USER_FLOW_PREFIX = "B2C_1_"
FILTER_CLAUSE = r"(\w+)\s+eq\s+'((?:[^']|'')*)'"
FILTER = re.compile(rf"^\s*{FILTER_CLAUSE}(?:\s+and\s+{FILTER_CLAUSE})*\s*$")


class GraphError(Exception):
    """An error response as Graph sends it."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class GraphRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from None
        if not isinstance(data, dict):
            raise GraphError(400, "BadRequest", "The request payload must be a JSON object.")
        return data


@dataclass(frozen=True)
class GraphResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, data: Any) -> GraphResponse:
    return GraphResponse(status, json.dumps(data).encode())


def public(entity: dict[str, Any]) -> dict[str, Any]:
    """What Graph shows of a stored entity: internal bookkeeping (keys starting with '_') left out."""
    return {key: value for key, value in entity.items() if not key.startswith("_")}


def not_found(what: str, identifier: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound", f"Resource '{identifier}' does not exist or one of its queried reference-property objects are not present. ({what})")


def parse_filter(expression: str) -> list[tuple[str, str]]:
    """The `field eq 'value'` clauses (joined by `and`) the facade sends; anything else is a 400, as Graph says."""
    if not FILTER.match(expression):
        raise GraphError(400, "Request_UnsupportedQuery", f"Unsupported or invalid query filter clause specified: '{expression}'.")
    return [(name, value.replace("''", "'")) for name, value in re.findall(FILTER_CLAUSE, expression)]


def collection(request: GraphRequest, entities: list[dict[str, Any]]) -> GraphResponse:
    """A `{value: [...]}` page honouring $filter, $select and $top."""
    items = [public(entity) for entity in entities]
    if "$filter" in request.query:
        clauses = parse_filter(request.query["$filter"])
        items = [item for item in items if all(str(item.get(name)) == value for name, value in clauses)]
    if "$top" in request.query:
        try:
            items = items[: int(request.query["$top"])]
        except ValueError:
            raise GraphError(400, "BadRequest", f"Invalid value '{request.query['$top']}' for $top.") from None
    if "$select" in request.query:
        wanted = {name.strip() for name in request.query["$select"].split(",")} | {"id", "@odata.type"}
        items = [{key: value for key, value in item.items() if key in wanted} for item in items]
    return json_response(200, {"value": items})


def merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """PATCH semantics for the properties the facade updates: nested objects merge, the rest replace."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value


Handler = Callable[[GraphRequest, re.Match[str]], GraphResponse]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    permission: str


class GraphEndpoints:
    """Routes a request to the operation on the tenant; the caller holds the tenant lock."""

    def __init__(self, tenant: SimulatedTenant, validate_chain: Callable[[Mapping[str, bytes]], list[Any]] | None) -> None:
        self.tenant = tenant
        self.validate_chain = validate_chain
        keysets, policies = "TrustFrameworkKeySet.ReadWrite.All", "Policy.ReadWrite.TrustFramework"
        providers, flows = "IdentityProvider.ReadWrite.All", "IdentityUserFlow.ReadWrite.All"
        apps, grants = "Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"
        segment = r"([^/]+)"
        table: list[tuple[str, str, Handler, str]] = [
            ("GET", "/organization", self.get_organization, "Organization.Read.All"),
            ("GET", "/trustFramework/keySets", self.list_key_sets, keysets),
            ("POST", "/trustFramework/keySets", self.create_key_set, keysets),
            ("GET", f"/trustFramework/keySets/{segment}", self.get_key_set, keysets),
            ("DELETE", f"/trustFramework/keySets/{segment}", self.delete_key_set, keysets),
            ("POST", f"/trustFramework/keySets/{segment}/uploadSecret", self.upload_secret, keysets),
            ("POST", f"/trustFramework/keySets/{segment}/generateKey", self.generate_key, keysets),
            ("GET", rf"/trustFramework/keySets/{segment}/getActiveKey(?:\(\))?", self.get_active_key, keysets),
            ("GET", "/trustFramework/policies", self.list_policies, policies),
            ("GET", rf"/trustFramework/policies/{segment}/\$value", self.get_policy_xml, policies),
            ("PUT", rf"/trustFramework/policies/{segment}/\$value", self.put_policy_xml, policies),
            ("GET", f"/trustFramework/policies/{segment}", self.get_policy, policies),
            ("DELETE", f"/trustFramework/policies/{segment}", self.delete_policy, policies),
            ("GET", "/identity/identityProviders", self.list_providers, providers),
            ("POST", "/identity/identityProviders", self.create_provider, providers),
            ("GET", f"/identity/identityProviders/{segment}", self.get_provider, providers),
            ("PATCH", f"/identity/identityProviders/{segment}", self.update_provider, providers),
            ("DELETE", f"/identity/identityProviders/{segment}", self.delete_provider, providers),
            ("GET", "/identity/b2cUserFlows", self.list_user_flows, flows),
            ("POST", "/identity/b2cUserFlows", self.create_user_flow, flows),
            ("GET", f"/identity/b2cUserFlows/{segment}", self.get_user_flow, flows),
            ("DELETE", f"/identity/b2cUserFlows/{segment}", self.delete_user_flow, flows),
            ("GET", f"/identity/b2cUserFlows/{segment}/(?:userFlowIdentityProviders|identityProviders)",
             self.list_user_flow_providers, flows),
            ("POST", rf"/identity/b2cUserFlows/{segment}/(?:userFlowIdentityProviders|identityProviders)/\$ref",
             self.attach_user_flow_provider, flows),
            ("GET", "/applications", self.list_applications, apps),
            ("POST", "/applications", self.create_application, apps),
            ("GET", f"/applications/{segment}", self.get_application, apps),
            ("PATCH", f"/applications/{segment}", self.update_application, apps),
            ("DELETE", f"/applications/{segment}", self.delete_application, apps),
            ("GET", "/servicePrincipals", self.list_service_principals, apps),
            ("POST", "/servicePrincipals", self.create_service_principal, apps),
            ("GET", f"/servicePrincipals/{segment}", self.get_service_principal, apps),
            ("GET", "/oauth2PermissionGrants", self.list_grants, grants),
            ("POST", "/oauth2PermissionGrants", self.create_grant, grants),
            ("GET", f"/oauth2PermissionGrants/{segment}", self.get_grant, grants),
            ("PATCH", f"/oauth2PermissionGrants/{segment}", self.update_grant, grants),
            ("DELETE", f"/oauth2PermissionGrants/{segment}", self.delete_grant, grants),
        ]
        self.routes = [
            Route(method, re.compile(f"^{pattern}$", re.IGNORECASE), handler, permission)
            for method, pattern, handler, permission in table
        ]

    def route(self, method: str, path: str) -> tuple[Route, re.Match[str]]:
        """The route for a path (already stripped of /beta and with `//` collapsed)."""
        matched_path = False
        for route in self.routes:
            match = route.pattern.match(path)
            if match:
                if route.method == method:
                    return route, match
                matched_path = True
        if matched_path:
            raise GraphError(405, "Request_BadRequest", f"The HTTP method '{method}' is not allowed on this resource.")
        last = path.rstrip("/").rsplit("/", 1)[-1]
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{last}'.")

    # Organization

    def get_organization(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        tenant = self.tenant
        organization = {
            "id": tenant.organization_id,
            "displayName": tenant.display_name,
            "tenantType": tenant.tenant_type,
            "verifiedDomains": [
                {"name": tenant.domain, "isInitial": True, "isDefault": True, "type": "Managed", "capabilities": "Email, OfficeCommunicationsOnline"}
            ],
        }
        return collection(request, [organization])

    # Trust framework key sets

    def _key_set_id(self, match: re.Match[str]) -> str:
        stored = find_key(self.tenant.key_sets, match.group(1))
        if stored is None:
            raise GraphError(404, "AADB2C95024", f"The key set '{match.group(1)}' was not found in the tenant '{self.tenant.domain}'.")
        return stored

    def _key_set(self, key_set_id: str) -> dict[str, Any]:
        return {"id": key_set_id, "keys": self.tenant.key_sets[key_set_id]}

    def list_key_sets(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return collection(request, [self._key_set(key_set_id) for key_set_id in self.tenant.key_sets])

    def create_key_set(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        name = str(request.json().get("id") or "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", name):
            raise GraphError(400, "AADB2C", f"The key set id '{name}' is not valid: use letters, digits, '_' and '-'.")
        key_set_id = name if name.upper().startswith(KEY_SET_PREFIX) else KEY_SET_PREFIX + name
        if find_key(self.tenant.key_sets, key_set_id) is not None:
            raise GraphError(409, "AADB2C95028", f"A key set with the id '{key_set_id}' already exists in the tenant.")
        self.tenant.key_sets[key_set_id] = []
        return json_response(201, self._key_set(key_set_id))

    def get_key_set(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, self._key_set(self._key_set_id(match)))

    def delete_key_set(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        del self.tenant.key_sets[self._key_set_id(match)]
        return GraphResponse(204)

    @staticmethod
    def _validity(body: dict[str, Any]) -> tuple[int | None, int | None]:
        nbf, exp = body.get("nbf"), body.get("exp")
        for value in (nbf, exp):
            if value is not None and not isinstance(value, int):
                raise GraphError(400, "AADB2C", "nbf and exp must be dates in seconds since the epoch.")
        if nbf is not None and exp is not None and exp <= nbf:
            raise GraphError(400, "AADB2C", "The key's expiration (exp) must be later than its activation (nbf).")
        return nbf, exp

    def upload_secret(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        key_set_id = self._key_set_id(match)
        body = request.json()
        if not body.get("k"):
            raise GraphError(400, "AADB2C", "The secret (k) of the key to upload is missing.")
        use = body.get("use") or "sig"
        if use not in ("sig", "enc"):
            raise GraphError(400, "AADB2C", f"The key usage '{use}' is not valid: use 'sig' or 'enc'.")
        nbf, exp = self._validity(body)
        key = {"kid": uuid.uuid4().hex, "use": use, "kty": "oct", "nbf": nbf, "exp": exp}
        self.tenant.key_sets[key_set_id].append(key)
        return json_response(200, key)

    def generate_key(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        key_set_id = self._key_set_id(match)
        body = request.json()
        nbf, exp = self._validity(body)
        key = generated_key(body.get("use") or "sig", body.get("kty") or "RSA", nbf, exp)
        self.tenant.key_sets[key_set_id].append(key)
        return json_response(200, key)

    def get_active_key(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        key = self.tenant.active_key(self._key_set_id(match))
        if key is None:
            raise GraphError(404, "AADB2C95025", f"The key set '{match.group(1)}' has no active key.")
        return json_response(200, key)

    # Trust framework policies

    def _policy_id(self, match: re.Match[str]) -> str:
        stored = find_key(self.tenant.policies, match.group(1))
        if stored is None:
            raise GraphError(404, "AADB2C", f"Policy '{match.group(1)}' not found in the tenant '{self.tenant.domain}'.")
        return stored

    def list_policies(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return collection(request, [{"id": policy_id} for policy_id in self.tenant.policies])

    def get_policy(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, {"id": self._policy_id(match)})

    def get_policy_xml(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return GraphResponse(200, self.tenant.policies[self._policy_id(match)], "application/xml")

    def put_policy_xml(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/xml", "text/xml"):
            raise GraphError(
                415, "AADB2C",
                f"The content type '{content_type or '(none)'}' is not supported; send the policy as application/xml.",
            )
        policy_id = match.group(1)
        try:
            check_policy_upload(self.tenant, policy_id, request.body, self.validate_chain)
        except PolicyRejected as rejected:
            raise GraphError(400, "AADB2C", str(rejected)) from None
        stored = find_key(self.tenant.policies, policy_id)
        self.tenant.policies[stored or policy_id] = request.body
        return GraphResponse(200 if stored else 201, request.body, "application/xml")

    def delete_policy(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        del self.tenant.policies[self._policy_id(match)]
        return GraphResponse(204)

    # Identity providers

    def _provider_id(self, identifier: str) -> str:
        stored = find_key(self.tenant.identity_providers, identifier)
        if stored is None:
            raise not_found("identityProvider", identifier)
        return stored

    @staticmethod
    def _shown_provider(provider: dict[str, Any]) -> dict[str, Any]:
        shown = public(provider)
        if provider.get("@odata.type") in TYPES_WITH_SECRET:
            shown["clientSecret"] = "****"
        return shown

    @staticmethod
    def _check_provider(provider: dict[str, Any]) -> None:
        if provider.get("@odata.type") == OIDC_TYPE:
            missing = [name for name in OIDC_REQUIRED if not provider.get(name)]
            if missing:
                raise GraphError(400, "Request_BadRequest", f"Invalid value specified for property(s): {', '.join(missing)}.")
            if provider.get("responseMode", "form_post") not in RESPONSE_MODES:
                raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'responseMode'.")
            if provider["responseType"] not in RESPONSE_TYPES:
                raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'responseType'.")

    def list_providers(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return collection(request, [self._shown_provider(p) for p in self.tenant.identity_providers.values()])

    def create_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        kind = body.get("@odata.type")
        if not isinstance(kind, str) or not kind.startswith(ODATA_PREFIX):
            raise GraphError(400, "Request_BadRequest", "The @odata.type of the identity provider is missing or not valid.")
        self._check_provider(body)
        body.pop("clientSecret", None)
        prefix = "OIDC" if kind == OIDC_TYPE else body.get("identityProviderType", "IdP")
        provider = {**body, "id": f"{prefix}-{new_id()}"}
        self.tenant.identity_providers[provider["id"]] = provider
        return json_response(201, self._shown_provider(provider))

    def get_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, self._shown_provider(self.tenant.identity_providers[self._provider_id(match.group(1))]))

    def update_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        provider = self.tenant.identity_providers[self._provider_id(match.group(1))]
        body = request.json()
        body.pop("@odata.type", None)
        updated = {**provider, **body, "clientSecret": "****"}
        self._check_provider(updated)
        body.pop("clientSecret", None)
        provider.update(body)
        return GraphResponse(204)

    def delete_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        provider_id = self._provider_id(match.group(1))
        del self.tenant.identity_providers[provider_id]
        for flow in self.tenant.user_flows.values():
            flow["_providers"] = [p for p in flow["_providers"] if p != provider_id]
        return GraphResponse(204)

    # B2C user flows

    def _flow_id(self, match: re.Match[str]) -> str:
        stored = find_key(self.tenant.user_flows, match.group(1))
        if stored is None:
            raise not_found("b2cIdentityUserFlow", match.group(1))
        return stored

    def list_user_flows(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return collection(request, list(self.tenant.user_flows.values()))

    def create_user_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        name = str(body.get("id") or "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", name):
            raise GraphError(400, "Request_BadRequest", f"The user flow id '{name}' is not valid.")
        if body.get("userFlowType") not in ("signUp", "signIn", "signUpOrSignIn", "passwordReset", "profileUpdate", "resourceOwner"):
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'userFlowType'.")
        if body.get("userFlowTypeVersion") not in (1, 2, 3):
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'userFlowTypeVersion'.")
        flow_id = USER_FLOW_PREFIX + name
        if find_key(self.tenant.user_flows, flow_id) is not None:
            raise GraphError(409, "AADB2C", f"A user flow with the id '{flow_id}' already exists.")
        flow = {
            "id": flow_id,
            "userFlowType": body["userFlowType"],
            "userFlowTypeVersion": float(body["userFlowTypeVersion"]),
            "isLanguageCustomizationEnabled": False,
            "defaultLanguageTag": "en",
            "_providers": [],
        }
        self.tenant.user_flows[flow_id] = flow
        return json_response(201, public(flow))

    def get_user_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, public(self.tenant.user_flows[self._flow_id(match)]))

    def delete_user_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        del self.tenant.user_flows[self._flow_id(match)]
        return GraphResponse(204)

    def list_user_flow_providers(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self.tenant.user_flows[self._flow_id(match)]
        providers = self.tenant.identity_providers
        return collection(request, [self._shown_provider(providers[p]) for p in flow["_providers"] if p in providers])

    def attach_user_flow_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self.tenant.user_flows[self._flow_id(match)]
        reference = str(request.json().get("@odata.id") or "")
        if "/identityProviders/" not in reference:
            raise GraphError(400, "Request_BadRequest", "The @odata.id must name an identity provider: …/identity/identityProviders/{id}.")
        provider_id = self._provider_id(reference.rstrip("/").rsplit("/", 1)[-1])
        if provider_id in flow["_providers"]:
            raise GraphError(409, "Request_MultipleObjectsWithSameKeyValue", f"The identity provider '{provider_id}' is already part of the user flow.")
        flow["_providers"].append(provider_id)
        return GraphResponse(204)

    # Applications and service principals

    def _object(self, store: dict[str, dict[str, Any]], what: str, identifier: str) -> dict[str, Any]:
        if identifier not in store:
            raise not_found(what, identifier)
        return store[identifier]

    def list_applications(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return collection(request, list(self.tenant.applications.values()))

    def create_application(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        if not body.get("displayName"):
            raise GraphError(400, "Request_BadRequest", "Property 'displayName' is required.")
        application = {**body, "id": new_id(), "appId": new_id(), "createdDateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self.tenant.applications[application["id"]] = application
        return json_response(201, application)

    def get_application(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, self._object(self.tenant.applications, "application", match.group(1)))

    def update_application(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        application = self._object(self.tenant.applications, "application", match.group(1))
        body = request.json()
        body.pop("id", None)
        body.pop("appId", None)
        merge(application, body)
        return GraphResponse(204)

    def delete_application(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        self._object(self.tenant.applications, "application", match.group(1))
        del self.tenant.applications[match.group(1)]
        return GraphResponse(204)

    def list_service_principals(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return collection(request, list(self.tenant.service_principals.values()))

    def create_service_principal(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        app_id = str(request.json().get("appId") or "")
        application = next((a for a in self.tenant.applications.values() if a["appId"] == app_id), None)
        if application is None:
            raise GraphError(400, "Request_BadRequest", f"The appId '{app_id}' of the service principal does not reference a valid application object.")
        if any(sp["appId"] == app_id for sp in self.tenant.service_principals.values()):
            raise GraphError(
                409, "Request_MultipleObjectsWithSameKeyValue",
                "The service principal cannot be created, updated, or restored because the service principal name "
                f"{app_id} is already in use.",
            )
        principal = {"id": new_id(), "appId": app_id, "displayName": application["displayName"]}
        self.tenant.service_principals[principal["id"]] = principal
        return json_response(201, principal)

    def get_service_principal(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, self._object(self.tenant.service_principals, "servicePrincipal", match.group(1)))

    # Delegated permission grants

    def list_grants(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return collection(request, list(self.tenant.permission_grants.values()))

    def create_grant(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        for name in ("clientId", "resourceId", "consentType", "scope"):
            if not body.get(name):
                raise GraphError(400, "Request_BadRequest", f"Property '{name}' is required.")
        for name in ("clientId", "resourceId"):
            if body[name] not in self.tenant.service_principals:
                raise GraphError(400, "Request_BadRequest", f"Invalid value specified for property '{name}' of resource 'OAuth2PermissionGrant'.")
        if body["consentType"] not in ("AllPrincipals", "Principal"):
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'consentType'.")
        key = (body["clientId"], body["resourceId"], body["consentType"], body.get("principalId"))
        if any((g["clientId"], g["resourceId"], g["consentType"], g.get("principalId")) == key for g in self.tenant.permission_grants.values()):
            raise GraphError(409, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
        grant = {
            "id": uuid.uuid4().hex, "clientId": body["clientId"], "resourceId": body["resourceId"],
            "consentType": body["consentType"], "principalId": body.get("principalId"), "scope": body["scope"],
        }
        self.tenant.permission_grants[grant["id"]] = grant
        return json_response(201, grant)

    def get_grant(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, self._object(self.tenant.permission_grants, "oAuth2PermissionGrant", match.group(1)))

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

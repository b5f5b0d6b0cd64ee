"""The Graph beta endpoints this project uses, over a SimulatedTenant, with Graph's and B2C's rules.

Transport-free: the server parses HTTP into a `GraphRequest` and turns the `GraphResponse` (or a
`GraphError`) back into HTTP, so the rules here can be read without the plumbing.

The answers follow Microsoft's documentation (microsoft-graph-docs-contrib, api-reference/beta),
including where it is inconvenient for a client: uploadSecret answers `kty "OCT"` with nbf/exp as
strings, `/organization` answers nulls instead of 403 to a token without Organization.Read.All,
collections may page, and a new object may stay invisible for a while (replication lag).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from wizard import clock
from wizard.simulator import external_id, representations
from wizard.simulator.rules import PolicyRejected, check_policy_upload
from wizard.simulator.tenant import (
    APPLICATION_SCOPES,
    CREATED,
    GRAPH_APP_ID,
    PUBLISHED_SCOPES,
    SimulatedTenant,
    created_settled,
    find_key,
    generated_key,
    microsoft_graph_service_principal,
    new_id,
    settled,
)

ODATA_PREFIX = "#microsoft.graph."
OIDC_TYPE = ODATA_PREFIX + "openIdConnectIdentityProvider"
SECRET_OF_TYPE = {
    OIDC_TYPE: "clientSecret",
    ODATA_PREFIX + "socialIdentityProvider": "clientSecret",
    ODATA_PREFIX + "identityProvider": "clientSecret",
    ODATA_PREFIX + "appleManagedIdentityProvider": "certificateData",
}
"""The property holding each provider type's secret: never kept, read back masked (the list examples)."""
OIDC_REQUIRED = ("displayName", "clientId", "clientSecret", "metadataUrl", "responseType", "scope", "claimsMapping")
RESPONSE_MODES = {"form_post", "query"}
RESPONSE_TYPES = {"code", "id_token", "token"}
KEY_SET_PREFIX = "B2C_1A_"
USER_FLOW_PREFIX = "B2C_1_"
UPLOADED_KEY_TYPE = "OCT"
"""What uploadSecret answers as kty (trustframeworkkeyset-uploadsecret.md), in capitals."""
GENERATED_KEY_TYPES = {"rsa": "RSA", "oct": "OCT"}
FILTER_CLAUSE = r"(\w+)\s+eq\s+'((?:[^']|'')*)'"
FILTER = re.compile(rf"^\s*{FILTER_CLAUSE}(?:\s+and\s+{FILTER_CLAUSE})*\s*$", re.IGNORECASE)
QUOTED = r"'((?:[^']|'')*)'"
"""An OData string literal in a key segment, `'` doubled inside: `applications(uniqueName='O''Brien')`."""
NOT_FOUND = "Request_ResourceNotFound"
"""Graph's code for a directory object that is absent or not replicated yet."""
B2C_NOT_FOUND = "AADB2C90073"
"""B2C's "{0} with '{1}': '{2}' cannot be found in the directory '{3}'." (B2C error-code reference); public
threads and tools show it for a missing key container, and it is the missing-base-policy upload text. Its HTTP
status is not documented: answered as 404 here (tests/contract/REPORT.md section 4)."""
MASKED_SECRET = "******"
METHOD_CONFIGURATIONS = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations"
CONDITIONAL_ACCESS_POLICIES = "/identity/conditionalAccess/policies"
POLICY_STATES = {"enabled", "disabled", "enabledForReportingButNotEnforced"}
"""resources/conditionalaccesspolicy.md (beta): the conditionalAccessPolicyState values."""
METHOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "email": {
        "@odata.type": ODATA_PREFIX + "emailAuthenticationMethodConfiguration",
        "id": "Email",
        "state": "enabled",
        "allowExternalIdToUseEmailOtp": "default",
        "includeTargets": [],
        "excludeTargets": [],
    },
    "sms": {
        "@odata.type": ODATA_PREFIX + "smsAuthenticationMethodConfiguration",
        "id": "Sms",
        "state": "disabled",
        "includeTargets": [],
        "excludeTargets": [],
    },
}
"""A new tenant's configurations: email as emailauthenticationmethodconfiguration-get.md's example answers it (on,
targeting nobody); SMS off and targeting nobody, since it is a paid add-on in External ID (the get example shows one
turned on; a new tenant's own values are not documented)."""
"""How identity provider secrets read back in the list and get examples."""
CREATE_IF_MISSING = "create-if-missing"
ALREADY_ATTACHED = (
    "One or more added object references already exist for the following modified properties: "
    "'userFlowIdentityProviders'."
)
ORGANIZATION_FULL_READ = frozenset(
    {"Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"}
)
"""The permissions organization-get.md lists above User.Read; with none of them only id, displayName and
verifiedDomains are filled ("All other properties return with null values")."""
ORGANIZATION_ALWAYS_READ = ("id", "displayName", "verifiedDomains")
TRUST_FRAMEWORK_KEY_FIELDS = (
    "k",
    "x5c",
    "x5t",
    "kty",
    "use",
    "exp",
    "nbf",
    "kid",
    "e",
    "n",
    "d",
    "p",
    "q",
    "dp",
    "dq",
    "qi",
)
"""The trustFrameworkKey properties as trustframeworkkeyset-get.md shows them (nbf/exp as numbers there)."""
UNREADABLE_KEY_FIELDS = {"k", "d", "p", "q", "dp", "dq", "qi"}
"""trustframeworkkey.md: "The field is not readable." Always null, whatever was sent."""


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
    """One request, parsed: `path` without /beta, `base_url` the absolute root nextLinks start with."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str = "http://127.0.0.1/beta"
    permissions: frozenset[str] = frozenset()

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from None
        if not isinstance(data, dict):
            raise GraphError(400, "BadRequest", "The request payload must be a JSON object.")
        return data

    def prefers(self, preference: str) -> bool:
        """Whether the Prefer header (a comma-separated list) holds `preference`."""
        values = self.headers.get("prefer", "").split(",")
        return preference.lower() in (value.strip().lower() for value in values)


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


def b2c_not_found(kind: str, key: str, identifier: str, domain: str) -> GraphError:
    return GraphError(
        404, B2C_NOT_FOUND, f"{kind} with '{key}': '{identifier}' cannot be found in the directory '{domain}'."
    )


def not_found(what: str, identifier: str) -> GraphError:
    return GraphError(
        404,
        NOT_FOUND,
        f"Resource '{identifier}' does not exist or one of its queried reference-property objects are not present. ({what})",
    )


def unquote_literal(value: str) -> str:
    """An OData string literal's value: `''` inside it is one quote."""
    return value.replace("''", "'")


def parse_filter(expression: str) -> list[tuple[str, str]]:
    """The `field eq 'value'` clauses (joined by `and`) the facade sends; anything else is a 400, as Graph says."""
    if not FILTER.match(expression):
        raise GraphError(
            400, "Request_UnsupportedQuery", f"Unsupported or invalid query filter clause specified: '{expression}'."
        )
    return [(name, unquote_literal(value)) for name, value in re.findall(FILTER_CLAUSE, expression, re.IGNORECASE)]


def _matches(item: dict[str, Any], name: str, value: str) -> bool:
    """Directory queries compare strings case-insensitively (property names too); null equals nothing."""
    stored = next((item[key] for key in item if key.lower() == name.lower()), None)
    return stored is not None and str(stored).lower() == value.lower()


def _skiptoken(offset: int) -> str:
    """Opaque to the client, as Graph's are; only the simulator reads it back."""
    return base64.urlsafe_b64encode(f"simulator-page:{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix == "simulator-page" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise GraphError(400, "BadRequest", f"Invalid $skiptoken '{token}'.")


def _top(request: GraphRequest) -> int | None:
    if "$top" not in request.query:
        return None
    raw = request.query["$top"]
    if not raw.isdigit() or int(raw) < 1:
        raise GraphError(400, "BadRequest", f"Invalid value '{raw}' for $top.")
    return int(raw)


def next_link(request: GraphRequest, offset: int) -> str:
    """The absolute URL of the page at `offset`: the same path and query, with a $skiptoken."""
    query = {name: value for name, value in request.query.items() if name != "$skiptoken"}
    query["$skiptoken"] = _skiptoken(offset)
    path = quote(request.path, safe="/()='$,")
    return f"{request.base_url}{path}?{urlencode(query, quote_via=quote, safe='$')}"


def collection(
    request: GraphRequest, entities: Iterable[dict[str, Any]], page_size: int | None = None, context: str | None = None
) -> GraphResponse:
    """A `{value: [...]}` page: $filter first, then one page (at most `page_size` and $top items) with an
    `@odata.nextLink` while more remain, then $select on what is shown. `context` is the collection's
    `@odata.context` as its list page shows it; `$count=true` adds `@odata.count` (all the matches) to the first
    page (concepts/paging.md)."""
    items = [public(entity) for entity in entities]
    if "$filter" in request.query:
        clauses = parse_filter(request.query["$filter"])
        items = [item for item in items if all(_matches(item, name, value) for name, value in clauses)]
    limits = [limit for limit in (page_size, _top(request)) if limit is not None]
    offset = _offset(request.query["$skiptoken"]) if "$skiptoken" in request.query else 0
    end = offset + min(limits) if limits else len(items)
    page = items[offset:end]
    if "$select" in request.query:
        wanted = {name.strip() for name in request.query["$select"].split(",")} | {"id", "@odata.type"}
        page = [{key: value for key, value in item.items() if key in wanted} for item in page]
    body: dict[str, Any] = {} if context is None else {"@odata.context": context}
    if request.query.get("$count", "").lower() == "true" and offset == 0:
        body["@odata.count"] = len(items)
    body["value"] = page
    if end < len(items):
        body["@odata.nextLink"] = next_link(request, end)
    return json_response(200, body)


def merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """PATCH semantics for the properties the facade updates: nested objects merge, the rest replace."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value


def key_view(key: dict[str, Any]) -> dict[str, Any]:
    """A stored key as a trustFrameworkKey (trustframeworkkeyset-get.md): every property, the unreadable
    ones null, nbf/exp as numbers."""
    view: dict[str, Any] = {}
    for name in TRUST_FRAMEWORK_KEY_FIELDS:
        if name in UNREADABLE_KEY_FIELDS:
            view[name] = None
        elif name in ("nbf", "exp"):
            view[name] = None if key.get(name) is None else int(key[name])
        elif name == "x5c":
            view[name] = list(key.get("x5c") or [])
        else:
            view[name] = key.get(name)
    return view


def uploaded_key_view(key: dict[str, Any]) -> dict[str, Any]:
    """What uploadSecret answers, as its doc example does: kty in capitals, nbf and exp as numeric strings."""
    return {
        "kid": key["kid"],
        "use": key["use"],
        "kty": key["kty"],
        "nbf": None if key.get("nbf") is None else str(key["nbf"]),
        "exp": None if key.get("exp") is None else str(key["exp"]),
    }


Handler = Callable[[GraphRequest, re.Match[str]], GraphResponse]


@dataclass(frozen=True)
class Route:
    """`permission` None: any delegated permission will do (the handler decides what the caller sees)."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    permission: str | None


class GraphEndpoints:
    """Routes a request to the operation on the tenant; the caller holds the tenant lock.

    `page_size` (None: no paging), `replication_lag` (seconds a new object stays invisible to reads and
    references), `upsert_supported` (False: alternate-key PATCH answers 400) and `consent_allowed` (False: a
    consent grant answers 403) are plain attributes the server sets; they take effect on the next request.
    """

    def __init__(
        self,
        tenant: SimulatedTenant,
        *,
        page_size: int | None = None,
        replication_lag: float = 0.0,
        upsert_supported: bool = True,
        consent_allowed: bool = True,
    ) -> None:
        self.tenant = tenant
        self.page_size = page_size
        self.replication_lag = replication_lag
        self.upsert_supported = upsert_supported
        self.consent_allowed = consent_allowed
        keysets, policies = "TrustFrameworkKeySet.ReadWrite.All", "Policy.ReadWrite.TrustFramework"
        providers, flows = "IdentityProvider.ReadWrite.All", "IdentityUserFlow.ReadWrite.All"
        apps, grants = "Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"
        methods, conditional_access = "Policy.ReadWrite.AuthenticationMethod", "Policy.ReadWrite.ConditionalAccess"
        listeners = "EventListener.ReadWrite.All"
        policy_read = "Policy.Read.All"
        segment = r"([^/]+)"
        flow = rf"/identity/authenticationEventsFlows/{segment}"
        flow_providers = (
            flow + r"/microsoft\.graph\.externalUsersSelfServiceSignUpEventsFlow/onAuthenticationMethodLoadStart"
            r"/microsoft\.graph\.onAuthenticationMethodLoadStartExternalUsersSelfServiceSignUp/identityProviders"
        )
        flow_apps = flow + "/conditions/applications/includeApplications"
        table: list[tuple[str, str, Handler, str | None]] = [
            ("GET", "/organization", self.get_organization, None),
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
            # Reading the providers: the current navigation and the deprecated one both still list.
            (
                "GET",
                f"/identity/b2cUserFlows/{segment}/(?:userFlowIdentityProviders|identityProviders)",
                self.list_user_flow_providers,
                flows,
            ),
            # Attaching one: only the current navigation (b2cidentityuserflow-post-userflowidentityproviders.md).
            (
                "POST",
                rf"/identity/b2cUserFlows/{segment}/userFlowIdentityProviders/\$ref",
                self.attach_user_flow_provider,
                flows,
            ),
            ("GET", "/applications", self.list_applications, apps),
            ("POST", "/applications", self.create_application, apps),
            ("GET", rf"/applications\(uniqueName={QUOTED}\)", self.get_application_by_unique_name, apps),
            ("PATCH", rf"/applications\(uniqueName={QUOTED}\)", self.upsert_application, apps),
            ("GET", rf"/applications\(appId={QUOTED}\)", self.get_application_by_app_id, apps),
            ("GET", f"/applications/{segment}", self.get_application, apps),
            ("PATCH", f"/applications/{segment}", self.update_application, apps),
            ("DELETE", f"/applications/{segment}", self.delete_application, apps),
            ("GET", "/servicePrincipals", self.list_service_principals, apps),
            ("POST", "/servicePrincipals", self.create_service_principal, apps),
            ("GET", rf"/servicePrincipals\(appId={QUOTED}\)", self.get_service_principal_by_app_id, apps),
            ("PATCH", rf"/servicePrincipals\(appId={QUOTED}\)", self.upsert_service_principal, apps),
            ("GET", f"/servicePrincipals/{segment}", self.get_service_principal, apps),
            ("DELETE", f"/servicePrincipals/{segment}", self.delete_service_principal, apps),
            ("GET", "/oauth2PermissionGrants", self.list_grants, grants),
            ("POST", "/oauth2PermissionGrants", self.create_grant, grants),
            ("GET", f"/oauth2PermissionGrants/{segment}", self.get_grant, grants),
            ("PATCH", f"/oauth2PermissionGrants/{segment}", self.update_grant, grants),
            ("DELETE", f"/oauth2PermissionGrants/{segment}", self.delete_grant, grants),
            ("GET", f"{METHOD_CONFIGURATIONS}/(email|sms)", self.get_method_configuration, methods),
            ("PATCH", f"{METHOD_CONFIGURATIONS}/(email|sms)", self.update_method_configuration, methods),
            ("GET", CONDITIONAL_ACCESS_POLICIES, self.list_conditional_access_policies, policy_read),
            ("POST", CONDITIONAL_ACCESS_POLICIES, self.create_conditional_access_policy, conditional_access),
            (
                "PATCH",
                f"{CONDITIONAL_ACCESS_POLICIES}/{segment}",
                self.update_conditional_access_policy,
                conditional_access,
            ),
            ("GET", "/identity/authenticationEventsFlows", self.list_flows, listeners),
            ("POST", "/identity/authenticationEventsFlows", self.create_flow, listeners),
            ("GET", flow, self.get_flow, listeners),
            ("GET", flow_providers, self.list_flow_providers, listeners),
            ("POST", flow_providers + r"/\$ref", self.add_flow_provider, listeners),
            ("DELETE", flow_providers + rf"/{segment}/\$ref", self.remove_flow_provider, listeners),
            ("GET", flow_apps, self.list_flow_apps, listeners),
            ("POST", flow_apps, self.link_flow_app, listeners),
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

    # Replication lag and paging

    def _settled(self, entity: dict[str, Any]) -> bool:
        return settled(entity, self.replication_lag)

    def _visible(self, entities: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """What a read sees: objects still replicating are left out of lists and $filter results."""
        return [entity for entity in entities if self._settled(entity)]

    def _page(
        self, request: GraphRequest, entities: Iterable[dict[str, Any]], context: str | None = None
    ) -> GraphResponse:
        return collection(request, entities, self.page_size, context)

    @staticmethod
    def _stamped(entity: dict[str, Any]) -> dict[str, Any]:
        """`entity` with its creation time, from which the lag is counted (saved with the tenant)."""
        entity[CREATED] = clock.now().timestamp()
        return entity

    # Organization

    def get_organization(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """The tenant; with only User.Read-like permissions, everything but id, displayName and
        verifiedDomains is null (organization-get.md), so tenantType reads null, not "AAD B2C"."""
        tenant = self.tenant
        organization: dict[str, Any] = {
            "id": tenant.organization_id,
            "deletedDateTime": None,
            "businessPhones": [],
            "city": None,
            "country": None,
            "countryLetterCode": "US",
            "createdDateTime": "2021-08-02T10:30:06Z",
            "displayName": tenant.display_name,
            "preferredLanguage": "en",
            "technicalNotificationMails": [f"admin@{tenant.domain}"],
            "tenantType": tenant.tenant_type,
            "verifiedDomains": [
                {
                    "name": tenant.domain,
                    "isInitial": True,
                    "isDefault": True,
                    "type": "Managed",
                    "capabilities": "Email, OfficeCommunicationsOnline",
                }
            ],
            **representations.organization_extras("US"),
        }
        if not ORGANIZATION_FULL_READ & request.permissions:
            organization = {
                name: value if name in ORGANIZATION_ALWAYS_READ else None for name, value in organization.items()
            }
        return self._page(request, [organization])

    # Trust framework key sets

    def _key_set_id(self, identifier: str) -> str:
        """The stored id of a key set a read or a write by id may see: absent or replicating is 404."""
        stored = find_key(self.tenant.key_sets, identifier)
        if stored is None or not created_settled(self.tenant.key_set_created.get(stored), self.replication_lag):
            raise b2c_not_found("KeyContainer", "id", identifier, self.tenant.domain)
        return stored

    def _key_set(self, key_set_id: str) -> dict[str, Any]:
        keys = self._visible(self.tenant.key_sets[key_set_id])
        return {"id": key_set_id, "keys": [key_view(key) for key in keys]}

    def list_key_sets(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        created = self.tenant.key_set_created
        visible = [
            key_set_id
            for key_set_id in self.tenant.key_sets
            if created_settled(created.get(key_set_id), self.replication_lag)
        ]
        return self._page(request, [self._key_set(key_set_id) for key_set_id in visible])

    def create_key_set(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        name = str(request.json().get("id") or "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", name):
            raise GraphError(400, "AADB2C", f"The key set id '{name}' is not valid: use letters, digits, '_' and '-'.")
        key_set_id = name if name.upper().startswith(KEY_SET_PREFIX) else KEY_SET_PREFIX + name
        if find_key(self.tenant.key_sets, key_set_id) is not None:  # uniqueness sees replicating key sets too
            raise GraphError(409, "AADB2C95028", f"A key set with the id '{key_set_id}' already exists in the tenant.")
        self.tenant.key_sets[key_set_id] = []
        self.tenant.key_set_created[key_set_id] = clock.now().timestamp()
        created = json_response(201, {"id": key_set_id, "keys": []})
        created.headers["Location"] = f"/trustFramework/keySets('{key_set_id}')"  # relative, as documented
        return created

    def get_key_set(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, self._key_set(self._key_set_id(match.group(1))))

    def delete_key_set(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        key_set_id = self._key_set_id(match.group(1))
        deleted = self.tenant.key_sets.pop(key_set_id)
        if self.tenant.keep_deleted_key_sets:
            self.tenant.key_sets[f"{key_set_id}.bak"] = deleted
        self.tenant.key_set_created.pop(key_set_id, None)
        return GraphResponse(204)

    @staticmethod
    def _validity(body: dict[str, Any]) -> tuple[int | None, int | None]:
        """nbf/exp as the docs type them (Int64 epoch seconds); the client sends integers."""
        nbf, exp = body.get("nbf"), body.get("exp")
        for value in (nbf, exp):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise GraphError(400, "AADB2C", "nbf and exp must be dates in seconds since the epoch.")
        if nbf is not None and exp is not None and exp < nbf:
            raise GraphError(400, "AADB2C", "The key's expiration (exp) must not be earlier than its activation (nbf).")
        return nbf, exp

    @staticmethod
    def _use(body: dict[str, Any]) -> str:
        use = body.get("use") or "sig"
        if use not in ("sig", "enc"):
            raise GraphError(400, "AADB2C", f"The key usage '{use}' is not valid: use 'sig' or 'enc'.")
        return str(use)

    def upload_secret(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        key_set_id = self._key_set_id(match.group(1))
        body = request.json()
        if not body.get("k"):
            raise GraphError(400, "AADB2C", "The secret (k) of the key to upload is missing.")
        use = self._use(body)
        nbf, exp = self._validity(body)
        key = self._stamped({"kid": uuid.uuid4().hex, "use": use, "kty": UPLOADED_KEY_TYPE, "nbf": nbf, "exp": exp})
        self.tenant.key_sets[key_set_id].append(key)
        return json_response(200, uploaded_key_view(key))

    def generate_key(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        key_set_id = self._key_set_id(match.group(1))
        body = request.json()
        use = self._use(body)
        kty = GENERATED_KEY_TYPES.get(str(body.get("kty") or "RSA").lower())
        if kty is None:
            raise GraphError(400, "AADB2C", f"The key type '{body.get('kty')}' is not valid: use 'RSA' or 'OCT'.")
        nbf, exp = self._validity(body)
        key = self._stamped(generated_key(use, kty, nbf, exp))
        self.tenant.key_sets[key_set_id].append(key)
        return json_response(200, {"@odata.context": representations.TRUST_FRAMEWORK_KEY, **key_view(key)})

    def get_active_key(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        key_set_id = self._key_set_id(match.group(1))
        key = self.tenant.active_key(key_set_id, lag=self.replication_lag)
        if key is None:
            raise GraphError(404, NOT_FOUND, f"The key set '{key_set_id}' has no active key.")
        return json_response(200, key_view(key))

    # Trust framework policies (B2C's own store: no replication lag is simulated for them)

    def _policy_id(self, identifier: str) -> str:
        stored = find_key(self.tenant.policies, identifier)
        if stored is None:
            raise b2c_not_found("Policy", "policyId", identifier, self.tenant.domain)
        return stored

    def list_policies(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return self._page(request, [{"id": policy_id} for policy_id in self.tenant.policies])

    def get_policy(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, {"id": self._policy_id(match.group(1))})

    def get_policy_xml(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return GraphResponse(200, self.tenant.policies[self._policy_id(match.group(1))], "application/xml")

    def put_policy_xml(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/xml", "text/xml"):
            raise GraphError(
                415,
                "AADB2C",
                f"The content type '{content_type or '(none)'}' is not supported; send the policy as application/xml.",
            )
        policy_id = match.group(1)
        try:
            check_policy_upload(self.tenant, policy_id, request.body)
        except PolicyRejected as rejected:
            raise GraphError(400, "AADB2C", str(rejected)) from None
        stored = find_key(self.tenant.policies, policy_id)
        self.tenant.policies[stored or policy_id] = request.body
        return GraphResponse(200 if stored else 201, request.body, "application/xml")

    def delete_policy(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        del self.tenant.policies[self._policy_id(match.group(1))]
        return GraphResponse(204)

    # Identity providers

    def _provider_id(self, identifier: str) -> str:
        stored = find_key(self.tenant.identity_providers, identifier)
        if stored is None or not self._settled(self.tenant.identity_providers[stored]):
            raise not_found("identityProvider", identifier)
        return stored

    @staticmethod
    def _shown_provider(provider: dict[str, Any]) -> dict[str, Any]:
        if external_id.is_oidc_federation(provider):
            return external_id.shown_oidc_federation(provider)
        shown = public(provider)
        secret = SECRET_OF_TYPE.get(provider.get("@odata.type", ""))
        if secret is not None:
            shown[secret] = MASKED_SECRET
        return shown

    @staticmethod
    def _odata_type(value: Any) -> str | None:
        """Requests may name the type with or without '#' (the create example has none); stored with it."""
        if not isinstance(value, str):
            return None
        kind = value if value.startswith("#") else "#" + value
        return kind if kind.startswith(ODATA_PREFIX) else None

    @staticmethod
    def _check_provider(provider: dict[str, Any]) -> None:
        if provider.get("@odata.type") == OIDC_TYPE:
            missing = [name for name in OIDC_REQUIRED if not provider.get(name)]
            if missing:
                raise GraphError(
                    400, "Request_BadRequest", f"Invalid value specified for property(s): {', '.join(missing)}."
                )
            if provider.get("responseMode", "form_post") not in RESPONSE_MODES:
                raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'responseMode'.")
            if provider["responseType"] not in RESPONSE_TYPES:
                raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'responseType'.")

    def list_providers(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """An external tenant lists its built-in providers too, and its custom OpenID Connect ones as the list page's
        external-tenant example spells them."""
        providers = self._visible(self.tenant.identity_providers.values())
        context = representations.IDENTITY_PROVIDERS
        if not external_id.is_external_tenant(self.tenant):
            return self._page(request, [self._shown_provider(provider) for provider in providers], context)
        shown = [
            external_id.listed_oidc_federation(provider)
            if external_id.is_oidc_federation(provider)
            else self._shown_provider(provider)
            for provider in providers
        ]
        return self._page(request, [*external_id.BUILT_IN_PROVIDERS.values(), *shown], context)

    def create_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        kind = self._odata_type(body.get("@odata.type"))
        if kind is None:
            raise GraphError(
                400, "Request_BadRequest", "The @odata.type of the identity provider is missing or not valid."
            )
        if external_id.is_oidc_federation(body):
            return self._create_oidc_federation(body)
        body["@odata.type"] = kind
        self._check_provider(body)
        secret_name = SECRET_OF_TYPE.get(kind, "clientSecret")
        secret = body.pop(secret_name, None)  # never kept, so never in the state file
        prefix = "OIDC" if kind == OIDC_TYPE else body.get("identityProviderType", "IdP")
        provider = self._stamped({**body, "id": f"{prefix}-{new_id()}"})
        self.tenant.identity_providers[provider["id"]] = provider
        # As identitycontainer-post-identityproviders.md shows it: the type without '#', the secret echoed.
        created = {**public(provider), "@odata.type": kind.removeprefix("#")}
        if secret is not None:
            created[secret_name] = secret
        return json_response(201, created)

    def _create_oidc_federation(self, body: dict[str, Any]) -> GraphResponse:
        external_id.check_oidc_federation(self.tenant, body, GraphError)
        provider = self._stamped({**external_id.stored_oidc_federation(body), "id": new_id()})
        self.tenant.identity_providers[provider["id"]] = provider
        created = {
            **external_id.shown_oidc_federation(provider),
            "@odata.type": external_id.OIDC_FEDERATION_CREATED_TYPE,
        }
        return json_response(201, created)

    def get_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(
            200, self._shown_provider(self.tenant.identity_providers[self._provider_id(match.group(1))])
        )

    def update_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        provider = self.tenant.identity_providers[self._provider_id(match.group(1))]
        body = request.json()
        body.pop("@odata.type", None)
        body.pop(CREATED, None)
        if external_id.is_oidc_federation(provider):
            merged = {**provider, **body}
            external_id.check_oidc_federation(self.tenant, merged, GraphError)
            provider.update(external_id.stored_oidc_federation(merged))
            return GraphResponse(204)
        secret_name = SECRET_OF_TYPE.get(provider.get("@odata.type", ""), "clientSecret")
        updated = {**provider, **body, secret_name: MASKED_SECRET}
        self._check_provider(updated)
        body.pop(secret_name, None)
        provider.update(body)
        return GraphResponse(204)

    def delete_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        provider_id = self._provider_id(match.group(1))
        del self.tenant.identity_providers[provider_id]
        for flow in (*self.tenant.user_flows.values(), *self.tenant.authentication_events_flows.values()):
            flow["_providers"] = [p for p in flow["_providers"] if p != provider_id]
        return GraphResponse(204)

    # B2C user flows

    def _flow_id(self, identifier: str) -> str:
        stored = find_key(self.tenant.user_flows, identifier)
        if stored is None or not self._settled(self.tenant.user_flows[stored]):
            raise not_found("b2cIdentityUserFlow", identifier)
        return stored

    def list_user_flows(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return self._page(request, self._visible(self.tenant.user_flows.values()))

    def create_user_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        name = str(body.get("id") or "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", name):
            raise GraphError(400, "Request_BadRequest", f"The user flow id '{name}' is not valid.")
        if body.get("userFlowType") not in (
            "signUp",
            "signIn",
            "signUpOrSignIn",
            "passwordReset",
            "profileUpdate",
            "resourceOwner",
        ):
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'userFlowType'.")
        if body.get("userFlowTypeVersion") not in (1, 2, 3):
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'userFlowTypeVersion'.")
        flow_id = USER_FLOW_PREFIX + name
        if find_key(self.tenant.user_flows, flow_id) is not None:  # uniqueness sees replicating flows too
            raise GraphError(409, "AADB2C", f"A user flow with the id '{flow_id}' already exists.")
        flow = self._stamped(
            {
                "id": flow_id,
                "userFlowType": body["userFlowType"],
                # The docs type it Single but show 3 (identitycontainer-post-b2cuserflows.md): served as shown.
                "userFlowTypeVersion": int(body["userFlowTypeVersion"]),
                "isLanguageCustomizationEnabled": False,
                "defaultLanguageTag": "en",
                "_providers": [],
            }
        )
        self.tenant.user_flows[flow_id] = flow
        created = json_response(201, public(flow))
        created.headers["Location"] = f"{request.base_url}/identity/b2cUserFlows/{flow_id}"  # absolute, as documented
        return created

    def get_user_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        return json_response(200, public(self.tenant.user_flows[self._flow_id(match.group(1))]))

    def delete_user_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        del self.tenant.user_flows[self._flow_id(match.group(1))]
        return GraphResponse(204)

    def list_user_flow_providers(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self.tenant.user_flows[self._flow_id(match.group(1))]
        providers = self.tenant.identity_providers
        attached = self._visible(providers[p] for p in flow["_providers"] if p in providers)
        shown = [self._shown_provider(provider) for provider in attached]
        return self._page(request, shown, representations.PROVIDER_COLLECTION)

    def attach_user_flow_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self.tenant.user_flows[self._flow_id(match.group(1))]
        reference = str(request.json().get("@odata.id") or "")
        named = re.search(r"/identityProviders/([^/]+)/?$", reference, re.IGNORECASE)
        if named is None:
            raise GraphError(
                400,
                "Request_BadRequest",
                "The @odata.id must name an identity provider: …/identity/identityProviders/{id}.",
            )
        provider_id = self._provider_id(named.group(1))
        if provider_id in flow["_providers"]:
            raise GraphError(400, "Request_BadRequest", ALREADY_ATTACHED)
        flow["_providers"].append(provider_id)
        return GraphResponse(204)

    # Applications and service principals

    def _object(self, store: dict[str, dict[str, Any]], what: str, identifier: str) -> dict[str, Any]:
        """An object a read or a write by id may see: absent or still replicating is 404."""
        entity = store.get(identifier)
        if entity is None or not self._settled(entity):
            raise not_found(what, identifier)
        return entity

    def _by(self, store: dict[str, dict[str, Any]], name: str, value: str) -> dict[str, Any] | None:
        """The object whose `name` is `value` (case-insensitively, as the directory compares), replicated or not."""
        return next((e for e in store.values() if str(e.get(name) or "").lower() == value.lower()), None)

    def _visible_by(self, store: dict[str, dict[str, Any]], what: str, name: str, value: str) -> dict[str, Any]:
        entity = self._by(store, name, value)
        if entity is None or not self._settled(entity):
            raise not_found(what, f"{name}='{value}'")
        return entity

    def _refuse_alternate_key_write(self) -> None:
        """A tenant that does not take upserts (`upsert_supported` False), so the client's fallback is exercised."""
        if not self.upsert_supported:
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
                "id": new_id(),
                "appId": new_id(),
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
                "id": new_id(),
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
        if not self.consent_allowed:
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

    def _method_configuration(self, method: str) -> dict[str, Any]:
        """The configuration as Graph shows it: the defaults with what PATCHes changed on top."""
        stored = self.tenant.authentication_methods.get(method, {})
        configuration = {**METHOD_DEFAULTS[method], **stored}
        if method == "sms":  # smsAuthenticationMethodTarget: the get example shows isUsableForSignIn (true)
            configuration["includeTargets"] = [
                {**target, "isUsableForSignIn": target.get("isUsableForSignIn", True)}
                for target in configuration["includeTargets"]
            ]
        return configuration

    def get_method_configuration(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """emailauthenticationmethodconfiguration-get.md, smsauthenticationmethodconfiguration-get.md: 200 with the
        configuration, `@odata.context` first as in the examples."""
        method = match.group(1).lower()
        context = "https://graph.microsoft.com/beta/$metadata#authenticationMethodConfigurations/$entity"
        return json_response(200, {"@odata.context": context, **self._method_configuration(method)})

    def update_method_configuration(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """emailauthenticationmethodconfiguration-update.md, smsauthenticationmethodconfiguration-update.md:
        `@odata.type` must be in the body, properties left out keep their values, 204 without a body. The pages name
        no error code for a missing type or a bad state, so the simulator answers Graph's generic 400 BadRequest."""
        method = match.group(1).lower()
        body = request.json()
        expected = METHOD_DEFAULTS[method]["@odata.type"]
        if self._odata_type(body.get("@odata.type")) != expected:
            raise GraphError(400, "BadRequest", f"The @odata.type {expected} is required in the body.")
        if body.get("state", "enabled") not in {"enabled", "disabled"}:
            raise GraphError(400, "BadRequest", "The state of an authentication method is 'enabled' or 'disabled'.")
        if method == "sms" and "allowExternalIdToUseEmailOtp" in body:
            raise GraphError(400, "BadRequest", "Invalid property 'allowExternalIdToUseEmailOtp' for an sms method.")
        configuration = self.tenant.authentication_methods.setdefault(method, {})
        configuration.update({key: value for key, value in body.items() if key not in ("@odata.type", "id")})
        return GraphResponse(204)

    def list_conditional_access_policies(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """conditionalaccessroot-list-policies.md (beta): the policies, their conditions with `devices` null beside
        the create answer's keys (the list example shows it); new ones hidden while they replicate."""
        listed = []
        for policy in self._visible(self.tenant.conditional_access_policies.values()):
            shown = {key: value for key, value in policy.items() if key != "@odata.context"}
            shown["conditions"] = {**shown["conditions"], "devices": shown["conditions"].get("devices")}
            listed.append(shown)
        return self._page(request, listed, representations.CONDITIONAL_ACCESS_POLICIES)

    def update_conditional_access_policy(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """conditionalaccesspolicy-update.md (beta): 204; properties left out keep their values (nested objects
        merge). A policy that is not there is 404 (the page names no code: Graph's not-found code is used)."""
        policy = self._object(self.tenant.conditional_access_policies, "conditionalAccessPolicy", match.group(1))
        body = request.json()
        if "state" in body and body["state"] not in POLICY_STATES:
            raise GraphError(400, "BadRequest", f"Invalid value '{body['state']}' for the policy's state.")
        merge(policy, {key: value for key, value in body.items() if key not in ("id", "@odata.context")})
        policy["modifiedDateTime"] = clock.now().strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
        return GraphResponse(204)

    def create_conditional_access_policy(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        """conditionalaccessroot-post-policies.md: 201 with the whole policy, the lists the request left out empty,
        modifiedDateTime, sessionControls and platforms null (Example 1's answer)."""
        body = request.json()
        state = body.get("state")
        if not body.get("displayName") or state not in POLICY_STATES:
            raise GraphError(400, "BadRequest", "A Conditional Access policy needs a displayName and a valid state.")
        conditions = body.get("conditions") or {}
        applications = conditions.get("applications") or {}
        users = conditions.get("users") or {}
        grant = body.get("grantControls") or {}
        policy_id = new_id()
        policy = {
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#conditionalAccess/policies/$entity",
            "id": policy_id,
            "displayName": body["displayName"],
            "createdDateTime": clock.now().strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            "modifiedDateTime": None,
            "state": state,
            "sessionControls": body.get("sessionControls"),
            "conditions": {
                "signInRiskLevels": list(conditions.get("signInRiskLevels", [])),
                "clientAppTypes": list(conditions.get("clientAppTypes", [])),
                "platforms": conditions.get("platforms"),
                "deviceStates": conditions.get("deviceStates"),
                "applications": {
                    name: list(applications.get(name, []))
                    for name in ("includeApplications", "excludeApplications", "includeUserActions")
                },
                "users": {
                    name: list(users.get(name, []))
                    for name in (
                        "includeUsers",
                        "excludeUsers",
                        "includeGroups",
                        "excludeGroups",
                        "includeRoles",
                        "excludeRoles",
                    )
                },
                "locations": conditions.get("locations"),
            },
            "grantControls": {
                "operator": grant.get("operator"),
                "builtInControls": list(grant.get("builtInControls", [])),
                "customAuthenticationFactors": list(grant.get("customAuthenticationFactors", [])),
                "termsOfUse": list(grant.get("termsOfUse", [])),
            },
        }
        self.tenant.conditional_access_policies[policy_id] = self._stamped(policy)
        return json_response(201, public(policy))

    # External ID user flows (authenticationEventsFlows)

    def _flow(self, identifier: str) -> dict[str, Any]:
        return self._object(self.tenant.authentication_events_flows, "authenticationEventsFlow", identifier)

    def _offered(self, provider_id: str) -> dict[str, Any]:
        """A provider a flow may offer: a built-in one, or one of the tenant's (replicated: else 404)."""
        if provider_id in external_id.BUILT_IN_PROVIDERS:
            return external_id.BUILT_IN_PROVIDERS[provider_id]
        return self._shown_provider(self.tenant.identity_providers[self._provider_id(provider_id)])

    def _flow_providers(self, flow: dict[str, Any]) -> list[dict[str, Any]]:
        shown = []
        for provider_id in flow["_providers"]:
            stored = self.tenant.identity_providers.get(provider_id)
            if provider_id in external_id.BUILT_IN_PROVIDERS:
                shown.append(external_id.BUILT_IN_PROVIDERS[provider_id])
            elif stored is not None and self._settled(stored):
                shown.append(self._shown_provider(stored))
        return shown

    def _refuse_linked_elsewhere(self, app_id: str, flow_id: str | None) -> None:
        for other in self.tenant.authentication_events_flows.values():
            if app_id.lower() in (linked.lower() for linked in other["_apps"]):
                raise GraphError(
                    400,
                    "Request_BadRequest",
                    f"The application '{app_id}' is already linked to the user flow '{other['id']}'"
                    + ("." if other["id"] == flow_id else "; an application can be linked to one user flow only."),
                )

    def list_flows(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flows = self._visible(self.tenant.authentication_events_flows.values())
        return self._page(request, [external_id.listed_flow_view(f, self._flow_providers(f)) for f in flows])

    def create_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        body = request.json()
        if not external_id.same_type(body.get("@odata.type"), external_id.SIGN_UP_FLOW_TYPE):
            raise GraphError(
                400,
                "Request_BadRequest",
                "The @odata.type must be #microsoft.graph.externalUsersSelfServiceSignUpEventsFlow.",
            )
        name = body.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "Request_BadRequest", "Property 'displayName' is required.")
        if any(f["displayName"].lower() == name.lower() for f in self.tenant.authentication_events_flows.values()):
            raise GraphError(400, "Request_BadRequest", f"A user flow named '{name}' already exists.")
        load = body.get("onAuthenticationMethodLoadStart") or {}
        provider_ids = [str(item.get("id") or "") for item in load.get("identityProviders") or []]
        if not provider_ids:
            raise GraphError(400, "Request_BadRequest", "At least one identity provider must be specified.")
        resolved = [self._offered(provider_id)["id"] for provider_id in provider_ids]
        apps = ((body.get("conditions") or {}).get("applications") or {}).get("includeApplications") or []
        app_ids = [str(item.get("appId") or "") for item in apps]
        for app_id in app_ids:
            self._refuse_linked_elsewhere(app_id, None)
        flow = external_id.new_flow(body, resolved)
        flow["_apps"] = app_ids
        self.tenant.authentication_events_flows[flow["id"]] = flow
        return json_response(201, external_id.created_flow_view(flow))

    def get_flow(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        return json_response(200, external_id.listed_flow_view(flow, self._flow_providers(flow)))

    def list_flow_providers(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        providers = self._flow_providers(self._flow(match.group(1)))
        return self._page(request, providers, representations.FLOW_PROVIDER_COLLECTION)

    def add_flow_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        named = external_id.PROVIDER_REFERENCE.search(str(request.json().get("@odata.id") or ""))
        if named is None:
            raise GraphError(400, "Request_BadRequest", "The @odata.id must name an identity provider.")
        provider_id = self._offered(named.group(1))["id"]
        if provider_id in flow["_providers"]:
            raise GraphError(
                400,
                "Request_BadRequest",
                "One or more added object references already exist for the following modified properties: "
                "'identityProviders'.",
            )
        flow["_providers"].append(provider_id)
        return GraphResponse(204)

    def remove_flow_provider(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        provider_id = match.group(2)
        if provider_id not in flow["_providers"]:
            raise not_found("identityProvider", provider_id)
        flow["_providers"].remove(provider_id)
        return GraphResponse(204)

    def list_flow_apps(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        context = (
            f"{representations.METADATA}#identity/authenticationEventsFlows('{flow['id']}')"
            "/conditions/applications/includeApplications"
        )
        return self._page(request, [{"appId": app_id} for app_id in flow["_apps"]], context)

    def link_flow_app(self, request: GraphRequest, match: re.Match[str]) -> GraphResponse:
        flow = self._flow(match.group(1))
        app_id = str(request.json().get("appId") or "")
        if not app_id:
            raise GraphError(400, "Request_BadRequest", "Property 'appId' is required.")
        self._visible_by(self.tenant.applications, "application", "appId", app_id)
        self._refuse_linked_elsewhere(app_id, flow["id"])
        flow["_apps"].append(app_id)
        context = (
            f"https://graph.microsoft.com/beta/$metadata#identity/authenticationEventsFlows('{flow['id']}')"
            "/conditions/applications/includeApplications/$entity"
        )
        return json_response(201, {"@odata.context": context, "appId": app_id})

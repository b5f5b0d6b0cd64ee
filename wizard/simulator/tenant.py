"""The data of a simulated Azure AD B2C tenant, with JSON save/load so a demo survives restarts.

Secrets sent to the tenant (policy key values, identity provider client secrets) are never kept:
like B2C, the simulator cannot give them back, and so they can never leak into its state file.

Every object created through the API records its creation time on the tool's clock (`CREATED`, or
`key_set_created` for key sets, which are stored as bare key lists). The server hides an object for a
while after that time to simulate directory replication lag; the time is saved with the tenant so a
killed client, a restarted simulator and the tests all agree on when an object becomes visible.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard import clock

B2C_TENANT_TYPE = "AAD B2C"
"""What Graph reports as an organization's tenantType for an Azure AD B2C tenant (with the space)."""

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_DELEGATED_SCOPES = {
    "openid": "37f7f235-527c-4136-accd-4a02d197296e",
    "offline_access": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
    "email": "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
    "profile": "14dad69e-099b-42c9-810b-d002981feec1",
    "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
}
PUBLISHED_SCOPES = "publishedPermissionScopes"
"""The delegated permissions a service principal exposes, by the name Graph beta gives them: beta
resources/serviceprincipal.md ("This property is named oauth2PermissionScopes in v1.0") and msgraph-metadata's
beta-entity-types.json, whose servicePrincipal has publishedPermissionScopes and no oauth2PermissionScopes (that
name is the application's `api` property's, in beta as in v1.0). The simulator serves beta only."""
APPLICATION_SCOPES = "oauth2PermissionScopes"
"""Their name on an application's `api` (beta and v1.0 apiApplication), which v1.0 also gives the service principal's."""
STARTER_KEY_SETS = ("B2C_1A_TokenSigningKeyContainer", "B2C_1A_TokenEncryptionKeyContainer")
KEY_LIFETIME_SECONDS = 2 * 365 * 24 * 3600
CREATED = "_created"
"""Where an entity keeps its creation time (epoch seconds); internal, so never shown by Graph (see `public`)."""


def new_id() -> str:
    return str(uuid.uuid4())


def find_key(mapping: Mapping[str, Any], wanted: str) -> str | None:
    """B2C ids are case-insensitive: the stored spelling of `wanted`, if any."""
    lowered = wanted.lower()
    return next((key for key in mapping if key.lower() == lowered), None)


@dataclass
class SimulatedTenant:
    """Everything the simulated Graph endpoints read and write; plain JSON-able data."""

    name: str = "contoso"
    organization_id: str = field(default_factory=new_id)
    display_name: str = "Contoso B2C"
    tenant_type: str = B2C_TENANT_TYPE
    key_sets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    policies: dict[str, bytes] = field(default_factory=dict)
    identity_providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_flows: dict[str, dict[str, Any]] = field(default_factory=dict)
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    service_principals: dict[str, dict[str, Any]] = field(default_factory=lambda: with_microsoft_graph({}))
    """By object id; a tenant starts with Microsoft Graph's, as nearly every tenant has it (see `empty`)."""
    permission_grants: dict[str, dict[str, Any]] = field(default_factory=dict)
    authentication_methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What PATCHes changed in the authentication methods policy, by configuration (`email`, `sms`); the rest of
    each is its default (simulator.endpoints.METHOD_DEFAULTS)."""
    conditional_access_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Conditional Access policies by id, as Graph answers them."""
    authentication_events_flows: dict[str, dict[str, Any]] = field(default_factory=dict)
    """External ID user flows by id; `_providers` and `_apps` hold the offered provider ids and linked app ids."""
    key_set_created: dict[str, float] = field(default_factory=dict)
    """Creation time of key sets made through the API; starter key sets (absent here) were always visible."""
    asignio_port: int = 0
    """The loopback port the demo served Asignio on last time (0: none yet): a saved demo tenant's providers name
    that discovery document, so a restart serves it there again and a re-run finds nothing to change."""
    keep_deleted_key_sets: bool = False
    """A knob (not saved): a deleted key set stays listed as `<id>.bak`, as B2C does in some cases (the Graph
    docs are silent on it; operators meet it in the portal), so the remove's report of it can be tested."""

    @property
    def domain(self) -> str:
        """The initial domain, which custom policies must name as their TenantId."""
        return f"{self.name}.onmicrosoft.com"

    @classmethod
    def empty(cls, name: str = "contoso") -> SimulatedTenant:
        """A young B2C tenant with nothing in it, not even Microsoft Graph's service principal."""
        return cls(name=name, display_name=f"{name.capitalize()} B2C", service_principals={})

    @classmethod
    def seeded(
        cls, name: str = "contoso", *, tenant_type: str = B2C_TENANT_TYPE, base: Mapping[str, bytes] | None = None
    ) -> SimulatedTenant:
        """A tenant as a starter pack leaves it: the signing and encryption keysets, and `base` as its policies."""
        tenant = cls(name=name, display_name=f"{name.capitalize()} B2C", tenant_type=tenant_type)
        now = int(clock.now().timestamp())
        for key_set_id, use in zip(STARTER_KEY_SETS, ("sig", "enc"), strict=False):
            tenant.key_sets[key_set_id] = [generated_key(use, "RSA", now, now + KEY_LIFETIME_SECONDS)]
        tenant.policies.update(base or {})
        return tenant

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "organization_id": self.organization_id,
            "display_name": self.display_name,
            "tenant_type": self.tenant_type,
            "key_sets": self.key_sets,
            "policies": {policy_id: xml.decode("utf-8") for policy_id, xml in self.policies.items()},
            "identity_providers": self.identity_providers,
            "user_flows": self.user_flows,
            "applications": self.applications,
            "service_principals": self.service_principals,
            "permission_grants": self.permission_grants,
            "authentication_methods": self.authentication_methods,
            "conditional_access_policies": self.conditional_access_policies,
            "authentication_events_flows": self.authentication_events_flows,
            "key_set_created": self.key_set_created,
            "asignio_port": self.asignio_port,
        }

    @classmethod
    def from_json(cls, data: Any) -> SimulatedTenant:
        """The tenant `to_json` gave; anything else (another file, a damaged one) is a ValueError saying what."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        expected = cls().to_json()
        for name, value in data.items():
            if name not in expected:
                raise ValueError(f"unknown key {name!r}")
            if not isinstance(value, type(expected[name])):
                raise ValueError(f"{name!r} is not a {type(expected[name]).__name__}")
        entity_maps = (
            "identity_providers",
            "user_flows",
            "applications",
            "service_principals",
            "permission_grants",
            "authentication_methods",
            "conditional_access_policies",
            "authentication_events_flows",
        )
        for name in entity_maps:
            if not all(isinstance(entity, dict) for entity in data.get(name, {}).values()):
                raise ValueError(f"{name!r} holds something that is not an object")
        policies = data.get("policies", {})
        if not all(isinstance(text, str) for text in policies.values()):
            raise ValueError("'policies' holds something that is not a policy's text")
        for principal in data.get("service_principals", {}).values():
            if APPLICATION_SCOPES in principal:  # saved by an earlier simulator, which used v1.0's name
                principal.setdefault(PUBLISHED_SCOPES, principal.pop(APPLICATION_SCOPES))
        return cls(**{**data, "policies": {policy_id: text.encode("utf-8") for policy_id, text in policies.items()}})

    def save(self, path: Path) -> None:
        """Write atomically, so a simulator killed mid-write leaves the previous state intact."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self.to_json(), out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> SimulatedTenant:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def active_key(self, key_set_id: str, *, lag: float = 0.0) -> dict[str, Any] | None:
        """The newest key valid now, as getActiveKey picks it; keys younger than `lag` seconds are not seen yet."""
        stored = find_key(self.key_sets, key_set_id)
        if stored is None:
            return None
        now = clock.now().timestamp()
        valid = [
            key
            for key in self.key_sets[stored]
            if _epoch(key.get("nbf"), 0) <= now < _epoch(key.get("exp"), float("inf")) and settled(key, lag, now)
        ]
        return valid[-1] if valid else None


def _epoch(value: Any, default: float) -> float:
    """A stored nbf/exp as a number: state files from older versions, or tests, may hold numeric strings."""
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def settled(entity: Mapping[str, Any], lag: float, now: float | None = None) -> bool:
    """Whether `entity` has replicated: made more than `lag` seconds ago, or not through the API at all."""
    return created_settled(entity.get(CREATED), lag, now)


def created_settled(created: float | None, lag: float, now: float | None = None) -> bool:
    """Whether an object created at `created` (None: seeded, always visible) is visible `lag` seconds on."""
    if created is None or lag <= 0:
        return True
    return (clock.now().timestamp() if now is None else now) - created >= lag


def generated_key(use: str, kty: str, nbf: int | None, exp: int | None) -> dict[str, Any]:
    """Public metadata of a key B2C generated, as stored; the private half is never exposed by Graph."""
    key: dict[str, Any] = {"kid": uuid.uuid4().hex, "use": use, "kty": kty, "nbf": nbf, "exp": exp}
    if kty == "RSA":
        key.update(e="AQAB", n=uuid.uuid4().hex * 8)
    return key


def with_microsoft_graph(service_principals: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`service_principals` with Microsoft Graph's added when it lacks one."""
    if not any(sp["appId"] == GRAPH_APP_ID for sp in service_principals.values()):
        graph = microsoft_graph_service_principal()
        service_principals[graph["id"]] = graph
    return service_principals


def microsoft_graph_service_principal() -> dict[str, Any]:
    """Microsoft Graph's service principal, present in nearly every tenant; grants point at its object id."""
    return {
        "id": new_id(),
        "appId": GRAPH_APP_ID,
        "displayName": "Microsoft Graph",
        PUBLISHED_SCOPES: [
            {"id": scope_id, "value": value, "type": "User", "isEnabled": True}
            for value, scope_id in GRAPH_DELEGATED_SCOPES.items()
        ],
    }

"""B2C's trust framework: policy key sets and custom policies (Graph beta only).

Docs: trustframeworkkeyset-get.md, trustframework-post-keysets.md, trustframeworkkeyset-uploadsecret.md (it answers
`kty "OCT"` with nbf/exp as strings), trustframeworkkeyset-generatekey.md, trustframeworkkeyset-getactivekey.md,
trustframework-list-policies.md, trustframeworkpolicy-get.md, trustframework-put-trustframeworkpolicy.md,
trustframeworkkeyset-delete.md, trustframeworkpolicy-delete.md.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from wizard import clock
from wizard.simulator import representations
from wizard.simulator.endpoints.core import (
    NOT_FOUND,
    SEGMENT,
    GraphError,
    GraphRequest,
    GraphResponse,
    ResourceGroup,
    Route,
    b2c_not_found,
    json_response,
    routes,
)
from wizard.simulator.rules import PolicyRejected, check_policy_upload
from wizard.simulator.tenant import created_settled, find_key, generated_key

KEY_SETS = "TrustFrameworkKeySet.ReadWrite.All"
POLICIES = "Policy.ReadWrite.TrustFramework"
KEY_SET_PREFIX = "B2C_1A_"
UPLOADED_KEY_TYPE = "OCT"
"""What uploadSecret answers as kty (trustframeworkkeyset-uploadsecret.md), in capitals."""
GENERATED_KEY_TYPES = {"rsa": "RSA", "oct": "OCT"}
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


class TrustFrameworkEndpoints(ResourceGroup):
    """The tenant's policy key sets and custom policies."""

    def routes(self) -> list[Route]:
        key_set, policy = f"/trustFramework/keySets/{SEGMENT}", f"/trustFramework/policies/{SEGMENT}"
        return routes(
            [
                ("GET", "/trustFramework/keySets", self.list_key_sets, KEY_SETS),
                ("POST", "/trustFramework/keySets", self.create_key_set, KEY_SETS),
                ("GET", key_set, self.get_key_set, KEY_SETS),
                ("DELETE", key_set, self.delete_key_set, KEY_SETS),
                ("POST", f"{key_set}/uploadSecret", self.upload_secret, KEY_SETS),
                ("POST", f"{key_set}/generateKey", self.generate_key, KEY_SETS),
                ("GET", rf"{key_set}/getActiveKey(?:\(\))?", self.get_active_key, KEY_SETS),
                ("GET", "/trustFramework/policies", self.list_policies, POLICIES),
                ("GET", rf"{policy}/\$value", self.get_policy_xml, POLICIES),
                ("PUT", rf"{policy}/\$value", self.put_policy_xml, POLICIES),
                ("GET", policy, self.get_policy, POLICIES),
                ("DELETE", policy, self.delete_policy, POLICIES),
            ]
        )

    # Key sets

    def _key_set_id(self, identifier: str) -> str:
        """The stored id of a key set a read or a write by id may see: absent or replicating is 404."""
        stored = find_key(self.tenant.key_sets, identifier)
        if stored is None or not created_settled(self.tenant.key_set_created.get(stored), self.knobs.replication_lag):
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
            if created_settled(created.get(key_set_id), self.knobs.replication_lag)
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
        key = self.tenant.active_key(key_set_id, lag=self.knobs.replication_lag)
        if key is None:
            raise GraphError(404, NOT_FOUND, f"The key set '{key_set_id}' has no active key.")
        return json_response(200, key_view(key))

    # Policies (B2C's own store: no replication lag is simulated for them)

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

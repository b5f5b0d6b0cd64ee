"""B2C's trust framework: policy key sets and custom policies (Graph beta only).

Docs: trustframeworkkeyset-get.md, trustframework-post-keysets.md, trustframeworkkeyset-uploadsecret.md,
trustframeworkkeyset-generatekey.md, trustframework-list-policies.md, trustframeworkpolicy-get.md,
trustframework-put-trustframeworkpolicy.md, trustframeworkkeyset-delete.md, trustframeworkpolicy-delete.md.
"""

from __future__ import annotations

from wizard.graph.errors import GraphFailure, translate
from wizard.graph.models import Key, KeySet, strip_prefix, with_prefix
from wizard.graph.transport import GraphResource, path_segment
from wizard.permissions import KEY_SETS, POLICIES

KEY_SET_PREFIX = "B2C_1A_"
XML = "application/xml"


class TrustFrameworkCalls(GraphResource):
    # Policy keys

    async def key_set(self, key_set_id: str) -> KeySet | None:
        found = await self._graph.get_optional(KEY_SETS, f"trustFramework/keySets/{path_segment(key_set_id)}")
        return None if found is None else self._parse_key_set(found, "GET /trustFramework/keySets/{id}")

    def _parse_key_set(self, data: dict[str, object], where: str) -> KeySet:
        return self._parse(KeySet, {**data, "keys": data.get("keys") or ()}, KEY_SETS, where)

    async def create_key_set(self, key_set_id: str) -> KeySet:
        """Create the (empty) key set; B2C adds the B2C_1A_ prefix. An existing one is returned as it is, once
        Graph shows it (right after a create elsewhere it may not yet)."""
        full_id = with_prefix(key_set_id, KEY_SET_PREFIX)
        try:
            response = await self._graph.send(
                KEY_SETS,
                "POST",
                "trustFramework/keySets",
                json={"id": strip_prefix(key_set_id, KEY_SET_PREFIX)},
                idempotent=True,  # a second create answers AADB2C95028, "it exists"
            )
        except GraphFailure as failure:
            if not failure.is_conflict:
                raise translate(failure, KEY_SETS) from None
            return await self._shown(f"the key set {full_id}", "says it has", lambda: self.key_set(full_id))
        return self._parse_key_set(self._graph.parse_json(KEY_SETS, response), "POST /trustFramework/keySets")

    async def upload_secret(self, key_set_id: str, secret: str, *, use: str, nbf: int, exp: int) -> Key:
        """Add the secret as the key set's newest key (not idempotent: every call adds a key)."""
        return await self._add_key(key_set_id, "uploadSecret", {"use": use, "k": secret, "nbf": nbf, "exp": exp})

    async def generate_key(self, key_set_id: str, *, kty: str, use: str, nbf: int, exp: int) -> Key:
        """Have B2C make a new key in the key set (not idempotent: every call adds a key). The doc's example
        answers 200 with the key's public part (`k` null, `e`/`n` for RSA)."""
        return await self._add_key(key_set_id, "generateKey", {"use": use, "kty": kty, "nbf": nbf, "exp": exp})

    async def _add_key(self, key_set_id: str, action: str, body: dict[str, object]) -> Key:
        """POST one of the key set's key-adding actions, sent once (a repeat would add a second key), patient only
        with a key set too new to be seen yet."""
        path = f"trustFramework/keySets/{path_segment(key_set_id)}/{action}"

        async def add() -> Key:
            response = await self._graph.send(KEY_SETS, "POST", path, json=body, idempotent=False)
            return self._parse(
                Key,
                self._graph.parse_json(KEY_SETS, response),
                KEY_SETS,
                f"POST /trustFramework/keySets/{{id}}/{action}",
            )

        return await self._graph.patiently(KEY_SETS, f"the key set {key_set_id}", add)

    async def delete_key_set(self, key_set_id: str) -> bool:
        """Delete the key set (204); False when the tenant has none by that id (404), so a re-run writes nothing."""
        path = f"trustFramework/keySets/{path_segment(key_set_id)}"
        return await self._graph.delete_optional(KEY_SETS, path)

    # Custom policies

    async def policy_ids(self) -> list[str]:
        policies = await self._graph.list_all(POLICIES, "trustFramework/policies")
        return [str(policy["id"]) for policy in policies if policy.get("id")]

    async def policy_xml(self, policy_id: str) -> bytes | None:
        """The policy as stored, or None when the tenant has no such policy."""
        path = f"trustFramework/policies/{path_segment(policy_id)}/$value"
        response = await self._graph.send_optional(POLICIES, "GET", path, headers={"Accept": XML}, idempotent=True)
        return None if response is None else response.content

    async def upload_policy(self, policy_id: str, content: bytes) -> bool:
        """Create or replace the policy (PUT, so safe to repeat); True when it was created (201, else 200)."""
        response = await self._graph.call(
            POLICIES,
            "PUT",
            f"trustFramework/policies/{path_segment(policy_id)}/$value",
            content=content,
            headers={"Content-Type": XML},
            idempotent=True,
        )
        return response.status_code == 201

    async def delete_policy(self, policy_id: str) -> bool:
        """Delete the policy (204; the path has no /$value); False when the tenant has no such policy."""
        path = f"trustFramework/policies/{path_segment(policy_id)}"
        return await self._graph.delete_optional(POLICIES, path)
